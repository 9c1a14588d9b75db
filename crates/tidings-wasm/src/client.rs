//! `Client`: the full client for the npm `connect` and `stream`.
//!
//! The interface is numbers and strings, not JS objects: the TS layer (`npm/src/connect.ts`,
//! `wasmArguments`) turns the options object into the arguments of [`JsClient::new`], and
//! everything the client reports reaches one JS function, `notify`, as a kind code with
//! numbers and strings, from which TS builds what its users see. Reading an options object
//! from Rust (a `Reflect.get` per field) and building error objects (a `Reflect.set` per
//! field) was a quarter of this module, and it needed js-sys, whose closure machinery alone is
//! about 8 KB of any module that links it.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use tidings_core::policy::{AdaptiveStall, Config as PolicyConfig, Jitter, StallDetection};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use tidings_web::{
    Body, Client, ClientError, ClientEvent, ClientOptions, Credentials, ErrorKind, HeaderCallback,
    Listen, Role, Status, Transport, live_handles,
};

/// What [`JsClient::new`]'s `numbers` hold, by index. `NaN` (what TS passes for an option it
/// was not given) keeps the default.
mod option {
    /// 1: the EventSource transport (else fetch).
    pub const TRANSPORT: usize = 0;
    /// 0: omit, 1: same-origin, 2: include.
    pub const CREDENTIALS: usize = 1;
    /// 1: EventSource `withCredentials`.
    pub const WITH_CREDENTIALS: usize = 2;
    /// 1: `body_text` is text, 2: JSON; 3: `body_bytes`.
    pub const BODY_KIND: usize = 3;
    pub const INITIAL_DELAY: usize = 4;
    pub const MAX_DELAY: usize = 5;
    pub const MULTIPLIER: usize = 6;
    /// 0: full, 1: equal, 2: none.
    pub const JITTER: usize = 7;
    pub const MAX_ATTEMPTS: usize = 8;
    pub const MAX_ELAPSED: usize = 9;
    pub const HEALTHY_AFTER: usize = 10;
    /// 0: stall detection off, 1: fixed at `IDLE_MS`, 2: adaptive tuned by the next four.
    pub const IDLE_MODE: usize = 11;
    pub const IDLE_MS: usize = 12;
    pub const STALL_FLOOR: usize = 13;
    pub const STALL_CEILING: usize = 14;
    pub const STALL_MULTIPLE: usize = 15;
    pub const STALL_MIN_GAPS: usize = 16;
    /// 1: the browser EventSource's status and delay rules (the npm `EventSource` class).
    pub const EVENTSOURCE_RULES: usize = 17;
    /// 0 or 1.
    pub const ONE_SHOT: usize = 18;
    /// How many times a cut one-shot stream resumes.
    pub const RESUME: usize = 19;
    /// 0 or 1.
    pub const PAUSE_WHILE_HIDDEN: usize = 20;
    /// 0 or 1.
    pub const RECONNECT_ON_ONLINE: usize = 21;
    pub const MAX_LINE_SIZE: usize = 22;
    pub const MAX_EVENT_SIZE: usize = 23;
    pub const JITTER_SEED: usize = 24;
}

/// The kinds of `notify` call (`NOTIFY` in `npm/src/connect.ts`).
mod notify {
    /// `(at, count, _, _, _, text)`: every event of one chunk, in the format of
    /// `tidings_core::batch`: `count` records at address `at` of the module's memory, which
    /// the callee copies before it calls into the module again.
    pub const BATCH: u32 = 1;
    /// `(status or NaN, attempt, _, _, _, headers)`, headers as `name\nvalue\n` pairs.
    pub const OPEN: u32 = 2;
    /// `(willRetry, attempt, delay or NaN, n1, n2, kind, message, s1, s2)`; the details by kind:
    /// http: n1 status, s1 status text, s2 body; content-type: s1 the type (none: null);
    /// gave-up: s1 reason; stall: n1 silence, n2 limit; incomplete: n1 events, s1 last ID.
    pub const ERROR: u32 = 3;
    /// `(_, _, _, _, _, status)`.
    pub const STATUS: u32 = 4;
    /// `(ms)`.
    pub const RETRY: u32 = 5;
    /// `(_, _, _, _, _, text)`.
    pub const COMMENT: u32 = 6;
    pub const CLOSE: u32 = 7;
    /// `(_, _, _, _, _, role)`.
    pub const ROLE: u32 = 8;
}

