//! Client options: what to connect to, how, and how to behave when things go wrong.

use crate::prelude::*;
#[cfg(feature = "std")]
use alloc::rc::Rc;
use core::future::Future;
use core::pin::Pin;

use tidings_core::Limits;
use tidings_core::policy::Config as PolicyConfig;

/// Which browser API carries the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// `fetch` + `ReadableStream`, parsed by the tidings core. The default: it can send any
    /// method, body and headers, sees the HTTP status and headers (so errors say *why*), and
    /// its reconnects follow the tidings policy exactly.
    #[default]
    Fetch,
    /// The browser's native [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource):
    /// GET only, no custom headers, no status codes; the browser reconnects by itself while it
    /// can, and tidings takes over when it gives up.
    ///
    /// Limits that come with the native API: a `204` or `4xx` looks exactly like a network
    /// failure, so tidings keeps retrying under the policy (set a `max_attempts`); comments are
    /// invisible, so heartbeats do not postpone the idle timeout; `retry:` is applied by the
    /// browser, not reported.
    EventSource,
}

/// A request body for the fetch transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Sent as is; `Content-Type: text/plain;charset=UTF-8` unless a header says otherwise.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// Already-serialised JSON; sent with `Content-Type: application/json` unless a header says
    /// otherwise.
    Json(String),
}

/// [`RequestCredentials`](https://developer.mozilla.org/docs/Web/API/Request/credentials) of the
/// fetch transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// Never send cookies or HTTP auth.
    Omit,
    /// Only to the page's own origin (the fetch default).
    #[default]
    SameOrigin,
    /// Also cross-origin (the server must allow credentials in CORS).
    Include,
}

/// A JS function (`js_sys::Function`). Without the `std` feature, which links js-sys, a plain
/// `JsValue` that the caller vouches is a function.
#[cfg(feature = "std")]
pub type JsFunction = js_sys::Function;
/// A JS function (`js_sys::Function`). Without the `std` feature, which links js-sys, a plain
/// `JsValue` that the caller vouches is a function.
#[cfg(not(feature = "std"))]
pub type JsFunction = wasm_bindgen::JsValue;

/// An [`AbortSignal`](https://developer.mozilla.org/docs/Web/API/AbortSignal)
/// (`web_sys::AbortSignal`). Without the `std` feature, which links web-sys, a plain `JsValue`
/// that the caller vouches is one.
#[cfg(feature = "std")]
pub type AbortSignal = web_sys::AbortSignal;
/// An [`AbortSignal`](https://developer.mozilla.org/docs/Web/API/AbortSignal)
/// (`web_sys::AbortSignal`). Without the `std` feature, which links web-sys, a plain `JsValue`
/// that the caller vouches is one.
#[cfg(not(feature = "std"))]
pub type AbortSignal = wasm_bindgen::JsValue;

/// The future a [`HeaderCallback`] returns: header pairs, or a message saying why not.
pub type HeadersFuture = Pin<Box<dyn Future<Output = Result<Vec<(String, String)>, String>>>>;

/// Produces headers before every connection attempt, e.g. a freshly refreshed bearer token.
#[derive(Clone)]
pub struct HeaderCallback(pub(crate) HeaderSource);

/// What a [`HeaderCallback`] calls.
#[derive(Clone)]
pub(crate) enum HeaderSource {
    /// A Rust async function (driven by wasm-bindgen-futures' executor).
    #[cfg(feature = "std")]
    Future(Rc<dyn Fn() -> HeadersFuture>),
    /// A JS function returning headers or a promise of them (the npm package's `headers`
    /// function); the JS host calls and awaits it, so no executor is needed.
    Js(JsFunction),
}

impl HeaderCallback {
    /// Wraps an async function that returns header pairs.
    ///
    /// ```
    /// use tidings_web::HeaderCallback;
    /// let headers = HeaderCallback::new(|| async {
    ///     Ok(vec![("Authorization".to_owned(), "Bearer t0k3n".to_owned())])
    /// });
    /// ```
    #[cfg(feature = "std")]
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<Vec<(String, String)>, String>> + 'static,
    {
        HeaderCallback(HeaderSource::Future(Rc::new(move || {
            Box::pin(f()) as HeadersFuture
        })))
    }

