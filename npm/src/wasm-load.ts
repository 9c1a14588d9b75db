/**
 * Instantiation shared by the two lazily loaded wasm modules (see `loader.ts`).
 *
 * @internal
 * @packageDocumentation
 */

/** What locates a `.wasm` file: a URL, a `Response`, raw bytes, or a compiled module. */
export type WasmSource = string | URL | Response | BufferSource | WebAssembly.Module;

/**
 * What a wasm-bindgen glue's init resolves to: the instance's raw exports, memory included.
 * Their names are minified by the build (npm/scripts/build.mjs), so nothing here reads them by
 * name; see {@link memoryOf}. @internal
 */
export type InitOutput = object;

/** The memory among a module's raw exports (found by type: the build minifies export names). @internal */
export function memoryOf(exports: InitOutput): WebAssembly.Memory {
  const memory = Object.values(exports as Record<string, unknown>).find((value) => value instanceof WebAssembly.Memory);
  if (!memory) throw new Error('the wasm module exports no memory');
  return memory as WebAssembly.Memory;
}

/** The default export of a wasm-bindgen `--target web` glue module. @internal */
export interface Glue {
  default(options: { module_or_path: WasmSource }): Promise<InitOutput>;
}

function isNodeFileUrl(url: URL): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return url.protocol === 'file:' && typeof proc?.versions?.node === 'string';
}

/** What a runtime without WebAssembly (React Native's Hermes) gets from every entry point. */
export const NO_WEBASSEMBLY =
  'this JavaScript runtime has no WebAssembly (React Native with Hermes is one), and tidings runs on WebAssembly';

/** Instantiates `glue` from `input`; resolves to the instance's raw exports. @internal */
export async function instantiate(glue: Glue, input: WasmSource): Promise<InitOutput> {
  if (typeof WebAssembly === 'undefined') throw new Error(NO_WEBASSEMBLY);
  if (input instanceof URL && isNodeFileUrl(input)) {
    // Node's fetch() cannot read file: URLs. The specifier is hidden from bundlers so that
    // browser builds never try to resolve a Node built-in.
    const fsModule = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsModule)) as {
      readFile(path: URL): Promise<Uint8Array>;
    };
    input = (await fs.readFile(input)) as BufferSource;
  }
  return glue.default({ module_or_path: input });
}

/** One lazily loaded wasm module. @internal */
export interface LazyModule<T> {
  /** The module, or `undefined` while it is not yet loaded. */
  ifReady(): T | undefined;
  /** Loads the module once: every call returns the same promise; `source` counts only on the first. */
  load(source?: WasmSource): Promise<T>;
  /** The promise of the first `load()`, or `undefined` while nothing asked for the module. */
  requested(): Promise<T> | undefined;
}

/**
 * A wasm module loaded on the first `load()`, never at import. `importGlue` and `defaultUrl` stay
 * literal at the call site (`import('../wasm/x.js')`, `new URL('../wasm/x_bg.wasm',
 * import.meta.url)`): that is what lets bundlers find both files and put them in their own chunk.
 * `onInit` gets the instance's memory (which the glue does not export) and the glue.
 *
 * @internal
 */
export function lazyModule<T extends Glue>(
  importGlue: () => Promise<T>,
  defaultUrl: () => URL,
  onInit?: (memory: WebAssembly.Memory, glue: T) => void,
): LazyModule<T> {
  let loaded: T | undefined;
  let loading: Promise<T> | undefined;
  return {
    ifReady: () => loaded,
    requested: () => loading,
    load(source) {
      loading ??= (async () => {
        const glue = await importGlue();
        const exports = await instantiate(glue, source ?? defaultUrl());
        onInit?.(memoryOf(exports), glue);
        loaded = glue;
        return glue;
      })();
      return loading;
    },
  };
}
