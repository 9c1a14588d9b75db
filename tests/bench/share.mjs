// Tab sharing: the delivery latency a follower adds over the leader, and the CPU each role
// spends, with 10 pages of one Chromium context sharing one connection (1,000 events).
//
//   node tests/bench/share.mjs [--tabs 10] [--events 1000] [--interval 5]
//
// Needs target/debug/tidings-devserver and the built npm package (npm/dist, npm/wasm). Prints
// JSON: p50/p99/max of (follower arrival - leader arrival) per event, and per-role script and
// task time from the DevTools protocol's Performance.getMetrics.
import { join } from 'node:path';

import { devServer, launch, repo, session, until } from '../e2e/lib.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const tabs = arg('tabs', 10);
const events = arg('events', 1000);
const interval = arg('interval', 5);

const server = await devServer({ www: join(repo, 'tests/e2e/pages'), pkg: join(repo, 'npm') });
const browser = await launch();
try {
  const context = await browser.newContext();
  const s = session('bench-share');
  // Enough events that the measured window (which starts once the last tab is receiving, after
  // every page has loaded: seconds with 10 tabs) ends before the stream does.
  const url = `/sse/ticks?interval_ms=${interval}&count=${events + Math.ceil(15_000 / interval)}&session=${s}`;
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/share.html?${new URLSearchParams({ url, share: '1' })}`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    pages.push({ page, cdp });
  }
  const roles = async () => Promise.all(pages.map((p) => p.page.evaluate(() => window.__stream.role)));
  await until(async () => (await roles()).filter((r) => r === 'leader').length === 1, 10_000, 'one leader');
  const metric = async (cdp, name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0;
  const before = await Promise.all(pages.map(async (p) => [await metric(p.cdp, 'ScriptDuration'), await metric(p.cdp, 'TaskDuration')]));
  // The measured window: the next `events` IDs every tab receives.
  const start = await until(async () => {
    const first = await Promise.all(pages.map((p) => p.page.evaluate(() => window.__ids.at(-1))));
    return first.every((id) => id !== undefined) && Math.max(...first) + 5;
  }, 10_000, 'every tab receiving');
  const end = start + events - 1;
  await until(async () => (await Promise.all(pages.map((p) => p.page.evaluate((id) => window.__ids.includes(id), end)))).every(Boolean), 60_000, 'all events everywhere');
  const after = await Promise.all(pages.map(async (p) => [await metric(p.cdp, 'ScriptDuration'), await metric(p.cdp, 'TaskDuration')]));
  const who = await roles();
  const arrivals = await Promise.all(
    pages.map((p) =>
      p.page.evaluate(([from, to]) => {
        const out = {};
        window.__ids.forEach((id, i) => {
          if (id >= from && id <= to) out[id] = window.__times[i];
        });
        return out;
      }, [start, end]),
    ),
  );
  const leader = who.indexOf('leader');
  const added = [];
  for (const [i, times] of arrivals.entries()) {
    if (i === leader) continue;
    for (let id = start; id <= end; id++) added.push(times[id] - arrivals[leader][id]);
  }
  added.sort((a, b) => a - b);
  const pct = (p) => added[Math.min(added.length - 1, Math.floor((p / 100) * added.length))];
  const cpu = (i) => ({ scriptMs: (after[i][0] - before[i][0]) * 1000, taskMs: (after[i][1] - before[i][1]) * 1000 });
  const followers = who.map((r, i) => (r === 'follower' ? cpu(i) : null)).filter(Boolean);
  const mean = (key) => followers.reduce((sum, f) => sum + f[key], 0) / followers.length;
  console.log(
    JSON.stringify(
      {
        tabs,
        events,
        intervalMs: interval,
        followerAddedLatencyMs: { p50: +pct(50).toFixed(3), p99: +pct(99).toFixed(3), max: +added.at(-1).toFixed(3), samples: added.length },
        cpuMs: { leader: cpu(leader), followerMean: { scriptMs: mean('scriptMs'), taskMs: mean('taskMs') } },
        connections: (await (await fetch(`${server.url}/control/stats?session=${s}`)).json()).total,
      },
      null,
      2,
    ),
  );
  await context.close();
} finally {
  await browser.close();
  server.stop();
}
