/**
 * The engine behind `useSSE`, `useEventSource` and `useSSEQuerySync` (internal).
 *
 * Why it is built this way:
 * - The connection lives in an effect, so server rendering never connects and StrictMode's
 *   mount/unmount/mount closes the first stream before it ever reaches the network (the wasm
 *   loads asynchronously and a stream closed before that never sends a request).
 * - Events are delivered to `onEvent` from the stream listener itself, once per event, so a
 *   burst that React batches into one render still reaches the callback event by event.
 *   History lives in a ref (the truth) and is mirrored into state (what renders).
 * - Options are compared by {@link stableKey}, not identity: an inline `{ headers: {...} }`
 *   does not reconnect on every render, and callbacks always run their latest version.
 * @internal
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import type { EventStream, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import type { SSEEvent, Uniform } from '../events.js';
import { openStream, stableKey, type AnyConnectOptions } from '../internal.js';

type T = unknown;

/** Options understood by the engine (types were checked by the public hook). @internal */
export interface StreamOptions extends AnyConnectOptions {
  onEvent?: (event: SSEEvent<T>) => void;
  onError?: (error: TidingsError) => void;
  history?: number;
  enabled?: boolean;
}

/** What the engine returns. @internal */
export interface StreamState {
  status: Status;
  lastEvent: SSEEvent<T> | null;
  events: SSEEvent<T>[];
  error: TidingsError | null;
  connect: () => void;
  disconnect: () => void;
  reconnect: () => void;
}

const ENGINE_ONLY = ['onEvent', 'onError', 'history', 'enabled', 'parse', 'parser', 'serializer', 'schema'] as const;

/** The decoder among `parse` and its aliases, if any. @internal */
export function decoderOf(options: AnyConnectOptions): ((data: string) => unknown) | undefined {
  const { parse, parser, serializer } = options;
  return parse ?? parser ?? (serializer ? (data: string) => serializer.read(data) : undefined);
}

/**
 * The event types a binding listens for: `events`, else the schema's types, else `message`.
 * @internal
 */
export function typesOf(options: AnyConnectOptions & { events?: string[] }): string[] {
  if (options.events && options.events.length > 0) return options.events;
  if (options.schema) return Object.keys(options.schema);
  return ['message'];
}

/** @internal */
export function useStream(url: string | null | undefined, options: StreamOptions): StreamState {
  const enabled = options.enabled ?? true;
  const historyLimit = Math.max(0, options.history ?? 100);

  // The latest options, read by the stream's listeners and wrapped callbacks.
  const latest = useRef(options);
  latest.current = options;

  const connectOptions: Record<string, unknown> = { ...options };
  for (const key of ENGINE_ONLY) delete connectOptions[key];
  // Decoders may change freely (the latest runs); which ones exist, and the schema's event
  // types, are part of what the stream is. Schemas are not walked: they are large objects.
  const key = stableKey({
    ...connectOptions,
    decodes: decoderOf(options) !== undefined,
    schemaTypes: options.schema ? Object.keys(options.schema) : null,
  });
  // Bumped by connect(): forces a fresh stream even when nothing else changed.
  const [session, setSession] = useState({ active: true, generation: 0 });
  const wanted = Boolean(url) && enabled && session.active;

  // A status belongs to the stream of one set of the effect's dependencies. In the render
  // after they change (connect() after a Stop, a new URL), before the effect has opened the
  // new stream, the old stream's status (say `closed`) would be shown for a frame: then the
  // status is what opening the new one gives.
  const streamOf = `${url ?? ''}\u0000${wanted}\u0000${key}\u0000${session.generation}`;
  const opening: Status = wanted ? 'connecting' : 'closed';
  const [reported, setReported] = useState<{ of: string; status: Status }>({ of: streamOf, status: opening });
  const status = reported.of === streamOf ? reported.status : opening;
  const [lastEvent, setLastEvent] = useState<SSEEvent<T> | null>(null);
  const [events, setEvents] = useState<SSEEvent<T>[]>([]);
  const [error, setError] = useState<TidingsError | null>(null);
  const history = useRef<SSEEvent<T>[]>([]);
  const streamRef = useRef<EventStream<Uniform<T>> | undefined>(undefined);

  useEffect(() => {
    const of = streamOf;
    const setStatus = (next: Status) => setReported({ of, status: next });
    if (!wanted || !url) {
      setStatus('closed');
      return;
    }
    const given = latest.current;
    const stream = openStream(url, {
      ...connectOptions,
      // Stable wrappers: the newest callback (and schema) runs without reconnecting.
      parse: decoderOf(given) ? (data: string) => decoderOf(latest.current)!(data) : undefined,
      get schema() {
        return latest.current.schema;
      },
      headers:
        typeof given.headers === 'function'
          ? () => (typeof latest.current.headers === 'function' ? latest.current.headers() : (latest.current.headers ?? {}))
          : given.headers,
    });
    streamRef.current = stream;
    history.current = [];
    setEvents([]);
    setLastEvent(null);
    setError(null);
    setStatus(stream.status);

    const deliver = (event: SSEEvent<T>) => {
      const limit = Math.max(0, latest.current.history ?? 100);
      if (limit > 0) {
        const next = history.current.length >= limit ? history.current.slice(history.current.length - limit + 1) : history.current.slice();
        next.push(event);
        history.current = next;
        setEvents(next);
      }
      setLastEvent(event);
      latest.current.onEvent?.(event);
    };
    const types = typesOf(given);
    const unsubscribe = [
      ...types.map((type) => stream.on(type, deliver)),
      stream.on('status', (next) => {
        setStatus(next);
        if (next === 'open') setError(null);
      }),
      stream.on('error', (err) => {
        setError(err);
        latest.current.onError?.(err);
      }),
    ];
    return () => {
      for (const off of unsubscribe) off();
      stream.close();
      if (streamRef.current === stream) streamRef.current = undefined;
    };
    // `key` stands for the options' content; `session` for connect()/disconnect().
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url, wanted, key, session]);

  const connect = useCallback(() => setSession((s) => ({ active: true, generation: s.generation + 1 })), []);
  const disconnect = useCallback(() => setSession((s) => (s.active ? { ...s, active: false } : s)), []);
  const reconnect = useCallback(() => {
    const stream = streamRef.current;
    if (stream && stream.status !== 'closed') stream.reconnect();
    else connect();
  }, [connect]);

  return {
    status,
    lastEvent,
    events: historyLimit > 0 ? events : [],
    error,
    connect,
    disconnect,
    reconnect,
  };
}
