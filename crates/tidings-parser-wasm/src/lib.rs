//! # tidings-parser-wasm
//!
//! The parser-only WebAssembly module of the `tidings` npm package: the sans-IO
//! [`tidings_core::Parser`] behind the npm `createParser`, and nothing else, so an app that only
//! parses does not download the client (fetch, EventSource, reconnects). The client is the
//! other module, `tidings-web` with its `js-exports` feature.
//!
//! Frames cross into JS in the batch format of [`tidings_core::batch`], one crossing per `feed`.
//! Size rules for this crate: no `core::fmt` (no `format!`, `to_string()`, `Debug`, panicking
//! index or `unwrap`), so the module stays a fraction of the client's.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
mod allocator;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator::new();

use alloc::string::String;
use alloc::vec::Vec;

use tidings_core::batch::Batch;
use tidings_core::{Limits, ParseError, Parser};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The JS `Error` class, bound here rather than through js-sys.
    #[wasm_bindgen(js_name = Error)]
    type JsError;

    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> JsError;

    #[wasm_bindgen(method, setter)]
    fn set_kind(this: &JsError, kind: &str);
}

/// Appends `n` in decimal, without `core::fmt`.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        if let Some(slot) = digits.get_mut(len) {
            *slot = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 || len == digits.len() {
            break;
        }
    }
    for &d in digits.iter().take(len).rev() {
        out.push(char::from(d));
    }
}

/// The message of `error`: the same text as its `Display`, built without `core::fmt`.
fn message(error: &ParseError) -> String {
    let (before, limit) = match error {
        ParseError::LineTooLong { limit } => ("line longer than ", *limit),
        ParseError::EventTooLarge { limit } => ("event data larger than ", *limit),
        // `ParseError` is non-exhaustive; a future kind still gets its `code()` as `kind`.
        _ => return String::from("input too large"),
    };
    let mut text = String::with_capacity(48);
    text.push_str(before);
    push_decimal(&mut text, limit);
    text.push_str(" bytes");
    text
}

/// A `text/event-stream` parser driven from JS, delivering frames in batches.
///
/// `feed(bytes)` parses a chunk and returns a `Uint32Array` of records (see
/// [`tidings_core::batch::record`]); when it is not empty, `takeText()` returns the one string
/// the records cut up, and after an `ERROR` record `takeError()` returns the error. One
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
            batch: Batch::new(),
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
        batch.take_records()
    }

    /// Feeds text (encoded to UTF-8 by wasm-bindgen on the way in).
    #[wasm_bindgen(js_name = feedText)]
    pub fn feed_text(&mut self, text: &str) -> Vec<u32> {
        self.feed(text.as_bytes())
    }

    /// The text of the last `feed`'s records (once).
    #[wasm_bindgen(js_name = takeText)]
    pub fn take_text(&mut self) -> String {
        self.batch.take_text()
    }

    /// The error of the last `feed`'s `ERROR` record (once): an `Error` whose `kind` is
    /// `line-too-long` or `event-too-large`; `undefined` if none.
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&mut self) -> JsValue {
        self.error.take().map_or(JsValue::UNDEFINED, |e| {
            let error = JsError::new(&message(&e));
            error.set_kind(e.code());
            error.into()
        })
    }

    /// Prepares for a new connection; keeps the last event ID.
    pub fn reset(&mut self) {
        self.parser.reset();
    }

    /// Seeds the last event ID (it persists across events and resets). No getter and no
    /// `finish`: `createParser` needs neither, and each export costs wasm and glue.
    #[wasm_bindgen(setter, js_name = lastEventId)]
    pub fn set_last_event_id(&mut self, id: &str) {
        self.parser.set_last_event_id(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(error: ParseError) -> String {
        message(&error)
    }

    #[test]
    fn messages_match_display() {
        extern crate std;
        use std::string::ToString;
        for error in [
            ParseError::LineTooLong { limit: 0 },
            ParseError::LineTooLong { limit: 7 },
            ParseError::EventTooLarge { limit: 16 << 20 },
            ParseError::EventTooLarge { limit: usize::MAX },
        ] {
            assert_eq!(text(error), error.to_string());
        }
    }
}
