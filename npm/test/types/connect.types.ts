// `connect` and `stream`: event maps, `parse` inference and aliases, schemas.
import { connect, stream, type SSEEvent, type TidingsError } from '../../src/index.js';
import { exactly, NewsSchema, PriceSchema, type News, type Price } from './helpers.js';

// Without a generic or decoder, data is `string` (not `any`).
const plain = connect('/sse/x');
plain.on('message', (e) => exactly<string>()(e.data));
plain.on('anything', (e) => exactly<string>()(e.data));
// @ts-expect-error data is a string, not a number
plain.on('message', (e) => exactly<number>()(e.data));
plain.on('error', (err) => exactly<TidingsError>()(err));
plain.on('open', (info) => exactly<number | undefined>()(info.status));
plain.on('*', (e) => exactly<string>()(e.type));

// An event map: per-type data, '*' and iteration a union discriminated on `type`.
const feed = connect<{ price: Price; news: News }>('/sse/feed', { parse: JSON.parse });
feed.on('price', (e) => exactly<Price>()(e.data));
feed.on('news', (e) => exactly<'news'>()(e.type));
feed.on('*', (e) => {
  exactly<'price' | 'news'>()(e.type);
  if (e.type === 'price') exactly<Price>()(e.data);
  else exactly<News>()(e.data);
});
// @ts-expect-error not an event type of the map
feed.on('weather', () => {});
// @ts-expect-error news data is not a Price
feed.on('news', (e: SSEEvent<Price>) => e);
async function iterate() {
  for await (const e of feed) {
    if (e.type === 'news') exactly<News>()(e.data);
    else exactly<Price>()(e.data);
  }
  for await (const e of stream<{ token: { t: string } }>('/api/chat', { method: 'POST', parse: JSON.parse })) {
    exactly<{ t: string }>()(e.data);
  }
}
// @ts-expect-error with a map, `parse` must return the map's data types
connect<{ price: Price }>('/sse/feed', { parse: (s: string) => s.length });

// `parse` and its aliases type the data without a generic.
connect('/sse/x', { parse: (s): Price => JSON.parse(s) }).on('message', (e) => exactly<Price>()(e.data));
connect('/sse/x', { parser: (s) => Number(s) }).on('message', (e) => exactly<number>()(e.data));
connect('/sse/x', { serializer: { read: (s) => ({ raw: s }) } }).on('message', (e) => exactly<{ raw: string | undefined }>()(e.data));
// @ts-expect-error a number is not a Price
connect('/sse/x', { parse: (s): Price => JSON.parse(s) }).on('message', (e) => exactly<number>()(e.data));

// A schema map validates and types each event.
const checked = connect('/sse/feed', { schema: { price: PriceSchema, news: NewsSchema }, retry: { maxAttempts: 3 } });
checked.on('price', (e) => exactly<Price>()(e.data));
checked.on('*', (e) => {
  if (e.type === 'news') exactly<News>()(e.data);
});
// @ts-expect-error the schema has no `message`
checked.on('message', () => {});
// @ts-expect-error a schema must be a Standard Schema
connect('/sse/feed', { schema: { price: (v: unknown) => v } });
async function iterateChecked() {
  for await (const e of stream('/sse/feed', { schema: { price: PriceSchema } })) exactly<Price>()(e.data);
}
// A schema on an explicit map must match it.
connect<{ price: Price }>('/sse/feed', { schema: { price: PriceSchema } });
// @ts-expect-error the News schema does not produce Price
connect<{ price: Price }>('/sse/feed', { schema: { price: NewsSchema } });

// An interface works as an event map.
interface Feed {
  price: Price;
}
connect<Feed>('/sse/feed').on('price', (e) => exactly<Price>()(e.data));

export { iterate, iterateChecked };
