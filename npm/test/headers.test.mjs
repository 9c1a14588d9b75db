// Request headers in every form `connect()` accepts, and the response headers `open` reports:
// the wasm client reads both through `Array.from` (Node 20 fetch, real dev server, loopback).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect } from '../dist/index.js';
import { devServer, stats } from './server.mjs';

let server;
before(async () => {
  server = await devServer();
});
after(() => server?.stop());

const session = (name) => `node-headers-${name}-${Math.floor(Math.random() * 1e9)}`;

async function token() {
  const response = await fetch(`${server.url}/control/token?ttl_ms=60000`, { method: 'POST' });
  return (await response.json()).token;
}

const forms = {
  'a plain object': (bearer) => ({ Authorization: bearer }),
  'a Headers': (bearer) => new Headers({ Authorization: bearer }),
  'an array of pairs': (bearer) => [['Authorization', bearer]],
  'an async function': (bearer) => async () => ({ Authorization: bearer }),
};

for (const [form, headers] of Object.entries(forms)) {
  test(`headers given as ${form} reach the server; open reports the response headers`, async () => {
    const id = session(form.replaceAll(' ', '-'));
    const s = connect(`${server.url}/sse/auth?count=2&interval_ms=0&session=${id}`, {
      headers: headers(`Bearer ${await token()}`),
      retry: { maxAttempts: 0 },
    });
    const opens = [];
    const data = [];
    const errors = [];
    s.on('open', (info) => opens.push(info));
    s.on('message', (e) => data.push(e.data));
    s.on('error', (e) => errors.push(e));
    await new Promise((resolve) => s.on('close', resolve));
    assert.deepEqual(data, ['{"n":0}', '{"n":1}']);
    assert.equal(opens[0].status, 200);
    assert.equal(opens[0].headers['content-type'], 'text/event-stream');
    assert.equal(opens[0].headers['x-tidings-session'], id);
    assert.ok(!errors.some((e) => e.status === 401), JSON.stringify(errors));
    const seen = await stats(server.url, id);
    assert.equal(seen.requests[0].authorization, true);
  });
}
