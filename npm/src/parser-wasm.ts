/**
 * Lazy loading of the parser-only wasm module (`wasm/tidings_parser_bg.wasm`, crate
 * tidings-parser-wasm): what `createParser` runs on, a fraction of the client's size. Nothing
 * here runs at import time.
 *
 * @internal
 * @packageDocumentation
 */
// The glue is imported statically, not with `import()` as the client modules' is: it is small,
// runs nothing at import, and named imports let a bundler drop what the package does not call
// (its `initSync`: 0.15 KB gzip of an app that parses). The `.wasm` itself still loads on
// first use.
import initGlue, { parserFeed, parserFree, parserNew, parserReset } from '../wasm/tidings_parser.js';
import { lazyModule } from './wasm-load.js';

/** The parser module's wasm-bindgen exports that the package uses, once loaded. @internal */
const glue = { default: initGlue, parserFeed, parserFree, parserNew, parserReset };
/** @internal */
export type ParserWasm = typeof glue;

let memory: WebAssembly.Memory | undefined;

const parserModule = /* @__PURE__ */ lazyModule<ParserWasm>(
  async () => glue,
  () => new URL('../wasm/tidings_parser_bg.wasm', import.meta.url),
  (loaded) => {
    memory = loaded;
  },
);

/**
 * The loaded module's memory, where a batch's records and text are (see `parserFeed`). Its
 * `buffer` is replaced when the memory grows, so read it after the call that may grow it.
 * @internal
 */
export const parserMemory = (): WebAssembly.Memory => memory!;

/** The loaded module, or `undefined` while it is not yet ready. @internal */
export const parserWasmIfReady = parserModule.ifReady;

/** Loads the parser module once (every call returns the same promise). @internal */
export const loadParserWasm = parserModule.load;
