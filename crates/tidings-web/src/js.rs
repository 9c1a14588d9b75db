//! The `#[wasm_bindgen]` surface wrapped by the `tidings` npm package.
//!
//! Deliberately low-level: callbacks receive plain strings and numbers where possible, and the
//! TypeScript layer builds the objects its users see. Options arrive as a plain JS object and
//! are read with `Reflect` rather than serde, which keeps the wasm small.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use tidings_core::policy::{Config as PolicyConfig, Jitter};
use tidings_core::{Frame, Limits, ParseError, Parser};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::{
    Body, Client, ClientError, ClientEvent, ClientOptions, Credentials, ErrorKind, HeaderCallback,
    Listen, ListenerId, Transport, live_handles,
};

fn parse_error_kind(error: &ParseError) -> &'static str {
    match error {
        ParseError::LineTooLong { .. } => "line-too-long",
        ParseError::EventTooLarge { .. } => "event-too-large",
        _ => "too-large",
    }
}

fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// Builds a JS `Error` whose `kind` property names the failure.
fn js_error(kind: &str, message: &str) -> JsValue {
    let error: JsValue = js_sys::Error::new(message).into();
    set(&error, "kind", kind);
    error
}

/// Record kinds of the table [`JsParser::feed`] returns; each kind is followed by its words.
mod record {
    /// `[EVENT, n]`: an event whose data is the next `n` UTF-16 code units of the text.
    pub const EVENT: u32 = 0;
    /// `[TYPE, n]`: the next `n` code units are the type of the events that follow.
    pub const TYPE: u32 = 1;
    /// `[ID, n]`: the next `n` code units are the last event ID of the events that follow.
    pub const ID: u32 = 2;
    /// `[COMMENT, n]`: a comment, the next `n` code units.
    pub const COMMENT: u32 = 3;
    /// `[RETRY, low, high]`: a reconnection time in ms, `high * 2^32 + low`.
    pub const RETRY: u32 = 4;
    /// `[ERROR]` (always last): parsing stopped; `takeError()` returns the error.
    pub const ERROR: u32 = 5;
}

/// The UTF-16 length of `text`, i.e. its JS `length`.
fn utf16_len(text: &str) -> u32 {
    let n = if text.is_ascii() {
        text.len()
    } else {
        text.chars().map(char::len_utf16).sum()
    };
    n as u32
}

/// The frames of one `feed`, encoded for a single crossing of the boundary: all text in one
/// string, and a table of records (see [`record`]) saying how to cut it.
#[derive(Default)]
struct Batch {
    text: String,
    records: Vec<u32>,
    /// Type and last event ID of the previous event of this batch (a batch starts from
    /// `message` and the empty ID, so each batch is self-contained on the JS side).
    event_type: String,
    id: String,
}

impl Batch {
    fn start(&mut self) {
        self.text.clear();
        self.records.clear();
        self.event_type.clear();
        self.event_type.push_str("message");
        self.id.clear();
    }

    fn push_text(&mut self, kind: u32, text: &str) {
        self.records.push(kind);
        self.records.push(utf16_len(text));
        self.text.push_str(text);
    }

    fn push(&mut self, frame: Frame<'_>) {
        match frame {
            Frame::Event(event) => {
                if event.event_type != self.event_type {
                    self.push_text(record::TYPE, event.event_type);
                    self.event_type.clear();
                    self.event_type.push_str(event.event_type);
                }
                if event.last_event_id != self.id {
                    self.push_text(record::ID, event.last_event_id);
                    self.id.clear();
                    self.id.push_str(event.last_event_id);
                }
                self.push_text(record::EVENT, event.data);
            }
            Frame::Retry(ms) => {
                self.records
                    .extend([record::RETRY, ms as u32, (ms >> 32) as u32]);
            }
            Frame::Comment(text) => self.push_text(record::COMMENT, text),
        }
    }
}

/// A `text/event-stream` parser driven from JS, delivering frames in batches.
///
/// `feed(bytes)` parses a chunk and returns a `Uint32Array` of records (see the `record`
/// kinds in the source); when it is not empty, `takeText()` returns the one string the
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
            batch.records.push(record::ERROR);
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

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn get_string(object: &JsValue, key: &str) -> Option<String> {
    get(object, key).and_then(|v| v.as_string())
}

fn get_u64(object: &JsValue, key: &str) -> Option<u64> {
    get(object, key)
        .and_then(|v| v.as_f64())
        .filter(|n| *n >= 0.0)
        .map(|n| n as u64)
}

fn get_bool(object: &JsValue, key: &str) -> Option<bool> {
    get(object, key).and_then(|v| v.as_bool())
}

/// Reads header pairs from a plain object, a `Headers`, or an array of pairs.
fn header_pairs(value: &JsValue) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let entries: JsValue = if value.is_instance_of::<web_sys::Headers>() || Array::is_array(value) {
        value.clone()
    } else {
        Object::entries(value.unchecked_ref()).into()
    };
    if let Ok(Some(iter)) = js_sys::try_iter(&entries) {
        for entry in iter.flatten() {
            let entry: Array = entry.unchecked_into();
            if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string())
            {
                pairs.push((name, value));
            }
        }
    }
    pairs
}

