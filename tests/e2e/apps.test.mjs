// The React and Vue apps in www/ (built by `npm run build` in www/ into www/dist/) in headless
// Chromium against the dev server: the same scenarios for both frameworks.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { devServer, launch, repo, session, stats, until } from './lib.mjs';

let server;
let browser;
before(async () => {
  for (const app of ['react', 'vue']) {
    if (!existsSync(join(repo, 'www/dist', app, 'index.html'))) throw new Error(`www/dist/${app} is missing: run npm run build in www/`);
  }
  server = await devServer({ www: join(repo, 'www'), probe: '/dist/react/index.html' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function openApp(app, params) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${server.url}/dist/${app}/index.html?${new URLSearchParams(params)}`);
  const read = () =>
    page.evaluate(() => ({
      status: document.getElementById('status')?.textContent ?? null,
      error: document.getElementById('error')?.textContent || null,
      events: [...document.querySelectorAll('#events li')].map((li) => ({ type: li.dataset.type, id: li.dataset.id, data: li.textContent })),
      seen: window.__seen.map((e) => ({ type: e.type, id: e.lastEventId, data: e.data })),
    }));
  return { page, read, errors, close: () => context.close() };
}

for (const app of ['react', 'vue']) {
  describe(`${app} app`, () => {
    test('receives events, then stops on the server\'s 204', async () => {
      const s = session(`${app}-ticks`);
      const view = await openApp(app, { url: `/sse/ticks?count=3&interval_ms=10&session=${s}` });
      const state = await until(async () => {
        const st = await view.read();
        return st.events.length === 3 && st.status.toLowerCase() === 'closed' && st;
      }, 10_000, 'three events and closed');
      assert.deepEqual(state.events, [0, 1, 2].map((n) => ({ type: 'message', id: String(n), data: JSON.stringify({ n }) })));
      assert.deepEqual(state.seen, state.events);
      const seen = await stats(server.url, s);
      // React renders in StrictMode: still one connection, plus the one that got the 204.
      assert.deepEqual(seen.requests.map((r) => r.last_event_id), [null, '2']);
      assert.deepEqual(view.errors, []);
      await view.close();
    });

    test('named events', async () => {
      const s = session(`${app}-named`);
      const view = await openApp(app, { url: `/sse/ticks?count=2&interval_ms=10&event=tick&session=${s}`, events: 'tick' });
      const state = await until(async () => {
        const st = await view.read();
        return st.events.length === 2 && st;
      }, 10_000, 'two named events');
      assert.deepEqual(state.events.map((e) => e.type), ['tick', 'tick']);
      await view.close();
    });

    test('reconnects with Last-Event-ID after the server drops the connection', async () => {
      // interval_ms > 0: Chromium drops bytes that arrive in the same read as a broken chunked
      // encoding (ERR_INCOMPLETE_CHUNKED_ENCODING), so a cut right after an event may lose it.
      // Spacing events out makes the first event of each connection arrive on its own.
      const s = session(`${app}-drop`);
      const view = await openApp(app, { url: `/sse/drop?after=2&count=5&interval_ms=40&session=${s}` });
      const state = await until(async () => {
        const st = await view.read();
        return st.events.length >= 5 && st;
      }, 20_000, 'five events across drops');
      assert.deepEqual(state.events.map((e) => e.id), ['0', '1', '2', '3', '4'], 'no gap, no duplicate');
      const seen = await stats(server.url, s);
      assert.ok(seen.requests.length >= 3, 'at least two drops');
      assert.equal(seen.requests[0].last_event_id, null);
      for (const r of seen.requests.slice(1)) assert.match(r.last_event_id ?? 'null', /^[0-4]$/, 'every reconnect resumes');
      await view.close();
    });

    test('a catch-up burst of 100 events in one chunk after a reconnect: every event shown', async () => {
      // The first connection sends ids 0-1 and is cut; the reconnect (Last-Event-ID: 1) gets
      // ids 2-101 in one write — the replay that a `watch(data)` in Vue collapses into one call.
      const s = session(`${app}-burst`);
      const view = await openApp(app, { url: `/sse/burst?after=2&burst=100&session=${s}` });
      const state = await until(async () => {
        const st = await view.read();
        return st.status.toLowerCase() === 'closed' && st;
      }, 20_000, 'the burst and the final 204');
      const ids = Array.from({ length: 102 }, (_, i) => String(i));
      assert.deepEqual(state.events.map((e) => e.id), ids, 'every event rendered, in order');
      assert.deepEqual(state.seen, state.events, 'the per-event callback saw every event');
      const seen = await stats(server.url, s);
      // Usually [null, '1', '101']. But Chromium discards body bytes that the page has not read
      // yet when the connection is cut, so a page still starting up can lose the first
      // connection's events before any JS sees them (the server waits 200 ms before that cut to
      // make it rare). The client then resumes from the last event it did see, or with none
      // starts over. What must hold: no resume point at first, each later resume no earlier
      // than the one before and naming one of the first connection's events, the burst's
      // last id on the final request (the 204), and nothing shown twice (checked above).
      const resumes = seen.requests.map((r) => r.last_event_id);
      assert.equal(resumes[0], null, 'the first request has no resume point');
      assert.equal(resumes.at(-1), '101', 'the final request resumes after the burst');
      const rank = (id) => ({ null: 0, 0: 1, 1: 2 })[String(id)];
      const middle = resumes.slice(1, -1);
      assert.ok(middle.length >= 1 && middle.length <= 3, `requests: ${JSON.stringify(resumes)}`);
      for (const [i, id] of middle.entries()) {
        assert.notEqual(rank(id), undefined, `resume ${JSON.stringify(id)} is not an event of the first connection`);
        if (i > 0) assert.ok(rank(id) >= rank(middle[i - 1]), `resumes go backwards: ${JSON.stringify(resumes)}`);
      }
      if (app === 'vue') {
        // The naive pattern really lost events here: the burst reached the page as a batch.
        const watched = Number(await view.page.textContent('#watched'));
        assert.ok(watched < 50, `watch(data) ran ${watched} times for 102 events`);
      }
      assert.deepEqual(view.errors, []);
      await view.close();
    });

    test('POST stream to [DONE]', async () => {
      const s = session(`${app}-llm`);
      const view = await openApp(app, {
        url: `/sse/llm?session=${s}`,
        method: 'POST',
        body: JSON.stringify({ prompt: 'hello e2e', tokens: 6, delay_ms: 5 }),
        doneSentinel: '[DONE]',
        oneShot: '1',
      });
      const state = await until(async () => {
        const st = await view.read();
        return st.status.toLowerCase() === 'closed' && st.events.length > 0 && st;
      }, 10_000, 'the reply to end');
      assert.equal(state.events.length, 6);
      assert.ok(state.events.every((e) => e.data !== '[DONE]'));
      assert.deepEqual(JSON.parse(state.events[0].data), { token: 'You' });
      assert.equal(state.error, null);
      const seen = await stats(server.url, s);
      assert.equal(seen.total, 1);
      assert.equal(seen.requests[0].method, 'POST');
      await view.close();
    });

    test('a reply cut before [DONE] shows the incomplete error', async () => {
      const s = session(`${app}-incomplete`);
      const view = await openApp(app, {
        url: `/sse/llm/resumable?cut_after=3&session=${s}`,
        method: 'POST',
        body: JSON.stringify({ prompt: 'cut me', tokens: 6, delay_ms: 5 }),
        doneSentinel: '[DONE]',
        oneShot: '1',
      });
      const state = await until(async () => {
        const st = await view.read();
        return st.error && st.status.toLowerCase() === 'closed' && st;
      }, 10_000, 'the incomplete error');
      assert.deepEqual(JSON.parse(state.error), { kind: 'incomplete', status: null, willRetry: false });
      assert.deepEqual(state.events.map((e) => e.id), ['0', '1', '2']);
      await view.close();
    });

    test('a 401 is surfaced as a typed error', async () => {
      const s = session(`${app}-401`);
      const view = await openApp(app, { url: `/sse/auth?session=${s}` });
      const state = await until(async () => {
        const st = await view.read();
        return st.error && st;
      }, 10_000, 'an error');
      assert.deepEqual(JSON.parse(state.error), { kind: 'http', status: 401, willRetry: false });
      assert.equal(state.status.toLowerCase(), 'closed');
      assert.equal((await stats(server.url, s)).total, 1);
      await view.close();
    });

    test('share: two tabs of one browser share one connection and see the same events', async () => {
      const s = session(`${app}-share`);
      const context = await browser.newContext();
      const query = new URLSearchParams({ url: `/sse/ticks?interval_ms=40&session=${s}`, share: '1' });
      const pages = [await context.newPage(), await context.newPage()];
      for (const page of pages) await page.goto(`${server.url}/dist/${app}/index.html?${query}`);
      const ids = (page) => page.evaluate(() => window.__seen.map((e) => Number(e.lastEventId)));
      const lists = await until(async () => {
        const all = await Promise.all(pages.map(ids));
        return all.every((l) => l.length >= 8) && all;
      }, 10_000, 'both tabs receive');
      const seen = await stats(server.url, s);
      assert.equal(seen.open, 1, 'one connection for both tabs');
      for (const list of lists) assert.deepEqual(list, list.map((_, i) => list[0] + i), 'no gap, no duplicate');
      const [a, b] = lists;
      assert.deepEqual(b.slice(0, 5), a.slice(a.indexOf(b[0]), a.indexOf(b[0]) + 5), 'the same events');
      await context.close();
    });

    test('unmount closes the connection (the server sees it)', async () => {
      const s = session(`${app}-unmount`);
      const view = await openApp(app, { url: `/sse/ticks?interval_ms=30&session=${s}` });
      await until(async () => (await view.read()).events.length >= 2, 10_000, 'two events');
      const open = await stats(server.url, s);
      assert.equal(open.open, 1);
      assert.equal(open.total, 1, 'exactly one connection (StrictMode double mount included)');
      await view.page.click('#unmount');
      await view.page.waitForSelector('#unmounted', { timeout: 5_000 });
      await until(async () => (await stats(server.url, s)).open === 0, 10_000, 'open == 0');
      assert.equal((await stats(server.url, s)).total, 1);
      await view.close();
    });
  });
}
