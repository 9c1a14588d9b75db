//! `use_sse`: one Server-Sent Events stream as Leptos signals.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use tidings_core::Limits;
use tidings_core::policy::Config as PolicyConfig;
use tidings_web::{
    Body, Client, ClientEvent, ClientOptions, Credentials, HeaderCallback, Listen, OpenInfo,
    Status, Transport,
};

use crate::message::{DecodeError, SseError, SseMessage};

/// Whether this build talks to a browser. Under the `ssr` feature, and on any target but
/// wasm32, the hooks create no browser object at all (a native `js_sys` call would panic).
pub(crate) const IN_BROWSER: bool = cfg!(all(target_arch = "wasm32", not(feature = "ssr")));

type Decoder<T> = Rc<dyn Fn(&str) -> Result<T, String>>;
type Handler<A> = Option<Rc<dyn Fn(&A)>>;

/// Connects to a Server-Sent Events stream and exposes it as signals; the data stays a raw
/// `String`. Same as [`use_sse_with_options`] with [`UseSseOptions::new`].
///
/// `url` may be a plain string or any signal: when it changes, the hook drops the old
/// connection and connects to the new URL (see [`use_sse_with_options`]).
///
/// **SSR**: with the `ssr` feature (and on any non-wasm target) no browser object is created;
/// every signal keeps its initial value (`status` = [`Status::Closed`], no message) and
/// `open`/`close`/`reconnect` do nothing.
///
/// ```no_run
/// use leptos::prelude::*;
/// use tidings_leptos::use_sse;
///
/// #[component]
/// fn Ticker() -> impl IntoView {
///     let sse = use_sse("/sse/ticks");
///     view! {
///         <p>{move || sse.status.get().as_str()}</p>
///         <p>{move || sse.message.get().map(|m| m.data)}</p>
///     }
/// }
/// ```
pub fn use_sse(url: impl Into<Signal<String>>) -> UseSseReturn<String> {
    use_sse_with_options(url, UseSseOptions::new())
}

/// Connects to a Server-Sent Events stream with options and exposes it as signals.
///
/// - The connection starts on the first reactive tick after the call (after the component
///   mounted or hydrated), unless [`UseSseOptions::immediate`] is `false`; then
///   [`UseSseReturn::open`] starts it.
/// - When `url` changes, the old connection is dropped, `message`/`messages` are cleared and
///   the new URL is connected (starting from [`UseSseOptions::initial_last_event_id`]) — unless
///   the stream is closed (never opened, or [`UseSseReturn::close`]d): then the next `open`
///   uses the new URL.
/// - Every event reaches [`UseSseOptions::on_message`], even when several arrive between two
///   renders; the `message` signal holds the latest, `messages` the last
///   [`history`](UseSseOptions::history) ones.
/// - When the reactive owner is cleaned up (the component unmounts), the connection is
///   closed and every browser handle released; nothing outlives the owner. Call it inside a
///   component (or another [`Owner`]): without an owner nothing would ever close it.
///
/// **SSR**: with the `ssr` feature (and on any non-wasm target) no browser object is
/// created, no effect is registered, every signal keeps its initial value (`status` =
/// [`Status::Closed`]) and `open`/`close`/`reconnect` do nothing. In the browser `status` also
/// starts `Closed` and turns `Connecting` on the first tick, so hydration sees the same
/// markup the server rendered.
///
/// ```no_run
/// use leptos::prelude::*;
/// use serde::Deserialize;
/// use tidings_leptos::{UseSseOptions, use_sse_with_options};
///
/// #[derive(Clone, Deserialize)]
/// struct Tick {
///     n: u64,
/// }
///
/// #[component]
/// fn Ticks() -> impl IntoView {
///     let sse = use_sse_with_options(
///         "/sse/ticks",
///         UseSseOptions::<Tick>::json()
///             .history(10)
///             .on_error(|e| leptos::logging::warn!("{e}")),
///     );
///     view! {
///         <ul>
///             {move || sse.messages.get().into_iter().map(|m| view! { <li>{m.data.n}</li> }).collect_view()}
///         </ul>
///         <button on:click=move |_| sse.reconnect()>"reconnect"</button>
///     }
/// }
/// ```
pub fn use_sse_with_options<T>(
    url: impl Into<Signal<String>>,
    options: UseSseOptions<T>,
) -> UseSseReturn<T>
where
    T: Clone + Send + Sync + 'static,
{
    let url: Signal<String> = url.into();
    let signals = Signals::<T>::new();
    let ret = UseSseReturn {
        message: signals.message.read_only().into(),
        messages: signals.messages.read_only().into(),
        status: signals.status.read_only().into(),
        error: signals.error.read_only().into(),
        last_event_id: signals.last_event_id.read_only().into(),
        attempt: signals.attempt.read_only().into(),
        controller: StoredValue::new_local(None),
    };
    let resume_from = options.client.initial_last_event_id.clone();
    signals.last_event_id.set(resume_from.unwrap_or_default());
    if !IN_BROWSER {
        return ret;
    }

    let UseSseOptions {
        client,
        immediate,
        history,
        decode,
        on_open,
        on_message,
        on_error,
    } = options;
    let attach: Rc<dyn Fn(&Client)> = Rc::new(move |client: &Client| {
        attach_listeners(
            client,
            signals,
            history,
            decode.clone(),
            on_open.clone(),
            on_message.clone(),
            on_error.clone(),
        )
    });
    let reset: Rc<dyn Fn()> = Rc::new(move || signals.reset_stream());
    let controller = Rc::new(Controller {
        url,
        options: client,
        client: RefCell::new(None),
        wanted: Cell::new(false),
        status: signals.status,
        attempt: signals.attempt,
        error: signals.error,
        last_event_id: signals.last_event_id,
        attach,
        reset,
    });
    ret.controller.set_value(Some(controller.clone()));

    // The URL is the only tracked input: the first run connects (when immediate), later runs
    // switch to the new URL.
    Effect::new(move |previous: Option<String>| {
        let url = url.get();
        match previous {
            None if immediate => controller.open(),
            Some(previous) if previous != url => controller.switch_url(),
            _ => {}
        }
        url
    });

    let handle = ret.controller;
    on_cleanup(move || {
        if let Some(Some(controller)) = handle.try_get_value() {
            controller.dispose();
        }
    });
    ret
}

