/**
 * Decoder of the batch format in which the wasm side hands over the frames of one chunk: one
 * string with every frame's text, plus a `Uint32Array` of records saying how to cut it. The
 * encoder is `crates/tidings-core/src/batch.rs`; the record kinds must match.
 *
 * One crossing per chunk instead of one per event matters: in Chromium a call into JS with
 * three freshly decoded strings costs far more than parsing a small event.
 *
 * @internal
 * @packageDocumentation
 */

const EVENT = 0; // [EVENT, n]: an event, its data the next n UTF-16 units of the text
const TYPE = 1; // [TYPE, n]: the type of the events that follow
const ID = 2; // [ID, n]: the last event ID of the events that follow
const COMMENT = 3; // [COMMENT, n]
const PART = 4; // [PART, n]: the next part of the data of the event in progress (a long one)
const RETRY = 5; // [RETRY, low, high]: ms = high * 2^32 + low
const ERROR = 6; // [ERROR, kind, low, high], always last: the parser stopped (kind 0 a line, 1 an event, too big; limit high * 2^32 + low)

/** What a batch is delivered to. */
export interface BatchHandlers {
  /** An event; `type` is `undefined` for the default type `message`. */
  event(type: string | undefined, data: string, lastEventId: string): void;
  /** A comment line. */
  comment?(text: string): void;
  /** A `retry:` field, in ms. */
  retry?(ms: number): void;
  /** The parser stopped: a line (`lineTooLong`) or an event's data exceeded `limit` bytes. Last. */
  error?(lineTooLong: boolean, limit: number): void;
  /**
   * The data of the event in progress received so far in `PART` records (a long event comes in
   * parts, from one batch to the next): kept here by `deliverBatch` and prepended to the data
   * of the next event. Whoever resets the parser sets it to `''` (a parser stopped by an
   * error delivers nothing until then).
   */
  partial?: string;
}

/**
 * Delivers a batch's frames in order: the records `records[i..n]` (by default all of them; a
 * range lets the caller pass a view of the whole wasm memory instead of making one for them).
 * A handler that throws does not stop the rest of the batch: its exception is dropped
 * (callers that must report it catch inside their handler).
 * Each batch starts from type `message` and an empty last event ID.
 *
 * @internal
 */
export function deliverBatch(records: Uint32Array, text: string, on: BatchHandlers, i = 0, n = records.length): void {
  let pos = 0;
  let type: string | undefined;
  let lastEventId = '';
  for (;;) {
    try {
      while (i < n) {
        const kind = records[i];
        if (kind <= PART) {
          // [kind, n]: the next n units of the text, one string cut for all five kinds. The
          // last such record's n may be 2^32 - 1 (TO_END, for a long string): the rest of the
          // text, which `substring` reads as its end, so the wasm need not count it.
          let value = text.substring(pos, (pos += records[i + 1]));
          i += 2;
          if (kind === EVENT) {
            if (on.partial) {
              // A long event's data: its parts (a rope of strings in V8, not copied) and this.
              value = on.partial + value;
              on.partial = '';
            }
            on.event(type, value, lastEventId);
          } else if (kind === TYPE) type = value === 'message' ? undefined : value;
          else if (kind === ID) lastEventId = value;
          else if (kind === COMMENT) on.comment?.(value);
          else on.partial = (on.partial ?? '') + value;
        } else if (kind === RETRY) {
          const ms = records[i + 2] * 4294967296 + records[i + 1];
          i += 3;
          on.retry?.(ms);
        } else {
          // ERROR: always the last record.
          const limit = records[i + 3] * 4294967296 + records[i + 2];
          const lineTooLong = records[i + 1] === 0;
          i = n;
          on.error?.(lineTooLong, limit);
        }
      }
      return;
    } catch {
      // Dropped; `i` is already past the record whose handler threw.
    }
  }
}
