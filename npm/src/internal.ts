/**
 * The seam between the framework bindings and the transport.
 *
 * React hooks and Vue composables open streams through {@link openStream}, never by importing
 * `connect` directly, so tests can swap in a fake transport (see `tidings/testing`) and run
 * without wasm or a network. Internal: not part of the public API.
 *
 * @internal
 * @packageDocumentation
 */
import { connect, type EventStream } from './connect.js';
import type { Uniform } from './events.js';
import { currentOverride, type AnyConnectOptions, type ConnectFunction } from './override.js';

export { setOverride, type AnyConnectOptions, type ConnectFunction } from './override.js';

/** Opens a stream with the real `connect`, or the fake one a test installed. @internal */
export function openStream(url: string, options: AnyConnectOptions): EventStream<Uniform<unknown>> {
  // `connect` itself defers to an installed fake; the bindings take the same path.
  return (connect as ConnectFunction)(url, options);
}

/**
 * Whether code runs where a connection makes no sense (server-side rendering). Evaluated at
 * call time, never at import time. @internal
 */
export function isServer(): boolean {
  const override = currentOverride();
  return override ? override.server : typeof window === 'undefined';
}

/**
 * A string that is equal for equal option values, whatever their identity: object keys sorted,
 * functions and AbortSignals ignored (the latest function is always used through a ref),
 * `Headers` and byte arrays by content. Frameworks compare it to decide whether to reconnect.
 * @internal
 */
export function stableKey(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'function' || typeof v === 'symbol') return '[fn]';
    if (v === undefined) return null;
    if (typeof v !== 'object' || v === null) return v;
    if (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) return '[signal]';
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    if (typeof Headers !== 'undefined' && v instanceof Headers) return [...v.entries()].sort();
    if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) out[key] = walk((v as Record<string, unknown>)[key]);
    return out;
  };
  return JSON.stringify(walk(value));
}
