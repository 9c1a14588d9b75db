// The benchmark workloads, byte for byte the same as crates/tidings-core/benches/throughput.rs.
// Used in Node and (served as a plain ES module) in Chromium.

/** Tokens of the LLM stream; one is non-ASCII so UTF-8 decoding is exercised. */
const WORDS = [' the', ' quick', ' brown', ' fox', ' jumps', ' over', ' café', ' dog'];

/** `data: {"i":I,"choices":[{"delta":{"content":"W"}}]}` + blank line, for i in 0..n. */
export function tokens(n) {
  const parts = new Array(n);
  for (let i = 0; i < n; i++) {
    parts[i] = `data: {"i":${i},"choices":[{"delta":{"content":"${WORDS[i % WORDS.length]}"}}]}\n\n`;
  }
  return new TextEncoder().encode(parts.join(''));
}

/** n events whose data is `{"n":I,"rows":[ROWS]}`, rows appended until size - 32 bytes. */
export function large(n, size) {
  let rows = '';
  for (let k = 0; rows.length < size - 32; k++) {
    if (k > 0) rows += ',';
    rows += `{"id":${k},"name":"row-${k}","ok":true,"tags":["a","b"]}`;
  }
  const parts = new Array(n);
  for (let i = 0; i < n; i++) parts[i] = `data: {"n":${i},"rows":[${rows}]}\n\n`;
  return new TextEncoder().encode(parts.join(''));
}

/** One event whose single data line is `size` bytes of a JSON-ish ASCII pattern. */
export function huge(size) {
  const pattern = new TextEncoder().encode('{"k":"lorem ipsum dolor sit amet","v":[1,2,3]},');
  const out = new Uint8Array(6 + size + 2);
  out.set(new TextEncoder().encode('data: '), 0);
  for (let i = 0; i < size; i++) out[6 + i] = pattern[i % pattern.length];
  out[6 + size] = 10;
  out[6 + size + 1] = 10;
  return out;
}

/**
 * The workloads: name, bytes, chunk size, expected event count. `perEvent` splits the token
 * stream one event per chunk (what an LLM stream looks like on the wire when the server
 * flushes every token), where per-call costs dominate.
 */
export function workloads({ smoke = false } = {}) {
  const nTokens = smoke ? 1_000 : 100_000;
  const nLarge = smoke ? 10 : 1_000;
  const hugeSize = smoke ? 256 << 10 : 8 << 20;
  return [
    { name: 'tokens', title: `LLM token stream (${nTokens.toLocaleString('en')} events, 64 KiB chunks)`, bytes: tokens(nTokens), chunk: 64 << 10, events: nTokens },
    { name: 'tokens-per-event', title: `LLM token stream, one event per chunk (${nTokens.toLocaleString('en')} chunks)`, bytes: tokens(nTokens), chunk: 'event', events: nTokens },
    { name: 'large', title: `large events (${nLarge.toLocaleString('en')} x 64 KiB JSON, 64 KiB chunks)`, bytes: large(nLarge, 64 << 10), chunk: 64 << 10, events: nLarge },
    { name: 'huge', title: `one ${hugeSize >> 20 ? `${hugeSize >> 20} MiB` : `${hugeSize >> 10} KiB`} event (1 KiB chunks)`, bytes: huge(hugeSize), chunk: 1 << 10, events: 1 },
  ];
}

/** Splits bytes into chunks of `chunk` bytes, or one chunk per event (at each `\n\n`). */
export function split(bytes, chunk) {
  const chunks = [];
  if (chunk === 'event') {
    let start = 0;
    for (let i = 1; i < bytes.length; i++) {
      if (bytes[i] === 10 && bytes[i - 1] === 10) {
        chunks.push(bytes.subarray(start, i + 1));
        start = i + 1;
      }
    }
    if (start < bytes.length) chunks.push(bytes.subarray(start));
  } else {
    for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  }
  return chunks;
}