#[wasm_bindgen]
extern "C" {
    /// The npm package's notification function (see [`notify`] for its calls).
    pub type Notify;

    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(method, catch, js_name = call)]
    fn notify(
        this: &Notify,
        this_arg: &JsValue,
        kind: u32,
        a: f64,
        b: f64,
        c: f64,
        n1: f64,
        n2: f64,
        s: Option<&str>,
        t: Option<&str>,
        s1: Option<&str>,
        s2: Option<&str>,
    ) -> Result<(), JsValue>;
}

impl Notify {
    /// A call with numbers and one string (the common shape).
    fn send(&self, kind: u32, a: f64, b: f64, s: Option<&str>) {
        // A throwing callback must not break delivery to the others (TS catches its
        // listeners' throws; this is the last line).
        let _ = self.notify(
            &JsValue::UNDEFINED,
            kind,
            a,
            b,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            s,
            None,
            None,
            None,
        );
    }

    fn error(&self, error: &ClientError) {
        let (mut n1, mut n2) = (f64::NAN, f64::NAN);
        let (mut s1, mut s2) = (None, None);
        let reason;
        match &error.kind {
            ErrorKind::Http {
                status,
                status_text,
                body,
            } => {
                n1 = f64::from(*status);
                s1 = Some(status_text.as_str());
                s2 = Some(body.as_str());
            }
            ErrorKind::ContentType { content_type } => s1 = content_type.as_deref(),
            ErrorKind::GaveUp(_) => {
                reason = error.kind.reason_text();
                s1 = reason.as_deref();
            }
            ErrorKind::Stall {
                silence_ms,
                limit_ms,
            } => {
                n1 = *silence_ms as f64;
                n2 = *limit_ms as f64;
            }
            ErrorKind::Incomplete {
                last_event_id,
                events,
            } => {
                n1 = *events as f64;
                s1 = Some(last_event_id.as_str());
            }
            _ => {}
        }
        // `message()`, not `to_string()`: the same text without linking core::fmt.
        let message = error.message();
        let _ = self.notify(
            &JsValue::UNDEFINED,
            notify::ERROR,
            f64::from(u8::from(error.will_retry)),
            f64::from(error.attempt),
            error.delay_ms.map_or(f64::NAN, |ms| ms as f64),
            n1,
            n2,
            Some(error.kind.name()),
            Some(&message),
            s1,
            s2,
        );
    }
}

/// `numbers[index]` as a count of milliseconds, bytes or times; `None` for `NaN` (absent) or a
/// negative number.
fn count(numbers: &[f64], index: usize) -> Option<u64> {
    numbers.get(index).filter(|n| **n >= 0.0).map(|n| *n as u64)
}

fn flag(numbers: &[f64], index: usize) -> Option<bool> {
    numbers
        .get(index)
        .filter(|n| !n.is_nan())
        .map(|n| *n != 0.0)
}

