// Shared by the end-to-end suites: the dev server and headless Chromium.
//
// Server: TIDINGS_TEST_SERVER when it serves the built apps (scripts/test.sh starts it with
// `--www www`), otherwise our own target/debug/tidings-devserver on a free loopback port with
// `--www` set to what the caller needs; it stops by itself (--exit-after) even if we are killed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a dev server serving `www` (or reuses TIDINGS_TEST_SERVER when `probe` is found there). */
export async function devServer({ www, pkg, probe } = {}) {
  const shared = process.env.TIDINGS_TEST_SERVER;
  if (shared && probe) {
    const res = await fetch(new URL(probe, shared)).catch(() => undefined);
    if (res?.ok) return { url: shared.replace(/\/$/, ''), stop() {} };
  }
  const binary = process.env.TIDINGS_DEVSERVER ?? join(repo, 'target/debug/tidings-devserver');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build -p tidings-devserver`);
  const dir = mkdtempSync(join(tmpdir(), 'tidings-e2e-'));
  const portFile = join(dir, 'addr');
  const args = ['--port', '0', '--port-file', portFile, '--exit-after', '300'];
  if (www) args.push('--www', www);
  if (pkg) args.push('--pkg', pkg);
  const child = spawn(binary, args, { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(portFile); i++) await sleep(50);
  if (!existsSync(portFile)) {
    child.kill();
    throw new Error('the dev server did not start');
  }
  const url = readFileSync(portFile, 'utf8').trim();
  return {
    url,
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function stats(base, session) {
  return (await fetch(`${base}/control/stats?session=${encodeURIComponent(session)}`)).json();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` (async, truthy = done) every 50 ms for at most `ms`; returns its last value. */
export async function until(check, ms = 10_000, what = 'condition') {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Headless Debian Chromium; never a downloaded browser. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30_000,
  });
}

let counter = 0;
export const session = (name) => `e2e-${name}-${process.pid}-${++counter}-${Math.floor(Math.random() * 1e6)}`;
