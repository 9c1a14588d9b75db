/**
 * Preloading of the WebAssembly modules.
 *
 * tidings ships three wasm modules, each fetched and instantiated on first use, never at import
 * time (so `import 'tidings'` is safe in server-side rendering, where there is no `window` and
 * no `fetch` of relative URLs):
 *
 * - the **parser** (`wasm/tidings_parser_bg.wasm`), loaded by the first `createParser()`;
 * - the **client** (`wasm/tidings_wasm_bg.wasm`), loaded by the first `connect()`/`stream()`;
 * - the **share client** (`wasm/tidings_wasm_share_bg.wasm`): the client with tab sharing,
 *   loaded instead by the first stream with `share` (where the browser can share); once it is
 *   loaded every stream runs on it.
 *
 * An app that only parses never downloads a client, one that never shares never downloads the
 * share client, and one that only connects never downloads the parser.
 */
import { loadClientWasm, loadShareClientWasm } from './client-wasm.js';
import { loadParserWasm } from './parser-wasm.js';
import type { WasmSource } from './wasm-load.js';

export type { WasmSource } from './wasm-load.js';

/**
 * Where {@link init} finds each module, and which to preload. A module given `false` is not
 * preloaded (it still loads on first use, from its default location); the client and parser
 * modules, when left out, are preloaded from their default location, next to this package's
 * files. The share client is preloaded only when asked for (`clientShare: true` or a source).
 */
export interface WasmSources {
  /** The client module (`wasm/tidings_wasm_bg.wasm`, also exported as `tidings/wasm`). */
  client?: WasmSource | false;
  /**
   * The client module with tab sharing (`wasm/tidings_wasm_share_bg.wasm`, also exported as
   * `tidings/wasm/client-share`), which streams with `share` run on. Not preloaded unless given:
   * `true` preloads it from its default location. An app that preloads it can leave the
   * everyday client out (`client: false`): once it is loaded, every stream uses it.
   */
  clientShare?: WasmSource | boolean;
  /** The parser module (`wasm/tidings_parser_bg.wasm`, also exported as `tidings/wasm/parser`). */
  parser?: WasmSource | false;
}

function isSources(value: WasmSource | WasmSources): value is WasmSources {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Preloads the WebAssembly modules, so that later calls need not wait. Optional: the first
 * `connect()` loads the client module and the first `createParser()` the parser module.
 * Safe to call many times; a module loads once, and where it loads from is decided by the
 * first call that loads it (here or on first use).
 *
 * - `init()` preloads the client and parser modules from their default locations.
 * - `init({ client, parser, clientShare })` says where each is (`false`: don't preload that
 *   one), e.g. `init({ parser: false })` for an app that only connects, or
 *   `init({ client: false, parser: false, clientShare: true })` for one whose streams share.
 * - `init(source)` (the form from before the split) locates the **client** module, the one the
 *   old single module was, and preloads the parser from its default location.
 *
 * @param source - where to find the `.wasm` files; by default next to this package's files.
 * @example
 * ```ts
 * import { init } from 'tidings';
 * await init(); // optional preload of both modules
 * await init({ parser: false }); // only the client module (an app that only connects)
 * ```
 */
export async function init(source?: WasmSource | WasmSources): Promise<void> {
  const sources: WasmSources = source === undefined ? {} : isSources(source) ? source : { client: source };
  const loads: Promise<unknown>[] = [];
  if (sources.client !== false) loads.push(loadClientWasm(sources.client));
  if (sources.parser !== false) loads.push(loadParserWasm(sources.parser));
  const share = sources.clientShare;
  if (share !== undefined && share !== false) loads.push(loadShareClientWasm(share === true ? undefined : share));
  await Promise.all(loads);
}
