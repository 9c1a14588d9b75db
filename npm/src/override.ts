/**
 * The switch `tidings/testing` flips: while a fake transport is installed, `connect()`,
 * `stream()` and every binding get scripted streams instead of the wasm client. A module of
 * its own (with type-only imports) so `connect.ts` can consult it without an import cycle.
 *
 * @internal
 * @packageDocumentation
 */
import type { ConnectOptions, EventStream } from './connect.js';
import type { Uniform } from './events.js';

/** Options as the bindings pass them on: the types were checked at the public API. @internal */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnectOptions = ConnectOptions<any, any, any>;

/** The shape of `connect` without its type-level machinery; what a fake transport implements. @internal */
export type ConnectFunction = (url: string, options?: AnyConnectOptions) => EventStream<Uniform<unknown>>;

/** What a test installed; `undefined` means the real transport. @internal */
export interface Override {
  connect: ConnectFunction;
  /** Pretend to run on a server (no `window`), to test SSR guards. */
  server: boolean;
}

// Module state on purpose: one switch for every entry point, flipped only by tests.
let override: Override | undefined;

/** @internal */
export function setOverride(value: Override | undefined): void {
  override = value;
}

/** The installed fake, if any. @internal */
export function currentOverride(): Override | undefined {
  return override;
}
