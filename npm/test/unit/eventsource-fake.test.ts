// `tidings/testing` fakes the `EventSource` class too: `new EventSource(url)` runs on the
// scripted server, and the app sees what the WHATWG interface promises (readyState, onopen,
// onmessage, onerror, named events, lastEventId, close).
import { afterEach, beforeEach, expect, test } from 'vitest';

import { EventSource, EventSourceErrorEvent } from '../../src/index.js';
import { installFakeTransport, type FakeTransport } from '../../src/testing.js';

let fake: FakeTransport;
beforeEach(() => {
  fake = installFakeTransport();
});
afterEach(() => fake.uninstall());

/** What an app written against the native interface observes, as lines. */
function record(source: EventSource): string[] {
  const log: string[] = [];
  source.onopen = () => log.push(`open:${source.readyState}`);
  source.onmessage = (e) => log.push(`message:${e.data}:${e.lastEventId}:${source.readyState}`);
  source.onerror = (e) => log.push(`error:${e.kind ?? '-'}:${e.status ?? '-'}:${source.readyState}`);
  source.addEventListener('price', (e) => log.push(`price:${e.data}:${e.lastEventId}`));
  return log;
}

test('new EventSource() runs on the fake: open, messages, named events, a drop and its reconnect, close', () => {
  const source = new EventSource('http://127.0.0.1:8080/sse/feed');
  const log = record(source);
  expect(source.readyState).toBe(EventSource.CONNECTING);
  const server = fake.last();
  expect(server.url).toBe('http://127.0.0.1:8080/sse/feed');

  server.open();
  server.send('a', { id: '1' });
  server.send('101.5', { event: 'price', id: '2' });
  server.send('b'); // no id: the last event ID stays 2
  server.retry(1500);
  expect(source.lastEventId).toBe('2');
  expect(source.reconnectionTime).toBe(1500);

  server.drop(); // a network error: the spec's "reestablish the connection"
  expect(source.readyState).toBe(EventSource.CONNECTING);
  expect(server.lastEventId).toBe('2'); // what the reconnect sends as Last-Event-ID
  server.open();
  server.send('c', { id: '3' });

  source.close();
  expect(source.readyState).toBe(EventSource.CLOSED);
  expect(server.closed).toBe(true);
  expect(() => server.send('late')).toThrow(/after close/);
  expect(log).toEqual([
    'open:1',
    'message:a:1:1',
    'price:101.5:2',
    'message:b:2:1',
    'error:network:-:0',
    'open:1',
    'message:c:3:1',
  ]);
  expect(source.lastEventId).toBe('3');
  expect(fake.openCount()).toBe(0);
});

test('lastEventId of the constructor options is the fake stream\'s starting Last-Event-ID', () => {
  const source = new EventSource('http://127.0.0.1:8080/sse/feed', { lastEventId: '41' });
  expect(source.lastEventId).toBe('41');
  expect(fake.last().lastEventId).toBe('41');
  source.close();
});

test('the browser rules on the fake: a 503 fails the connection (CLOSED), no retry', () => {
  const source = new EventSource('http://127.0.0.1:8080/sse/feed');
  const log = record(source);
  const errors: EventSourceErrorEvent[] = [];
  source.addEventListener('error', (e) => errors.push(e));
  fake.last().respond(503);
  expect(source.readyState).toBe(EventSource.CLOSED);
  expect(log).toEqual(['error:http:503:2']);
  expect(errors[0]).toBeInstanceOf(EventSourceErrorEvent);
  expect(errors[0]!.willRetry).toBe(false);
  expect(fake.last().closed).toBe(true);
});

test('the browser rules on the fake: only 200 opens; a 201 fails the connection', () => {
  const source = new EventSource('http://127.0.0.1:8080/sse/feed');
  const log = record(source);
  fake.last().respond(201);
  expect(log).toEqual(['error:http:201:2']);
  expect(fake.last().closed).toBe(true);
});

test('with retry options the fake follows tidings\' policy: a 503 is retried', () => {
  const source = new EventSource('http://127.0.0.1:8080/sse/feed', { retry: { maxAttempts: 3 } });
  const log = record(source);
  const server = fake.last();
  server.respond(503);
  expect(source.readyState).toBe(EventSource.CONNECTING);
  server.respond(200);
  server.send('x');
  expect(log).toEqual(['error:http:503:0', 'open:1', 'message:x::1']);
  source.close();
});

test('a 204 and end() close it with one error event, as the spec fails the connection', () => {
  const first = new EventSource('http://127.0.0.1:8080/sse/a');
  const firstLog = record(first);
  fake.last().respond(204);
  const second = new EventSource('http://127.0.0.1:8080/sse/b');
  const secondLog = record(second);
  fake.last().open();
  fake.last().end();
  expect(first.readyState).toBe(EventSource.CLOSED);
  expect(second.readyState).toBe(EventSource.CLOSED);
  expect(firstLog).toEqual(['error:-:-:2']);
  expect(secondLog).toEqual(['open:1', 'error:-:-:2']);
  expect(fake.openCount()).toBe(0);
});

test('a route serves new EventSource() by its path: the scripted server runs after the listeners are set', async () => {
  fake.route('/sse/ticks', (server) => {
    server.open();
    for (let i = 1; i <= 3; i++) server.send(`tick ${i}`, { event: 'tick', id: String(i) });
  });
  const source = new EventSource('http://127.0.0.1:8080/sse/ticks?room=1');
  const ticks = await new Promise<string[]>((resolve) => {
    const seen: string[] = [];
    source.addEventListener('tick', (e) => {
      seen.push(`${e.data}@${e.lastEventId}`);
      if (seen.length === 3) resolve(seen);
    });
  });
  expect(ticks).toEqual(['tick 1@1', 'tick 2@2', 'tick 3@3']);
  expect(source.lastEventId).toBe('3');
  source.close();
  expect(fake.openCount()).toBe(0);
});
