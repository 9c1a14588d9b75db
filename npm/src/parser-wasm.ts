/**
 * Lazy loading of the parser-only wasm module (`wasm/tidings_parser_bg.wasm`, crate
 * tidings-parser-wasm): what `createParser` runs on, a fraction of the client's size. Nothing
 * here runs at import time.
 *
 * @internal
 * @packageDocumentation
 */
import type * as ParserExports from '../wasm/tidings_parser.js';
import { lazyModule } from './wasm-load.js';

/** The parser module's wasm-bindgen exports, once loaded. @internal */
export type ParserWasm = typeof ParserExports;

let memory: WebAssembly.Memory | undefined;

const parserModule = /* @__PURE__ */ lazyModule<ParserWasm>(
  () => import('../wasm/tidings_parser.js'),
  () => new URL('../wasm/tidings_parser_bg.wasm', import.meta.url),
  (exports) => {
    memory = exports.memory;
  },
);

/**
 * The loaded module's memory, where a batch's text is (`parserTextPtr`, `parserTextLen`). Its
 * `buffer` is replaced when the memory grows, so read it after the call that may grow it.
 * @internal
 */
export const parserMemory = (): WebAssembly.Memory => memory!;

/** The loaded module, or `undefined` while it is not yet ready. @internal */
export const parserWasmIfReady = parserModule.ifReady;

/** Loads the parser module once (every call returns the same promise). @internal */
export const loadParserWasm = parserModule.load;
