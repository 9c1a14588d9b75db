// @vitest-environment happy-dom
// React hooks against the fake transport: no wasm, no network.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { createElement, StrictMode, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, expect, test } from 'vitest';

import { useEventSource, useSSE } from '../../src/react/index.js';
import { useSSEQuerySync } from '../../src/react/query.js';
import { installFakeTransport, type FakeTransport } from '../../src/testing.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let fake: FakeTransport;
beforeEach(() => {
  fake = installFakeTransport();
});
afterEach(() => {
  cleanup();
  fake.uninstall();
});

test('StrictMode double mount leaves exactly one open connection', () => {
  let latest: ReturnType<typeof useSSE> | undefined;
  function Probe() {
    latest = useSSE('/sse/ticks');
    return null;
  }
  render(createElement(StrictMode, null, createElement(Probe)));
  expect(fake.streams.length).toBe(2);
  expect(fake.openCount()).toBe(1);
  expect(fake.streams[0].closed).toBe(true);
  expect(latest!.status).toBe('connecting');
  expect(latest!.isConnecting).toBe(true);
  act(() => fake.last().open());
  expect(latest!.isConnected).toBe(true);
});

test('onEvent sees every event of a burst rendered once; history is bounded', () => {
  const seen: string[] = [];
  let renders = 0;
  const { result } = renderHook(() => {
    renders++;
    return useSSE('/sse/burst', { history: 5, onEvent: (e) => seen.push(e.data) });
  });
  const before = renders;
  act(() => {
    fake.last().open();
    for (let i = 0; i < 200; i++) fake.last().send(String(i), { id: String(i) });
  });
  expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  expect(renders - before).toBeLessThan(5);
  expect(result.current.events.map((e) => e.data)).toEqual(['195', '196', '197', '198', '199']);
  expect(result.current.lastEvent).toEqual({ type: 'message', data: '199', lastEventId: '199' });
});

test('named events, a parser and the latest onEvent without reconnecting', () => {
  const calls: string[] = [];
  const { result, rerender } = renderHook(
    ({ tag }: { tag: string }) =>
      useSSE<{ tick: { n: number } }>('/sse/named', {
        events: ['tick'],
        parser: JSON.parse,
        onEvent: (e) => calls.push(`${tag}:${e.data.n}`),
      }),
    { initialProps: { tag: 'a' } },
  );
  expect(fake.last().options.events).toEqual(['tick']);
  act(() => {
    fake.last().send('{"n":1}', { event: 'tick' });
    fake.last().send('{"n":99}'); // a plain `message`: not asked for
  });
  rerender({ tag: 'b' });
  act(() => fake.last().send('{"n":2}', { event: 'tick' }));
  expect(fake.streams.length).toBe(1);
  expect(calls).toEqual(['a:1', 'b:2']);
  expect(result.current.lastEvent?.data).toEqual({ n: 2 });
});

test('options are compared by value: equal objects keep the stream, different ones reconnect', () => {
  const { rerender } = renderHook(({ token }: { token: string }) => useSSE('/sse/auth', { headers: { Authorization: token }, retry: { maxAttempts: 3 } }), {
    initialProps: { token: 'a' },
  });
  rerender({ token: 'a' });
  rerender({ token: 'a' });
  expect(fake.streams.length).toBe(1);
  rerender({ token: 'b' });
  expect(fake.streams.length).toBe(2);
  expect(fake.streams[0].closed).toBe(true);
  expect(fake.openCount()).toBe(1);
  expect(fake.last().options.headers).toEqual({ Authorization: 'b' });
});

test('url changes reconnect, null closes, enabled toggles, unmount closes', () => {
  const { result, rerender, unmount } = renderHook(({ url, enabled }: { url: string | null; enabled: boolean }) => useSSE(url, { enabled }), {
    initialProps: { url: '/a' as string | null, enabled: true },
  });
  act(() => fake.last().send('x'));
  rerender({ url: '/b', enabled: true });
  expect(fake.streams.map((s) => [s.url, s.closed])).toEqual([
    ['/a', true],
    ['/b', false],
  ]);
  expect(result.current.events).toEqual([]);
  rerender({ url: null, enabled: true });
  expect(fake.openCount()).toBe(0);
  expect(result.current.status).toBe('closed');
  rerender({ url: '/b', enabled: false });
  expect(fake.streams.length).toBe(2);
  rerender({ url: '/b', enabled: true });
  expect(fake.openCount()).toBe(1);
  unmount();
  expect(fake.openCount()).toBe(0);
});

test('errors are typed and cleared on reopen; disconnect and connect', () => {
  const { result } = renderHook(() => useSSE('/sse/x'));
  act(() => fake.last().fail('network', { willRetry: true, attempt: 1, delay: 10 }));
  expect(result.current.status).toBe('reconnecting');
  expect(result.current.error?.kind).toBe('network');
  act(() => fake.last().open());
  expect(result.current.error).toBeNull();
  act(() => result.current.disconnect());
  expect(fake.openCount()).toBe(0);
  expect(result.current.status).toBe('closed');
  act(() => result.current.connect());
  expect(fake.streams.length).toBe(2);
  expect(fake.openCount()).toBe(1);
  act(() => fake.last().fail('http', { status: 401, statusText: 'Unauthorized' }));
  expect(result.current.error).toMatchObject({ name: 'TidingsError', kind: 'http', status: 401, willRetry: false });
  expect(result.current.status).toBe('closed');
});

