// Reconnects that do what the server asked (issue "reconnect-right"), in Node 20 against the
// real dev server: one-shot replies cut short are errors, resumable ones are resumed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect, stream, TidingsError } from '../dist/index.js';
import { devServer, stats } from './server.mjs';

let server;
before(async () => {
  server = await devServer();
});
after(() => server?.stop());

const session = (name) => `node-rr-${name}-${Math.floor(Math.random() * 1e9)}`;
const body = { prompt: 'half an answer', tokens: 10, delay_ms: 1 };
const fast = { initialDelay: 20, multiplier: 1, jitter: 'none' };

test('stream() throws the incomplete error at the end of the loop when [DONE] never came', async () => {
  const id = session('incomplete');
  const tokens = [];
  let thrown;
  try {
    for await (const ev of stream(`${server.url}/sse/llm/resumable?cut_after=4&session=${id}`, {
      method: 'POST',
      body,
      doneSentinel: '[DONE]',
      parse: JSON.parse,
      retry: fast,
    })) {
      tokens.push(ev.data.token);
    }
  } catch (error) {
    thrown = error;
  }
  assert.equal(tokens.length, 4, 'every token before the cut is delivered first');
  assert.ok(thrown instanceof TidingsError, String(thrown));
  assert.equal(thrown.kind, 'incomplete');
  assert.equal(thrown.willRetry, false);
  assert.equal(thrown.lastEventId, '3');
  assert.equal(thrown.events, 4);
  assert.equal((await stats(server.url, id)).total, 1, 'no resume unless asked');
});

test('resume: true continues a cut reply with Last-Event-ID; the loop ends cleanly', async () => {
  const id = session('resume');
  const tokens = [];
  for await (const ev of stream(`${server.url}/sse/llm/resumable?cut_after=4&mode=drop&session=${id}`, {
    method: 'POST',
    body,
    doneSentinel: '[DONE]',
    parse: JSON.parse,
    retry: fast,
    resume: true,
  })) {
    tokens.push(ev.data.token);
  }
  assert.equal(tokens.length, 10);
  assert.deepEqual(tokens.slice(0, 3), ['You', ' asked:', ' half']);
  const seen = await stats(server.url, id);
  assert.deepEqual(seen.requests.map((r) => r.last_event_id), [null, '3']);
});

test('a resume answered 204 ends the stream cleanly, with the incomplete cut reported as retried', async () => {
  const id = session('gone');
  const s = connect(`${server.url}/sse/llm/resumable?cut_after=2&gone=1&session=${id}`, {
    method: 'POST',
    body,
    oneShot: true,
    doneSentinel: '[DONE]',
    retry: fast,
    resume: 2,
  });
  const errors = [];
  s.on('error', (e) => errors.push(e));
  const events = [];
  s.on('message', (e) => events.push(e.lastEventId));
  await new Promise((resolve) => s.on('close', resolve));
  assert.deepEqual(events, ['0', '1']);
  assert.deepEqual(errors.map((e) => [e.kind, e.willRetry]), [['incomplete', true]]);
});
