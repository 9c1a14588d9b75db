/**
 * Lazy loading of the client wasm module (`wasm/tidings_wasm_bg.wasm`, crate tidings-wasm):
 * what `connect` and `stream` run on. Nothing here runs at import time.
 *
 * @internal
 * @packageDocumentation
 */
import type * as ClientExports from '../wasm/tidings_wasm.js';
import { lazyModule } from './wasm-load.js';

/** The client module's wasm-bindgen exports, once loaded. @internal */
export type ClientWasm = typeof ClientExports;

const clientModule = /* @__PURE__ */ lazyModule<ClientWasm>(
  () => import('../wasm/tidings_wasm.js'),
  () => new URL('../wasm/tidings_wasm_bg.wasm', import.meta.url),
);

/** The loaded module, or `undefined` while it is not yet ready. @internal */
export const clientWasmIfReady = clientModule.ifReady;

/** Loads the client module once (every call returns the same promise). @internal */
export const loadClientWasm = clientModule.load;
