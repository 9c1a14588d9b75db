// Runs inside headless Chromium, served by tidings-devserver (--www = a temp dir prepared by
// tests/bench/browser.mjs, --pkg = npm/). The Node side calls the window.bench* functions.
import { connect, createParser as tidingsCreateParser, init } from '/pkg/dist/index.js';
import { fetchEventSource } from './vendor/fetch-event-source.js';
import { createParser as espCreateParser } from './vendor/eventsource-parser.js';
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

/** Full clients over the dev server: each resolves at the expected event count. */
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
  'eventsource-parser + fetch + TextDecoder': async (url, expected) => {
    let events = 0;
    let chars = 0;
    const response = await fetch(url);
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
  },
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
  await init();
  const rows = [];
  for (const workload of files) {
    const url = `/sse/file?name=${workload.file}&chunk=${workload.chunk}&session=bench`;
    const times = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
    const chars = {};
    for (let round = 0; round <= runs; round++) {
      for (const [name, run] of Object.entries(clients)) {
        const start = performance.now();
        const result = await withTimeout(run(url, workload.events), `${name} on ${workload.name}`);
        const ms = performance.now() - start;
        if (result.events !== workload.events) throw new Error(`${name}: ${result.events} events`);
        chars[name] = result.chars;
        if (round > 0) times[name].push(ms);
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
        events: workload.events,
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
  return { wasmMemory: exports.memory.buffer.byteLength, liveHandles: glue.Client.liveHandles() };
}

window.benchMemoryStart = async () => {
  await init();
  memStream = connect('/sse/drop?after=1&count=1000000000&session=memory', {
    retry: { initialDelay: 1, maxDelay: 2, multiplier: 1 },
  });
  memStream.on('message', () => {});
  memStream.on('error', () => {});
  await until(() => memStream.metrics.reconnects >= 1, 'first reconnect');
  return { reconnects: memStream.metrics.reconnects, ...(await wasmMemoryBytes()) };
};

window.benchMemoryUntil = async (n) => {
  await until(() => memStream.metrics.reconnects >= n, `${n} reconnects`);
  return { reconnects: memStream.metrics.reconnects, ...(await wasmMemoryBytes()) };
};

window.benchMemoryStop = async () => {
  memStream.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { reconnects: memStream.metrics.reconnects, messages: memStream.metrics.messages, ...(await wasmMemoryBytes()) };
};

document.getElementById('status').textContent = 'ready';
window.benchReady = true;
