/**
 * The reading side of `EventSource.fromReadableStream`: bytes from any `ReadableStream` through
 * the parser module (the same one behind `createParser`), never the client module, since
 * nothing here connects or reconnects.
 *
 * @internal
 * @packageDocumentation
 */
import type { TidingsError } from './errors.js';
import { createParser, type EventStreamParser } from './parser.js';
import { loadParserWasm } from './parser-wasm.js';

/** Where the frames of the stream go. @internal */
export interface StreamSink {
  /** The parser is ready and reading starts. */
  open(): void;
  /** An event; `type` is `message` for the default type. */
  event(type: string, data: string, lastEventId: string): void;
  /** A valid `retry:` field. */
  retry(ms: number): void;
  /** The stream ended (`error` undefined) or failed. Never called after `cancel()`. */
  end(error?: unknown): void;
}

/** A running read. @internal */
export interface StreamPump {
  /** Stops reading and cancels the stream. Idempotent. */
  cancel(): void;
  /** Discards buffered bytes and the event being built; keeps the last event ID. */
  reset(): void;
}

/**
 * Reads `stream` into `sink`. Throws a `TypeError` at once if the stream is locked (as
 * `getReader()` does), so the constructor that calls it throws too.
 *
 * @internal
 */
export function pumpEventStream(stream: ReadableStream<Uint8Array>, sink: StreamSink): StreamPump {
  if (typeof (stream as { getReader?: unknown } | null)?.getReader !== 'function') {
    throw new TypeError('EventSource.fromReadableStream() needs a ReadableStream');
  }
  const reader = stream.getReader();
  let cancelled = false;
  let parser: EventStreamParser | undefined;
  // A line or event over the parser's limits: the stream stops with this error.
  let fatal: TidingsError | undefined;

  const run = async () => {
    try {
      await loadParserWasm();
    } catch (error) {
      if (!cancelled) sink.end(error);
      return;
    }
    if (cancelled) return;
    parser = createParser({
      onEvent: (e) => {
        if (!cancelled) sink.event(e.event ?? 'message', e.data, e.lastEventId);
      },
      onRetry: (ms) => {
        if (!cancelled) sink.retry(ms);
      },
      onError: (error) => {
        fatal = error;
      },
    });
    sink.open();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (!cancelled) sink.end(error);
        return;
      }
      if (cancelled) return;
      if (chunk.done) {
        // Any event without its final blank line is discarded, as at the end of a response.
        sink.end();
        return;
      }
      if (!(chunk.value instanceof Uint8Array)) {
        stop();
        sink.end(new TypeError('EventSource.fromReadableStream() reads Uint8Array chunks only'));
        return;
      }
      parser.feed(chunk.value);
      if (cancelled) return;
      if (fatal) {
        stop();
        sink.end(fatal);
        return;
      }
    }
  };
  const stop = () => {
    cancelled = true;
    reader.cancel().catch(() => {});
  };
  void run();
  return {
    cancel() {
      if (!cancelled) stop();
    },
    reset() {
      // Before the parser module loaded nothing is buffered yet: nothing to discard.
      parser?.reset();
    },
  };
}
