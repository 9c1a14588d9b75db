// Node tests of the built package (dist/ + wasm/): run `npm run build` first.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createParser, init, TidingsError } from '../dist/index.js';

await init();

function collect(options = {}) {
  const out = { events: [], retries: [], comments: [], errors: [] };
  const parser = createParser({
    onEvent: (e) => out.events.push(e),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (c) => out.comments.push(c),
    onError: (e) => out.errors.push(e),
    ...options,
  });
  return { parser, out };
}

test('parses a stream fed as bytes, split inside CRLF and inside a UTF-8 character', () => {
  const { parser, out } = collect();
  const bytes = new TextEncoder().encode('\uFEFFid: 1\r\nevent: greet\r\ndata: héllo\r\n\r\ndata: two\n\n');
  const crlf = bytes.indexOf(0x0a) ; // the first LF, right after a CR
  const accent = bytes.indexOf(0xc3); // first byte of "é"
  parser.feed(bytes.subarray(0, crlf));
  parser.feed(bytes.subarray(crlf, accent + 1));
  parser.feed(bytes.subarray(accent + 1));
  assert.deepEqual(out.events, [
    { event: 'greet', id: '1', data: 'héllo', lastEventId: '1' },
    { event: undefined, id: '1', data: 'two', lastEventId: '1' },
  ]);
});

test('strings, retry and comments take the same path', () => {
  const { parser, out } = collect();
  parser.feed(': keep-alive\nretry: 2500\ndata: a\ndata: b\n\n');
  assert.deepEqual(out.comments.map((c) => c.trim()), ['keep-alive']);
  assert.deepEqual(out.retries, [2500]);
  assert.deepEqual(out.events.map((e) => e.data), ['a\nb']);
});

test('an oversized line is a typed error, and reset() recovers', () => {
  const { parser, out } = collect({ maxBufferSize: 64 });
  parser.feed(`data: ${'x'.repeat(200)}\n\n`);
  assert.equal(out.errors.length, 1);
  assert.ok(out.errors[0] instanceof TidingsError);
  assert.equal(out.errors[0].kind, 'line-too-long');
  assert.equal(out.errors[0].message, 'line longer than 64 bytes');
  assert.equal(out.errors[0].limit, 64);
  assert.equal(out.events.length, 0);
  parser.reset();
  parser.feed('data: fine\n\n');
  assert.deepEqual(out.events.map((e) => e.data), ['fine']);
});

test('an oversized event is event-too-large, with the message of the Rust Display', () => {
  const { parser, out } = collect({ maxEventSize: 10 });
  parser.feed('data: 123456\ndata: 7890\n\n');
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0].kind, 'event-too-large');
  assert.equal(out.errors[0].message, 'event data larger than 10 bytes');
  assert.equal(out.errors[0].limit, 10);
});

test('the last event ID persists across reset, as browsers do', () => {
  const { parser, out } = collect();
  parser.feed('id: 42\ndata: first\n\n');
  parser.reset();
  parser.feed('data: second\n\n');
  assert.deepEqual(out.events.map((e) => e.lastEventId), ['42', '42']);
});

test('events of every size, two parsers interleaved, split anywhere: every byte comes through', () => {
  // Exercises the parser module's allocator: buffers grow, shrink and are reused across sizes.
  let seed = 42;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const parsers = [collect(), collect()];
  const expected = [[], []];
  for (let round = 0; round < 300; round++) {
    const which = random(2);
    const size = random(8) === 0 ? random(300_000) : random(2_000);
    const data = `${round}:`.padEnd(size, String.fromCharCode(97 + (round % 26))) + (round % 3 === 0 ? 'é😀' : '');
    expected[which].push(data);
    const bytes = new TextEncoder().encode(`id: ${round}\ndata: ${data}\n\n`);
    let at = 0;
    while (at < bytes.length) {
      const next = Math.min(bytes.length, at + 1 + random(70_000));
      parsers[which].parser.feed(round % 2 === 0 ? bytes.subarray(at, next) : bytes.slice(at, next));
      at = next;
    }
  }
  for (const i of [0, 1]) {
    assert.equal(parsers[i].out.errors.length, 0);
    assert.equal(parsers[i].out.events.length, expected[i].length);
    parsers[i].out.events.forEach((e, n) => assert.ok(e.data === expected[i][n], `event ${n} of parser ${i}`));
  }
});