/// The lines of a `\n`-separated list. By hand rather than `split`: std's string searching
/// keeps panicking slice checks whose messages bring `core::fmt` into the module.
fn lines(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(list);
    core::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == b'\n') {
            Some(at) => {
                rest = text.get(at + 1..);
                text.get(..at)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn policy_config(numbers: &[f64], mut config: PolicyConfig) -> PolicyConfig {
    use option::*;
    if let Some(ms) = count(numbers, INITIAL_DELAY) {
        config = config.with_initial_delay_ms(ms);
    }
    if let Some(ms) = count(numbers, MAX_DELAY) {
        config = config.with_max_delay_ms(ms);
    }
    if let Some(m) = count(numbers, MULTIPLIER) {
        config = config.with_multiplier(saturate(m));
    }
    match count(numbers, JITTER) {
        Some(0) => config = config.with_jitter(Jitter::Full),
        Some(1) => config = config.with_jitter(Jitter::Equal),
        Some(2) => config = config.with_jitter(Jitter::None),
        _ => {}
    }
    if let Some(n) = count(numbers, MAX_ATTEMPTS) {
        config = config.with_max_attempts(Some(saturate(n)));
    }
    if let Some(ms) = count(numbers, MAX_ELAPSED) {
        config = config.with_max_elapsed_ms(Some(ms));
    }
    if let Some(ms) = count(numbers, HEALTHY_AFTER) {
        config = config.with_healthy_after_ms(ms);
    }
    match count(numbers, IDLE_MODE) {
        Some(0) => config = config.with_idle_timeout_ms(None),
        Some(1) => config = config.with_idle_timeout_ms(count(numbers, IDLE_MS)),
        Some(2) => {
            let mut adaptive = AdaptiveStall::default();
            if let Some(ms) = count(numbers, STALL_FLOOR) {
                adaptive = adaptive.with_floor_ms(ms);
            }
            if let Some(ms) = count(numbers, STALL_CEILING) {
                adaptive = adaptive.with_ceiling_ms(ms);
            }
            if let Some(n) = count(numbers, STALL_MULTIPLE) {
                adaptive = adaptive.with_multiple(saturate(n));
            }
            if let Some(n) = count(numbers, STALL_MIN_GAPS) {
                adaptive = adaptive.with_min_gaps(saturate(n));
            }
            config = config.with_stall(StallDetection::Adaptive(adaptive));
        }
        _ => {}
    }
    if flag(numbers, EVENTSOURCE_RULES) == Some(true) {
        config = config.with_eventsource_rules(true);
    }
    if let Some(one_shot) = flag(numbers, ONE_SHOT) {
        config = config.with_one_shot(one_shot);
    }
    if let Some(times) = count(numbers, RESUME) {
        config = config.with_one_shot_resumes(saturate(times));
    }
    config
}

/// The full client: reconnects, policy, typed errors, metrics. Everything it reports goes to
/// the `notify` function it was made with (see [`notify`]).
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    client: Client,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// Connects to `url` with the options of the npm package's `connect()`, as TS lays them
    /// out: `numbers` by the indexes of [`option`], the strings as named (`headers` and
    /// `events` as `\n`-separated lists), `lastEventIdParam` empty to turn it off and absent
    /// for the default. `share` (share module only) is the key, empty for `share: true`.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: &str,
        numbers: &[f64],
        method: Option<String>,
        body_text: Option<String>,
        body_bytes: Option<Vec<u8>>,
        headers: Option<String>,
        events: Option<String>,
        last_event_id_param: Option<String>,
        last_event_id: Option<String>,
        done_sentinel: Option<String>,
        persist_key: Option<String>,
        share: Option<String>,
        signal: JsValue,
        fetch: JsValue,
        header_function: JsValue,
        notify: Notify,
    ) -> JsClient {
        use option::*;
        let mut options = ClientOptions::new(url);
        if flag(numbers, TRANSPORT) == Some(true) {
            options.transport = Transport::EventSource;
        }
        if let Some(method) = method {
            options.method = method;
        }
        options.body = match (count(numbers, BODY_KIND), body_text, body_bytes) {
            (Some(1), Some(text), _) => Some(Body::Text(text)),
            (Some(2), Some(text), _) => Some(Body::Json(text)),
            (Some(3), _, Some(bytes)) => Some(Body::Bytes(bytes)),
            _ => None,
        };
        if let Some(list) = headers {
            let mut lines = lines(&list);
            options.headers = core::iter::from_fn(|| Some((lines.next()?, lines.next()?)))
                .map(|(name, value)| (String::from(name), String::from(value)))
                .collect();
        }
        if !header_function.is_undefined() {
            options.header_callback =
                Some(HeaderCallback::from_js(header_function.unchecked_into()));
        }
        options.credentials = match count(numbers, CREDENTIALS) {
            Some(0) => Credentials::Omit,
            Some(2) => Credentials::Include,
            _ => Credentials::SameOrigin,
        };
        if !signal.is_undefined() {
            options.signal = Some(signal.unchecked_into());
        }
        options.with_credentials = flag(numbers, WITH_CREDENTIALS).unwrap_or(false);
        if let Some(events) = events {
            options.event_types = lines(&events)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some(param) = last_event_id_param {
            options.last_event_id_param = (!param.is_empty()).then_some(param);
        }
        options.initial_last_event_id = last_event_id;
        options.policy = policy_config(numbers, options.policy);
        options.done_sentinel = done_sentinel;
        options.pause_while_hidden = flag(numbers, PAUSE_WHILE_HIDDEN).unwrap_or(false);
        options.reconnect_on_online = flag(numbers, RECONNECT_ON_ONLINE).unwrap_or(true);
        if let Some(max) = count(numbers, MAX_LINE_SIZE) {
            options.limits.max_line_len = max as usize;
        }
        if let Some(max) = count(numbers, MAX_EVENT_SIZE) {
            options.limits.max_event_size = max as usize;
        }
        options.jitter_seed = count(numbers, JITTER_SEED);
        options.persist_key = persist_key;
        if !fetch.is_undefined() {
            options.fetch_function = Some(fetch.unchecked_into());
        }
        // The everyday module has no sharing driver: the npm package loads the share module for
        // every stream that asks to share, so this one never sees the option.
        #[cfg(feature = "share")]
        {
            options.share = share.map(|key| match key.is_empty() {
                true => tidings_web::Share::Auto,
                false => tidings_web::Share::Key(key),
            });
            // A stream that needs an explicit key and has none (`share-key-required`) is
            // reported by the client itself: an error and a close, in a microtask.
        }
        #[cfg(not(feature = "share"))]
        let _ = share;
        let client = Client::connect(options);
        listen(&client, Rc::new(notify));
        JsClient { client }
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

    /// 0 `connecting`, 1 `open`, 2 `reconnecting`, 3 `closed`. Numbers, not strings: a
    /// string return needs a glue function and a copy of its own.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u32 {
        match self.client.status() {
            Status::Connecting => 0,
            Status::Open => 1,
            Status::Reconnecting => 2,
            Status::Closed => 3,
        }
    }

    /// 0 `leader`, 1 `follower`, 2 `solo` (tab sharing).
    #[wasm_bindgen(getter)]
    pub fn role(&self) -> u32 {
        match self.client.role() {
            Role::Leader => 0,
            Role::Follower => 1,
            Role::Solo => 2,
        }
    }

    /// The last event ID.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.client.last_event_id()
    }

    /// One of the counters, by `which`: 0 messages, 1 bytes, 2 reconnects, 3 connectedMs, 4
    /// lastEventAt (`NaN`: none). One number per call: an array return needs glue of its own.
    pub fn metric(&self, which: u32) -> f64 {
        let m = self.client.metrics();
        match which {
            0 => m.messages as f64,
            1 => m.bytes as f64,
            2 => m.reconnects as f64,
            3 => m.connected_ms as f64,
            _ => m.last_event_at_ms.map_or(f64::NAN, |t| t as f64),
        }
    }

    /// Live browser handles held by all clients (a debug metric for leak tests), by `kind`: 0
    /// eventSources, 1 abortControllers, 2 readers, 3 timers, 4 closures, 5 domListeners, 6
    /// locks, 7 channels, 8 the total.
    #[wasm_bindgen(js_name = liveHandle)]
    pub fn live_handle(kind: u32) -> u32 {
        let h = live_handles();
        match kind {
            0 => h.event_sources,
            1 => h.abort_controllers,
            2 => h.readers,
            3 => h.timers,
            4 => h.closures,
            5 => h.dom_listeners,
            6 => h.locks,
            7 => h.channels,
            _ => h.total(),
        }
    }
}