fn header_callback(function: Function) -> HeaderCallback {
    HeaderCallback::new(move || {
        let function = function.clone();
        async move {
            let mut value = function.call0(&JsValue::NULL).map_err(|e| describe(&e))?;
            if let Some(promise) = value.dyn_ref::<Promise>() {
                value = JsFuture::from(promise.clone())
                    .await
                    .map_err(|e| describe(&e))?;
            }
            Ok(header_pairs(&value))
        }
    })
}

fn describe(value: &JsValue) -> String {
    crate::transport::js_error_message(value).unwrap_or_else(|| "error".to_owned())
}

fn policy_config(value: Option<JsValue>, base: PolicyConfig) -> PolicyConfig {
    let Some(retry) = value else { return base };
    let mut config = base;
    if let Some(ms) = get_u64(&retry, "initialDelay") {
        config = config.with_initial_delay_ms(ms);
    }
    if let Some(ms) = get_u64(&retry, "maxDelay") {
        config = config.with_max_delay_ms(ms);
    }
    if let Some(m) = get_u64(&retry, "multiplier") {
        config = config.with_multiplier(m.min(u32::MAX as u64) as u32);
    }
    if let Some(jitter) = get_string(&retry, "jitter") {
        config = config.with_jitter(match jitter.as_str() {
            "none" => Jitter::None,
            "equal" => Jitter::Equal,
            _ => Jitter::Full,
        });
    }
    if let Some(n) = get_u64(&retry, "maxAttempts") {
        config = config.with_max_attempts(Some(n.min(u32::MAX as u64) as u32));
    }
    if let Some(ms) = get_u64(&retry, "maxElapsed") {
        config = config.with_max_elapsed_ms(Some(ms));
    }
    if let Some(ms) = get_u64(&retry, "healthyAfter") {
        config = config.with_healthy_after_ms(ms);
    }
    config
}

/// Turns the npm package's options object into [`ClientOptions`].
fn client_options(url: &str, js: &JsValue) -> ClientOptions {
    let mut options = ClientOptions::new(url);
    if get_string(js, "transport").as_deref() == Some("eventsource") {
        options.transport = Transport::EventSource;
    }
    if let Some(method) = get_string(js, "method") {
        options.method = method;
    }
    if let Some(body) = get(js, "body") {
        options.body = Some(if let Some(text) = body.as_string() {
            Body::Text(text)
        } else if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
            Body::Bytes(bytes.to_vec())
        } else if body.is_instance_of::<js_sys::ArrayBuffer>() {
            Body::Bytes(Uint8Array::new(&body).to_vec())
        } else {
            Body::Json(
                js_sys::JSON::stringify(&body)
                    .map(String::from)
                    .unwrap_or_default(),
            )
        });
    }
    if let Some(headers) = get(js, "headers") {
        match headers.dyn_into::<Function>() {
            Ok(function) => options.header_callback = Some(header_callback(function)),
            Err(headers) => options.headers = header_pairs(&headers),
        }
    }
    options.credentials = match get_string(js, "credentials").as_deref() {
        Some("include") => Credentials::Include,
        Some("omit") => Credentials::Omit,
        _ => Credentials::SameOrigin,
    };
    options.signal = get(js, "signal").and_then(|s| s.dyn_into().ok());
    options.with_credentials = get_bool(js, "withCredentials").unwrap_or(false);
    if let Some(events) = get(js, "events") {
        options.event_types = Array::from(&events)
            .iter()
            .filter_map(|t| t.as_string())
            .collect();
    }
    if let Ok(param) = Reflect::get(js, &JsValue::from_str("lastEventIdParam")) {
        if param.is_null() {
            options.last_event_id_param = None;
        } else if let Some(name) = param.as_string() {
            options.last_event_id_param = Some(name);
        }
    }
    options.initial_last_event_id = get_string(js, "lastEventId");
    options.policy = policy_config(get(js, "retry"), options.policy);
    if let Some(ms) = get_u64(js, "idleTimeout") {
        options.policy = options.policy.with_idle_timeout_ms(Some(ms));
    }
    if let Some(one_shot) = get_bool(js, "oneShot") {
        options.policy = options.policy.with_one_shot(one_shot);
    }
    options.done_sentinel = get_string(js, "doneSentinel");
    options.pause_while_hidden = get_bool(js, "pauseWhileHidden").unwrap_or(false);
    options.reconnect_on_online = get_bool(js, "reconnectOnOnline").unwrap_or(true);
    if let Some(max) = get_u64(js, "maxLineSize") {
        options.limits.max_line_len = max as usize;
    }
    if let Some(max) = get_u64(js, "maxEventSize") {
        options.limits.max_event_size = max as usize;
    }
    options.jitter_seed = get_u64(js, "jitterSeed");
    options
}

