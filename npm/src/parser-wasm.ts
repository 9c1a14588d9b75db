/**
 * Lazy loading of the parser-only wasm module (`wasm/tidings_parser_bg.wasm`, crate
 * tidings-parser-wasm): what `createParser` runs on, a fraction of the client's size. Nothing
 * here runs at import time.
 *
 * @internal
 * @packageDocumentation
 */
import type * as ParserExports from '../wasm/tidings_parser.js';
import { instantiate, type WasmSource } from './wasm-load.js';

/** The parser module's wasm-bindgen exports, once loaded. @internal */
export type ParserWasm = typeof ParserExports;

let loaded: ParserWasm | undefined;
let loading: Promise<ParserWasm> | undefined;

/** The loaded parser module, or `undefined` while it is not yet ready. @internal */
export function parserWasmIfReady(): ParserWasm | undefined {
  return loaded;
}

/**
 * Loads the parser module once (every call returns the same promise; `source` counts only on
 * the first call). @internal
 */
export function loadParserWasm(source?: WasmSource): Promise<ParserWasm> {
  loading ??= (async () => {
    const glue = await import('../wasm/tidings_parser.js');
    await instantiate(glue, source ?? new URL('../wasm/tidings_parser_bg.wasm', import.meta.url));
    loaded = glue;
    return glue;
  })();
  return loading;
}
