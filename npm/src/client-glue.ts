/**
 * What the package uses of the everyday client module's glue (`wasm/tidings_wasm.js`), and
 * nothing else: `client-wasm.ts` imports this file with `import()`, and a bundler keeps every
 * export of a module loaded that way. Through these named re-exports it drops the rest of the
 * glue (its `initSync` and the synchronous path behind it).
 *
 * @internal
 * @packageDocumentation
 */
export { default, Client } from '../wasm/tidings_wasm.js';
