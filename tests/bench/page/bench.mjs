// Runs inside headless Chromium, served by tidings-devserver (--www = a temp dir prepared by
// tests/bench/browser.mjs, --pkg = npm/). The Node side calls the window.bench* functions.
import { connect, createParser as tidingsCreateParser, init } from '/pkg/dist/index.js';
import { memoryOf } from '/pkg/dist/wasm-load.js';
import { fetchEventSource } from './vendor/fetch-event-source.js';
import { createParser as espCreateParser } from './vendor/eventsource-parser.js';
import { balancedOrders } from './order.mjs';
import { median, parserRunners, runParserBench } from './parsers.mjs';
import { split, workloads } from './workloads.mjs';

const TIMEOUT_MS = 180_000;

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

window.benchParsers = async ({ smoke, runs }) => {
  await init();
  return runParserBench(parserRunners({ tidingsCreateParser, espCreateParser }), workloads({ smoke }), split, { runs });
};

/** The client that only reads and decodes (no events): skipped by the event checks. */
const CLIENT_FLOOR = 'fetch + TextDecoder, read only (floor)';
const CLIENT_FLOOR_NO_STORE = "fetch (cache: 'no-store') + TextDecoder, read only (tidings' floor)";
const PEER_NO_STORE = "eventsource-parser + fetch (cache: 'no-store') + TextDecoder";
/** The clients that are floors: no events, the whole body instead. */
const FLOORS = new Set([CLIENT_FLOOR, CLIENT_FLOOR_NO_STORE]);

/** Reads a stream's body to its end and decodes it, nothing else (the floors). */
async function readOnly(url, init) {
  let bytes = 0;
  let chars = 0;
  const response = await fetch(url, init);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    chars += decoder.decode(value, { stream: true }).length;
  }
  chars += decoder.decode().length;
  return { events: null, bytes, chars };
}

