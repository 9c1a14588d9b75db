// The MSW recipe from README.md ("Testing with MSW"), run as written: the built package in
// Node 20 with MSW 2.x intercepting fetch — no dev server, no network.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

// MSW's `sse()` needs a global EventSource to exist (Node 20 has none; Node 22 has one behind
// --experimental-eventsource). The `eventsource` package provides it.
import { EventSource } from 'eventsource';
globalThis.EventSource ??= EventSource;

const { http, HttpResponse, sse } = await import('msw');
const { setupServer } = await import('msw/node');
const { connect, stream } = await import('../dist/index.js');

const encoder = new TextEncoder();
let resumedFrom = [];
const server = setupServer(
  // GET: a live feed. MSW's `sse()` matches requests that send `Accept: text/event-stream`,
  // which tidings always does.
  sse('http://localhost/sse/feed', ({ client, request }) => {
    resumedFrom.push(request.headers.get('last-event-id'));
    client.send({ id: '1', data: JSON.stringify({ n: 1 }) });
    client.send({ id: '2', event: 'price', data: JSON.stringify({ value: 42 }) });
    client.close();
  }),
  // POST: an LLM reply, a ReadableStream body with `Content-Type: text/event-stream`.
  http.post('http://localhost/api/chat', async ({ request }) => {
    const { prompt } = await request.json();
    const body = new ReadableStream({
      start(controller) {
        for (const token of ['You', ' said', ': ', prompt]) controller.enqueue(encoder.encode(`data: ${JSON.stringify({ token })}\n\n`));
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
      },
    });
    return new HttpResponse(body, { headers: { 'Content-Type': 'text/event-stream' } });
  }),
  http.get('http://localhost/sse/private', () => new HttpResponse('no token', { status: 401 })),
);
before(() => server.listen({ onUnhandledRequest: 'error' }));
after(() => server.close());

test('MSW sse(): connect() receives the events of a mocked GET stream', async () => {
  resumedFrom = [];
  const feed = connect('http://localhost/sse/feed', { parse: JSON.parse, events: ['price'], retry: { maxAttempts: 0 } });
  const got = [];
  feed.on('*', (e) => {
    got.push([e.type, e.data, e.lastEventId]);
    if (got.length === 2) feed.close();
  });
  await new Promise((resolve) => feed.on('close', resolve));
  assert.deepEqual(got, [
    ['message', { n: 1 }, '1'],
    ['price', { value: 42 }, '2'],
  ]);
  assert.deepEqual(resumedFrom, [null]);
});

test('MSW http.post with a ReadableStream: stream() reads the reply to [DONE]', async () => {
  let reply = '';
  for await (const e of stream('http://localhost/api/chat', { method: 'POST', body: { prompt: 'hi' }, doneSentinel: '[DONE]', parse: JSON.parse })) {
    reply += e.data.token;
  }
  assert.equal(reply, 'You said: hi');
});

test('MSW: an error status is a typed error', async () => {
  await assert.rejects(
    async () => {
      for await (const _ of stream('http://localhost/sse/private')) void _;
    },
    (err) => err.kind === 'http' && err.status === 401 && err.body === 'no token',
  );
});