/// Sends everything `client` reports to `notify`: one listener per kind, all the same code.
fn listen(client: &Client, notify: Rc<Notify>) {
    // Reused for every batch; emptied before the call into JS.
    let records = Rc::new(RefCell::new(Vec::new()));
    let report = move |event: &ClientEvent<'_>| match event {
        ClientEvent::Messages(messages) => {
            // Where the records are, not a `Uint32Array` of them: that was an `ArrayBuffer`
            // allocated per chunk (≈ 10% of the token stream's time in a profile); JS copies
            // them into an array it reuses.
            let (at, count) = {
                let Ok(mut records) = records.try_borrow_mut() else {
                    return;
                };
                records.clear();
                // Over the batch's own text: its parts are stored in the order the format
                // lists them, so the text crosses as it is, decoded once.
                messages.encode_records(&mut records);
                (records.as_ptr() as usize as f64, records.len() as f64)
            };
            notify.send(notify::BATCH, at, count, Some(messages.text()));
        }
        ClientEvent::Open(info) => {
            let mut headers = String::new();
            for (name, value) in &info.headers {
                for part in [name.as_str(), "\n", value.as_str(), "\n"] {
                    headers.push_str(part);
                }
            }
            let status = info.status.map_or(f64::NAN, f64::from);
            notify.send(
                notify::OPEN,
                status,
                f64::from(info.attempt),
                Some(&headers),
            );
        }
        ClientEvent::Error(error) => notify.error(error),
        ClientEvent::Status(status) => {
            notify.send(notify::STATUS, f64::NAN, f64::NAN, Some(status.as_str()))
        }
        ClientEvent::Retry(ms) => notify.send(notify::RETRY, *ms as f64, f64::NAN, None),
        ClientEvent::Comment(text) => notify.send(notify::COMMENT, f64::NAN, f64::NAN, Some(text)),
        ClientEvent::Close => notify.send(notify::CLOSE, f64::NAN, f64::NAN, None),
        ClientEvent::Role(role) => {
            notify.send(notify::ROLE, f64::NAN, f64::NAN, Some(role.as_str()))
        }
        // `ClientEvent` is non-exhaustive: a kind added later reaches JS once it has a code.
        _ => {}
    };
    let report: Rc<dyn Fn(&ClientEvent<'_>)> = Rc::new(report);
    for listen in [
        Listen::Messages,
        Listen::Open,
        Listen::Error,
        Listen::Status,
        Listen::Retry,
        Listen::Comment,
        Listen::Close,
        Listen::Role,
    ] {
        let report = report.clone();
        client.on(listen, move |event| report(event));
    }
}
