// The full client in Node 20 (fetch transport) against the real dev server over loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect, stream, TidingsError } from '../dist/index.js';
import { devServer, stats } from './server.mjs';

let server;
before(async () => {
  server = await devServer();
});
after(() => server?.stop());

const session = (name) => `node-${name}-${Math.floor(Math.random() * 1e9)}`;

function closed(s) {
  return new Promise((resolve) => s.on('close', resolve));
}

test('connect() delivers numbered events, then stops on the server\'s 204', async () => {
  const id = session('ticks');
  const s = connect(`${server.url}/sse/ticks?count=3&interval_ms=5&session=${id}`, { parse: JSON.parse });
  const events = [];
  const errors = [];
  s.on('message', (e) => events.push(e));
  s.on('error', (e) => errors.push(e));
  await closed(s);
  assert.deepEqual(events.map((e) => [e.data.n, e.lastEventId]), [[0, '0'], [1, '1'], [2, '2']]);
  assert.equal(s.status, 'closed');
  assert.equal(errors.at(-1).kind, 'http');
  assert.equal(errors.at(-1).status, 204);
  const seen = await stats(server.url, id);
  assert.deepEqual(seen.requests.map((r) => r.last_event_id), [null, '2']);
});

test('metrics: zeros until the client runs, then its events, bytes, reconnects and last event time', async () => {
  const id = session('metrics');
  const startedAt = Date.now();
  const s = connect(`${server.url}/sse/ticks?count=3&interval_ms=5&session=${id}`);
  // The wasm client starts after a microtask at the earliest: nothing counted yet.
  assert.deepEqual(s.metrics, { messages: 0, bytes: 0, reconnects: 0, connectedMs: 0, lastEventAt: null });
  const data = [];
  s.on('message', (e) => data.push(e.data));
  await closed(s);
  const m = s.metrics;
  assert.equal(data.length, 3);
  assert.equal(m.messages, 3);
  // The stream ends after its 3 events, the client reconnects once and gets the server's 204.
  assert.equal(m.reconnects, 1);
  // At least each event's `data: ` line and its blank line came over the wire.
  assert.ok(m.bytes >= data.reduce((sum, d) => sum + 'data: '.length + d.length + 2, 0), `bytes ${m.bytes}`);
  assert.ok(m.connectedMs >= 0 && m.connectedMs <= Date.now() - startedAt, `connectedMs ${m.connectedMs}`);
  assert.ok(m.lastEventAt >= startedAt && m.lastEventAt <= Date.now(), `lastEventAt ${m.lastEventAt}`);
});

test('a 404 is a typed error with the status and the body, and no retry', async () => {
  const s = connect(`${server.url}/sse/status/404?session=${session('404')}`);
  const errors = [];
  s.on('error', (e) => errors.push(e));
  await closed(s);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TidingsError);
  assert.equal(errors[0].kind, 'http');
  assert.equal(errors[0].status, 404);
  assert.equal(errors[0].willRetry, false);
  assert.match(errors[0].body, /404/);
});

test('stream() reads a POST LLM reply to [DONE] with for await', async () => {
  const id = session('llm');
  const tokens = [];
  for await (const ev of stream(`${server.url}/sse/llm?session=${id}`, {
    method: 'POST',
    body: { prompt: 'hello there', tokens: 8, delay_ms: 1 },
    doneSentinel: '[DONE]',
    parse: JSON.parse,
  })) {
    tokens.push(ev.data.token);
  }
  assert.equal(tokens.length, 8);
  assert.ok(!tokens.includes('[DONE]'));
  const seen = await stats(server.url, id);
  assert.equal(seen.total, 1, 'no reconnect after [DONE]');
});

test('one chunk with events, a comment, the done sentinel and more: stream order up to the sentinel, nothing after', async () => {
  // Exactly one chunk, which a server over TCP cannot promise: the body is a Response made
  // here, through the client's documented `fetch` option (the request itself is not sent).
  const body = 'data: a\n\ndata: b\n\n: note\ndata: c\n\ndata: [DONE]\n\ndata: after\n\n: late\n';
  const log = [];
  const s = connect(`${server.url}/sse/ticks?session=${session('one-chunk')}`, {
    fetch: () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    doneSentinel: '[DONE]',
    retry: { maxAttempts: 0 },
  });
  s.on('message', (e) => log.push(['message', e.data]));
  s.on('comment', (text) => log.push(['comment', text]));
  await closed(s);
  assert.deepEqual(log, [
    ['message', 'a'],
    ['message', 'b'],
    ['comment', 'note'],
    ['message', 'c'],
  ]);
});

