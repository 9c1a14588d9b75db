/**
 * Lazy loading of the WebAssembly module.
 *
 * Nothing here runs at import time: the module is fetched and instantiated on the first call
 * to {@link init} (directly, or through `connect`/`createParser`). That keeps `import 'tidings'`
 * safe in server-side rendering, where there is no `window` and no `fetch` of relative URLs.
 */
import type * as WasmExports from '../wasm/tidings_wasm.js';

/** The wasm-bindgen exports, once loaded. */
export type Wasm = typeof WasmExports;

/** What {@link init} accepts to locate the `.wasm` file: a URL, a `Response`, or raw bytes. */
export type WasmSource = string | URL | Response | BufferSource | WebAssembly.Module;

let loaded: Wasm | undefined;
let loading: Promise<Wasm> | undefined;

/** The loaded module, or `undefined` while it is not yet ready. */
export function wasmIfReady(): Wasm | undefined {
  return loaded;
}

function isNodeFileUrl(url: URL): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return url.protocol === 'file:' && typeof proc?.versions?.node === 'string';
}

/**
 * Loads and instantiates the WebAssembly module. Safe to call many times: every call returns
 * the same promise. Call it early (e.g. at app start) to preload; otherwise the first
 * `connect()` or `createParser()` loads it.
 *
 * @param source - where to find the `.wasm` file; by default next to this package's files.
 * @example
 * ```ts
 * import { init } from 'tidings';
 * await init(); // optional preload
 * ```
 */
export function init(source?: WasmSource): Promise<Wasm> {
  loading ??= (async () => {
    const glue = await import('../wasm/tidings_wasm.js');
    let input: WasmSource = source ?? new URL('../wasm/tidings_wasm_bg.wasm', import.meta.url);
    if (input instanceof URL && isNodeFileUrl(input)) {
      // Node's fetch() cannot read file: URLs. The specifier is hidden from bundlers so that
      // browser builds never try to resolve a Node built-in.
      const fsModule = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsModule)) as {
        readFile(path: URL): Promise<Uint8Array>;
      };
      input = (await fs.readFile(input)) as BufferSource;
    }
    await glue.default({ module_or_path: input });
    loaded = glue;
    return glue;
  })();
  return loading;
}
