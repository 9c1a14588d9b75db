import { TidingsError } from './errors.js';
import { init } from './loader.js';

/** An event received from a stream. */
export interface MessageEvent {
  /** The event type (`message` unless the server sent `event:`). */
  type: string;
  /** The event data. */
  data: string;
  /** The last event ID in force for this event. */
  lastEventId: string;
}

/** Options for {@link connect}. */
export interface ConnectOptions {
  /** Called for every event. */
  onEvent?: (event: MessageEvent) => void;
  /** Called once the server answered 200 with `text/event-stream`. */
  onOpen?: (status: number) => void;
  /** Called when the body ends normally. */
  onEnd?: () => void;
  /** Called when the stream fails. */
  onError?: (error: TidingsError) => void;
}

/** A live stream; {@link EventStream.close} releases the connection. */
export interface EventStream {
  /** Aborts the request. Calling it twice is harmless. */
  close(): void;
}

/**
 * Opens an event stream with `fetch` and reads it with the wasm parser.
 *
 * @example
 * ```ts
 * import { connect } from 'tidings';
 * const stream = connect('/sse/ticks', { onEvent: (e) => console.log(e.data) });
 * // later
 * stream.close();
 * ```
 */
export function connect(url: string, options: ConnectOptions = {}): EventStream {
  let closed = false;
  let inner: { close(): void } | undefined;
  void init().then(
    (wasm) => {
      if (closed) return;
      const absolute = new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;
      inner = new wasm.FetchStream(
        absolute,
        (type: string, data: string, lastEventId: string) => options.onEvent?.({ type, data, lastEventId }),
        options.onOpen,
        options.onEnd,
        (error: unknown) => options.onError?.(TidingsError.fromWasm(error)),
      );
    },
    (error: unknown) => options.onError?.(new TidingsError('network', 'could not load the wasm module', { cause: error })),
  );
  return {
    close() {
      closed = true;
      inner?.close();
      inner = undefined;
    },
  };
}
