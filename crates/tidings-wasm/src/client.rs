//! `Client`: the full client for the npm `connect` and `stream`.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use tidings_core::policy::{AdaptiveStall, Config as PolicyConfig, Jitter, StallDetection};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use tidings_web::{
    Body, Client, ClientError, ClientEvent, ClientOptions, Credentials, ErrorKind, HeaderCallback,
    Listen, ListenerId, Transport, live_handles,
};

use crate::{js_error, set};

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
    // `Array.from` rather than js-sys's `try_iter`: one import instead of the iterator
    // protocol's glue (a `Headers` and an array of pairs are both iterables of pairs).
    for entry in Array::from(&entries).iter() {
        let entry: Array = entry.unchecked_into();
        if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((name, value));
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

/// The message of a JS exception: `Error.message`, or the thrown value when it is a string.
fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "error".to_owned())
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
    // `idleTimeout: n` fixes the stall limit, `false` turns detection off; absent: adaptive.
    if let Some(ms) = get_u64(js, "idleTimeout") {
        options.policy = options.policy.with_idle_timeout_ms(Some(ms));
    } else if get_bool(js, "idleTimeout") == Some(false) {
        options.policy = options.policy.with_idle_timeout_ms(None);
    } else if let Some(tuning) = get(js, "idleTimeout").filter(JsValue::is_object) {
        // `{ floor, ceiling, multiple, minGaps }`: adaptive, tuned.
        let mut adaptive = AdaptiveStall::default();
        if let Some(ms) = get_u64(&tuning, "floor") {
            adaptive = adaptive.with_floor_ms(ms);
        }
        if let Some(ms) = get_u64(&tuning, "ceiling") {
            adaptive = adaptive.with_ceiling_ms(ms);
        }
        if let Some(n) = get_u64(&tuning, "multiple") {
            adaptive = adaptive.with_multiple(u32::try_from(n).unwrap_or(u32::MAX));
        }
        if let Some(n) = get_u64(&tuning, "minGaps") {
            adaptive = adaptive.with_min_gaps(u32::try_from(n).unwrap_or(u32::MAX));
        }
        options.policy = options
            .policy
            .with_stall(StallDetection::Adaptive(adaptive));
    }
    // Set by the npm `EventSource` class: the browser EventSource's own status and delay rules.
    if get_bool(js, "eventSourceRules") == Some(true) {
        options.policy = options.policy.with_eventsource_rules(true);
    }
    if let Some(one_shot) = get_bool(js, "oneShot") {
        options.policy = options.policy.with_one_shot(one_shot);
    }
    options.done_sentinel = get_string(js, "doneSentinel");
    // `resume: true` is once, `resume: n` up to n times.
    match get_bool(js, "resume") {
        Some(once) => options.policy = options.policy.with_one_shot_resumes(u32::from(once)),
        None => {
            if let Some(times) = get_u64(js, "resume") {
                let times = u32::try_from(times).unwrap_or(u32::MAX);
                options.policy = options.policy.with_one_shot_resumes(times);
            }
        }
    }
    options.pause_while_hidden = get_bool(js, "pauseWhileHidden").unwrap_or(false);
    options.reconnect_on_online = get_bool(js, "reconnectOnOnline").unwrap_or(true);
    if let Some(max) = get_u64(js, "maxLineSize") {
        options.limits.max_line_len = max as usize;
    }
    if let Some(max) = get_u64(js, "maxEventSize") {
        options.limits.max_event_size = max as usize;
    }
    options.jitter_seed = get_u64(js, "jitterSeed");
    // `persistLastEventId: true` keys by URL only, a string adds the caller's key.
    options.persist_key = match get_bool(js, "persistLastEventId") {
        Some(true) => Some(String::new()),
        Some(false) => None,
        None => get_string(js, "persistLastEventId"),
    };
    options.fetch_function = get(js, "fetch").and_then(|f| f.dyn_into().ok());
    // The everyday module has no sharing driver: the npm package loads the share module for
    // every stream that asks to share, so this one never sees the option.
    #[cfg(feature = "share")]
    {
        options.share = share_option(js);
    }
    options
}

/// `share: true` or `share: { key }` (tab sharing); `false`/absent: none.
#[cfg(feature = "share")]
fn share_option(js: &JsValue) -> Option<tidings_web::Share> {
    let share = get(js, "share")?;
    if let Some(on) = share.as_bool() {
        return on.then_some(tidings_web::Share::Auto);
    }
    Some(match get_string(&share, "key") {
        Some(key) => tidings_web::Share::Key(key),
        None => tidings_web::Share::Auto,
    })
}