test('breaking out of for await closes the connection', async () => {
  const id = session('break');
  let count = 0;
  for await (const _ of connect(`${server.url}/sse/ticks?interval_ms=5&session=${id}`)) {
    if (++count === 3) break;
  }
  for (let i = 0; i < 100; i++) {
    if ((await stats(server.url, id)).open === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await stats(server.url, id)).open, 0);
});

test('a listener that reconnects mid-chunk resumes from its event: nothing lost, nothing twice', async () => {
  // The server writes 60 events back to back, so the wasm client hands them over in batches.
  const id = session('reconnect-mid-chunk');
  const s = connect(`${server.url}/sse/ticks?count=60&interval_ms=0&session=${id}`);
  const seen = [];
  let reconnected = false;
  s.on('message', (e) => {
    seen.push(e.lastEventId);
    if (e.lastEventId === '5' && !reconnected) {
      reconnected = true;
      s.reconnect();
      assert.equal(s.lastEventId, '5');
    }
  });
  await closed(s);
  assert.deepEqual(seen, Array.from({ length: 60 }, (_, i) => String(i)));
  const stats_ = await stats(server.url, id);
  assert.equal(stats_.requests[1].last_event_id, '5');
});

test('a listener that closes the stream sees no later event of the same chunk', async () => {
  const s = connect(`${server.url}/sse/ticks?count=60&interval_ms=0&session=${session('close-mid-chunk')}`);
  const seen = [];
  s.on('message', (e) => {
    seen.push(e.lastEventId);
    if (e.lastEventId === '5') s.close();
  });
  await closed(s);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(seen, ['0', '1', '2', '3', '4', '5']);
  assert.equal(s.lastEventId, '5');
});

test('a block with only an id: moves lastEventId, and reconnect() resumes from it (WHATWG HTML 9.2.6)', async () => {
  const id = session('id-only');
  // `id: 1`, `retry: 200`, `data: hello`, then `id: 9` with no data, then the end; a
  // reconnect is answered with its Last-Event-ID as data.
  const feed = connect(`${server.url}/sse/last-event-id?idvalue=1&then_id=9&session=${id}`);
  const seen = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${JSON.stringify(seen)}`)), 10_000);
    feed.on('message', (e) => {
      seen.push([e.data, e.lastEventId, feed.lastEventId]);
      if (seen.length === 3) {
        clearTimeout(timer);
        resolve();
      }
    });
    // The end of the first body: the app reconnects at once (before the 200 ms the server
    // asked for), from the stream's last event ID.
    feed.on('status', (status) => {
      if (status !== 'reconnecting' || seen.length !== 1) return;
      seen.push(['reconnecting', feed.lastEventId]);
      feed.reconnect();
    });
  });
  await done;
  feed.close();
  assert.deepEqual(seen, [
    ['hello', '1', '1'],
    ['reconnecting', '9'],
    ['9', '9', '9'],
  ]);
  const recorded = await stats(server.url, id);
  assert.deepEqual(recorded.requests.map((r) => r.last_event_id).slice(0, 2), [null, '9']);
});

test('listeners: one added twice is called once; a delivery keeps the listeners it started with', async () => {
  const s = connect(`${server.url}/sse/ticks?count=3&interval_ms=20&session=${session('listeners')}`, { parse: JSON.parse });
  const calls = [];
  const twice = (e) => calls.push(`twice ${e.data.n}`);
  s.on('message', twice);
  s.on('message', twice);
  // Removed by the first listener during the first event's delivery: still called for that
  // event, not for later ones. Added during it: called from the next event on.
  const removed = (e) => calls.push(`removed ${e.data.n}`);
  const added = (e) => calls.push(`added ${e.data.n}`);
  s.on('message', (e) => {
    if (e.data.n === 0) {
      s.off('message', removed);
      s.on('message', added);
    }
  });
  s.on('message', removed);
  const unsubscribe = s.on('*', (e) => {
    calls.push(`any ${e.data.n}`);
    unsubscribe();
  });
  await closed(s);
  assert.deepEqual(calls, ['twice 0', 'removed 0', 'any 0', 'twice 1', 'added 1', 'twice 2', 'added 2']);
});