test('long events (their data delivered in 64 KiB parts) keep their type, ID and neighbours', () => {
  // An event still unfinished at the end of a feed with 64 KiB of data or more hands that data
  // over in a part; its event record comes later with the rest. Long events first in a chunk,
  // after a change of type or ID, between small events and of two lines, fed whole and in
  // pieces of every size class.
  const big = (c) => c.repeat(70_000) + 'é😀';
  const stream =
    `data: ${big('a')}\n\ndata: 1\n\nevent: t\ndata: ${big('b')}\n\n` +
    `id: 9\ndata: 2\n\ndata: ${big('c')}\ndata: ${big('d')}\n\nevent: u\nid: 10\ndata: ${big('e')}\n\ndata: 3\n\n`;
  const expected = [
    { event: undefined, id: undefined, data: big('a'), lastEventId: '' },
    { event: undefined, id: undefined, data: '1', lastEventId: '' },
    { event: 't', id: undefined, data: big('b'), lastEventId: '' },
    { event: undefined, id: '9', data: '2', lastEventId: '9' },
    { event: undefined, id: '9', data: `${big('c')}\n${big('d')}`, lastEventId: '9' },
    { event: 'u', id: '10', data: big('e'), lastEventId: '10' },
    { event: undefined, id: '10', data: '3', lastEventId: '10' },
  ];
  const bytes = new TextEncoder().encode(stream);
  for (const size of [bytes.length, 65_536, 70_007, 4_096, 1_000, 77]) {
    const { parser, out } = collect();
    for (let at = 0; at < bytes.length; at += size) parser.feed(bytes.subarray(at, at + size));
    assert.equal(out.errors.length, 0);
    assert.equal(out.events.length, expected.length, `chunks of ${size}`);
    out.events.forEach((e, i) => assert.ok(JSON.stringify(e) === JSON.stringify(expected[i]), `event ${i}, chunks of ${size}`));
  }
});

test('the parts of a long event that never ends are dropped, on reset and on a limit error', () => {
  const long = 'x'.repeat(200_000);
  const bytes = new TextEncoder().encode(`data: ${long}`);
  const feedInPieces = (parser, data) => {
    for (let at = 0; at < data.length; at += 1_000) parser.feed(data.subarray(at, at + 1_000));
  };
  // Cut by the end of its connection: the next connection's event carries only its own data.
  {
    const { parser, out } = collect();
    feedInPieces(parser, bytes);
    parser.reset();
    parser.feed('data: after reset\n\n');
    assert.deepEqual(out.events.map((e) => e.data), ['after reset']);
  }
  // Over the limit after parts went out: an error, and after reset nothing of it remains.
  {
    const { parser, out } = collect({ maxEventSize: 150_000 });
    feedInPieces(parser, bytes);
    assert.equal(out.errors.length, 0); // known when the line ends
    parser.feed('\n');
    assert.equal(out.errors.length, 1);
    assert.equal(out.errors[0].kind, 'event-too-large');
    parser.reset();
    parser.feed('data: small\n\n');
    assert.deepEqual(out.events.map((e) => e.data), ['small']);
  }
  // Ended normally, it is whole.
  {
    const { parser, out } = collect();
    feedInPieces(parser, bytes);
    parser.feed('\n\n');
    assert.equal(out.events.length, 1);
    assert.ok(out.events[0].data === long);
  }
});