/// Options of [`use_sse_with_options`]: every option of the tidings client plus the hook's
/// own. Start from [`UseSseOptions::new`] (raw `String` data), [`UseSseOptions::json`] (any
/// [`DeserializeOwned`] type) or [`UseSseOptions::decode_with`], then chain setters; each
/// setter documents its default.
///
/// ```
/// use tidings_leptos::UseSseOptions;
/// use tidings_web::{Body, Transport};
///
/// let options = UseSseOptions::new()
///     .method("POST")
///     .body(Body::Json(r#"{"prompt":"hi"}"#.into()))
///     .one_shot(true)
///     .done_sentinel("[DONE]")
///     .history(0);
/// assert_eq!(options.client_options().transport, Transport::Fetch);
/// assert!(options.is_immediate());
/// ```
pub struct UseSseOptions<T> {
    client: ClientOptions,
    immediate: bool,
    history: usize,
    decode: Decoder<T>,
    on_open: Handler<OpenInfo>,
    on_message: Handler<SseMessage<T>>,
    on_error: Handler<SseError>,
}

impl UseSseOptions<String> {
    /// Every default, with the data as a raw `String`.
    pub fn new() -> Self {
        Self::decode_with(|data| Ok(data.to_owned()))
    }
}

impl Default for UseSseOptions<String> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned> UseSseOptions<T> {
    /// Every default, with each event's data parsed as JSON into `T`. Data that does not parse
    /// is reported as [`SseError::Decode`] (the connection goes on).
    ///
    /// ```
    /// #[derive(serde::Deserialize, Clone)]
    /// struct Token {
    ///     token: String,
    /// }
    /// let options = tidings_leptos::UseSseOptions::<Token>::json();
    /// ```
    pub fn json() -> Self {
        Self::decode_with(|data| serde_json::from_str(data).map_err(|e| e.to_string()))
    }
}

impl<T> UseSseOptions<T> {
    /// Every default, with each event's data decoded by `decode`; an `Err` is reported as
    /// [`SseError::Decode`] with its message.
    ///
    /// ```
    /// use tidings_leptos::UseSseOptions;
    /// let numbers = UseSseOptions::decode_with(|data| data.parse::<u64>().map_err(|e| e.to_string()));
    /// ```
    pub fn decode_with(decode: impl Fn(&str) -> Result<T, String> + 'static) -> Self {
        UseSseOptions {
            client: ClientOptions::new(""),
            immediate: true,
            history: 100,
            decode: Rc::new(decode),
            on_open: None,
            on_message: None,
            on_error: None,
        }
    }

