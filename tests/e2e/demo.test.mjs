// The demo pages a newcomer opens first (www/index.html and the Vite builds in www/dist/), in
// headless Chromium against the dev server: each page is visited, what it shows is asserted,
// and a screenshot of it lands in tests/e2e/screenshots/ (git-ignored).
//
// The Leptos page (www/dist/leptos/index.html) is built by its own toolchain: when it is
// missing the test only checks the index links to it, unless REQUIRE_LEPTOS=1 makes it fail.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { devServer, launch, repo, session, stats, until } from './lib.mjs';

const shots = join(repo, 'tests/e2e/screenshots');
const built = ['vanilla', 'chat', 'lab', 'share', 'react', 'vue', 'api'];
const leptosBuilt = existsSync(join(repo, 'www/dist/leptos/index.html'));

let server;
let browser;
before(async () => {
  for (const page of built) {
    if (!existsSync(join(repo, 'www/dist', page, 'index.html'))) {
      const how = page === 'api' ? 'run scripts/build-docs.sh' : 'run npm run build in www/';
      throw new Error(`www/dist/${page}/index.html is missing: ${how}`);
    }
  }
  mkdirSync(shots, { recursive: true });
  server = await devServer({ www: join(repo, 'www'), probe: '/dist/lab/index.html' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function open(path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const response = await page.goto(`${server.url}${path}`);
  assert.equal(response.status(), 200, `${path} is served`);
  return {
    page,
    errors,
    text: (selector) => locate(page, selector).textContent(),
    attr: (selector, name) => locate(page, selector).getAttribute(name),
    count: (selector) => page.locator(selector).count(),
    shot: (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true }),
    async close() {
      assert.deepEqual(errors.map(String), [], `no uncaught errors on ${path}`);
      await context.close();
    },
  };
}

/** A CSS selector (first match) or a ready-made locator. */
const locate = (page, selector) => (typeof selector === 'string' ? page.locator(selector).first() : selector);

const number = (text) => Number(String(text).replace(/[^\d.]/g, ''));

describe('demo pages', () => {
  test('the index links every demo', async () => {
    const view = await open('/');
    const links = {
      '#demo-vanilla': '/dist/vanilla/',
      '#demo-chat': '/dist/chat/',
      '#demo-lab': '/dist/lab/',
      '#demo-share': '/dist/share/',
      '#demo-react': '/dist/react/index.html',
      '#demo-vue': '/dist/vue/index.html',
      '#demo-leptos': '/dist/leptos/index.html',
      '#demo-api': '/dist/api/',
    };
    for (const [selector, href] of Object.entries(links)) {
      assert.equal(await view.attr(selector, 'href'), href, selector);
      assert.equal(await view.count(`nav a[href="${href}"]`), 1, `the top bar links ${href}`);
    }
    // The page marks demos whose build is missing; only Leptos may be.
    await view.page.waitForLoadState('networkidle');
    for (const id of built) assert.equal(await view.count(`#demo-${id} [data-status="missing"]`), 0, `${id} is built`);
    assert.equal(await view.count('#demo-leptos [data-status="missing"]'), leptosBuilt ? 0 : 1);
    await view.shot('index');
    await view.close();
  });

  test('vanilla TypeScript: live ticks, counters, resume on reconnect', async () => {
    const s = session('demo-vanilla');
    const view = await open(`/dist/vanilla/?session=${s}`);
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 10_000, 'status open');
    await until(async () => (await view.count('#events li[data-id]')) >= 3, 10_000, 'three events in the log');
    assert.equal(await view.attr('#events li[data-id]', 'data-id'), await view.text('#m-last-id'), 'newest first');
    await until(async () => number(await view.text('#m-messages')) >= 3, 5_000, 'the messages counter');
    assert.match(await view.text('#m-bytes'), /^\d+(\.\d)? (B|KB)$/);
    await view.shot('vanilla');

    await view.page.click('#reconnect');
    const resumed = await until(async () => {
      const st = await stats(server.url, s);
      return st.total >= 2 && st.requests[1];
    }, 10_000, 'a second connection');
    assert.match(resumed.last_event_id ?? '', /^\d+$/, 'Reconnect resumes with Last-Event-ID');
    await until(async () => number(await view.text('#m-reconnects')) >= 1, 5_000, 'the reconnects counter');
    await view.close();
  });

  test('shared tabs: one connection for two tabs, the leader closes, the other takes over', async () => {
    const s = session('demo-share');
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const tabs = [await context.newPage(), await context.newPage()];
    const errors = [];
    for (const tab of tabs) {
      tab.on('pageerror', (e) => errors.push(String(e)));
      await tab.goto(`${server.url}/dist/share/?session=${s}`);
    }
    const roles = () => Promise.all(tabs.map((t) => t.locator('#m-role').textContent()));
    const both = await until(async () => {
      const r = await roles();
      return r.includes('leader') && r.includes('follower') && r;
    }, 10_000, 'a leader and a follower');
    for (const tab of tabs) {
      await until(async () => (await tab.locator('#events li[data-id]').count()) >= 2, 10_000, 'events in both logs');
      await until(async () => (await tab.locator('#m-connections').textContent()) === '1', 5_000, 'the page shows 1 connection');
    }
    assert.equal((await stats(server.url, s)).open, 1);
    await tabs[0].screenshot({ path: join(shots, 'share.png'), fullPage: true });
    // "Close the leader" from the follower's tab.
    const follower = tabs[both.indexOf('follower')];
    const leader = tabs[both.indexOf('leader')];
    await follower.click('#close-leader');
    await until(async () => (await follower.locator('#m-role').textContent()) === 'leader', 3_000, 'the follower leads');
    assert.equal(await leader.locator('#m-role').textContent(), 'closed');
    assert.equal(await leader.locator('#rejoin').isVisible(), true);
    await until(async () => (await stats(server.url, s)).open === 1 && (await stats(server.url, s)).total === 2, 5_000, 'one connection again');
    const ids = await follower.locator('#events li[data-id]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.id)).reverse());
    await until(async () => (await follower.locator('#events li[data-id]').count()) > ids.length + 1, 5_000, 'events go on');
    const after = await follower.locator('#events li[data-id]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.id)).reverse());
    assert.deepEqual(after, after.map((_, i) => after[0] + i), 'no gap, no duplicate across the handover');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('LLM chat: tokens stream in, [DONE] ends the reply, Stop aborts mid-reply', async () => {
    const s = session('demo-chat');
    const view = await open(`/dist/chat/?session=${s}`);
    await view.page.fill('#tokens', '14');
    await view.page.fill('#delay', '60');
    await view.page.fill('#prompt', 'hello from the demo test');
    await view.page.click('#send');
    const reply = view.page.locator('.msg.assistant').nth(0);
    // Tokens appear one by one while the reply is streaming.
    await until(async () => {
      const state = await view.attr(reply, 'data-state');
      const tokens = number(await view.attr(reply, 'data-tokens'));
      return state === 'streaming' && tokens >= 2 && tokens < 14;
    }, 10_000, 'a reply part-way through');
    assert.equal(await view.page.isDisabled('#stop'), false, 'Stop is enabled while streaming');
    await until(async () => (await view.attr(reply, 'data-state')) === 'done', 10_000, 'the reply to finish');
    assert.equal(await view.attr(reply, 'data-tokens'), '14');
    assert.match(await view.text(reply.locator('.text')), /^You asked: hello from the demo test Server-Sent/);
    assert.match(await view.text(reply.locator('.meta')), /\[DONE\]/);
    assert.equal(await view.attr('#reply-status', 'data-status'), 'done');
    assert.equal(await view.page.isDisabled('#stop'), true);

    // A long reply, stopped after a few tokens.
    await view.page.fill('#tokens', '500');
    await view.page.fill('#delay', '40');
    await view.page.fill('#prompt', 'tell me everything');
    await view.page.press('#prompt', 'Enter');
    const second = view.page.locator('.msg.assistant').nth(1);
    await until(async () => number(await view.attr(second, 'data-tokens')) >= 5, 10_000, 'five tokens of the second reply');
    await view.page.click('#stop');
    await until(async () => (await view.attr(second, 'data-state')) === 'stopped', 5_000, 'the reply to stop');
    const stoppedAt = number(await view.attr(second, 'data-tokens'));
    assert.ok(stoppedAt >= 5 && stoppedAt < 500, `stopped after ${stoppedAt} tokens`);
    assert.match(await view.text(second.locator('.meta')), /stopped after \d+ tokens/);
    await until(async () => (await stats(server.url, s)).open === 0, 5_000, 'the server to see the request end');
    const st = await stats(server.url, s);
    assert.deepEqual(st.requests.map((r) => [r.method, r.path]), [['POST', '/sse/llm'], ['POST', '/sse/llm']]);
    await view.page.waitForTimeout(300);
    assert.equal(number(await view.attr(second, 'data-tokens')), stoppedAt, 'no token after Stop');
    await view.shot('chat');
    await view.close();
  });

  test('reconnect lab: 503 shows reconnecting with a countdown on the timeline, 204 closes', async () => {
    const s = session('demo-lab');
    const view = await open(`/dist/lab/?session=${s}`);
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 10_000, 'status open');
    await until(async () => number(await view.text('#m-messages')) >= 2, 10_000, 'two messages');
    assert.ok(number(await view.text('#m-bytes')) > 0, 'bytes counted');
    assert.equal(await view.count('#timeline .seg-open'), 1, 'an open segment on the timeline');
    const entriesBefore = number(await view.attr('#timeline', 'data-entries'));

    await view.page.click('#fault-503');
    const countdown = await until(async () => {
      const status = await view.attr('#status', 'data-status');
      const visible = await view.page.isVisible('#countdown');
      const text = visible && (await view.text('#countdown-text'));
      return status === 'reconnecting' && /next attempt in \d+\.\d s/.test(text) && text;
    }, 10_000, 'reconnecting with a countdown');
    assert.ok(countdown);
    await view.shot('lab-countdown');
    await until(async () => (await view.count('#timeline .mark-error')) >= 1, 5_000, 'an error on the timeline');
    await until(async () => (await view.count('#timeline .backoff')) >= 1, 5_000, 'a backoff bar on the timeline');
    assert.ok(number(await view.attr('#timeline', 'data-entries')) > entriesBefore, 'the timeline got entries');
    assert.equal(await view.count('#timeline .mark-fault'), 1);
    // Two 503s, then the stream comes back by itself.
    await until(async () => (await view.count('#entries li[data-kind="error"]')) >= 3, 15_000, 'the cut and two 503s');
    assert.match((await view.page.locator('#entries li[data-kind="error"]').allTextContents()).join('\n'), /http 503/);
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 20_000, 'open again after the 503s');
    await until(async () => number(await view.text('#m-reconnects')) >= 3, 5_000, 'three reconnects counted');
    const statuses = (await stats(server.url, s)).requests.map((r) => r.status);
    assert.deepEqual(statuses.filter((c) => c === 503), [503, 503]);
    await view.shot('lab-503');

    await view.page.click('#fault-204');
    await until(async () => (await view.attr('#status', 'data-status')) === 'closed', 15_000, 'closed after the 204');
    await until(async () => !(await view.page.isVisible('#countdown')), 2_000, 'no countdown once closed');
    assert.ok((await stats(server.url, s)).requests.some((r) => r.status === 204));
    await view.page.waitForTimeout(300);
    await view.shot('lab-204');
    await view.close();
  });

  test('reconnect lab: drop, 429 with Retry-After, and stall all recover', async () => {
    const s = session('demo-lab2');
    const view = await open(`/dist/lab/?session=${s}`);
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 10_000, 'status open');
    const errors = () => view.page.locator('#entries li[data-kind="error"]').allTextContents();

    await view.page.click('#fault-drop');
    await until(async () => (await errors()).some((t) => /network/.test(t)), 10_000, 'a network error');
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 10_000, 'open after the drop');

    await view.page.click('#fault-429');
    const wait = await until(async () => (await errors()).find((t) => /http 429/.test(t)), 10_000, 'the 429');
    const seconds = Number(/in (\d+(\.\d)?) s/.exec(wait)?.[1]);
    assert.ok(seconds >= 4, `Retry-After: 4 is a floor (${wait})`);
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 15_000, 'open after the 429');

    await view.page.click('#fault-stall');
    await until(async () => (await errors()).some((t) => /stall/.test(t)), 10_000, 'the stall');
    await until(async () => (await view.attr('#status', 'data-status')) === 'open', 10_000, 'open after the stall');
    // The client's `debug` trace, shown live: heads, retries with reason and delay, the stall.
    const trace = (kind) => view.page.locator(`#trace li[data-kind="${kind}"]`).allTextContents();
    assert.match((await trace('open')).join('\n'), /open: 200 text\/event-stream \(attempt \d+\).*x-tidings-resume-from/);
    assert.match((await trace('retry-scheduled')).join('\n'), /retry #\d+ in \d+ ms \(http 429\)/);
    assert.match((await trace('retry-scheduled')).join('\n'), /\(network\)/);
    assert.ok((await trace('stall')).length >= 1, 'the stall is traced');
    assert.ok((await trace('event')).some((t) => /event message #\d+ \(\d+ chars\)/.test(t)), 'events are summarised');
    const ids = (await stats(server.url, s)).requests.slice(1).map((r) => r.last_event_id);
    assert.ok(ids.every((id) => /^\d+$/.test(id ?? '')), `every reconnect resumes: ${ids}`);
    await view.shot('lab-recovered');
    await view.close();
  });

  for (const app of ['react', 'vue']) {
    test(`${app} demo receives events`, async () => {
      const s = session(`demo-${app}`);
      const url = `/sse/ticks?interval_ms=150&session=${s}`;
      const view = await open(`/dist/${app}/index.html?${new URLSearchParams({ url })}`);
      await until(async () => number(await view.text('#count')) >= 3, 10_000, 'three events');
      assert.equal((await view.text('#status')).toLowerCase(), 'open');
      assert.equal(await view.text('#events li >> nth=0'), '{"n":0}');
      await view.shot(app);
      await view.close();
    });
  }

  for (const app of ['react', 'vue']) {
    test(`${app} demo page: live feed with history, an LLM reply with Stop, an auth error fixed by a token`, async () => {
      const view = await open(`/dist/${app}/index.html`);
      await until(async () => (await view.attr('#feed-status', 'data-status')) === 'open', 10_000, 'the feed open');
      await until(async () => (await view.count('#feed-history li[data-id]')) >= 3, 10_000, 'three events in the history');
      await until(async () => (await view.attr('#auth-status', 'data-status')) === 'error', 10_000, 'the 401');
      assert.match(await view.text('#auth-error'), /Not signed in \(401\)/);

      await view.page.click('#ask');
      await until(async () => number(await view.attr('#reply-text', 'data-tokens')) >= 3, 10_000, 'tokens streaming');
      assert.equal(await view.attr('#reply-status', 'data-status'), 'streaming');
      await view.page.click('#stop');
      await until(async () => (await view.attr('#reply-status', 'data-status')) === 'stopped', 5_000, 'stopped');
      const stoppedAt = number(await view.attr('#reply-text', 'data-tokens'));
      await view.page.waitForTimeout(300);
      assert.equal(number(await view.attr('#reply-text', 'data-tokens')), stoppedAt, 'no token after Stop');
      await view.page.click('#ask');
      await until(async () => (await view.attr('#reply-status', 'data-status')) === 'done', 15_000, 'a whole reply to [DONE]');
      assert.ok(number(await view.attr('#reply-text', 'data-tokens')) > stoppedAt);

      await view.page.click('#sign-in');
      await until(async () => /authorised · event #\d+/.test((await view.page.textContent('#auth')) ?? ''), 10_000, 'events with the token');
      assert.equal(await view.attr('#auth-status', 'data-status'), 'open');
      await view.shot(`${app}-demo`);
      await view.close();
    });
  }

  test('API reference (TypeDoc + rustdoc): every TypeScript page and every crate page loads without a console error', async () => {
    const root = join(repo, 'www/dist/api');
    const htmlUnder = (dir) =>
      readdirSync(dir, { recursive: true })
        .filter((f) => f.endsWith('.html'))
        .map((f) => `/dist/api/${relative(root, join(dir, f)).split('\\').join('/')}`);
    const ts = htmlUnder(join(root, 'ts'));
    const rust = htmlUnder(join(root, 'rust')).filter((p) => /\/tidings_(core|web|leptos)\/(index|all)\.html$/.test(p));
    assert.ok(ts.length > 20, `TypeDoc pages: ${ts.length}`);
    assert.equal(rust.length, 6, `rustdoc crate pages: ${rust}`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`${page.url()}: console: ${m.text()}`));
    // ERR_ABORTED: a late request (rustdoc's favicon) cut short by the next navigation.
    page.on('requestfailed', (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && problems.push(`${page.url()}: failed ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${page.url()}: ${r.status()} ${r.url()}`));
    for (const path of ['/dist/api/', ...ts, ...rust]) {
      const response = await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
      assert.equal(response.status(), 200, path);
      assert.ok((await page.title()).length > 0, `${path} has a title`);
    }
    // The pages a newcomer lands on, with content that says they are the real reference.
    await page.goto(`${server.url}/dist/api/ts/functions/index.connect.html`);
    assert.match(await page.innerText('body'), /Opens a Server-Sent Events stream/);
    await page.screenshot({ path: join(shots, 'api-ts-connect.png'), fullPage: false });
    await page.goto(`${server.url}/dist/api/rust/tidings_core/index.html`);
    assert.match(await page.innerText('body'), /tidings_core/);
    await page.screenshot({ path: join(shots, 'api-rust-core.png'), fullPage: false });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('Leptos demo', async () => {
    if (!leptosBuilt) {
      if (process.env.REQUIRE_LEPTOS === '1') {
        assert.fail('www/dist/leptos/index.html is missing and REQUIRE_LEPTOS=1: build the Leptos demo (www/leptos/) first');
      }
      // Not built (yet): the index must still link it.
      const view = await open('/');
      assert.equal(await view.attr('#demo-leptos', 'href'), '/dist/leptos/index.html');
      await view.close();
      return;
    }
    const view = await open('/dist/leptos/index.html');
    // Its markup is the Leptos app's own: assert it renders and keeps changing (live events).
    const first = await until(async () => (await view.page.innerText('body')).trim(), 10_000, 'the app to render');
    await until(async () => (await view.page.innerText('body')).trim() !== first, 10_000, 'live updates');
    await view.shot('leptos');
    await view.close();
  });
});
