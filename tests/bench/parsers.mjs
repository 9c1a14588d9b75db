// Parser runners shared by the Node and Chromium benchmarks. The libraries are passed in
// because Node and the browser import them from different places.
//
// Every runner feeds the chunks as they would come off a fetch() body (Uint8Array), and its
// onEvent touches the data (length) so the string really exists. eventsource-parser takes
// strings, so it gets a streaming TextDecoder in front, as its README shows.

/** @returns {Record<string, (chunks: Uint8Array[]) => {events: number, chars: number, ms: number}>} */
export function parserRunners({ tidingsCreateParser, espCreateParser }) {
  return {
    'tidings createParser': (chunks) => {
      let events = 0;
      let chars = 0;
      const start = performance.now();
      const parser = tidingsCreateParser({
        onEvent(event) {
          events++;
          chars += event.data.length;
        },
      });
      for (const chunk of chunks) parser.feed(chunk);
      return { events, chars, ms: performance.now() - start };
    },
    'eventsource-parser + TextDecoder': (chunks) => {
      let events = 0;
      let chars = 0;
      const start = performance.now();
      const decoder = new TextDecoder();
      const parser = espCreateParser({
        onEvent(event) {
          events++;
          chars += event.data.length;
        },
      });
      for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
      parser.feed(decoder.decode());
      return { events, chars, ms: performance.now() - start };
    },
    // The floor (issue 10): what the browser's own streaming TextDecoder costs on these bytes,
    // with no parsing at all. A parser that hands out JS strings decodes every byte once, so
    // `peer time / floor time` is the most any such parser could reach against the peer.
    // Decoding alone can take less than the page's clock resolution (Chromium coarsens
    // performance.now() to 0.1 ms; smoke workloads decode in less), so it repeats until 2 ms
    // have passed (at most 1,000 passes) and reports the time of one pass.
    [DECODE_FLOOR]: (chunks) => {
      let chars = 0;
      let passes = 0;
      const start = performance.now();
      let ms = 0;
      do {
        chars = 0;
        const decoder = new TextDecoder();
        for (const chunk of chunks) chars += decoder.decode(chunk, { stream: true }).length;
        chars += decoder.decode().length;
        passes++;
        ms = performance.now() - start;
      } while (ms < 2 && passes < 1000);
      return { events: null, chars, ms: ms / passes };
    },
  };
}

/** The runner that only decodes (no events): skipped by the event and data-length checks. */
export const DECODE_FLOOR = 'TextDecoder only (floor)';

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs every runner on every workload `runs` times, interleaved (A B A B ...) so drift on a
 * shared machine hits both alike; one untimed warm-up run each first. Returns rows with the
 * median time.
 */
export function runParserBench(runners, workloads, split, { runs }) {
  const rows = [];
  for (const workload of workloads) {
    const chunks = split(workload.bytes, workload.chunk);
    const times = Object.fromEntries(Object.keys(runners).map((name) => [name, []]));
    const checks = {};
    for (let round = 0; round <= runs; round++) {
      for (const [name, run] of Object.entries(runners)) {
        const result = run(chunks);
        if (round > 0) times[name].push(result.ms);
        if (name === DECODE_FLOOR) continue;
        if (result.events !== workload.events) {
          throw new Error(`${name} on ${workload.name}: ${result.events} events, expected ${workload.events}`);
        }
        checks[name] = result.chars;
      }
    }
    const chars = new Set(Object.values(checks));
    if (chars.size !== 1) throw new Error(`${workload.name}: parsers disagree on data length ${[...chars]}`);
    for (const name of Object.keys(runners)) {
      rows.push({
        workload: workload.name,
        title: workload.title,
        impl: name,
        bytes: workload.bytes.length,
        events: name === DECODE_FLOOR ? 0 : workload.events,
        chunks: chunks.length,
        runs,
        ms: median(times[name]),
        msAll: times[name].map((t) => Math.round(t * 100) / 100),
      });
    }
  }
  return rows;
}