    /// The client options the hook will connect with (their `url` is replaced by the hook's).
    pub fn client_options(&self) -> &ClientOptions {
        &self.client
    }

    /// Whether the hook connects by itself (see [`UseSseOptions::immediate`]).
    pub fn is_immediate(&self) -> bool {
        self.immediate
    }

    /// Changes the client options directly, for anything the setters below do not cover.
    ///
    /// ```
    /// use tidings_leptos::UseSseOptions;
    /// let options = UseSseOptions::new().client(|o| o.header("X-Trace", "1"));
    /// assert_eq!(options.client_options().headers.len(), 1);
    /// ```
    pub fn client(mut self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
        self.client = change(self.client);
        self
    }

    /// Connect on the first tick (`true`, the default) or only when
    /// [`UseSseReturn::open`] is called (`false`).
    pub fn immediate(mut self, immediate: bool) -> Self {
        self.immediate = immediate;
        self
    }

    /// How many of the latest messages the `messages` signal keeps. Default 100; 0 keeps none.
    pub fn history(mut self, history: usize) -> Self {
        self.history = history;
        self
    }

    /// Called for every connection that opens (the first and each reconnect). Default none.
    pub fn on_open(mut self, callback: impl Fn(&OpenInfo) + 'static) -> Self {
        self.on_open = Some(Rc::new(callback));
        self
    }

    /// Called for every decoded event, in order, even when several arrive between renders.
    /// Default none.
    pub fn on_message(mut self, callback: impl Fn(&SseMessage<T>) + 'static) -> Self {
        self.on_message = Some(Rc::new(callback));
        self
    }

    /// Called for every error: connection errors (with whether the client retries) and data
    /// the decoder refused. Default none.
    pub fn on_error(mut self, callback: impl Fn(&SseError) + 'static) -> Self {
        self.on_error = Some(Rc::new(callback));
        self
    }

    /// Which browser API carries the stream. Default [`Transport::Fetch`] (any method, body
    /// and headers; HTTP statuses in errors); [`Transport::EventSource`] uses the native API.
    pub fn transport(self, transport: Transport) -> Self {
        self.client(|o| o.transport(transport))
    }

    /// HTTP method (fetch only). Default `GET`.
    pub fn method(self, method: impl Into<String>) -> Self {
        self.client(|o| o.method(method))
    }

    /// Request body (fetch only). Default none.
    pub fn body(self, body: Body) -> Self {
        self.client(|o| o.body(body))
    }

