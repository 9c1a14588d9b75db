// Typed events and the debug trace with the real client (built package, Node 20) against the
// dev server: a zod schema validating real events, and the trace of a 503 then a recovery.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { z } from 'zod';

import { connect } from '../dist/index.js';
import { devServer } from './server.mjs';

let server;
before(async () => {
  server = await devServer();
});
after(() => server?.stop());

const session = (name) => `node-dx-${name}-${Math.floor(Math.random() * 1e9)}`;
const closed = (s) => new Promise((resolve) => s.on('close', resolve));

test('a Standard Schema (zod) validates every event; a failure is a typed parse error, the stream goes on', async () => {
  const Tick = z.object({ n: z.number().int().max(1, 'n must be at most 1') });
  const s = connect(`${server.url}/sse/ticks?count=3&interval_ms=5&session=${session('zod')}`, { schema: { message: Tick }, retry: { initialDelay: 50 } });
  const values = [];
  const errors = [];
  s.on('message', (e) => values.push(e.data.n));
  s.on('error', (e) => errors.push(e));
  await closed(s);
  assert.deepEqual(values, [0, 1]);
  const bad = errors.find((e) => e.kind === 'parse');
  assert.ok(bad, 'the third event is a parse error');
  assert.equal(bad.eventType, 'message');
  assert.equal(bad.data, '{"n":2}');
  assert.equal(bad.issues[0].message, 'n must be at most 1');
  assert.deepEqual(bad.issues[0].path, ['n']);
  assert.equal(s.lastEventId, '2', 'the failed event still moves the resume point');
});

test('debug: the trace shows the 503, the scheduled retry with its delay, the response head and events', async () => {
  const trace = [];
  const s = connect(`${server.url}/sse/flaky?fail=1&code=503&count=2&interval_ms=5&session=${session('trace')}`, {
    retry: { initialDelay: 50, maxDelay: 50, jitter: 'none' },
    debug: (entry) => trace.push(entry),
  });
  await closed(s);
  const kinds = trace.map((e) => e.kind);
  assert.equal(kinds[0], 'connecting');
  const error = trace.find((e) => e.kind === 'error');
  assert.equal(error.status, 503);
  const retry = trace.find((e) => e.kind === 'retry-scheduled');
  assert.match(retry.message, /^retry #1 in \d+ ms \(http 503\)$/);
  assert.equal(typeof retry.delay, 'number');
  const open = trace.find((e) => e.kind === 'open');
  assert.equal(open.status, 200);
  assert.equal(open.headers['content-type'], 'text/event-stream');
  assert.equal(open.attempt, 1);
  assert.deepEqual(
    trace.filter((e) => e.kind === 'event').map((e) => e.event),
    [
      { type: 'message', id: '0', size: 7, preview: '{"n":0}' },
      { type: 'message', id: '1', size: 7, preview: '{"n":1}' },
    ],
  );
  assert.ok(kinds.indexOf('error') < kinds.indexOf('open'), 'the error comes before the recovery');
  assert.equal(kinds.at(-1), 'close');
  assert.ok(trace.every((e, i) => i === 0 || e.at >= trace[i - 1].at), 'times only grow');
});

test('debug: the trace module loads with the client, so a stream closed before it started still traces its close', async () => {
  const trace = [];
  const s = connect(`${server.url}/sse/ticks?count=1&session=${session('early')}`, { debug: (entry) => trace.push(entry) });
  s.close();
  // The trace arrives with the wasm module, asynchronously: wait for its first entry.
  for (let i = 0; i < 100 && trace.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(
    trace.map((e) => e.kind),
    ['connecting', 'close'],
  );
  assert.equal(trace[1].message, 'closed (0 events, 0 reconnects)');
});
