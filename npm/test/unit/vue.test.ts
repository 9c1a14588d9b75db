// The Vue composable inside effect scopes, against the fake transport (no DOM, no wasm).
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';

import { useEventSource } from '../../src/vue/index.js';
import { installFakeTransport, type FakeTransport } from '../../src/testing.js';

let fake: FakeTransport;
beforeEach(() => {
  fake = installFakeTransport();
});
afterEach(() => fake.uninstall());

function inScope<R>(fn: () => R) {
  const scope = effectScope();
  const result = scope.run(fn)!;
  return { result, stop: () => scope.stop() };
}

test('VueUse-shaped refs: status, data, event, lastEventId; named events', () => {
  const { result: es, stop } = inScope(() => useEventSource('/sse/ticks', ['tick'] as const as string[]));
  expect(es.status.value).toBe('CONNECTING');
  expect(fake.last().options.events).toEqual(['message', 'tick']);
  fake.last().open();
  expect(es.status.value).toBe('OPEN');
  fake.last().send('hello', { id: '1' });
  expect([es.data.value, es.event.value, es.lastEventId.value]).toEqual(['hello', 'message', '1']);
  fake.last().send('named', { event: 'tick', id: '2' });
  expect([es.data.value, es.event.value, es.lastEventId.value]).toEqual(['named', 'tick', '2']);
  fake.last().send('ignored', { event: 'other' });
  expect(es.data.value).toBe('named');
  expect(es.eventSource.value).toBe(fake.last());
  stop();
  expect(fake.openCount()).toBe(0);
  expect(es.status.value).toBe('CLOSED');
});

test('reconnecting shows as CONNECTING; a fatal error is typed and CLOSED', () => {
  const { result: es, stop } = inScope(() => useEventSource('/sse/x'));
  fake.last().open();
  fake.last().fail('network', { willRetry: true, attempt: 1 });
  expect(es.status.value).toBe('CONNECTING');
  expect(es.error.value?.kind).toBe('network');
  fake.last().open();
  expect(es.error.value).toBeNull();
  fake.last().fail('http', { status: 401 });
  expect(es.status.value).toBe('CLOSED');
  expect(es.error.value).toMatchObject({ kind: 'http', status: 401 });
  stop();
});

test('reacts to url changes (ref and getter), closing the old stream', async () => {
  const room = ref('a');
  const { result: es, stop } = inScope(() => useEventSource(() => `/sse/room/${room.value}`));
  room.value = 'b';
  await nextTick();
  expect(fake.streams.map((s) => [s.url, s.closed])).toEqual([
    ['/sse/room/a', true],
    ['/sse/room/b', false],
  ]);
  es.close();
  expect(fake.openCount()).toBe(0);
  es.open();
  expect(fake.openCount()).toBe(1);
  stop();
  expect(fake.openCount()).toBe(0);
});

test('immediate: false waits for open(); a falsy url does not connect', () => {
  const url = ref<string | null>(null);
  const { result: es, stop } = inScope(() => useEventSource(url, [], { immediate: false }));
  expect(fake.streams.length).toBe(0);
  es.open();
  expect(fake.streams.length).toBe(0);
  url.value = '/sse/y';
  es.open();
  expect(fake.openCount()).toBe(1);
  stop();
});

test('autoReconnect maps onto the retry policy; onFailed on giving up; fetch options pass through', () => {
  const onFailed = vi.fn();
  const { stop } = inScope(() =>
    useEventSource('/sse/llm', [], {
      method: 'POST',
      body: { prompt: 'hi' },
      headers: { 'X-Test': '1' },
      autoReconnect: { retries: 3, delay: 250, onFailed },
      serializer: { read: (raw) => JSON.parse(raw ?? 'null') },
    }),
  );
  const { options } = fake.last();
  expect(options.retry).toEqual({ initialDelay: 250, maxDelay: 250, multiplier: 1, jitter: 'none', maxAttempts: 3 });
  expect([options.method, options.body, options.headers]).toEqual(['POST', { prompt: 'hi' }, { 'X-Test': '1' }]);
  expect(options.parse!('{"a":1}')).toEqual({ a: 1 });
  fake.last().fail('network', { willRetry: true });
  expect(onFailed).not.toHaveBeenCalled();
  fake.last().fail('gave-up', { reason: 'max attempts' });
  expect(onFailed).toHaveBeenCalledTimes(1);
  expect(onFailed.mock.calls[0][0].kind).toBe('gave-up');
  stop();
});

test('autoReconnect.retries as a function can stop retrying', () => {
  const onFailed = vi.fn();
  let budget = 1;
  const { result: es, stop } = inScope(() => useEventSource('/sse/z', [], { autoReconnect: { retries: () => budget-- > 0, onFailed } }));
  expect(fake.last().options.retry).not.toHaveProperty('maxAttempts');
  fake.last().fail('network', { willRetry: true });
  expect(fake.openCount()).toBe(1);
  fake.last().fail('network', { willRetry: true });
  expect(fake.openCount()).toBe(0);
  expect(es.status.value).toBe('CLOSED');
  expect(onFailed).toHaveBeenCalledTimes(1);
  stop();
});

test('on the server (SSR) nothing connects', () => {
  fake.uninstall();
  fake = installFakeTransport({ server: true });
  const { result: es, stop } = inScope(() => useEventSource('/sse/ssr'));
  es.open();
  expect(fake.streams.length).toBe(0);
  expect(es.status.value).toBe('CLOSED');
  stop();
});