fn error_to_js(error: &ClientError) -> JsValue {
    // `message()`, not `to_string()`: the same text without linking core::fmt.
    let value = js_error(error.kind.name(), &error.message());
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
        ErrorKind::GaveUp(_) => {
            if let Some(reason) = error.kind.reason_text() {
                set(&value, "reason", reason);
            }
        }
        ErrorKind::Stall {
            silence_ms,
            limit_ms,
        } => {
            set(&value, "silence", *silence_ms as f64);
            set(&value, "limit", *limit_ms as f64);
        }
        ErrorKind::Incomplete {
            last_event_id,
            events,
        } => {
            set(&value, "lastEventId", last_event_id.as_str());
            set(&value, "events", *events as f64);
        }
        _ => {}
    }
    value
}

/// The full client: reconnects, policy, typed errors, metrics.
///
/// `on(kind, eventType, callback)` with `kind` one of `batch` (`(at, count, text)`: every event
/// of one chunk at once, in the format of `tidings_core::batch`, its `count` records at address
/// `at` of the module's memory, which the callback copies before it calls into the module; what
/// the npm package uses), `event`
/// (`(type, data, lastEventId)` per event; `eventType` `"*"` for all), `open`
/// (`(status, headers, attempt)`), `error` (an `Error` with `kind`, `willRetry`, `attempt`,
/// `delay`, HTTP details), `status` (`(status)`), `retry` (`(ms)`), `comment` (`(text)`),
/// `close` (`()`).
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    client: Client,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// Connects to `url` with the options object of the npm package's `connect()`.
    /// Throws (an `Error` with `kind: 'share-key-required'`) for `share: true` with request
    /// headers or credentials: such streams need an explicit `share: { key }`.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: JsValue) -> Result<JsClient, JsValue> {
        let options = client_options(url, &options);
        #[cfg(feature = "share")]
        if let Err(kind) = tidings_web::share_key(&options) {
            let error = ClientError {
                kind,
                will_retry: false,
                attempt: 0,
                delay_ms: None,
            };
            return Err(error_to_js(&error));
        }
        Ok(JsClient {
            client: Client::connect(options),
        })
    }

    /// Adds a listener; returns its id for `off`.
    pub fn on(&self, kind: &str, event_type: Option<String>, callback: Function) -> u32 {
        let listen = match kind {
            "batch" => Listen::Messages,
            "open" => Listen::Open,
            "error" => Listen::Error,
            "status" => Listen::Status,
            "retry" => Listen::Retry,
            "comment" => Listen::Comment,
            "close" => Listen::Close,
            "role" => Listen::Role,
            _ => match event_type {
                Some(t) if t != "*" => Listen::Event(t),
                _ => Listen::AnyEvent,
            },
        };
        // Reused for every batch of this listener; emptied before the call into JS.
        let records = RefCell::new(Vec::new());
        let id = self.client.on(listen, move |event| {
            let null = &JsValue::NULL;
            // A throwing user callback must not break delivery to the others.
            let _ = match event {
                ClientEvent::Messages(messages) => {
                    // Where the records are, not a `Uint32Array` of them: that was an
                    // `ArrayBuffer` allocated per chunk (≈ 10% of the token stream's time in a
                    // profile); JS copies them into an array it reuses.
                    let (at, count) = {
                        let mut records = records.borrow_mut();
                        records.clear();
                        // Over the batch's own text: its parts are stored in the order the
                        // format lists them, so the text crosses as it is, decoded once.
                        messages.encode_records(&mut records);
                        (records.as_ptr() as u32, records.len() as u32)
                    };
                    let text = JsValue::from_str(messages.text());
                    callback.call3(null, &at.into(), &count.into(), &text)
                }
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
                ClientEvent::Role(role) => callback.call1(null, &role.as_str().into()),
                // `ClientEvent` is non-exhaustive: a kind added later reaches JS once it has
                // a `kind` name here.
                _ => Ok(JsValue::UNDEFINED),
            };
        });
        id.as_u32()
    }

    /// Removes a listener by id.
    pub fn off(&self, id: u32) -> bool {
        self.client.off(ListenerId::from_u32(id))
    }

    /// Closes the stream and releases every browser handle.
    pub fn close(&self) {
        self.client.close();
    }

    /// Reconnects now with a fresh backoff (also reopens a closed client), resuming from
    /// `lastEventId` when given: the TS layer passes the ID of the last event it delivered,
    /// which inside a batch is behind the client's (see `Client::reconnect_from`).
    pub fn reconnect(&self, last_event_id: Option<String>) {
        match last_event_id {
            Some(id) => self.client.reconnect_from(&id),
            None => self.client.reconnect(),
        }
    }

    /// `connecting`, `open`, `reconnecting` or `closed`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.client.status().as_str().to_owned()
    }

    /// `leader`, `follower` or `solo` (tab sharing).
    #[wasm_bindgen(getter)]
    pub fn role(&self) -> String {
        self.client.role().as_str().to_owned()
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
        set(&value, "locks", h.locks);
        set(&value, "channels", h.channels);
        set(&value, "total", h.total());
        value
    }
}