fn error_to_js(error: &ClientError) -> JsValue {
    let value = js_error(error.kind.name(), &error.to_string());
    set(&value, "willRetry", error.will_retry);
    set(&value, "attempt", error.attempt);
    if let Some(delay) = error.delay_ms {
        set(&value, "delay", delay as f64);
    }
    match &error.kind {
        ErrorKind::Http {
            status,
            status_text,
            body,
        } => {
            set(&value, "status", *status);
            set(&value, "statusText", status_text.as_str());
            set(&value, "body", body.as_str());
        }
        ErrorKind::ContentType { content_type } => {
            set(
                &value,
                "contentType",
                content_type
                    .as_deref()
                    .map_or(JsValue::NULL, JsValue::from_str),
            );
        }
        ErrorKind::GaveUp(reason) => set(&value, "reason", reason.to_string()),
        _ => {}
    }
    value
}

/// The full client: reconnects, policy, typed errors, metrics.
///
/// `on(kind, eventType, callback)` with `kind` one of `event` (callback gets
/// `(type, data, lastEventId)`; `eventType` `"*"` for all), `open` (`(status, headers, attempt)`),
/// `error` (an `Error` with `kind`, `willRetry`, `attempt`, `delay`, HTTP details), `status`
/// (`(status)`), `retry` (`(ms)`), `comment` (`(text)`), `close` (`()`).
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    client: Client,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// Connects to `url` with the options object of the npm package's `connect()`.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: JsValue) -> JsClient {
        JsClient {
            client: Client::connect(client_options(url, &options)),
        }
    }

    /// Adds a listener; returns its id for `off`.
    pub fn on(&self, kind: &str, event_type: Option<String>, callback: Function) -> u32 {
        let listen = match kind {
            "open" => Listen::Open,
            "error" => Listen::Error,
            "status" => Listen::Status,
            "retry" => Listen::Retry,
            "comment" => Listen::Comment,
            "close" => Listen::Close,
            _ => match event_type {
                Some(t) if t != "*" => Listen::Event(t),
                _ => Listen::AnyEvent,
            },
        };
        let id = self.client.on(listen, move |event| {
            let null = &JsValue::NULL;
            // A throwing user callback must not break delivery to the others.
            let _ = match event {
                ClientEvent::Message(m) => callback.call3(
                    null,
                    &m.event_type.as_str().into(),
                    &m.data.as_str().into(),
                    &m.last_event_id.as_str().into(),
                ),
                ClientEvent::Open(info) => {
                    let headers = Object::new();
                    for (name, value) in &info.headers {
                        set(&headers, name, value.as_str());
                    }
                    let status = info.status.map_or(JsValue::UNDEFINED, JsValue::from);
                    callback.call3(null, &status, &headers, &info.attempt.into())
                }
                ClientEvent::Error(error) => callback.call1(null, &error_to_js(error)),
                ClientEvent::Status(status) => callback.call1(null, &status.as_str().into()),
                ClientEvent::Retry(ms) => callback.call1(null, &(*ms as f64).into()),
                ClientEvent::Comment(text) => callback.call1(null, &(*text).into()),
                ClientEvent::Close => callback.call0(null),
            };
        });
        id.0
    }

    /// Removes a listener by id.
    pub fn off(&self, id: u32) -> bool {
        self.client.off(ListenerId(id))
    }

    /// Closes the stream and releases every browser handle.
    pub fn close(&self) {
        self.client.close();
    }

    /// Reconnects now with a fresh backoff (also reopens a closed client).
    pub fn reconnect(&self) {
        self.client.reconnect();
    }

    /// `connecting`, `open`, `reconnecting` or `closed`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.client.status().as_str().to_owned()
    }

    /// The last event ID.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.client.last_event_id()
    }

    /// `{ messages, bytes, reconnects, connectedMs, lastEventAt }`.
    pub fn metrics(&self) -> JsValue {
        let m = self.client.metrics();
        let value: JsValue = Object::new().into();
        set(&value, "messages", m.messages as f64);
        set(&value, "bytes", m.bytes as f64);
        set(&value, "reconnects", m.reconnects as f64);
        set(&value, "connectedMs", m.connected_ms as f64);
        set(
            &value,
            "lastEventAt",
            m.last_event_at_ms
                .map_or(JsValue::NULL, |t| (t as f64).into()),
        );
        value
    }

    /// Live browser handles held by all clients (a debug metric for leak tests).
    #[wasm_bindgen(js_name = liveHandles)]
    pub fn live_handles() -> JsValue {
        let h = live_handles();
        let value: JsValue = Object::new().into();
        set(&value, "eventSources", h.event_sources);
        set(&value, "abortControllers", h.abort_controllers);
        set(&value, "readers", h.readers);
        set(&value, "timers", h.timers);
        set(&value, "closures", h.closures);
        set(&value, "domListeners", h.dom_listeners);
        set(&value, "total", h.total());
        value
    }
}
