// @vitest-environment happy-dom
// Vue: every event of a burst reaches a component that uses the documented pattern
// (`onMessage`, or the bounded `events` history), where `watch(data)` sees one of them.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { createApp, defineComponent, effectScope, h, nextTick, ref, watch } from 'vue';

import { useEventSource } from '../../src/vue/index.js';
import { installFakeTransport, type FakeTransport } from '../../src/testing.js';
import type { StandardSchemaV1 } from '../../src/index.js';

let fake: FakeTransport;
beforeEach(() => {
  fake = installFakeTransport();
});
afterEach(() => fake.uninstall());

/** A catch-up after a reconnect: ids 0-1, a drop, then ids 2-101 delivered in one go. */
function burstAfterReconnect() {
  const stream = fake.last();
  stream.open();
  stream.send('0', { id: '0' });
  stream.send('1', { id: '1' });
  stream.fail('network', { willRetry: true, attempt: 1, delay: 5 });
  stream.open({ attempt: 1 });
  for (let i = 2; i < 102; i++) stream.send(String(i), { id: String(i) });
}

test('a component using onMessage and the events history shows all of a burst', async () => {
  const watched: string[] = [];
  const Feed = defineComponent({
    setup() {
      const items = ref<string[]>([]);
      const { data, events } = useEventSource('/sse/burst', [], {
        onMessage: (e) => items.value.push(e.data),
        history: 500,
      });
      // The pattern that loses events, for contrast.
      watch(data, (value) => watched.push(String(value)));
      return () =>
        h('div', [
          h('ul', { id: 'items' }, items.value.map((item) => h('li', item))),
          h('ol', { id: 'history' }, events.value.map((e) => h('li', { 'data-id': e.lastEventId }, e.data))),
        ]);
    },
  });
  const root = document.createElement('div');
  const app = createApp(Feed);
  app.mount(root);
  burstAfterReconnect();
  await nextTick();
  const expected = Array.from({ length: 102 }, (_, i) => String(i));
  expect([...root.querySelectorAll('#items li')].map((li) => li.textContent)).toEqual(expected);
  expect([...root.querySelectorAll('#history li')].map((li) => li.getAttribute('data-id'))).toEqual(expected);
  // What the naive watcher saw: the latest value once, not 102 values.
  expect(watched).toEqual(['101']);
  app.unmount();
  expect(fake.openCount()).toBe(0);
});

test('history is bounded, oldest first, a new array per change, cleared on a new connection', async () => {
  const url = ref('/sse/a');
  const scope = effectScope();
  const es = scope.run(() => useEventSource(url, [], { history: 3 }))!;
  expect(es.events.value).toEqual([]);
  for (let i = 0; i < 5; i++) fake.last().send(String(i), { id: String(i) });
  const first = es.events.value;
  expect(first.map((e) => e.data)).toEqual(['2', '3', '4']);
  expect(es.events.value).toBe(first); // unchanged: the same array
  fake.last().send('5');
  expect(es.events.value).not.toBe(first);
  expect(es.events.value.map((e) => e.data)).toEqual(['3', '4', '5']);
  url.value = '/sse/b';
  await nextTick();
  expect(es.events.value).toEqual([]);
  scope.stop();
});

test('without history the events ref stays empty; onEvent is an alias; onError sees every error', () => {
  const seen: string[] = [];
  const errors: string[] = [];
  const scope = effectScope();
  const es = scope.run(() =>
    useEventSource('/sse/x', ['tick'], { onEvent: (e) => seen.push(`${e.type}:${e.data}`), onError: (err) => errors.push(err.kind) }),
  )!;
  fake.last().send('a');
  fake.last().send('b', { event: 'tick' });
  fake.last().fail('network', { willRetry: true });
  expect(seen).toEqual(['message:a', 'tick:b']);
  expect(errors).toEqual(['network']);
  expect(es.events.value).toEqual([]);
  scope.stop();
});

test('a throwing onMessage does not stop the refs', () => {
  const scope = effectScope();
  const es = scope.run(() =>
    useEventSource('/sse/x', [], {
      history: 10,
      onMessage: () => {
        throw new Error('boom');
      },
    }),
  )!;
  expect(() => fake.last().send('a')).toThrow('boom'); // the fake rethrows; the real client reports it
  expect(es.data.value).toBe('a');
  expect(es.events.value.map((e) => e.data)).toEqual(['a']);
  scope.stop();
});

test('a schema validates each event; listens for its types; a failure is a parse error, not an event', () => {
  const Price: StandardSchemaV1<unknown, { value: number }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (v) =>
        typeof (v as { value?: unknown })?.value === 'number' ? { value: v as { value: number } } : { issues: [{ message: 'value must be a number', path: ['value'] }] },
    },
  };
  const onMessage = vi.fn();
  const scope = effectScope();
  const es = scope.run(() => useEventSource('/sse/prices', [], { schema: { price: Price }, onMessage }))!;
  expect(fake.last().options.events).toEqual(['message', 'price']);
  fake.last().send('{"value":3}', { event: 'price' });
  expect(es.data.value).toEqual({ value: 3 });
  fake.last().send('{"value":"x"}', { event: 'price' });
  expect(onMessage).toHaveBeenCalledTimes(1);
  expect(es.error.value).toMatchObject({ kind: 'parse', eventType: 'price', data: '{"value":"x"}', issues: [{ message: 'value must be a number' }] });
  expect(es.error.value?.message).toContain('at value');
  scope.stop();
});
