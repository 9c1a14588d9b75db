// React hooks and the Vue composable: the same typing as `connect`.
import { useEventSource as useReactEventSource, useSSE } from '../../src/react/index.js';
import { useSSEQuerySync } from '../../src/react/query.js';
import { useEventSource } from '../../src/vue/index.js';
import { exactly, NewsSchema, PriceSchema, type News, type Price } from './helpers.js';

export function react() {
  const plain = useSSE('/sse/x', { onEvent: (e) => exactly<string>()(e.data) });
  exactly<string | undefined>()(plain.lastEvent?.data);
  // @ts-expect-error string data
  useSSE('/sse/x', { onEvent: (e) => exactly<number>()(e.data) });

  const parsed = useSSE('/sse/x', { parse: (s): Price => JSON.parse(s), onEvent: (e) => exactly<Price>()(e.data) });
  exactly<Price[]>()(parsed.events.map((e) => e.data));
  const legacy = useSSE('/sse/x', { parser: (s) => Number(s), history: 3 });
  exactly<number | undefined>()(legacy.lastEvent?.data);

  const mapped = useSSE<{ price: Price; news: News }>('/sse/feed', { events: ['price', 'news'], parse: JSON.parse });
  const last = mapped.lastEvent;
  if (last?.type === 'news') exactly<News>()(last.data);

  const checked = useSSE('/sse/feed', { schema: { price: PriceSchema, news: NewsSchema }, onEvent: (e) => (e.type === 'price' ? exactly<Price>()(e.data) : exactly<News>()(e.data)) });
  exactly<'price' | 'news' | undefined>()(checked.lastEvent?.type);

  const small = useReactEventSource('/sse/x', { parse: (s): Price => JSON.parse(s), onMessage: (e) => exactly<Price>()(e.data) });
  exactly<Price | undefined>()(small.lastMessage?.data);
  // @ts-expect-error the schema's data is Price
  useReactEventSource('/sse/x', { schema: { price: PriceSchema }, onMessage: (e) => exactly<News>()(e.data) });

  useSSEQuerySync<Price, Price[]>(['prices'], '/sse/prices', { parse: JSON.parse, transform: (e, all = []) => [...all, e.data] });
}

export function vue() {
  const plain = useEventSource('/sse/x');
  exactly<string | null>()(plain.data.value);
  const typed = useEventSource('/sse/x', ['tick'], { parse: (s): Price => JSON.parse(s), onMessage: (e) => exactly<Price>()(e.data), history: 10 });
  exactly<Price | null>()(typed.data.value);
  exactly<Price[]>()(typed.events.value.map((e) => e.data));
  const vueUse = useEventSource('/sse/x', [], { serializer: { read: (raw) => JSON.parse(raw ?? 'null') as News } });
  exactly<News | null>()(vueUse.data.value);
  const checked = useEventSource('/sse/feed', [], { schema: { price: PriceSchema }, onEvent: (e) => exactly<Price>()(e.data) });
  exactly<'price' | null>()(checked.event.value);
  // @ts-expect-error `events` is read-only
  typed.events.value = [];
  // @ts-expect-error string data without a decoder
  useEventSource('/sse/x', [], { onMessage: (e) => exactly<number>()(e.data) });
}

export function vueReadonlyEvents() {
  const named = ['tick', 'tock'] as const;
  useEventSource('/sse/x', named, { onMessage: (e) => exactly<string>()(e.data) });
}
