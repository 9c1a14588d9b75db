//! `Parser`: the core parser for the npm `createParser`, delivering one batch per `feed`.

use tidings_core::{Limits, ParseError, Parser};
use wasm_bindgen::prelude::*;

use super::batch::Batch;
use super::{js_error, parse_error_kind};

/// A `text/event-stream` parser driven from JS, delivering frames in batches.
///
/// `feed(bytes)` parses a chunk and returns a `Uint32Array` of records (see the `record`
/// kinds in `batch.rs`); when it is not empty, `takeText()` returns the one string the
/// records cut up, and after an `ERROR` record `takeError()` returns the error. One
/// crossing per chunk instead of one call and three decoded strings per event.
#[wasm_bindgen(js_name = Parser)]
pub struct JsParser {
    parser: Parser,
    batch: Batch,
    error: Option<ParseError>,
}

#[wasm_bindgen(js_class = Parser)]
impl JsParser {
    /// Creates a parser. `max_line_len` and `max_event_size` (bytes) default to the core's
    /// [`Limits::default`].
    #[wasm_bindgen(constructor)]
    pub fn new(max_line_len: Option<u32>, max_event_size: Option<u32>) -> JsParser {
        let defaults = Limits::default();
        let parser = Parser::with_limits(Limits {
            max_line_len: max_line_len.map_or(defaults.max_line_len, |n| n as usize),
            max_event_size: max_event_size.map_or(defaults.max_event_size, |n| n as usize),
        });
        JsParser {
            parser,
            batch: Batch::default(),
            error: None,
        }
    }

    /// Feeds bytes; returns the records of the frames they completed, in order. A
    /// `line-too-long` or `event-too-large` failure ends the table with an `ERROR` record.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u32> {
        let batch = &mut self.batch;
        batch.start();
        if let Err(error) = self.parser.feed(bytes, |frame| batch.push(frame)) {
            batch.push_error();
            self.error = Some(error);
        }
        core::mem::take(&mut batch.records)
    }

    /// Feeds text (encoded to UTF-8 by wasm-bindgen on the way in).
    #[wasm_bindgen(js_name = feedText)]
    pub fn feed_text(&mut self, text: &str) -> Vec<u32> {
        self.feed(text.as_bytes())
    }

    /// The text of the last `feed`'s records (once).
    #[wasm_bindgen(js_name = takeText)]
    pub fn take_text(&mut self) -> String {
        core::mem::take(&mut self.batch.text)
    }

    /// The error of the last `feed`'s `ERROR` record (once): an `Error` whose `kind` is
    /// `line-too-long` or `event-too-large`; `undefined` if none.
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&mut self) -> JsValue {
        self.error.take().map_or(JsValue::UNDEFINED, |e| {
            js_error(parse_error_kind(&e), &e.to_string())
        })
    }

    /// End of stream: the pending event is discarded.
    pub fn finish(&mut self) {
        self.parser.finish();
    }

    /// Prepares for a new connection; keeps the last event ID.
    pub fn reset(&mut self) {
        self.parser.reset();
    }

    /// The last event ID (persists across events and resets).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.parser.last_event_id().to_owned()
    }

    /// Seeds the last event ID.
    #[wasm_bindgen(setter, js_name = lastEventId)]
    pub fn set_last_event_id(&mut self, id: &str) {
        self.parser.set_last_event_id(id);
    }
}
