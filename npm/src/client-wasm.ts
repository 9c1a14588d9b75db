/**
 * Lazy loading of the client wasm modules (crate tidings-wasm): what `connect` and `stream` run
 * on. Nothing here runs at import time.
 *
 * - `wasm/tidings_wasm_bg.wasm`: the everyday client, without tab sharing's driver.
 * - `wasm/tidings_wasm_share_bg.wasm`: the same client with it (`--features share`), loaded only
 *   for a stream that asks to `share` where the browser can share (Web Locks and
 *   BroadcastChannel). Elsewhere a sharing stream runs solo, which the everyday module does
 *   just as well.
 *
 * Once the share module is loaded, every later stream uses it too: one instance, one download.
 *
 * @internal
 * @packageDocumentation
 */
import type * as ClientExports from '../wasm/tidings_wasm.js';
import { lazyModule, type Glue } from './wasm-load.js';

/**
 * What the package uses of a client module's wasm-bindgen exports, once loaded: both modules
 * have the same `Client` (their other exports, the glue's internals, differ). @internal
 */
export type ClientWasm = Glue & Pick<typeof ClientExports, 'Client'>;

// Each loaded module's memory, where a batch's records are (see `clientMemory`).
const memories = /* @__PURE__ */ new Map<ClientWasm, WebAssembly.Memory>();
const keepMemory = (memory: WebAssembly.Memory, glue: ClientWasm) => memories.set(glue, memory);

const clientModule = /* @__PURE__ */ lazyModule<ClientWasm>(
  () => import('./client-glue.js'),
  () => new URL('../wasm/tidings_wasm_bg.wasm', import.meta.url),
  keepMemory,
);

const shareModule = /* @__PURE__ */ lazyModule<ClientWasm>(
  () => import('./client-share-glue.js'),
  () => new URL('../wasm/tidings_wasm_share_bg.wasm', import.meta.url),
  keepMemory,
);

/**
 * The memory of a loaded client module: a `batch` listener gets the address of its records
 * there. Its `buffer` is replaced when the memory grows, so read it inside the listener.
 * @internal
 */
export const clientMemory = (wasm: ClientWasm): WebAssembly.Memory => memories.get(wasm)!;

/** Loads the everyday client module once (every call returns the same promise). @internal */
export const loadClientWasm = clientModule.load;

/** Loads the client module with tab sharing once. @internal */
export const loadShareClientWasm = shareModule.load;

/**
 * Whether this context can share a connection between tabs: the same test as the wasm
 * driver's (a `BroadcastChannel` constructor and `navigator.locks.request`, which only secure
 * contexts have). Where it fails the driver would run solo anyway.
 */
function canShare(): boolean {
  const g = globalThis as { BroadcastChannel?: unknown; navigator?: { locks?: { request?: unknown } } };
  return typeof g.BroadcastChannel === 'function' && typeof g.navigator?.locks?.request === 'function';
}

/**
 * The module a stream runs on: the share module for a stream that shares (where it can), and
 * for any stream once the share module is loaded or loading (one download, even when a plain
 * stream opens while it is on its way; should it fail, that stream falls back to the everyday
 * module); the everyday module otherwise. @internal
 */
export function clientWasmFor(share: boolean): Promise<ClientWasm> {
  if (share && canShare()) return loadShareClientWasm();
  const sharing = shareModule.requested();
  return sharing ? sharing.catch(() => loadClientWasm()) : loadClientWasm();
}