/** eventsource-parser over fetch + a streaming TextDecoder, as its README has its users run it. */
async function viaEventsourceParser(url, expected, init) {
  let events = 0;
  let chars = 0;
  const response = await fetch(url, init);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = espCreateParser({
    onEvent(event) {
      events++;
      chars += event.data.length;
    },
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
    if (events === expected) {
      await reader.cancel();
      break;
    }
  }
  return { events, chars };
}

/** Full clients over the dev server: each resolves at the expected event count (the floor: at the end of the body). */
const clients = {
  'tidings connect()': (url, expected) =>
    new Promise((resolve, reject) => {
      let events = 0;
      let chars = 0;
      const stream = connect(url, { retry: { maxAttempts: 0 } });
      stream.on('message', (event) => {
        events++;
        chars += event.data.length;
        if (events === expected) {
          stream.close();
          resolve({ events, chars });
        }
      });
      stream.on('error', (error) => {
        stream.close();
        reject(error);
      });
    }),
  // The floors (issue 10): fetch the same body and decode it, nothing else: what any client
  // that hands out JS strings pays the browser. No events to count, so each resolves at the
  // end of the body (/sse/file ends the response after the file; the last event ends there
  // too) and reports the bytes it read, which the caller checks against the file. One with
  // `fetch(url)`, as the peers fetch; one with `cache: 'no-store'`, as tidings' fetch
  // transport does (to need no CORS preflight): in Chromium that read alone is faster (a
  // `no-cache` stream is otherwise stored in the HTTP cache as it arrives, presumably), so
  // it is the floor of tidings' own figure.
  [CLIENT_FLOOR]: (url) => readOnly(url),
  [CLIENT_FLOOR_NO_STORE]: (url) => readOnly(url, { cache: 'no-store' }),
  'eventsource-parser + fetch + TextDecoder': (url, expected) => viaEventsourceParser(url, expected),
  // The same peer with tidings' fetch option, to tell what comes from parsing from what
  // comes from the cache mode.
  [PEER_NO_STORE]: (url, expected) => viaEventsourceParser(url, expected, { cache: 'no-store' }),
  '@microsoft/fetch-event-source': (url, expected) =>
    new Promise((resolve, reject) => {
      let events = 0;
      let chars = 0;
      const controller = new AbortController();
      fetchEventSource(url, {
        signal: controller.signal,
        openWhenHidden: true,
        onmessage(message) {
          events++;
          chars += message.data.length;
          if (events === expected) {
            controller.abort();
            resolve({ events, chars });
          }
        },
        onclose() {
          throw new Error(`closed after ${events} events`);
        },
        onerror(error) {
          reject(error);
          throw error; // no retry
        },
      }).catch(reject);
    }),
  'native EventSource': (url, expected) =>
    new Promise((resolve, reject) => {
      let events = 0;
      let chars = 0;
      const source = new EventSource(url);
      source.onmessage = (event) => {
        events++;
        chars += event.data.length;
        if (events === expected) {
          source.close();
          resolve({ events, chars });
        }
      };
      source.onerror = () => {
        source.close();
        reject(new Error(`EventSource error after ${events} events`));
      };
    }),
};

/** `files`: [{name, file, chunk, events, bytes, title}] prepared by the Node side. */
window.benchClients = async ({ files, runs }) => {
  // Required, not skipped when missing: without it the figures are biased again (see below).
  if (typeof globalThis.gc !== 'function') throw new Error('benchClients needs Chromium started with --js-flags=--expose-gc (browser.mjs does)');
  await init();
  const rows = [];
  for (const workload of files) {
    const url = `/sse/file?name=${workload.file}&chunk=${workload.chunk}&session=bench`;
    const times = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
    const chars = {};
    const entries = Object.entries(clients);
    const orders = balancedOrders(entries.length);
    for (let round = 0; round <= runs; round++) {
      // A new order every round, in which each client follows every other one equally often
      // over the design's rounds (see order.mjs), with a pause before each client: what
      // one client leaves behind (the native EventSource's 100,000 events to collect, sockets
      // closing) must not be timed as the next one's connection setup. Measured: without the
      // pause, whichever client followed EventSource took ~0.5 s longer to open; with it, the
      // client after EventSource is still slower (findings.md 1.), so no client may always
      // follow the same one.
      for (const k of orders[round % orders.length]) {
        const [name, run] = entries[k];
        await new Promise((resolve) => setTimeout(resolve, 300));
        // A full collection before each client: without it, the garbage the previous client
        // left (the native EventSource's 100,000 MessageEvents) is collected during the next
        // one's run: measured ≈ 1.6x slower for that alone (tests/bench/findings.md).
        gc();
        const start = performance.now();
        const result = await withTimeout(run(url, workload.events), `${name} on ${workload.name}`);
        const ms = performance.now() - start;
        if (round > 0) times[name].push(ms);
        if (FLOORS.has(name)) {
          // No events and not the data length; all of the body instead.
          if (result.bytes !== workload.bytes) throw new Error(`${name}: ${result.bytes} bytes, expected ${workload.bytes}`);
          continue;
        }
        if (result.events !== workload.events) throw new Error(`${name}: ${result.events} events`);
        chars[name] = result.chars;
      }
    }
    if (new Set(Object.values(chars)).size !== 1) {
      throw new Error(`${workload.name}: clients disagree on data length ${JSON.stringify(chars)}`);
    }
    for (const name of Object.keys(clients)) {
      rows.push({
        workload: workload.name,
        title: workload.title,
        impl: name,
        bytes: workload.bytes,
        events: FLOORS.has(name) ? 0 : workload.events,
        runs,
        ms: median(times[name]),
        msAll: times[name].map((t) => Math.round(t * 10) / 10),
      });
    }
  }
  return rows;
};

// ----- memory: one client that the server drops after every event ---------------------------

let memStream;
let memCount = () => 0;

async function until(check, what) {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what}: timed out`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function wasmMemoryBytes() {
  // The package's glue module (same URL, so the same instance): its init returns the live
  // exports without instantiating again.
  const glue = await import('/pkg/wasm/tidings_wasm.js');
  const exports = await glue.default();
  // The module's counters, by name (it numbers them in this order).
  const names = ['eventSources', 'abortControllers', 'readers', 'timers', 'closures', 'domListeners', 'locks', 'channels', 'total'];
  const liveHandles = Object.fromEntries(names.map((name, i) => [name, glue.Client.liveHandle(i)]));
  return { wasmMemory: memoryOf(exports).buffer.byteLength, liveHandles };
}

/**
 * The baseline: the smallest hand-written reconnect loop over fetch on the same endpoint, so the
 * browser's own per-request bookkeeping (console messages for cut connections, resource timing
 * entries, DevTools network records) shows up on both sides.
 */
function fetchLoop(url) {
  let reconnects = -1;
  let stopped = false;
  const controller = new AbortController();
  (async () => {
    while (!stopped) {
      reconnects++;
      try {
        const response = await fetch(url, { signal: controller.signal });
        const reader = response.body.getReader();
        while (!(await reader.read()).done);
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  return {
    get reconnects() {
      return Math.max(reconnects, 0);
    },
    close() {
      stopped = true;
      controller.abort();
    },
  };
}

window.benchMemoryStart = async (kind = 'tidings') => {
  await init();
  const url = `/sse/drop?after=1&count=1000000000&session=memory-${kind}`;
  if (kind === 'tidings') {
    memStream = connect(url, { retry: { initialDelay: 1, maxDelay: 2, multiplier: 1 } });
    memStream.on('message', () => {});
    memStream.on('error', () => {});
    memCount = () => memStream.metrics.reconnects;
  } else {
    memStream = fetchLoop(url);
    memCount = () => memStream.reconnects;
  }
  await until(() => memCount() >= 1, 'first reconnect');
  return { reconnects: memCount(), ...(await wasmMemoryBytes()) };
};

window.benchMemoryUntil = async (n) => {
  await until(() => memCount() >= n, `${n} reconnects`);
  return { reconnects: memCount(), ...(await wasmMemoryBytes()) };
};

window.benchMemoryStop = async () => {
  memStream.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { reconnects: memCount(), ...(await wasmMemoryBytes()) };
};

document.getElementById('status').textContent = 'ready';
window.benchReady = true;

// ----- where the time goes: per-event costs on the token stream ------------------------------

/**
 * Splits the per-event cost of the token stream into its parts, each timed on its own over the
 * same 64 KiB chunks (median of `runs`): what the wasm-bindgen boundary costs per event, and
 * the floor a batched boundary could reach. ns per event.
 */
window.benchBoundary = async ({ smoke, runs }) => {
  await init();
  // The parser module's glue (same URL as the package's loader, so the instance init() loaded).
  const glue = await import('/pkg/wasm/tidings_parser.js');
  // The package's own accessor of that instance's memory (where a batch's text is).
  const { parserMemory } = await import('/pkg/dist/parser-wasm.js');
  const workload = workloads({ smoke }).find((w) => w.name === 'tokens');
  const chunks = split(workload.bytes, workload.chunk);
  const n = workload.events;
  // Byte ranges of each event's data inside its chunk (as a batched API would report them).
  const ranges = chunks.map((chunk) => {
    const out = [];
    for (let i = 0; i + 6 < chunk.length; i++) {
      if (chunk[i] === 100 && chunk[i + 4] === 58 && (i === 0 || chunk[i - 1] === 10)) {
        let end = i + 6;
        while (end < chunk.length && chunk[end] !== 10) end++;
        if (end < chunk.length) out.push(i + 6, end);
      }
    }
    return out;
  });
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let sink = 0;
  const cases = {
    'TextDecoder.decode of each chunk (bytes -> one string)': () => {
      for (const chunk of chunks) sink += decoder.decode(chunk).length;
    },
    'TextDecoder.decode x3 per event (what the glue did per event before batching: type, data, id)': () => {
      for (let c = 0; c < chunks.length; c++) {
        const chunk = chunks[c];
        const r = ranges[c];
        for (let i = 0; i < r.length; i += 2) {
          sink += decoder.decode(chunk.subarray(r[i] - 13, r[i] - 6)).length; // 7 bytes, like "message"
          sink += decoder.decode(chunk.subarray(r[i], r[i + 1])).length;
          sink += decoder.decode(chunk.subarray(r[i], r[i])).length;
        }
      }
    },
    'wasm parserFeed + its text (parse + batched boundary, no JS object)': () => {
      const parser = glue.parserNew(NaN, NaN, new Uint8Array());
      for (const chunk of chunks) {
        // The address of the batch's header: records at [0] (count [1]), text at [2] (bytes
        // [3]). Its text is decoded from the module's memory, as createParser does.
        const at = glue.parserFeed(parser, chunk);
        if (!at) continue;
        const buffer = parserMemory().buffer;
        const header = new Uint32Array(buffer, at, 4);
        sink += header[1] + decoder.decode(new Uint8Array(buffer, header[2], header[3])).length;
      }
      glue.parserFree(parser);
    },
    'createParser, no-op onEvent (+ the event object)': () => {
      const parser = tidingsCreateParser({ onEvent() {} });
      for (const chunk of chunks) parser.feed(chunk);
    },
    'batched floor: one decode per chunk + slice per event (simulated)': () => {
      // What a batched API costs on the JS side: wasm reports UTF-16 offsets per chunk, JS
      // decodes the chunk once and slices. (Offsets here are byte offsets; the stream's one
      // non-ASCII token makes a few slices shift, which does not change the cost.)
      for (let c = 0; c < chunks.length; c++) {
        const text = decoder.decode(chunks[c]);
        const r = ranges[c];
        for (let i = 0; i < r.length; i += 2) sink += text.slice(r[i], r[i + 1]).length;
      }
    },
    'eventsource-parser + TextDecoder, no-op onEvent': () => {
      const dec = new TextDecoder();
      const parser = espCreateParser({ onEvent() {} });
      for (const chunk of chunks) parser.feed(dec.decode(chunk, { stream: true }));
    },
  };
  const rows = [];
  for (const [name, run] of Object.entries(cases)) {
    run(); // warm-up
    const times = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      run();
      times.push(performance.now() - start);
    }
    rows.push({ name, events: n, nsPerEvent: (median(times) * 1e6) / n });
  }
  return { rows, sink };
};
