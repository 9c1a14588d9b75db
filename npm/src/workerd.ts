/**
 * The `tidings` entry point for workerd (Cloudflare Workers and other workerd hosts), chosen by
 * the `workerd` export condition. The same API as the default entry; the difference is how the
 * wasm arrives: workerd forbids compiling WebAssembly from bytes at run time, so both modules
 * are imported as `.wasm` modules (compiled by the runtime at deploy time, or by wrangler's
 * bundler) and handed to {@link init}.
 *
 * @packageDocumentation
 */
import clientModule from '../wasm/tidings_wasm_bg.wasm';
import parserModule from '../wasm/tidings_parser_bg.wasm';
import { init } from './loader.js';

export * from './index.js';

// Fixes where both modules come from before any call can load them from a URL. A failure is
// reported again by the first call that needs the module; this copy is not needed.
init({ client: clientModule, parser: parserModule }).catch(() => {});
