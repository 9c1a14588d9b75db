// The `debug` trace, driven through the fake transport (the real one: test/dx.test.mjs).
import { afterEach, beforeEach, expect, test, vi } from 'vitest';

import { connect, type TraceEntry } from '../../src/index.js';
import { installFakeTransport, type FakeTransport } from '../../src/testing.js';

let fake: FakeTransport;
beforeEach(() => {
  fake = installFakeTransport();
});
afterEach(() => fake.uninstall());

test('a logger function receives a structured trace: heads, retries with reason and delay, stalls, events', () => {
  const trace: TraceEntry[] = [];
  const feed = connect('/sse/feed', { debug: (entry) => trace.push(entry) });
  const server = fake.last();
  server.open({ status: 200, headers: { 'content-type': 'text/event-stream' } });
  server.send('x'.repeat(200), { id: '7', event: 'tick' });
  server.respond(503, { retryAfter: 1500 });
  server.fail('stall', { willRetry: true, attempt: 2, delay: 800 });
  server.retry(250);
  feed.reconnect();
  server.respond(401);
  expect(trace.map((e) => e.message)).toEqual([
    'connecting (attempt 0)',
    'status open',
    'open: 200 text/event-stream (attempt 0)',
    'event tick #7 (200 chars)',
    'error http 503: HTTP 503',
    'retry #1 in 1500 ms (http 503)',
    'status reconnecting',
    'stalled: fake stall error',
    'retry #2 in 800 ms (stall)',
    'server retry: 250 ms',
    'reconnect() called',
    'status connecting',
    'connecting (attempt 2)',
    'error http 401: HTTP 401',
    'no retry (http 401)',
    'status closed',
    'closed (1 events, 2 reconnects)',
  ]);
  const open = trace.find((e) => e.kind === 'open')!;
  expect(open.headers).toEqual({ 'content-type': 'text/event-stream' });
  const event = trace.find((e) => e.kind === 'event')!;
  expect(event.event).toMatchObject({ type: 'tick', id: '7', size: 200 });
  expect(event.event!.preview.length).toBe(81);
  expect(trace.find((e) => e.kind === 'retry-scheduled')).toMatchObject({ delay: 1500, attempt: 1 });
  expect(trace.every((e) => e.url === '/sse/feed' && typeof e.at === 'number')).toBe(true);
});

test('debug: true logs to console.debug; off by default nothing is logged', () => {
  const spy = vi.spyOn(console, 'debug').mockImplementation(() => {});
  connect('/sse/on', { debug: true });
  fake.last().open();
  expect(spy).toHaveBeenCalled();
  expect(spy.mock.calls[0][0]).toMatch(/^\[tidings\] \/sse\/on \+\d+ms connecting/);
  spy.mockClear();
  connect('/sse/off');
  fake.last().open();
  fake.last().send('x');
  fake.last().drop();
  expect(spy).not.toHaveBeenCalled();
  spy.mockRestore();
});

test('a throwing logger does not break the stream', () => {
  const feed = connect('/sse/x', {
    debug: () => {
      throw new Error('bad logger');
    },
  });
  const got: string[] = [];
  feed.on('message', (e) => got.push(e.data));
  fake.last().send('still here');
  expect(got).toEqual(['still here']);
});

test('the Vue composable passes debug through to its stream', async () => {
  const { effectScope } = await import('vue');
  const { useEventSource } = await import('../../src/vue/index.js');
  const trace: string[] = [];
  const scope = effectScope();
  scope.run(() => useEventSource('/sse/vue', [], { debug: (e) => trace.push(e.kind) }));
  fake.last().open();
  fake.last().send('x');
  scope.stop();
  expect(trace).toEqual(['connecting', 'status', 'open', 'event', 'status', 'close']);
});