    /// Adds a static request header (fetch only). Default none; `Accept: text/event-stream`
    /// is always sent, and `Last-Event-ID` on reconnect.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.client(|o| o.header(name, value))
    }

    /// Produces headers before every connection attempt, e.g. a refreshed token (fetch only).
    /// Default none.
    ///
    /// ```
    /// use tidings_leptos::UseSseOptions;
    /// use tidings_web::HeaderCallback;
    /// let options = UseSseOptions::new().header_callback(HeaderCallback::new(|| async {
    ///     Ok(vec![("Authorization".to_owned(), "Bearer t0k3n".to_owned())])
    /// }));
    /// ```
    pub fn header_callback(self, callback: HeaderCallback) -> Self {
        self.client(|o| o.header_callback(callback))
    }

    /// Fetch credentials mode. Default [`Credentials::SameOrigin`].
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.client(|o| o.credentials(credentials))
    }

    /// An [`AbortSignal`](https://developer.mozilla.org/docs/Web/API/AbortSignal) that closes
    /// the stream with an `aborted` error. Default none.
    pub fn signal(self, signal: web_sys::AbortSignal) -> Self {
        self.client(|o| o.signal(signal))
    }

    /// `withCredentials` of the EventSource transport. Default `false`.
    pub fn with_credentials(self, with: bool) -> Self {
        self.client(|o| o.with_credentials(with))
    }

    /// Adds a named event type the EventSource transport listens for (the fetch transport
    /// sees every type anyway). Default none; `message` is always included.
    pub fn event_type(self, event_type: impl Into<String>) -> Self {
        self.client(|o| o.event_type(event_type))
    }

    /// The query parameter carrying the last event ID when a new EventSource must be
    /// created. Default `Some("lastEventId")`.
    pub fn last_event_id_param(self, name: Option<String>) -> Self {
        self.client(|o| o.last_event_id_param(name))
    }

    /// The last event ID the first connection resumes from. Default none.
    pub fn initial_last_event_id(self, id: impl Into<String>) -> Self {
        self.client(|o| o.initial_last_event_id(id))
    }

    /// The reconnect policy (backoff, jitter, attempts, idle timeout, one-shot). Default
    /// [`PolicyConfig::default`]. Set it before [`idle_timeout_ms`](Self::idle_timeout_ms) and
    /// [`one_shot`](Self::one_shot), which change the policy.
    pub fn policy(self, policy: PolicyConfig) -> Self {
        self.client(|o| o.policy(policy))
    }

    /// Drop and retry a connection that stays silent this long; `None` turns stall detection
    /// off. Default: adaptive (see [`tidings_web::ClientOptions::idle_timeout_ms`]).
    pub fn idle_timeout_ms(self, ms: Option<u64>) -> Self {
        self.client(|o| o.idle_timeout_ms(ms))
    }

    /// One-shot mode (e.g. an LLM answer): done when the body ends, no reconnect once the
    /// stream opened. Default `false`.
    pub fn one_shot(self, one_shot: bool) -> Self {
        self.client(|o| o.one_shot(one_shot))
    }

    /// Data that ends the stream cleanly (e.g. `[DONE]`); that event is not delivered. A
    /// one-shot body that ends before it sets `error` to an `incomplete` client error
    /// ([`tidings_web::ErrorKind::Incomplete`]). Default none.
    pub fn done_sentinel(self, sentinel: impl Into<String>) -> Self {
        self.client(|o| o.done_sentinel(sentinel))
    }

    /// Resume a cut one-shot stream up to `times` times with `Last-Event-ID` (see
    /// [`tidings_web::ClientOptions::resume`]). Default `0`.
    ///
    /// ```
    /// let options = tidings_leptos::UseSseOptions::new().one_shot(true).done_sentinel("[DONE]").resume(1);
    /// ```
    pub fn resume(self, times: u32) -> Self {
        self.client(|o| o.resume(times))
    }

    /// Close while the page is hidden, resume with Last-Event-ID when visible. Default `false`.
    pub fn pause_while_hidden(self, pause: bool) -> Self {
        self.client(|o| o.pause_while_hidden(pause))
    }

    /// Reconnect at once when the browser comes back online. Default `true`.
    pub fn reconnect_on_online(self, reconnect: bool) -> Self {
        self.client(|o| o.reconnect_on_online(reconnect))
    }

    /// Parser limits (line length and event size). Default 16 MiB each.
    pub fn limits(self, limits: Limits) -> Self {
        self.client(|o| o.limits(limits))
    }

    /// Seed for the backoff jitter (reproducible schedules in tests). Default: random.
    pub fn jitter_seed(self, seed: u64) -> Self {
        self.client(|o| o.jitter_seed(seed))
    }

    /// One connection for every tab of the app with the same key: one tab leads and holds it,
    /// the others receive its events (see [`tidings_web::Share`]; [`Share::Key`](tidings_web::Share::Key)
    /// is required with headers or credentials). Default: none.
    ///
    /// ```
    /// use tidings_leptos::UseSseOptions;
    /// use tidings_web::Share;
    /// let options = UseSseOptions::new().share(Share::Auto);
    /// assert_eq!(options.client_options().share, Some(Share::Auto));
    /// ```
    pub fn share(self, share: tidings_web::Share) -> Self {
        self.client(|o| o.share(share))
    }
}

impl<T> std::fmt::Debug for UseSseOptions<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseSseOptions")
            .field("client", &self.client)
            .field("immediate", &self.immediate)
            .field("history", &self.history)
            .finish_non_exhaustive()
    }
}