test('a callback that feeds or resets acts after the rest of its batch, in order', () => {
  // Feeding from a callback: its events follow the batch being delivered (which is read from
  // the module's memory, that the nested feed reuses and here also grows by 2 MB).
  {
    const seen = [];
    const big = 'y'.repeat(2_000_000);
    const parser = createParser({
      onEvent: (e) => {
        seen.push(e.data.length > 100 ? `big ${e.data.length}` : e.data);
        if (e.data === 'a') parser.feed(`data: ${big}\n\ndata: nested\n\n`);
      },
    });
    parser.feed('data: a\n\nid: 1\ndata: b\n\n: c\ndata: d\n\n');
    assert.deepEqual(seen, ['a', 'b', 'd', `big ${big.length}`, 'nested']);
  }
  // A reset from a callback comes after its batch: here the batch also holds the first part
  // of a long event, which the reset then drops.
  {
    const seen = [];
    const parser = createParser({
      onEvent: (e) => {
        seen.push(e.data.slice(0, 10));
        if (e.data === 'a') parser.reset();
      },
    });
    parser.feed(`data: a\n\ndata: ${'z'.repeat(100_000)}`);
    parser.feed('\ndata: after\n\n');
    assert.deepEqual(seen, ['a', 'after']);
  }
  // Feeding another parser: the same, since both parse in the one module's memory (here
  // grown by the other parser's 4 MB).
  {
    const seen = [];
    const other = createParser({ onEvent: (e) => seen.push(`other ${e.data.length}`) });
    const parser = createParser({
      onEvent: (e) => {
        seen.push(e.data);
        if (e.data === 'a') other.feed(`data: ${'w'.repeat(4_000_000)}\n\n`);
      },
    });
    parser.feed('data: a\n\ndata: b\n\nevent: x\ndata: c\n\n');
    assert.deepEqual(seen, ['a', 'b', 'c', 'other 4000000']);
  }
});

test('a parser that is garbage-collected frees its wasm state (no leak across many parsers)', async () => {
  // A fresh Node process with gc() exposed. Each parser holds a 1 MB unfinished data line in
  // wasm memory; 300 of them that were never freed would need 300 MB. Memory is read from the
  // module's own exports (the glue's init returns them once the module is loaded).
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { createParser, init } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const glue = await import(${JSON.stringify(new URL('../wasm/tidings_parser.js', import.meta.url).href)});
    const { memoryOf } = await import(${JSON.stringify(new URL('../dist/wasm-load.js', import.meta.url).href)});
    await init({ client: false });
    const memory = memoryOf(await glue.default());
    const line = new TextEncoder().encode('data: ' + 'x'.repeat(1_000_000));
    let peak = 0;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 10; i++) createParser({ onEvent() {} }).feed(line);
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 10)); // finalizers run after the collection
      peak = Math.max(peak, memory.buffer.byteLength);
    }
    console.log(JSON.stringify({ peak }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 }));
  assert.ok(out.peak < 100_000_000, `wasm memory reached ${out.peak} bytes for 300 dropped parsers of 1 MB each`);
});

test('the lastEventId option seeds the ID events carry until the stream sets one', () => {
  const { parser, out } = collect({ lastEventId: 'résumé-7' });
  parser.feed('data: a\n\nid: 8\ndata: b\n\n');
  parser.reset();
  parser.feed('data: c\n\n');
  assert.deepEqual(out.events.map((e) => [e.data, e.id, e.lastEventId]), [
    ['a', 'résumé-7', 'résumé-7'],
    ['b', '8', '8'],
    ['c', '8', '8'],
  ]);
});

test('chunks fed before the module is loaded are parsed in order once it is, "reset" being text', async () => {
  // A fresh Node process, so the parser module is not loaded yet when `feed` is called.
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { createParser, init } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const events = [];
    const parser = createParser({ onEvent: (e) => events.push(e.data) });
    parser.feed('data: 1\\n\\ndata: x');
    parser.feed('reset');
    parser.feed('\\n\\n');
    parser.feed('data: dropped');
    parser.reset();
    parser.feed('data: 2\\n\\n');
    const fedSynchronously = events.length;
    await init({ client: false });
    console.log(JSON.stringify({ fedSynchronously, events }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 }));
  assert.deepEqual(out, { fedSynchronously: 0, events: ['1', 'xreset', '2'] });
});
