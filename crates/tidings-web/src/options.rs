//! Client options: what to connect to, how, and how to behave when things go wrong.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

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

/// The future a [`HeaderCallback`] returns: header pairs, or a message saying why not.
pub type HeadersFuture = Pin<Box<dyn Future<Output = Result<Vec<(String, String)>, String>>>>;

/// Produces headers before every connection attempt, e.g. a freshly refreshed bearer token.
#[derive(Clone)]
pub struct HeaderCallback(pub(crate) Rc<dyn Fn() -> HeadersFuture>);

impl HeaderCallback {
    /// Wraps an async function that returns header pairs.
    ///
    /// ```
    /// use tidings_web::HeaderCallback;
    /// let headers = HeaderCallback::new(|| async {
    ///     Ok(vec![("Authorization".to_owned(), "Bearer t0k3n".to_owned())])
    /// });
    /// ```
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<Vec<(String, String)>, String>> + 'static,
    {
        HeaderCallback(Rc::new(move || Box::pin(f()) as HeadersFuture))
    }
}

impl std::fmt::Debug for HeaderCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    pub signal: Option<web_sys::AbortSignal>,
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
    /// sentinel event itself is not delivered. Default none.
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
    pub fn signal(mut self, signal: web_sys::AbortSignal) -> Self {
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
    /// Sets the policy's idle timeout (no bytes for this long: drop and reconnect).
    pub fn idle_timeout_ms(mut self, ms: Option<u64>) -> Self {
        self.policy = self.policy.with_idle_timeout_ms(ms);
        self
    }
    /// One-shot mode: done when the body ends, no reconnect after the stream opened.
    pub fn one_shot(mut self, one_shot: bool) -> Self {
        self.policy = self.policy.with_one_shot(one_shot);
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
