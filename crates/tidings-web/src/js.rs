//! The `#[wasm_bindgen]` surface wrapped by the `tidings` npm package.
//!
//! These types are deliberately low-level: callbacks receive plain strings and numbers, and the
//! TypeScript layer builds the objects its users see. Keeping object construction on the JS
//! side avoids a `Reflect::set` round trip per field.

use js_sys::Function;
use tidings_core::{Frame, Limits, ParseError, Parser};
use wasm_bindgen::prelude::*;

use crate::{FetchStream, StreamError, StreamUpdate};

fn parse_error_kind(error: &ParseError) -> &'static str {
    match error {
        ParseError::LineTooLong { .. } => "line-too-long",
        ParseError::EventTooLarge { .. } => "event-too-large",
        _ => "too-large",
    }
}

/// Builds a JS `Error` whose `kind` property names the failure.
fn js_error(kind: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&error, &"kind".into(), &kind.into());
    error.into()
}

/// Calls the right JS callback for one parser frame.
struct FrameCallbacks {
    on_event: Function,
    on_retry: Option<Function>,
    on_comment: Option<Function>,
}

impl FrameCallbacks {
    fn deliver(&self, frame: Frame<'_>) {
        // A throwing user callback must not stop parsing for the others; the TS layer reports it.
        let _ = match frame {
            Frame::Event(event) => self.on_event.call3(
                &JsValue::NULL,
                &event.event_type.into(),
                &event.data.into(),
                &event.last_event_id.into(),
            ),
            Frame::Retry(ms) => match &self.on_retry {
                Some(f) => f.call1(&JsValue::NULL, &(ms as f64).into()),
                None => Ok(JsValue::UNDEFINED),
            },
            Frame::Comment(text) => match &self.on_comment {
                Some(f) => f.call1(&JsValue::NULL, &text.into()),
                None => Ok(JsValue::UNDEFINED),
            },
        };
    }
}

/// A `text/event-stream` parser driven from JS.
///
/// `onEvent(type, data, lastEventId)`, `onRetry(ms)`, `onComment(text)`.
#[wasm_bindgen(js_name = Parser)]
pub struct JsParser {
    parser: Parser,
    callbacks: FrameCallbacks,
}

#[wasm_bindgen(js_class = Parser)]
impl JsParser {
    /// Creates a parser. `max_buffer_size` bounds both the line length and the event size.
    #[wasm_bindgen(constructor)]
    pub fn new(
        on_event: Function,
        on_retry: Option<Function>,
        on_comment: Option<Function>,
        max_buffer_size: Option<u32>,
    ) -> JsParser {
        let parser = match max_buffer_size {
            Some(max) => Parser::with_limits(Limits {
                max_line_len: max as usize,
                max_event_size: max as usize,
            }),
            None => Parser::new(),
        };
        JsParser { parser, callbacks: FrameCallbacks { on_event, on_retry, on_comment } }
    }

    /// Feeds bytes. Throws an `Error` with `kind` `line-too-long` or `event-too-large`.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let callbacks = &self.callbacks;
        self.parser
            .feed(bytes, |frame| callbacks.deliver(frame))
            .map_err(|e| js_error(parse_error_kind(&e), &e.to_string()))
    }

    /// Feeds text (encoded to UTF-8 by wasm-bindgen on the way in).
    #[wasm_bindgen(js_name = feedText)]
    pub fn feed_text(&mut self, text: &str) -> Result<(), JsValue> {
        self.feed(text.as_bytes())
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

/// One fetch of an event stream, reported to JS callbacks.
///
/// `onOpen(status)`, `onEvent(type, data, lastEventId)`, `onRetry(ms)`, `onComment(text)`,
/// `onEnd()`, `onError(error)` where `error` is an `Error` with `kind` and, for HTTP errors, `status`.
#[wasm_bindgen(js_name = FetchStream)]
pub struct JsFetchStream {
    stream: Option<FetchStream>,
}

#[wasm_bindgen(js_class = FetchStream)]
impl JsFetchStream {
    /// Starts reading `url`; every callback but `on_event` may be `undefined`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: &str,
        on_event: Function,
        on_open: Option<Function>,
        on_end: Option<Function>,
        on_error: Option<Function>,
    ) -> JsFetchStream {
        let callbacks = FrameCallbacks { on_event, on_retry: None, on_comment: None };
        let stream = FetchStream::start(url, move |update| match update {
            StreamUpdate::Open { status } => {
                if let Some(f) = &on_open {
                    let _ = f.call1(&JsValue::NULL, &status.into());
                }
            }
            StreamUpdate::Frame(frame) => callbacks.deliver(frame),
            StreamUpdate::End => {
                if let Some(f) = &on_end {
                    let _ = f.call0(&JsValue::NULL);
                }
            }
            StreamUpdate::Error(error) => {
                if let Some(f) = &on_error {
                    let _ = f.call1(&JsValue::NULL, &stream_error_to_js(&error));
                }
            }
        });
        JsFetchStream { stream: Some(stream) }
    }

    /// Aborts the request and releases every browser handle. Harmless when called twice.
    pub fn close(&mut self) {
        if let Some(stream) = self.stream.take() {
            stream.close();
        }
    }
}

fn stream_error_to_js(error: &StreamError) -> JsValue {
    let value = js_error(error.kind(), &error.to_string());
    if let StreamError::Http { status } = error {
        let _ = js_sys::Reflect::set(&value, &"status".into(), &(*status).into());
    }
    value
}
