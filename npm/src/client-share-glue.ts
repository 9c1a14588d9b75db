/**
 * The same as `client-glue.ts`, for the client module with tab sharing
 * (`wasm/tidings_wasm_share.js`).
 *
 * @internal
 * @packageDocumentation
 */
export { default, Client } from '../wasm/tidings_wasm_share.js';
