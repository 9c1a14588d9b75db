// The shared conformance corpus (tests/fixtures/parser) replayed through createParser: each
// case whole, split at every byte offset into two chunks, and byte by byte.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

import { createParser, init } from '../../src/index.js';

const dir = fileURLToPath(new URL('../../../tests/fixtures/parser/', import.meta.url));

type Piece = string | { hex: string };
interface Input {
  input?: string;
  input_hex?: string;
  input_parts?: Piece[];
}
interface Case extends Input {
  description: string;
  limits?: { max_line_len: number; max_event_size: number };
  initial_last_event_id?: string;
  connections?: Input[];
  expected: Array<Record<string, unknown>>;
  last_event_id?: string;
}

const hex = (text: string) => Uint8Array.from(text.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16));
const encode = (text: string) => new TextEncoder().encode(text);
function bytesOf(input: Input): Uint8Array {
  if (input.input !== undefined) return encode(input.input);
  if (input.input_hex !== undefined) return hex(input.input_hex);
  const parts = (input.input_parts ?? []).map((p) => (typeof p === 'string' ? encode(p) : hex(p.hex)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

// Retry values above 2^53 (u64::MAX in two cases): JSON.parse and the wasm's f64 both round
// to the same double, so Number equality is the comparison the fixture README allows.
function replay(c: Case, chunk: (bytes: Uint8Array) => Uint8Array[]) {
  const out: Array<Record<string, unknown>> = [];
  let failed = false;
  const parser = createParser({
    onEvent: (e) => out.push({ type: 'event', event: e.event ?? 'message', data: e.data, id: e.lastEventId }),
    onRetry: (ms) => out.push({ type: 'retry', value: ms }),
    onComment: (text) => out.push({ type: 'comment', value: text }),
    onError: (error) => {
      // The parser stays failed: later feeds of this connection repeat the error; record it once.
      if (!failed) out.push({ type: 'error', kind: error.kind });
      failed = true;
    },
    maxLineSize: c.limits?.max_line_len,
    maxEventSize: c.limits?.max_event_size,
    lastEventId: c.initial_last_event_id,
  });
  const connections = c.connections ?? [c];
  connections.forEach((connection, i) => {
    if (i > 0) {
      parser.reset();
      failed = false;
    }
    for (const piece of chunk(bytesOf(connection))) parser.feed(piece);
  });
  // End of the last stream: finish() has no JS counterpart in eventsource-parser's API;
  // reset() discards the pending event the same way, and emits nothing.
  parser.reset();
  return out;
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, c: JSON.parse(readFileSync(dir + file, 'utf8')) as Case }));

beforeAll(async () => {
  await init();
});

test('the corpus is there', () => {
  expect(cases.length).toBeGreaterThan(100);
});

describe('conformance corpus through createParser', () => {
  for (const { file, c } of cases) {
    test(`${file}: ${c.description.slice(0, 80)}`, () => {
      const whole = replay(c, (b) => [b]);
      const byteByByte = replay(c, (b) => Array.from(b, (_, i) => b.subarray(i, i + 1)));
      expect(byteByByte).toEqual(whole);
      const longest = Math.max(...(c.connections ?? [c]).map((x) => bytesOf(x).length));
      for (let at = 0; at <= longest; at++) {
        expect(replay(c, (b) => [b.subarray(0, at), b.subarray(at)])).toEqual(whole);
      }
      expect(whole).toEqual(c.expected);
    });
  }
});
