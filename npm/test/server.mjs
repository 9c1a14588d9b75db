// The dev server for Node tests: reuses TIDINGS_TEST_SERVER when scripts/test.sh set it,
// otherwise starts target/debug/tidings-devserver (build it with `cargo build -p tidings-devserver`)
// on a free loopback port; it stops by itself after two minutes at the latest.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function devServer() {
  if (process.env.TIDINGS_TEST_SERVER) return { url: process.env.TIDINGS_TEST_SERVER, stop() {} };
  const binary = fileURLToPath(new URL('../../target/debug/tidings-devserver', import.meta.url));
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build -p tidings-devserver`);
  const portFile = join(mkdtempSync(join(tmpdir(), 'tidings-')), 'addr');
  const child = spawn(binary, ['--port', '0', '--port-file', portFile, '--exit-after', '120'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(portFile)) {
    child.kill();
    throw new Error('the dev server did not start');
  }
  return { url: readFileSync(portFile, 'utf8').trim(), stop: () => child.kill() };
}

export async function stats(base, session) {
  return (await fetch(`${base}/control/stats?session=${session}`)).json();
}