    /// Wraps a JS function that returns headers (a plain object, a `Headers`, or an array of
    /// pairs) or a promise of them. It is called before every attempt, never while the client
    /// is busy; a throw or a rejection fails that attempt with a `network` error.
    ///
    /// ```no_run
    /// use tidings_web::HeaderCallback;
    /// let function = js_sys::Function::new_no_args("return { Authorization: 'Bearer t0k3n' }");
    /// let headers = HeaderCallback::from_js(function);
    /// ```
    pub fn from_js(function: JsFunction) -> Self {
        HeaderCallback(HeaderSource::Js(function))
    }
}

impl core::fmt::Debug for HeaderCallback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HeaderCallback(..)")
    }
}

/// Everything a [`Client`](crate::Client) can be told. Build with [`ClientOptions::new`] and the
/// chained setters; every field documents its default.
///
/// ```
/// use tidings_web::{Body, ClientOptions, Transport};
/// let options = ClientOptions::new("/api/chat")
///     .method("POST")
///     .body(Body::Json(r#"{"prompt":"hi"}"#.into()))
///     .header("Authorization", "Bearer t0k3n")
///     .one_shot(true)
///     .done_sentinel("[DONE]");
/// assert_eq!(options.transport, Transport::Fetch);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The stream's URL (absolute, or relative to the page).
    pub url: String,
    /// Default [`Transport::Fetch`].
    pub transport: Transport,
    /// HTTP method (fetch only). Default `GET`.
    pub method: String,
    /// Request body (fetch only). Default none.
    pub body: Option<Body>,
    /// Static request headers (fetch only). Default none. `Accept: text/event-stream` and
    /// `Cache-Control: no-cache` are always sent, `Last-Event-ID` on reconnect.
    pub headers: Vec<(String, String)>,
    /// Called before every attempt; its headers are added after [`ClientOptions::headers`].
    pub header_callback: Option<HeaderCallback>,
    /// Fetch credentials mode. Default [`Credentials::SameOrigin`].
    pub credentials: Credentials,
    /// An external signal: when it aborts, the client closes with an `aborted` error.
    pub signal: Option<AbortSignal>,
    /// `withCredentials` of the EventSource transport. Default `false`.
    pub with_credentials: bool,
    /// Named event types the EventSource transport listens for (it cannot see types it was not
    /// told about). `message` is always included. Default none.
    pub event_types: Vec<String>,
    /// When tidings creates a new EventSource, the last event ID goes in this query parameter
    /// (the native API cannot send headers). Default `lastEventId`; `None` disables it.
    pub last_event_id_param: Option<String>,
    /// The last event ID to resume from on the first connection. Default none.
    pub initial_last_event_id: Option<String>,
    /// Backoff, attempts, idle timeout, one-shot: see [`tidings_core::policy::Config`].
    pub policy: PolicyConfig,
    /// Data that ends the stream cleanly when an event carries exactly it (e.g. `[DONE]`); the
    /// sentinel event itself is not delivered. A one-shot stream whose body ends before it
    /// reports an [`ErrorKind::Incomplete`](crate::ErrorKind::Incomplete) error (see
    /// [`ClientOptions::resume`]). Default none.
    pub done_sentinel: Option<String>,
    /// Close the connection while the page is hidden and resume (with Last-Event-ID) when it is
    /// visible again. Never applies to one-shot streams. Default `false`.
    pub pause_while_hidden: bool,
    /// Reconnect at once when the browser comes back online (and hold retries while offline).
    /// Default `true`.
    pub reconnect_on_online: bool,
    /// Parser limits (line length and event size). Default 16 MiB each.
    pub limits: Limits,
    /// Seed for the backoff jitter. Default: drawn from `Math.random()` per client.
    pub jitter_seed: Option<u64>,
    /// Keep the last event ID in `sessionStorage` under this key (and the URL), so a page
    /// reload resumes from it; see [`ClientOptions::persist_last_event_id`]. Default none:
    /// nothing is stored.
    pub persist_key: Option<String>,
    /// The function the fetch transport calls instead of the global `fetch`, with one
    /// `Request`; it returns a `Response` or a promise of one (a mock, an instrumented fetch,
    /// a runtime's own, e.g. a Cloudflare service binding's). Default: the global `fetch`.
    pub fetch_function: Option<JsFunction>,
    /// Share one connection among every tab of the origin that uses the same key (see
    /// [`Share`](crate::Share)). Default none: every client has its own connection.
    pub share: Option<crate::Share>,
}