/// What [`use_sse_with_options`] returns: signals for the stream's state and methods to
/// control it. It is `Copy`, so move it into as many closures as you like.
///
/// **SSR**: every signal keeps its initial value — `message` `None`, `messages` empty,
/// `status` [`Status::Closed`], `error` `None`, `last_event_id` the initial one (or empty),
/// `attempt` 0 — and the methods do nothing.
pub struct UseSseReturn<T: Send + Sync + 'static> {
    /// The latest decoded message. `None` until the first; cleared when the URL changes.
    pub message: Signal<Option<SseMessage<T>>>,
    /// The last [`history`](UseSseOptions::history) messages, oldest first; cleared when the
    /// URL changes.
    pub messages: Signal<Vec<SseMessage<T>>>,
    /// The connection status. Starts [`Status::Closed`]; `Connecting` once connecting.
    pub status: Signal<Status>,
    /// The latest error (connection or decode). Cleared when a connection opens.
    pub error: Signal<Option<SseError>>,
    /// The last event ID: what the next connection resumes from.
    pub last_event_id: Signal<String>,
    /// The attempt number: 0 for the first connection, then the number of the retry being
    /// waited for or made in the current outage (the opened connection keeps its number).
    pub attempt: Signal<u32>,
    controller: StoredValue<Option<Rc<Controller>>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for UseSseReturn<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for UseSseReturn<T> {}

impl<T: Send + Sync + 'static> std::fmt::Debug for UseSseReturn<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseSseReturn").finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> UseSseReturn<T> {
    fn controller(&self) -> Option<Rc<Controller>> {
        self.controller.try_get_value().flatten()
    }

    /// Connects if not connected: the first connection when `immediate` was `false`, or again
    /// after [`close`](Self::close) — resuming from the last event ID. Harmless while connected.
    /// Does nothing under SSR or after the owner was cleaned up.
    pub fn open(&self) {
        if let Some(controller) = self.controller() {
            controller.open();
        }
    }

    /// Closes the stream until [`open`](Self::open) or [`reconnect`](Self::reconnect); `status`
    /// becomes `Closed`. Does nothing under SSR or after the owner was cleaned up.
    pub fn close(&self) {
        if let Some(controller) = self.controller() {
            controller.close();
        }
    }

    /// Drops the current connection (if any) and connects again now, with a fresh backoff,
    /// resuming from the last event ID. Also reopens a closed stream. Does nothing under SSR or
    /// after the owner was cleaned up.
    pub fn reconnect(&self) {
        if let Some(controller) = self.controller() {
            controller.reconnect();
        }
    }
}

/// The writable side of the returned signals.
struct Signals<T: Send + Sync + 'static> {
    message: RwSignal<Option<SseMessage<T>>>,
    messages: RwSignal<Vec<SseMessage<T>>>,
    status: RwSignal<Status>,
    error: RwSignal<Option<SseError>>,
    last_event_id: RwSignal<String>,
    attempt: RwSignal<u32>,
}

impl<T: Send + Sync + 'static> Clone for Signals<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Signals<T> {}

impl<T: Send + Sync + 'static> Signals<T> {
    fn new() -> Self {
        Signals {
            message: RwSignal::new(None),
            messages: RwSignal::new(Vec::new()),
            status: RwSignal::new(Status::Closed),
            error: RwSignal::new(None),
            last_event_id: RwSignal::new(String::new()),
            attempt: RwSignal::new(0),
        }
    }

    /// Forgets the messages of a stream that was replaced by another URL.
    fn reset_stream(&self) {
        self.message.try_set(None);
        self.messages.try_set(Vec::new());
    }
}

/// Sets `signal` only when the value differs, so readers are not woken for nothing. Does
/// nothing once the signal is disposed (a late callback after unmount).
fn set_if_changed<V: PartialEq + Send + Sync + 'static>(signal: RwSignal<V>, value: V) {
    let changed = signal.try_with_untracked(|current| *current != value);
    if changed == Some(true) {
        signal.try_set(value);
    }
}

