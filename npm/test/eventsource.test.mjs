// The EventSource class in Node 20, where no global EventSource exists (a polyfill), against
// the real dev server over loopback. The side-by-side comparison with Chromium's own
// EventSource is tests/e2e/eventsource.test.mjs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect, EventSource, EventSourceErrorEvent, TidingsError } from '../dist/index.js';
import { devServer, stats } from './server.mjs';

let server;
before(async () => {
  server = await devServer();
});
after(() => server?.stop());

const session = (name) => `node-es-${name}-${Math.floor(Math.random() * 1e9)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Records every event of `source` as [type, readyState, data?, lastEventId?] until `until` says stop. */
function record(source, until, types = ['open', 'message', 'error']) {
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.close();
      reject(new Error(`timed out; so far: ${JSON.stringify(log)}`));
    }, 10_000);
    for (const type of types) {
      source.addEventListener(type, (e) => {
        const entry = [e.type, source.readyState];
        if (e instanceof MessageEvent) entry.push(e.data, e.lastEventId);
        if (e instanceof EventSourceErrorEvent) entry.push(e.kind, e.status);
        log.push(entry);
        if (until(entry, log)) {
          clearTimeout(timer);
          source.close();
          resolve(log);
        }
      });
    }
  });
}

test('no global EventSource in Node: the class stands in, with the WHATWG interface', () => {
  assert.equal(typeof globalThis.EventSource, 'undefined');
  const source = new EventSource(`${server.url}/sse/ticks?count=1&session=${session('iface')}`);
  assert.ok(source instanceof EventTarget);
  assert.deepEqual([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED], [0, 1, 2]);
  assert.deepEqual([source.CONNECTING, source.OPEN, source.CLOSED], [0, 1, 2]);
  assert.equal(source.readyState, EventSource.CONNECTING);
  assert.equal(source.url, `${server.url}/sse/ticks?count=1&session=${source.url.split('session=')[1]}`);
  assert.equal(source.withCredentials, false);
  assert.equal(new EventSource(server.url, { withCredentials: true }).withCredentials, true);
  assert.equal(source.onmessage, null);
  source.close();
  assert.equal(source.readyState, EventSource.CLOSED);
});

test('a relative URL in Node throws a SyntaxError saying an absolute URL is needed; connect() reports invalid-url', async () => {
  assert.throws(
    () => new EventSource('/sse/ticks'),
    (e) => e instanceof DOMException && e.name === 'SyntaxError' && /relative URL.*absolute URL/.test(e.message),
  );
  assert.throws(() => new EventSource('http://['), (e) => e.name === 'SyntaxError' && /invalid URL/.test(e.message));
  const s = connect('/sse/ticks');
  const error = await new Promise((resolve) => s.on('error', resolve));
  assert.ok(error instanceof TidingsError);
  assert.equal(error.kind, 'invalid-url');
  assert.match(error.message, /"\/sse\/ticks" is a relative URL.*pass an absolute URL/);
  assert.equal(s.status, 'closed');
});

test('events, lastEventId and origin; the end of the body reconnects with Last-Event-ID; 204 closes', async () => {
  const id = session('ticks');
  const source = new EventSource(`${server.url}/sse/ticks?count=3&interval_ms=5&retry=50&session=${id}`);
  const log = await record(source, (e) => e[0] === 'error' && e[1] === EventSource.CLOSED);
  // The end of the body is a reconnect (CONNECTING), then the server's 204 fails it (CLOSED).
  assert.deepEqual(log, [
    ['open', 1],
    ['message', 1, '{"n":0}', '0'],
    ['message', 1, '{"n":1}', '1'],
    ['message', 1, '{"n":2}', '2'],
    ['error', 0, 'network', undefined],
    ['error', 2, 'http', 204],
  ]);
  const seen = await stats(server.url, id);
  assert.deepEqual(seen.requests.map((r) => r.last_event_id), [null, '2']);
});

test('a block with only an id: moves the last event ID, and the reconnect sends it (WHATWG HTML 9.2.6)', async () => {
  const id = session('id-only');
  // `id: 1`, `retry: 200`, `data: hello`, then `id: 9` and a blank line (no data), then the end;
  // the reconnect gets its Last-Event-ID back as data.
  const source = new EventSource(`${server.url}/sse/last-event-id?idvalue=1&then_id=9&session=${id}`);
  const atError = [];
  source.addEventListener('error', () => atError.push(source.lastEventId));
  const log = await record(source, (e, all) => all.filter((x) => x[0] === 'message').length === 2);
  assert.deepEqual(atError, ['9'], 'the lastEventId attribute moved with the block');
  assert.deepEqual(log, [
    ['open', 1],
    ['message', 1, 'hello', '1'],
    ['error', 0, 'network', undefined],
    ['open', 1],
    ['message', 1, '9', '9'],
  ]);
  const seen = await stats(server.url, id);
  assert.deepEqual(seen.requests.map((r) => r.last_event_id).slice(0, 2), [null, '9']);
});

test('named events reach addEventListener, not onmessage', async () => {
  const source = new EventSource(`${server.url}/sse/ticks?count=2&interval_ms=5&event=tick&retry=50&session=${session('named')}`);
  const unnamed = [];
  source.onmessage = (e) => unnamed.push(e.data);
  const log = await record(source, (e, all) => all.filter((x) => x[0] === 'tick').length === 2, ['tick']);
  assert.deepEqual(log, [
    ['tick', 1, '{"n":0}', '0'],
    ['tick', 1, '{"n":1}', '1'],
  ]);
  assert.deepEqual(unnamed, []);
});

test('a network error reconnects with Last-Event-ID after the server\'s retry:, readyState CONNECTING', async () => {
  const id = session('drop');
  // Cut (no clean end) after every event; `retry: 1` from the server.
  const source = new EventSource(`${server.url}/sse/drop?after=1&count=3&session=${id}`);
  const log = await record(source, (e) => e[0] === 'error' && e[1] === EventSource.CLOSED);
  assert.deepEqual(
    log.filter((e) => e[0] === 'message').map((e) => e.slice(2)),
    [['{"n":0}', '0'], ['{"n":1}', '1'], ['{"n":2}', '2']],
  );
  const errors = log.filter((e) => e[0] === 'error');
  assert.ok(errors.slice(0, -1).every((e) => e[1] === EventSource.CONNECTING), JSON.stringify(log));
  assert.deepEqual(errors.at(-1), ['error', 2, 'http', 204]);
  const seen = await stats(server.url, id);
  assert.deepEqual(seen.requests.map((r) => r.last_event_id).slice(0, 3), [null, '0', '1']);
});

for (const [what, path] of [
  ['500', '/sse/status/500'],
  ['503', '/sse/status/503'],
  ['404', '/sse/status/404'],
  ['204', '/sse/status/204'],
  ['a 2xx other than 200', '/sse/status/201'],
  ['a wrong Content-Type', '/sse/wrong-type?type=text/plain'],
  ['no Content-Type', '/sse/wrong-type?type=none'],
]) {
  test(`${what} fails the connection: CLOSED, one error, no reconnect`, async () => {
    const id = session('fail');
    const source = new EventSource(`${server.url}${path}${path.includes('?') ? '&' : '?'}session=${id}`);
    const log = await record(source, (e) => e[0] === 'error');
    assert.equal(log.length, 1, JSON.stringify(log));
    assert.equal(log[0][1], EventSource.CLOSED);
    assert.equal(log[0][2], path.includes('wrong-type') ? 'content-type' : 'http');
    await sleep(300);
    assert.equal((await stats(server.url, id)).total, 1, 'no second request');
  });
}

test("opt-in tidings retry policy: a 503 retries (willRetry, CONNECTING), then events flow", async () => {
  const id = session('flaky');
  const source = new EventSource(`${server.url}/sse/flaky?fail=1&code=503&count=1&interval_ms=5&session=${id}`, {
    retry: { initialDelay: 50, jitter: 'none' },
  });
  let first;
  source.addEventListener('error', (e) => (first ??= e), { once: true });
  const log = await record(source, (e) => e[0] === 'message');
  assert.deepEqual(log.map((e) => e.slice(0, 2)), [['error', 0], ['open', 1], ['message', 1]]);
  assert.ok(first instanceof EventSourceErrorEvent);
  assert.ok(first.error instanceof TidingsError);
  assert.deepEqual([first.kind, first.status, first.willRetry], ['http', 503, true]);
});

test('opt-in headers (a function, per attempt), method, body and a custom fetch', async () => {
  const { token } = await (await fetch(`${server.url}/control/token`, { method: 'POST' })).json();
  const id = session('auth');
  const seenByFetch = [];
  let headerCalls = 0;
  const source = new EventSource(`${server.url}/sse/auth?count=2&interval_ms=5&session=${id}`, {
    headers: async () => {
      headerCalls++;
      return { Authorization: `Bearer ${token}` };
    },
    method: 'POST',
    body: 'hello',
    fetch: (request) => {
      seenByFetch.push([request.method, request.headers.get('authorization')]);
      return fetch(request);
    },
  });
  const log = await record(source, (e) => e[0] === 'message' && e[3] === '1');
  assert.deepEqual(log.filter((e) => e[0] === 'message').map((e) => e[2]), ['{"n":0}', '{"n":1}']);
  assert.deepEqual(seenByFetch, [['POST', `Bearer ${token}`]]);
  assert.equal(headerCalls, 1);
  const seen = await stats(server.url, id);
  assert.equal(seen.requests[0].method, 'POST');
});

test('close() while connecting: CLOSED at once, no event ever, the request goes away', async () => {
  const id = session('close');
  const source = new EventSource(`${server.url}/sse/message?wait_ms=200&session=${id}`);
  const events = [];
  for (const t of ['open', 'message', 'error']) source.addEventListener(t, (e) => events.push(e.type));
  source.close();
  assert.equal(source.readyState, EventSource.CLOSED);
  await sleep(600);
  assert.deepEqual(events, []);
  assert.equal((await stats(server.url, id)).open, 0);
});

test('event handler attributes: replaced in place, removed by null, `this` is the source', async () => {
  const source = new EventSource(`${server.url}/sse/message?body=${encodeURIComponent('data: a\n\ndata: b\n\n')}&hold_ms=2000&session=${session('attr')}`);
  const calls = [];
  source.onmessage = () => calls.push('first handler');
  source.addEventListener('message', () => calls.push('listener'));
  source.onmessage = function (e) {
    calls.push(`handler ${e.data} ${this === source}`);
    if (e.data === 'b') source.onmessage = null;
  };
  assert.equal(typeof source.onmessage, 'function');
  await record(source, (e, all) => all.length === 2, ['message']);
  // The handler kept its place before the listener, though it was replaced after it was added.
  assert.deepEqual(calls, ['handler a true', 'listener', 'handler b true', 'listener']);
  assert.equal(source.onmessage, null);
});

test('without WebAssembly (React Native / Hermes) connect() and EventSource say so', async () => {
  // A fresh Node process with WebAssembly removed, as on Hermes.
  const { execFileSync } = await import('node:child_process');
  const script = `
    delete globalThis.WebAssembly;
    const { connect, EventSource } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const out = {};
    const s = connect('http://127.0.0.1:9/never');
    out.connect = await new Promise((resolve) => s.on('error', (e) => resolve([e.kind, e.message])));
    const source = new EventSource('http://127.0.0.1:9/never');
    out.eventSource = await new Promise((resolve) => (source.onerror = (e) => resolve([source.readyState, e.kind, e.error.message])));
    console.log(JSON.stringify(out));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 }));
  const words = /this JavaScript runtime has no WebAssembly \(React Native with Hermes is one\)/;
  assert.equal(out.connect[0], 'network');
  assert.match(out.connect[1], words);
  assert.deepEqual(out.eventSource.slice(0, 2), [2, 'network']);
  assert.match(out.eventSource[2], words);
});

test('a fetch option that returns no Response is a typed error, not a crash', async () => {
  const source = new EventSource(`${server.url}/sse/ticks?session=${session('badfetch')}`, {
    fetch: () => 'not a response',
    retry: { maxAttempts: 0 },
  });
  const error = await new Promise((resolve) => (source.onerror = resolve));
  assert.equal(error.kind, 'network');
  assert.match(error.error.message, /the fetch function did not return a Response/);
  source.close();
});
