/**
 * Lazy loading of the client wasm module (`wasm/tidings_wasm_bg.wasm`, crate tidings-web):
 * what `connect` and `stream` run on. Nothing here runs at import time.
 *
 * @internal
 * @packageDocumentation
 */
import type * as ClientExports from '../wasm/tidings_wasm.js';
import { instantiate, type WasmSource } from './wasm-load.js';

/** The client module's wasm-bindgen exports, once loaded. @internal */
export type ClientWasm = typeof ClientExports;

let loaded: ClientWasm | undefined;
let loading: Promise<ClientWasm> | undefined;

/** The loaded client module, or `undefined` while it is not yet ready. @internal */
export function clientWasmIfReady(): ClientWasm | undefined {
  return loaded;
}

/**
 * Loads the client module once (every call returns the same promise; `source` counts only on
 * the first call). @internal
 */
export function loadClientWasm(source?: WasmSource): Promise<ClientWasm> {
  loading ??= (async () => {
    const glue = await import('../wasm/tidings_wasm.js');
    await instantiate(glue, source ?? new URL('../wasm/tidings_wasm_bg.wasm', import.meta.url));
    loaded = glue;
    return glue;
  })();
  return loading;
}