fn attach_listeners<T: Clone + Send + Sync + 'static>(
    client: &Client,
    signals: Signals<T>,
    history: usize,
    decode: Decoder<T>,
    on_open: Handler<OpenInfo>,
    on_message: Handler<SseMessage<T>>,
    on_error: Handler<SseError>,
) {
    let report = {
        let on_error = on_error.clone();
        move |error: SseError| {
            signals.error.try_set(Some(error.clone()));
            if let Some(on_error) = &on_error {
                on_error(&error);
            }
        }
    };
    let report_decode = report.clone();
    client.on(Listen::AnyEvent, move |event| {
        let ClientEvent::Message(m) = event else {
            return;
        };
        set_if_changed(signals.last_event_id, m.last_event_id.clone());
        match decode(&m.data) {
            Ok(data) => {
                let message = SseMessage {
                    event_type: m.event_type.clone(),
                    data,
                    last_event_id: m.last_event_id.clone(),
                };
                if history > 0 {
                    signals.messages.try_update(|messages| {
                        if messages.len() >= history {
                            messages.drain(..=messages.len() - history);
                        }
                        messages.push(message.clone());
                    });
                }
                if let Some(on_message) = &on_message {
                    on_message(&message);
                }
                signals.message.try_set(Some(message));
            }
            Err(reason) => report_decode(SseError::Decode(DecodeError {
                event_type: m.event_type.clone(),
                data: m.data.clone(),
                last_event_id: m.last_event_id.clone(),
                message: reason,
            })),
        }
    });
    client.on(Listen::Open, move |event| {
        if let ClientEvent::Open(info) = event {
            set_if_changed(signals.attempt, info.attempt);
            set_if_changed(signals.error, None);
            if let Some(on_open) = &on_open {
                on_open(info);
            }
        }
    });
    client.on(Listen::Error, move |event| {
        if let ClientEvent::Error(error) = event {
            if error.will_retry {
                set_if_changed(signals.attempt, error.attempt);
            }
            report(SseError::Client((*error).clone()));
        }
    });
    client.on(Listen::Status, move |event| {
        if let ClientEvent::Status(status) = event {
            set_if_changed(signals.status, *status);
        }
    });
}

/// The browser side of one hook: the client and what is needed to make a new one. Not
/// generic, so the `Copy` return value can reach it through a [`StoredValue`].
struct Controller {
    url: Signal<String>,
    /// The options of every client this hook creates (the URL is filled in per client).
    options: ClientOptions,
    /// The live client. `None` before the first connection, after a URL change while closed
    /// (so the next `open` uses the new URL), and after dispose.
    client: RefCell<Option<Client>>,
    /// Whether the caller wants a connection: set by immediate/open/reconnect, cleared by
    /// close. A URL change connects only while it is set, so a closed stream stays closed.
    wanted: Cell<bool>,
    status: RwSignal<Status>,
    attempt: RwSignal<u32>,
    error: RwSignal<Option<SseError>>,
    last_event_id: RwSignal<String>,
    /// Registers the typed listeners on a new client.
    attach: Rc<dyn Fn(&Client)>,
    /// Clears `message`/`messages` (a different URL is a different stream).
    reset: Rc<dyn Fn()>,
}

impl Controller {
    /// The current client, cloned out so no borrow is held while it calls listeners (which
    /// may call back into this controller).
    fn client(&self) -> Option<Client> {
        self.client.borrow().clone()
    }

    fn connect(&self) {
        let mut options = self.options.clone();
        options.url = self.url.get_untracked();
        let resume_from = options.initial_last_event_id.clone().unwrap_or_default();
        let client = Client::connect(options);
        (self.attach)(&client);
        set_if_changed(self.status, Status::Connecting);
        set_if_changed(self.attempt, 0);
        set_if_changed(self.error, None);
        set_if_changed(self.last_event_id, resume_from);
        // The old client (if any) is dropped silently: dropping the last handle closes it
        // without notifying the listeners, so it cannot overwrite the new client's status.
        let old = self.client.replace(Some(client));
        drop(old);
    }

    fn sync_status(&self, client: &Client) {
        set_if_changed(self.status, client.status());
    }

    fn open(&self) {
        self.wanted.set(true);
        match self.client() {
            None => self.connect(),
            Some(client) if client.status() == Status::Closed => {
                client.reconnect();
                self.sync_status(&client);
            }
            Some(_) => {}
        }
    }

    fn close(&self) {
        self.wanted.set(false);
        if let Some(client) = self.client() {
            client.close();
            self.sync_status(&client);
        }
    }

    fn reconnect(&self) {
        self.wanted.set(true);
        match self.client() {
            None => self.connect(),
            Some(client) => {
                client.reconnect();
                self.sync_status(&client);
            }
        }
    }

    fn switch_url(&self) {
        (self.reset)();
        if self.wanted.get() {
            self.connect();
        } else {
            let old = self.client.take();
            drop(old);
        }
    }

    /// The owner is going away: release the client and everything it holds.
    fn dispose(&self) {
        self.wanted.set(false);
        let old = self.client.take();
        drop(old);
    }
}
