// Importing any entry point must not touch window, document or EventSource (SSR in Next.js or
// Nuxt must not crash). Runs the built package (dist/) in a fresh Node process with tripwire
// getters on those globals; a read is blamed on tidings only when tidings' own files are on
// the stack (vue's runtime-dom, for instance, probes `typeof document` itself).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const npmDir = fileURLToPath(new URL('../..', import.meta.url));
const entries = ['tidings', 'tidings/react', 'tidings/react/query', 'tidings/vue', 'tidings/testing'];

const script = `
const touched = [];
for (const name of ['window', 'document', 'EventSource', 'location', 'navigator']) {
  const had = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      const stack = new Error().stack ?? '';
      if (stack.includes('/npm/dist/') || stack.includes('/npm/wasm/')) touched.push(name + '\\n' + stack);
      return had && 'value' in had ? had.value : had?.get?.call(globalThis);
    },
  });
}
const loaded = {};
for (const entry of ${JSON.stringify(entries)}) loaded[entry] = Object.keys(await import(entry)).sort();
console.log(JSON.stringify({ touched, loaded }));
`;

test('every entry imports in plain Node with no DOM globals, touching none of them', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: npmDir, encoding: 'utf8' });
  const { touched, loaded } = JSON.parse(out.trim().split('\n').at(-1)!);
  expect(touched).toEqual([]);
  expect(loaded['tidings']).toEqual(expect.arrayContaining(['connect', 'stream', 'createParser', 'init', 'TidingsError']));
  expect(loaded['tidings/react']).toEqual(expect.arrayContaining(['useSSE', 'useEventSource']));
  expect(loaded['tidings/react/query']).toEqual(['useSSEQuerySync']);
  expect(loaded['tidings/vue']).toEqual(expect.arrayContaining(['useEventSource']));
  expect(loaded['tidings/testing']).toEqual(expect.arrayContaining(['installFakeTransport', 'createFakeStream']));
});

test('package.json exports ., ./react and ./vue, ESM, without side effects', async () => {
  const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as Record<string, any>;
  expect(pkg.type).toBe('module');
  expect(pkg.sideEffects).toBe(false);
  for (const entry of ['.', './react', './vue']) expect(pkg.exports[entry].import).toMatch(/^\.\/dist\/.*\.js$/);
  for (const peer of ['react', 'vue', '@tanstack/react-query']) expect(pkg.peerDependenciesMeta[peer].optional).toBe(true);
});
