// `tidings/testing` fakes `connect()` and `stream()` too, with a scripted server.
import { afterEach, beforeEach, expect, test } from 'vitest';

import { connect, stream, TidingsError, type StandardSchemaV1 } from '../../src/index.js';
import { installFakeTransport, type FakeTransport } from '../../src/testing.js';

let fake: FakeTransport;
beforeEach(() => {
  fake = installFakeTransport();
});
afterEach(() => fake.uninstall());

test('connect() returns a scripted stream: events, comments, retry, drops with resume, statuses', () => {
  const feed = connect('/sse/feed', { parse: (data): { n: number } => JSON.parse(data) });
  const log: string[] = [];
  feed.on('status', (s) => log.push(`status:${s}`));
  feed.on('open', (info) => log.push(`open:${info.status}:${info.attempt}`));
  feed.on('message', (e) => log.push(`message:${e.data.n}:${e.lastEventId}`));
  feed.on('comment', (text) => log.push(`comment:${text}`));
  feed.on('retry', (ms) => log.push(`retry:${ms}`));
  feed.on('error', (err) => log.push(`error:${err.kind}:${err.status ?? '-'}:${err.willRetry}:${err.attempt}`));
  feed.on('close', () => log.push('close'));

  const server = fake.last();
  expect(server).toBe(feed);
  expect(server.url).toBe('/sse/feed');
  server.open();
  server.comment('ping');
  server.retry(250);
  server.send('{"n":1}', { id: '1' });
  server.drop();
  expect(feed.status).toBe('reconnecting');
  server.respond(503, { retryAfter: 2000 });
  server.respond(200);
  server.send('{"n":2}', { id: '2' });
  server.respond(401, { body: 'token expired' });
  expect(log).toEqual([
    'status:open',
    'open:200:0',
    'comment:ping',
    'retry:250',
    'message:1:1',
    'error:network:-:true:1',
    'status:reconnecting',
    'error:http:503:true:2',
    'status:open',
    'open:200:2',
    'message:2:2',
    'error:http:401:false:2',
    'status:closed',
    'close',
  ]);
  expect(feed.lastEventId).toBe('2');
  expect(feed.metrics).toMatchObject({ messages: 2, reconnects: 2 });
  expect(fake.openCount()).toBe(0);
});

test('a 204 ends the stream; after close nothing more is sent', () => {
  const feed = connect('/sse/x');
  fake.last().respond(204);
  expect(feed.status).toBe('closed');
  expect(() => fake.last().send('late')).toThrow(/after close/);
});

test('stream() with a route: a POST reply to [DONE] through for await', async () => {
  const requests: unknown[] = [];
  fake.route('/api/chat', (server) => {
    requests.push(server.options.body);
    server.open();
    for (const token of ['Hel', 'lo', '!']) server.send(JSON.stringify({ token }));
    server.done();
  });
  let reply = '';
  for await (const e of stream('/api/chat', { method: 'POST', body: { prompt: 'hi' }, doneSentinel: '[DONE]', parse: JSON.parse })) {
    reply += (e.data as { token: string }).token;
  }
  expect(reply).toBe('Hello!');
  expect(requests).toEqual([{ prompt: 'hi' }]);
  expect(fake.last().options.oneShot).toBe(true);
  expect(fake.openCount()).toBe(0);
});

test('a fatal error is thrown from for await; aborting throws kind aborted (the Stop button)', async () => {
  fake.route(/\/sse\/auth/, (server) => server.respond(401));
  await expect(async () => {
    for await (const _ of stream('/sse/auth?x=1')) void _;
  }).rejects.toMatchObject({ name: 'TidingsError', kind: 'http', status: 401 });

  const stop = new AbortController();
  fake.route('/api/chat', (server) => {
    server.open();
    server.send('first');
  });
  const seen: string[] = [];
  let thrown: unknown;
  try {
    for await (const e of stream('/api/chat', { signal: stop.signal })) {
      seen.push(e.data);
      stop.abort();
    }
  } catch (error) {
    thrown = error;
  }
  expect(seen).toEqual(['first']);
  expect(thrown).toBeInstanceOf(TidingsError);
  expect((thrown as TidingsError).kind).toBe('aborted');
});

test('next() resolves with a stream opened later; break closes it', async () => {
  const opened = fake.next();
  const loop = (async () => {
    for await (const e of stream('/later')) if (e.data === 'stop') break;
  })();
  const server = await opened;
  server.open();
  server.send('go');
  server.send('stop');
  await loop;
  expect(server.closed).toBe(true);
});

test('the fake decodes with schemas like the real client: a bad event is a typed parse error', () => {
  const Price: StandardSchemaV1<unknown, { value: number }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (v) => (typeof (v as { value?: unknown }).value === 'number' ? { value: v as { value: number } } : { issues: [{ message: 'not a price' }] }),
    },
  };
  const feed = connect('/sse/prices', { schema: { price: Price } });
  const values: number[] = [];
  const errors: TidingsError[] = [];
  feed.on('price', (e) => values.push(e.data.value));
  feed.on('error', (err) => errors.push(err));
  const server = fake.last();
  server.send('{"value":1}', { event: 'price' });
  server.send('{"value":"x"}', { event: 'price' });
  server.send('not json', { event: 'price' });
  server.send('{"value":2}'); // a `message`: the schema has no such type
  expect(values).toEqual([1]);
  expect(errors.map((e) => [e.kind, e.eventType, e.issues?.[0]?.message ?? null])).toEqual([
    ['parse', 'price', 'not a price'],
    ['parse', 'price', null],
    ['parse', 'message', null],
  ]);
  expect(errors[2].message).toBe('no schema for event type "message"');
});

test('uninstall restores the real transport for the next connect', () => {
  fake.uninstall();
  const count = fake.streams.length;
  // The real client loads wasm asynchronously; closing at once never reaches the network.
  const real = connect('http://127.0.0.1:9/never');
  real.close();
  expect(fake.streams.length).toBe(count);
  fake = installFakeTransport();
});
