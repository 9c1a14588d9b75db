// init(): the options form and the single-argument form from before the wasm split.
// Its own file, so its own process: the modules are not loaded yet when it starts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { createParser, init } from '../dist/index.js';

test('init({ client: false }) preloads the parser module; createParser then parses inside feed', async () => {
  await init({ client: false });
  const got = [];
  createParser({ onEvent: (e) => got.push(e.data) }).feed('data: x\n\n');
  assert.deepEqual(got, ['x']);
});

test('init(source), the single-argument form, locates the client module', async () => {
  const parserBytes = await readFile(new URL('../wasm/tidings_parser_bg.wasm', import.meta.url));
  const clientBytes = await readFile(new URL('../wasm/tidings_wasm_bg.wasm', import.meta.url));
  assert.ok(clientBytes.length > parserBytes.length);
  await init(clientBytes);
  // Loaded once: later calls return at once, whatever they pass.
  await init();
  await init({ client: new URL('file:///nonexistent.wasm'), parser: new URL('file:///nonexistent.wasm') });
});