test('connect() after disconnect() renders connecting at once, never the old stream\'s closed', () => {
  // The stream opens in an effect, after the render that connect() causes: that render must
  // not show the stopped stream's status (a UI would flash "done" for a frame).
  const seen: string[] = [];
  let latest: ReturnType<typeof useSSE> | undefined;
  function Probe() {
    latest = useSSE('/sse/x');
    seen.push(latest.status);
    return null;
  }
  render(createElement(Probe));
  act(() => fake.last().open());
  act(() => latest!.disconnect());
  expect(latest!.status).toBe('closed');
  seen.length = 0;
  act(() => latest!.connect());
  expect(fake.openCount()).toBe(1);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen).not.toContain('closed');
  expect(latest!.status).toBe('connecting');
  act(() => fake.last().open());
  expect(latest!.status).toBe('open');
});

test('useEventSource: lastMessage, close and reconnect', () => {
  const messages: string[] = [];
  const { result } = renderHook(() => useEventSource('/sse/es', { onMessage: (e) => messages.push(e.data) }));
  act(() => {
    fake.last().open();
    fake.last().send('one');
    fake.last().send('two');
  });
  expect(result.current.lastMessage?.data).toBe('two');
  expect(messages).toEqual(['one', 'two']);
  act(() => result.current.reconnect());
  expect(fake.last().reconnectCalls).toBe(1);
  act(() => result.current.close());
  expect(fake.openCount()).toBe(0);
  act(() => result.current.reconnect());
  expect(fake.openCount()).toBe(1);
  expect(fake.streams.length).toBe(2);
});

test('useSSEQuerySync writes each event into the TanStack Query cache', () => {
  const client = new QueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client }, children);
  renderHook(
    () =>
      useSSEQuerySync<{ id: number }, number[]>(['orders'], '/sse/orders', {
        parser: JSON.parse,
        transform: (event, previous = []) => [...previous, event.data.id],
      }),
    { wrapper },
  );
  act(() => {
    for (let id = 1; id <= 5; id++) fake.last().send(JSON.stringify({ id }));
  });
  expect(client.getQueryData(['orders'])).toEqual([1, 2, 3, 4, 5]);
});

test('server rendering never connects', () => {
  function Feed() {
    const { status } = useSSE('/sse/ssr');
    return createElement('p', null, status);
  }
  expect(renderToString(createElement(Feed))).toBe('<p>connecting</p>');
  expect(fake.streams.length).toBe(0);
});

test('a component tree renders events', () => {
  function Feed() {
    const { events } = useSSE('/sse/list');
    return createElement('ul', null, ...events.map((e) => createElement('li', { key: e.lastEventId }, e.data)));
  }
  const view = render(createElement(StrictMode, null, createElement(Feed)));
  act(() => {
    fake.last().send('a', { id: '1' });
    fake.last().send('b', { id: '2' });
  });
  expect(view.container.textContent).toBe('ab');
  view.unmount();
  expect(fake.openCount()).toBe(0);
});

test('a schema types and validates events; the hook listens for its types; parse, parser and serializer are one decoder', () => {
  const Price = {
    '~standard': {
      version: 1 as const,
      vendor: 'test',
      validate: (v: unknown) =>
        typeof (v as { value?: unknown }).value === 'number' ? { value: v as { value: number } } : { issues: [{ message: 'bad price' }] },
    },
  };
  const seen: number[] = [];
  const { result } = renderHook(() => useSSE('/sse/prices', { schema: { price: Price }, onEvent: (e) => seen.push(e.data.value) }));
  act(() => {
    fake.last().send('{"value":1}', { event: 'price' });
    fake.last().send('{"value":false}', { event: 'price' });
  });
  expect(seen).toEqual([1]);
  expect(result.current.error).toMatchObject({ kind: 'parse', eventType: 'price', issues: [{ message: 'bad price' }] });
  expect(result.current.events.map((e) => e.type)).toEqual(['price']);

  for (const decoder of [{ parse: (s: string) => s.length }, { parser: (s: string) => s.length }, { serializer: { read: (s?: string) => s!.length } }]) {
    const { result: r, unmount } = renderHook(() => useSSE('/sse/len', decoder));
    act(() => fake.last().send('four'));
    expect(r.current.lastEvent?.data).toBe(4);
    unmount();
  }
});

test('debug reaches the stream the hook opens', () => {
  const kinds: string[] = [];
  const { unmount } = renderHook(() => useSSE('/sse/debug', { debug: (e) => kinds.push(e.kind) }));
  act(() => {
    fake.last().open();
    fake.last().send('x');
  });
  unmount();
  expect(kinds).toEqual(['connecting', 'status', 'open', 'event', 'status', 'close']);
});