impl ClientOptions {
    /// Options with every default, for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ClientOptions {
            url: url.into(),
            transport: Transport::Fetch,
            method: "GET".to_owned(),
            body: None,
            headers: Vec::new(),
            header_callback: None,
            credentials: Credentials::SameOrigin,
            signal: None,
            with_credentials: false,
            event_types: Vec::new(),
            last_event_id_param: Some("lastEventId".to_owned()),
            initial_last_event_id: None,
            policy: PolicyConfig::default(),
            done_sentinel: None,
            pause_while_hidden: false,
            reconnect_on_online: true,
            limits: Limits::default(),
            jitter_seed: None,
            persist_key: None,
            fetch_function: None,
            share: None,
        }
    }
    /// Sets [`ClientOptions::transport`].
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }
    /// Sets [`ClientOptions::method`].
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }
    /// Sets [`ClientOptions::body`].
    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }
    /// Adds one static header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Sets [`ClientOptions::header_callback`].
    pub fn header_callback(mut self, callback: HeaderCallback) -> Self {
        self.header_callback = Some(callback);
        self
    }
    /// Sets [`ClientOptions::credentials`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
    /// Sets [`ClientOptions::signal`].
    pub fn signal(mut self, signal: AbortSignal) -> Self {
        self.signal = Some(signal);
        self
    }
    /// Sets [`ClientOptions::with_credentials`].
    pub fn with_credentials(mut self, with: bool) -> Self {
        self.with_credentials = with;
        self
    }
    /// Adds a named event type for the EventSource transport.
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_types.push(event_type.into());
        self
    }
    /// Sets [`ClientOptions::last_event_id_param`].
    pub fn last_event_id_param(mut self, name: Option<String>) -> Self {
        self.last_event_id_param = name;
        self
    }
    /// Sets [`ClientOptions::initial_last_event_id`].
    pub fn initial_last_event_id(mut self, id: impl Into<String>) -> Self {
        self.initial_last_event_id = Some(id.into());
        self
    }
    /// Sets [`ClientOptions::policy`].
    pub fn policy(mut self, policy: PolicyConfig) -> Self {
        self.policy = policy;
        self
    }
    /// Fixes the stall limit: `Some(ms)` drops and reconnects (with `Last-Event-ID`) a
    /// connection silent for `ms` (comments count as signs of life); `None` turns stall
    /// detection off. Without this call detection is adaptive: the limit is learned from the
    /// stream's cadence ([`AdaptiveStall`](tidings_core::policy::AdaptiveStall): 3x the longest
    /// gap, between 30 s and 120 s). The EventSource transport, which cannot see comments, has
    /// no adaptive detection: only a limit set here applies to it.
    ///
    /// ```
    /// use tidings_core::policy::StallDetection;
    /// use tidings_web::ClientOptions;
    /// let fixed = ClientOptions::new("/sse").idle_timeout_ms(Some(45_000));
    /// assert_eq!(fixed.policy.stall, StallDetection::Fixed { limit_ms: 45_000 });
    /// let off = ClientOptions::new("/sse").idle_timeout_ms(None);
    /// assert_eq!(off.policy.stall, StallDetection::Off);
    /// ```
    pub fn idle_timeout_ms(mut self, ms: Option<u64>) -> Self {
        self.policy = self.policy.with_idle_timeout_ms(ms);
        self
    }
    /// Sets how stalls are detected (off, fixed, or adaptive with its own tuning).
    ///
    /// ```
    /// use tidings_core::policy::{AdaptiveStall, StallDetection};
    /// use tidings_web::ClientOptions;
    /// let eager = StallDetection::Adaptive(AdaptiveStall::default().with_floor_ms(10_000));
    /// let options = ClientOptions::new("/sse/ticks").stall_detection(eager);
    /// assert_eq!(options.policy.stall, eager);
    /// ```
    pub fn stall_detection(mut self, stall: tidings_core::policy::StallDetection) -> Self {
        self.policy = self.policy.with_stall(stall);
        self
    }
    /// One-shot mode: done when the body ends, no reconnect after the stream opened.
    pub fn one_shot(mut self, one_shot: bool) -> Self {
        self.policy = self.policy.with_one_shot(one_shot);
        self
    }
    /// Resumes a one-shot stream up to `times` times when it is cut (a network drop, or a body
    /// that ends before the [`done_sentinel`](Self::done_sentinel)): it reconnects with backoff
    /// and `Last-Event-ID`, so a server with resumable replies continues where it stopped; a
    /// `204` on the resume means "nothing to resume" and ends the stream cleanly. `0` (the
    /// default) never resumes: the cut is a final error (`incomplete` or `gave-up`).
    ///
    /// ```
    /// use tidings_web::ClientOptions;
    /// let options = ClientOptions::new("/api/chat").one_shot(true).done_sentinel("[DONE]").resume(2);
    /// assert_eq!(options.policy.one_shot_resumes, 2);
    /// ```
    pub fn resume(mut self, times: u32) -> Self {
        self.policy = self.policy.with_one_shot_resumes(times);
        self
    }
    /// Sets [`ClientOptions::done_sentinel`].
    pub fn done_sentinel(mut self, sentinel: impl Into<String>) -> Self {
        self.done_sentinel = Some(sentinel.into());
        self
    }
    /// Sets [`ClientOptions::pause_while_hidden`].
    pub fn pause_while_hidden(mut self, pause: bool) -> Self {
        self.pause_while_hidden = pause;
        self
    }
    /// Sets [`ClientOptions::reconnect_on_online`].
    pub fn reconnect_on_online(mut self, reconnect: bool) -> Self {
        self.reconnect_on_online = reconnect;
        self
    }
    /// Sets [`ClientOptions::limits`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// Keeps the last event ID in
    /// [`sessionStorage`](https://developer.mozilla.org/docs/Web/API/Window/sessionStorage)
    /// under the URL and `key` (use `""` when one stream per URL is enough): the first
    /// connection after a reload resumes from it (an explicit
    /// [`initial_last_event_id`](Self::initial_last_event_id) wins). Clear it with
    /// [`clear_persisted_last_event_id`](crate::clear_persisted_last_event_id). Without
    /// `sessionStorage` (server-side rendering, workers, a storage that throws) nothing is
    /// stored and nothing fails.
    ///
    /// ```
    /// let options = tidings_web::ClientOptions::new("/sse/feed").persist_last_event_id("inbox");
    /// assert_eq!(options.persist_key.as_deref(), Some("inbox"));
    /// ```
    pub fn persist_last_event_id(mut self, key: impl Into<String>) -> Self {
        self.persist_key = Some(key.into());
        self
    }
    /// Sets [`ClientOptions::fetch_function`].
    ///
    /// ```no_run
    /// use tidings_web::ClientOptions;
    /// let traced_fetch = js_sys::Function::new_with_args("request", "return fetch(request)");
    /// let options = ClientOptions::new("/sse/ticks").fetch_function(traced_fetch);
    /// ```
    pub fn fetch_function(mut self, fetch: JsFunction) -> Self {
        self.fetch_function = Some(fetch);
        self
    }
    /// Sets [`ClientOptions::share`]: one connection for every tab with the same key.
    ///
    /// ```
    /// use tidings_web::{ClientOptions, Share};
    /// let options = ClientOptions::new("/sse/ticks").share(Share::Auto);
    /// assert_eq!(options.share, Some(Share::Auto));
    /// ```
    pub fn share(mut self, share: crate::Share) -> Self {
        self.share = Some(share);
        self
    }
    /// Sets [`ClientOptions::jitter_seed`] (for reproducible schedules in tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }
}
