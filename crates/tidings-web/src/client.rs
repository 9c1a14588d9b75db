//! The client: one logical stream over many connections, driven by the core reconnect policy.
//!
//! Structure: a [`Client`] is a handle to `Shared` state. Transports (fetch, EventSource),
//! timers and DOM listeners hold only a `Weak` reference to it, so dropping the last `Client`
//! frees everything. Every input goes the same way: update the policy, then [`pump`] asks the
//! policy what to do (connect, abort, give up), arms the one timer for the next deadline, and
//! notifies listeners — always *after* releasing the state borrow, so a listener may call any
//! client method (even `close`) without a re-entrancy panic.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::Cell;

use crate::cell::RefCell;

use crate::error::{ClientError, ErrorKind};
use crate::eventsource::EventSourceConnection;
use crate::fetch::{FetchConnection, FetchRequest};
use crate::host::{Resource, report, with_host};
pub(crate) use crate::host::{in_microtask, now_ms};
use crate::messages::MessageBatch;
use crate::options::{ClientOptions, Transport};
use crate::transport::{ResponseHead, Sink, TransportUpdate};
#[cfg(feature = "std")]
use futures_channel::mpsc;
use tidings_core::Frame;
use tidings_core::policy::{
    Action, GiveUpReason, Outcome, Policy, StallDetection, Status as PolicyStatus,
    parse_retry_after,
};

/// The client's connection status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The first connection is being made.
    Connecting,
    /// Events are flowing.
    Open,
    /// The connection was lost; waiting for (or making) the next attempt.
    Reconnecting,
    /// Closed by the caller, by the server (204, 4xx, wrong type), a done-sentinel, or after
    /// giving up. Nothing more happens until [`Client::reconnect`].
    Closed,
}

impl Status {
    /// The status as a lowercase string, as the npm package reports it.
    ///
    /// ```
    /// assert_eq!(tidings_web::Status::Reconnecting.as_str(), "reconnecting");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Open => "open",
            Status::Reconnecting => "reconnecting",
            Status::Closed => "closed",
        }
    }
}

/// A received event, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEvent {
    /// The event type (`message` unless the server sent `event:`).
    pub event_type: String,
    /// The data.
    pub data: String,
    /// The last event ID in force for this event.
    pub last_event_id: String,
}

impl From<tidings_core::Event<'_>> for MessageEvent {
    /// Copies a borrowed event (from the parser or a [`MessageBatch`]).
    ///
    /// ```
    /// use tidings_web::MessageEvent;
    ///
    /// let event = tidings_core::Event { event_type: "tick", data: "1", last_event_id: "a" };
    /// let owned = MessageEvent::from(event);
    /// assert_eq!((owned.event_type.as_str(), owned.data.as_str()), ("tick", "1"));
    /// ```
    fn from(event: tidings_core::Event<'_>) -> MessageEvent {
        MessageEvent {
            event_type: event.event_type.to_owned(),
            data: event.data.to_owned(),
            last_event_id: event.last_event_id.to_owned(),
        }
    }
}

/// What the `open` notification carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInfo {
    /// The HTTP status (`None` for EventSource, which cannot see it).
    pub status: Option<u16>,
    /// Response headers (empty for EventSource, and only CORS-exposed ones cross-origin).
    pub headers: Vec<(String, String)>,
    /// The attempt number of this connection (0 = first).
    pub attempt: u32,
}

/// Something that happened to the client, as delivered to listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent<'a> {
    /// A connection opened.
    Open(&'a OpenInfo),
    /// An event arrived (to [`Listen::Event`] and [`Listen::AnyEvent`] listeners; feature
    /// `per-event-listeners`, on by default).
    #[cfg(feature = "per-event-listeners")]
    Message(&'a MessageEvent),
    /// Consecutive events, delivered at once to [`Listen::Messages`] listeners: every event of
    /// one chunk of the stream, in order. One call per chunk is what keeps bindings that cross
    /// into JS fast on streams of many small events.
    Messages(&'a MessageBatch),
    /// The server's `retry:` changed the reconnection floor (fetch only).
    Retry(u64),
    /// A comment line (fetch only); servers send them as heartbeats.
    Comment(&'a str),
    /// The status changed.
    Status(Status),
    /// Something failed; [`ClientError::will_retry`] says what happens next.
    Error(&'a ClientError),
    /// The client closed for good (until [`Client::reconnect`]).
    Close,
    /// This tab's part in a shared connection changed ([`ClientOptions::share`](crate::ClientOptions::share)).
    Role(crate::Role),
}

/// What a listener listens for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// Events of one type (`"message"` for unnamed ones), one call each (feature
    /// `per-event-listeners`, on by default).
    #[cfg(feature = "per-event-listeners")]
    Event(String),
    /// Events of every type, one call each (feature `per-event-listeners`, on by default).
    #[cfg(feature = "per-event-listeners")]
    AnyEvent,
    /// Events of every type, in batches ([`ClientEvent::Messages`]): one call per chunk.
    Messages,
    /// [`ClientEvent::Open`].
    Open,
    /// [`ClientEvent::Error`].
    Error,
    /// [`ClientEvent::Status`].
    Status,
    /// [`ClientEvent::Retry`].
    Retry,
    /// [`ClientEvent::Comment`].
    Comment,
    /// [`ClientEvent::Close`].
    Close,
    /// [`ClientEvent::Role`].
    Role,
}

/// Identifies a listener, for [`Client::off`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(pub(crate) u32);

impl ListenerId {
    /// The id as a number, for bindings that hand it to another language (the npm package).
    ///
    /// ```
    /// use tidings_web::ListenerId;
    /// assert_eq!(ListenerId::from_u32(7).as_u32(), 7);
    /// ```
    pub fn as_u32(self) -> u32 {
        self.0
    }

    /// The id [`ListenerId::as_u32`] returned. An id that was never issued removes nothing.
    pub fn from_u32(id: u32) -> ListenerId {
        ListenerId(id)
    }
}

/// Counters of a client's life so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Metrics {
    /// Events delivered.
    pub messages: u64,
    /// Bytes received (for EventSource: data characters).
    pub bytes: u64,
    /// Connection attempts after the first.
    pub reconnects: u64,
    /// Milliseconds spent open, including the current connection.
    pub connected_ms: u64,
    /// `Date.now()` of the last event, if any.
    pub last_event_at_ms: Option<u64>,
}

type Callback = Rc<dyn Fn(&ClientEvent<'_>)>;

/// A live connection. Only ever held, never read: dropping it releases the transport.
#[allow(dead_code)]
enum Connection {
    Fetch(FetchConnection),
    EventSource(EventSourceConnection),
}

/// Notifications collected while the state is borrowed, delivered after.
pub(crate) enum Note {
    Open(OpenInfo),
    /// Events of the connection with this generation, in order (see [`push_messages`]). A
    /// listener that closes or reconnects the client ends that connection: its remaining
    /// events are then not delivered.
    Messages(MessageBatch, u64),
    /// The last event ID of the connection with this generation moved without an event (a
    /// block with `id:` and no data). Applied in stream order, after the events before it,
    /// and not at all once a listener replaced that connection.
    LastEventId(String, u64),
    Retry(u64),
    Comment(String),
    Status(Status),
    Error(ClientError),
    Close,
    // Only the sharing driver changes a tab's role.
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    Role(crate::Role),
}

pub(crate) struct State {
    pub(crate) options: ClientOptions,
    pub(crate) policy: Policy,
    /// The live connection, if any. Replaced connections are dropped in a microtask (see
    /// [`defer_drop`]) because we may be inside one of their callbacks.
    connection: Option<Connection>,
    /// Bumped for every new connection: updates from an older one are ignored.
    pub(crate) generation: u64,
    /// The one timer, armed for the policy's next deadline.
    timer: Option<Resource>,
    /// The deadline `timer` is armed for: the adaptive stall limit can shrink as the stream's
    /// cadence is learned, and then the timer must fire sooner than it was armed for.
    timer_deadline: Option<u64>,
    /// online/offline, visibilitychange and abort-signal listeners; present while not closed.
    dom_listeners: Option<Resource>,
    /// The status last reported to listeners.
    pub(crate) status: Status,
    /// EventSource only: the browser is reconnecting by itself (the policy still thinks open).
    browser_retrying: bool,
    /// The page is hidden and `pause_while_hidden` closed the connection.
    paused_hidden: bool,
    /// The attempt number of the connection in flight, for `OpenInfo`.
    attempt: u32,
    /// Connections started so far. `Metrics::reconnects` counts every one after the first:
    /// the policy's attempt number cannot, because `reconnect()` starts a fresh policy whose
    /// attempts count from 0 again.
    connects: u64,
    pub(crate) last_event_id: String,
    pub(crate) metrics: Metrics,
    /// When the current connection opened, for `connected_ms`.
    open_since: Option<u64>,
    /// Sent a `Close` notification already for this closed period.
    pub(crate) close_reported: bool,
    /// Tab sharing: another tab holds the connection (or none yet), so the policy must not
    /// connect; the status shown is `remote_status`, the leader's.
    pub(crate) held: bool,
    /// The leader's status, as broadcast.
    pub(crate) remote_status: Status,
    /// This tab's part in a shared connection (`Solo` without sharing).
    pub(crate) role: crate::Role,
}

struct Listeners {
    next_id: u32,
    entries: Vec<(ListenerId, Listen, Callback)>,
    #[cfg(feature = "std")]
    streams: Vec<mpsc::UnboundedSender<MessageEvent>>,
}

pub(crate) struct Shared {
    pub(crate) state: RefCell<State>,
    listeners: RefCell<Listeners>,
    /// Cleared when the last `Client` handle drops; late callbacks then do nothing.
    alive: Cell<bool>,
    /// Set while a transport reports the frames of one chunk (from `Bytes` to `ChunkEnd`):
    /// their notes wait in `pending` and are delivered together, so batch listeners get one
    /// call per chunk. No listener runs in between, so nothing can observe the delay.
    in_chunk: Cell<bool>,
    /// `Date.now()` when the current chunk arrived: its events all arrived then, and one
    /// clock read per chunk instead of per event matters on streams of many small events.
    chunk_now: Cell<u64>,
    pending: RefCell<Vec<Note>>,
    /// Tab sharing (Web Locks + BroadcastChannel), when on and supported.
    pub(crate) share: RefCell<Option<crate::share::Coordinator>>,
}

/// A Server-Sent Events client: connects, parses, reconnects politely, reports typed errors.
///
/// Created with [`Client::connect`]; listeners registered with [`Client::on`] survive
/// reconnects. Dropping the last handle (clones share one client) closes it and releases every
/// browser handle.
///
/// ```no_run
/// use tidings_web::{Client, ClientEvent, ClientOptions, Listen};
///
/// let client = Client::connect(ClientOptions::new("/sse/ticks"));
/// client.on(Listen::Event("message".into()), |event| {
///     if let ClientEvent::Message(m) = event {
///         web_sys::console::log_1(&m.data.as_str().into());
///     }
/// });
/// client.on(Listen::Error, |event| {
///     if let ClientEvent::Error(e) = event {
///         web_sys::console::warn_1(&e.to_string().into());
///     }
/// });
/// // later
/// client.close();
/// ```
#[must_use = "dropping the last Client handle closes the stream"]
pub struct Client {
    shared: Rc<Shared>,
    /// Handles are counted so only the last one closes on drop.
    handles: Rc<Cell<u32>>,
}

impl Clone for Client {
    fn clone(&self) -> Self {
        self.handles.set(self.handles.get() + 1);
        Client {
            shared: self.shared.clone(),
            handles: self.handles.clone(),
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let left = self.handles.get().saturating_sub(1);
        self.handles.set(left);
        if left == 0 {
            crate::share::detach(&self.shared);
            self.shared.alive.set(false);
            let mut state = self.shared.state.borrow_mut();
            state.policy.handle_close();
            defer_drop(state.connection.take());
            defer_drop(state.timer.take());
            defer_drop(state.dom_listeners.take());
            drop(state);
            let mut listeners = self.shared.listeners.borrow_mut();
            listeners.entries.clear();
            #[cfg(feature = "std")]
            listeners.streams.clear();
        }
    }
}

fn random_seed() -> u64 {
    let hi = (crate::host::random() * 4_294_967_296.0) as u64;
    let lo = (crate::host::random() * 4_294_967_296.0) as u64;
    (hi << 32) | lo
}

/// Drops `value` in a microtask: a connection may be replaced from inside one of its own
/// reports, while its transport (its parser, its buffers) is still in use up the stack.
pub(crate) fn defer_drop<T: 'static>(value: T) {
    in_microtask(Box::new(move || drop(value)));
}

pub(crate) fn new_policy(options: &ClientOptions, last_event_id: &str) -> Policy {
    let seed = options.jitter_seed.unwrap_or_else(random_seed);
    // A sentinel is the done signal: a one-shot body that ends without it was cut short.
    let mut config = options
        .policy
        .with_expects_done(options.policy.expects_done || options.done_sentinel.is_some());
    // EventSource hides comments (keep-alives) from the page, so a cadence learned from its
    // events alone would cut quiet streams that are alive: only a fixed limit applies there.
    if options.transport == Transport::EventSource
        && matches!(config.stall, StallDetection::Adaptive(_))
    {
        config = config.with_stall(StallDetection::Off);
    }
    let mut policy = Policy::new(config, seed);
    if !last_event_id.is_empty() {
        policy.handle_event_id(last_event_id);
    }
    policy
}

impl Client {
    /// Creates the client and starts connecting at once.
    pub fn connect(options: ClientOptions) -> Client {
        let stored = options
            .persist_key
            .as_deref()
            .and_then(|key| crate::persist::load(&options.url, key));
        let last_event_id = options
            .initial_last_event_id
            .clone()
            .or(stored)
            .unwrap_or_default();
        let policy = new_policy(&options, &last_event_id);
        let shared = Rc::new(Shared {
            state: RefCell::new(State {
                options,
                policy,
                connection: None,
                generation: 0,
                timer: None,
                timer_deadline: None,
                dom_listeners: None,
                status: Status::Connecting,
                browser_retrying: false,
                paused_hidden: false,
                attempt: 0,
                connects: 0,
                last_event_id,
                metrics: Metrics::default(),
                open_since: None,
                close_reported: false,
                held: false,
                remote_status: Status::Connecting,
                role: crate::Role::Solo,
            }),
            listeners: RefCell::new(Listeners {
                next_id: 1,
                entries: Vec::new(),
                #[cfg(feature = "std")]
                streams: Vec::new(),
            }),
            alive: Cell::new(true),
            in_chunk: Cell::new(false),
            chunk_now: Cell::new(0),
            pending: RefCell::new(Vec::new()),
            share: RefCell::new(None),
        });
        install_dom_listeners(&shared);
        crate::share::attach(&shared);
        // Connect in a microtask, so listeners added right after `connect` see every event.
        let weak = Rc::downgrade(&shared);
        in_microtask(Box::new(move || {
            if let Some(shared) = weak.upgrade() {
                pump(&shared);
            }
        }));
        Client {
            shared,
            handles: Rc::new(Cell::new(1)),
        }
    }

    /// Adds a listener; it stays registered across reconnects until [`Client::off`].
    pub fn on(&self, listen: Listen, callback: impl Fn(&ClientEvent<'_>) + 'static) -> ListenerId {
        let mut listeners = self.shared.listeners.borrow_mut();
        let id = ListenerId(listeners.next_id);
        listeners.next_id += 1;
        listeners.entries.push((id, listen, Rc::new(callback)));
        id
    }

    /// Removes a listener. Returns whether it was registered.
    pub fn off(&self, id: ListenerId) -> bool {
        let mut listeners = self.shared.listeners.borrow_mut();
        let before = listeners.entries.len();
        listeners.entries.retain(|(entry, _, _)| *entry != id);
        listeners.entries.len() != before
    }

    /// A [`futures_core::Stream`] of every event from now on. It ends when the client closes.
    #[cfg(feature = "std")]
    pub fn events(&self) -> EventStream {
        let (sender, receiver) = mpsc::unbounded();
        if self.status() != Status::Closed {
            self.shared.listeners.borrow_mut().streams.push(sender);
        }
        EventStream { receiver }
    }

    /// Closes the stream: aborts the connection, cancels timers, removes DOM listeners, and
    /// reports `Close`. Harmless when already closed.
    pub fn close(&self) {
        // A shared tab leaves first: a follower stops only its own delivery, a leader hands
        // the connection over (its lock goes to the next tab) instead of telling everyone it
        // closed.
        crate::share::detach(&self.shared);
        self.shared.state.borrow_mut().policy.handle_close();
        pump(&self.shared);
    }

    /// Drops the current connection (if any) and connects again now, with a fresh backoff and
    /// the current last event ID. Also reopens a closed client.
    pub fn reconnect(&self) {
        self.restart(None);
    }

    /// Like [`Client::reconnect`], but resumes from `last_event_id`. For a
    /// [`Listen::Messages`] listener that stops partway through a batch: the client has
    /// already counted the whole batch as delivered, the listener knows where it stopped.
    ///
    /// ```no_run
    /// use tidings_web::{Client, ClientEvent, ClientOptions, Listen};
    ///
    /// let client = Client::connect(ClientOptions::new("/sse/ticks"));
    /// let handle = client.clone();
    /// client.on(Listen::Messages, move |event| {
    ///     if let ClientEvent::Messages(batch) = event {
    ///         for m in *batch {
    ///             if m.data == "reload" {
    ///                 // Events after this one are fetched again from the server.
    ///                 handle.reconnect_from(m.last_event_id);
    ///                 return;
    ///             }
    ///         }
    ///     }
    /// });
    /// ```
    pub fn reconnect_from(&self, last_event_id: &str) {
        self.restart(Some(last_event_id));
    }

    fn restart(&self, last_event_id: Option<&str>) {
        {
            let mut state = self.shared.state.borrow_mut();
            let state = &mut *state;
            if let Some(id) = last_event_id {
                set_last_event_id(state, id);
            }
            end_connection(state, now_ms());
            state.policy = new_policy(&state.options, &state.last_event_id);
            state.browser_retrying = false;
            state.close_reported = false;
        }
        if self.shared.state.borrow().dom_listeners.is_none() {
            install_dom_listeners(&self.shared);
        }
        if self.shared.share.borrow().is_none() {
            crate::share::attach(&self.shared);
        }
        pump(&self.shared);
    }

    /// This tab's part in a shared connection: [`Role::Solo`](crate::Role::Solo) without
    /// [`ClientOptions::share`](crate::ClientOptions::share) or where the browser cannot share.
    pub fn role(&self) -> crate::Role {
        self.shared.state.borrow().role
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.shared.state.borrow().status
    }

    /// The last event ID (what the next connection resumes from).
    pub fn last_event_id(&self) -> String {
        self.shared.state.borrow().last_event_id.clone()
    }

    /// Counters so far.
    pub fn metrics(&self) -> Metrics {
        let state = self.shared.state.borrow();
        let mut metrics = state.metrics;
        if let Some(since) = state.open_since {
            metrics.connected_ms += now_ms().saturating_sub(since);
        }
        metrics
    }
}

/// Events of a [`Client`] as a [`futures_core::Stream`]; see [`Client::events`].
#[cfg(feature = "std")]
pub struct EventStream {
    receiver: mpsc::UnboundedReceiver<MessageEvent>,
}

#[cfg(feature = "std")]
impl futures_core::Stream for EventStream {
    type Item = MessageEvent;
    fn poll_next(
        mut self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<MessageEvent>> {
        core::pin::Pin::new(&mut self.receiver).poll_next(cx)
    }
}

fn close_open_period(state: &mut State, now: u64) {
    if let Some(since) = state.open_since.take() {
        state.metrics.connected_ms += now.saturating_sub(since);
    }
}

/// Ends the current connection: releases it (in a microtask, see [`defer_drop`]), makes any
/// late update from it stale, and stops counting connected time.
pub(crate) fn end_connection(state: &mut State, now: u64) {
    defer_drop(state.connection.take());
    state.generation += 1;
    close_open_period(state, now);
}

/// Listens (through the host) to `online`/`offline` where the global scope has them (pages and
/// workers), `visibilitychange` (pages only) and the caller's abort signal.
fn install_dom_listeners(shared: &Rc<Shared>) {
    let (online, visibility, signal) = {
        let state = shared.state.borrow();
        let options = &state.options;
        (
            options.reconnect_on_online,
            options.pause_while_hidden && !options.policy.one_shot,
            options.signal.clone(),
        )
    };
    if !online && !visibility && signal.is_none() {
        return;
    }
    let weak = Rc::downgrade(shared);
    let watcher = Resource::new(move |what, n, _| {
        let Some(shared) = weak.upgrade() else {
            return 0;
        };
        match what {
            report::OFFLINE => {
                shared.state.borrow_mut().policy.handle_offline();
                pump(&shared);
            }
            report::ONLINE => {
                shared.state.borrow_mut().policy.handle_online(now_ms());
                pump(&shared);
            }
            report::VISIBILITY => on_visibility_change(&shared, n == 1.0),
            report::ABORT => abort_by_signal(&shared),
            _ => {}
        }
        0
    });
    with_host(|host| {
        host.watch(
            watcher.id(),
            online,
            visibility,
            signal.as_ref().map(AsRef::as_ref),
            false,
        )
    });
    shared.state.borrow_mut().dom_listeners = Some(watcher);
}

fn abort_by_signal(shared: &Rc<Shared>) {
    let note = {
        let mut state = shared.state.borrow_mut();
        if state.status == Status::Closed {
            return;
        }
        state.policy.handle_close();
        Note::Error(ClientError {
            kind: ErrorKind::Aborted,
            will_retry: false,
            attempt: state.attempt,
            delay_ms: None,
        })
    };
    deliver(shared, vec![note]);
    pump(shared);
}

fn on_visibility_change(shared: &Rc<Shared>, hidden: bool) {
    {
        let mut state = shared.state.borrow_mut();
        let state = &mut *state;
        let now = now_ms();
        if hidden && !state.paused_hidden && state.status != Status::Closed {
            state.paused_hidden = true;
            // Offline semantics hold every retry until we say online again.
            state.policy.handle_offline();
            if let Some(connection) = state.connection.take() {
                defer_drop(connection);
                state.generation += 1;
                close_open_period(state, now);
                let _ = state.policy.handle_stream_end(now);
            }
        } else if !hidden && state.paused_hidden {
            state.paused_hidden = false;
            state.policy.handle_online(now);
        }
    }
    pump(shared);
}

/// Asks the policy what to do until it has nothing more, arms the timer, reports status.
pub(crate) fn pump(shared: &Rc<Shared>) {
    if !shared.alive.get() {
        return;
    }
    let mut notes = Vec::new();
    {
        let mut state = shared.state.borrow_mut();
        let state = &mut *state;
        let now = now_ms();
        if state.held {
            // Another tab holds the connection: offline semantics keep the policy from
            // connecting (re-asserted here, because `online` events clear them).
            state.policy.handle_offline();
        }
        // Bounded: the policy settles within a few actions (its proptests prove draining stops).
        for _ in 0..16 {
            let Some(action) = state.policy.poll_action(now) else {
                break;
            };
            match action {
                Action::Connect {
                    last_event_id,
                    attempt,
                } => {
                    defer_drop(state.connection.take());
                    state.generation += 1;
                    state.attempt = attempt;
                    state.browser_retrying = false;
                    if state.connects > 0 {
                        state.metrics.reconnects += 1;
                    }
                    state.connects += 1;
                    match start_connection(shared, state, last_event_id) {
                        Ok(connection) => state.connection = Some(connection),
                        Err(kind) => {
                            let outcome = state.policy.handle_network_error(now);
                            notes.push(Note::Error(error_for(kind, outcome, attempt)));
                        }
                    }
                }
                Action::Abort { reason } => {
                    end_connection(state, now);
                    if reason == tidings_core::policy::AbortReason::IdleTimeout {
                        let retry = state.policy.next_retry();
                        let stall = state.policy.last_stall();
                        notes.push(Note::Error(ClientError {
                            kind: ErrorKind::Stall {
                                silence_ms: stall.map_or(0, |s| s.silence_ms),
                                limit_ms: stall.map_or(0, |s| s.limit_ms),
                            },
                            will_retry: retry.is_some(),
                            attempt: retry.map_or(state.attempt, |r| r.attempt),
                            delay_ms: retry.map(|r| r.delay_ms),
                        }));
                    }
                }
                Action::GiveUp { reason } => {
                    end_connection(state, now);
                    // Failures that already said "will not retry" need no second report;
                    // limits reached are reported as `gave-up`.
                    if matches!(
                        reason,
                        GiveUpReason::MaxAttempts
                            | GiveUpReason::MaxElapsed
                            | GiveUpReason::OneShotFailed
                    ) {
                        notes.push(Note::Error(ClientError {
                            kind: ErrorKind::GaveUp(reason),
                            will_retry: false,
                            attempt: state.attempt,
                            delay_ms: None,
                        }));
                    }
                    if !state.close_reported {
                        state.close_reported = true;
                        notes.push(Note::Close);
                    }
                }
                _ => break,
            }
        }
        let status = derive_status(state);
        if status != state.status {
            state.status = status;
            notes.push(Note::Status(status));
        }
        if status == Status::Closed {
            defer_drop(state.timer.take());
            state.timer_deadline = None;
            defer_drop(state.dom_listeners.take());
        } else {
            arm_timer(shared, state, now);
        }
    }
    // Status first, so a `Close` listener sees `closed`; otherwise in order. A partition, not
    // a sort: a stable sort would link core::slice::sort (about 3 KB of wasm).
    let (mut ordered, rest): (Vec<Note>, Vec<Note>) = notes
        .into_iter()
        .partition(|note| matches!(note, Note::Status(_)));
    ordered.extend(rest);
    deliver(shared, ordered);
}

fn derive_status(state: &State) -> Status {
    match state.policy.status() {
        PolicyStatus::Closed => Status::Closed,
        _ if state.held => state.remote_status,
        PolicyStatus::Open if state.browser_retrying => Status::Reconnecting,
        PolicyStatus::Open => Status::Open,
        PolicyStatus::Connecting if state.attempt == 0 && state.metrics.reconnects == 0 => {
            Status::Connecting
        }
        _ => Status::Reconnecting,
    }
}

fn arm_timer(shared: &Rc<Shared>, state: &mut State, now: u64) {
    defer_drop(state.timer.take());
    state.timer_deadline = state.policy.poll_timeout();
    let Some(deadline) = state.timer_deadline else {
        return;
    };
    // setTimeout holds at most 2^31-1 ms; a later deadline re-arms when this one fires.
    let delay = deadline.saturating_sub(now).min(i32::MAX as u64) as u32;
    let weak = Rc::downgrade(shared);
    // Pumping replaces this very timer; a host resource may be dropped inside its own report.
    state.timer = Some(crate::host::timer(delay, move || {
        if let Some(shared) = weak.upgrade() {
            shared.state.borrow_mut().policy.handle_timeout(now_ms());
            pump(&shared);
        }
    }));
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 15) as usize] as char);
        }
    }
    out
}

fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let encoded = encode_component(value);
    // Bytes and `split_at_checked` rather than `find` and slicing: their panicking checks
    // bring `core::fmt` into the npm package's module.
    let (base, fragment) = url
        .bytes()
        .position(|b| b == b'#')
        .and_then(|at| url.split_at_checked(at))
        .unwrap_or((url, ""));
    let separator = if base.bytes().any(|b| b == b'?') {
        '&'
    } else {
        '?'
    };
    // Pushed, not `format!`: keeps core::fmt out of the wasm.
    let mut out =
        String::with_capacity(base.len() + name.len() + encoded.len() + fragment.len() + 2);
    out.push_str(base);
    out.push(separator);
    out.push_str(name);
    out.push('=');
    out.push_str(&encoded);
    out.push_str(fragment);
    out
}

fn start_connection(
    shared: &Rc<Shared>,
    state: &State,
    last_event_id: Option<String>,
) -> Result<Connection, ErrorKind> {
    let sink = make_sink(shared, state.generation);
    let options = &state.options;
    match options.transport {
        Transport::Fetch => Ok(Connection::Fetch(FetchConnection::start(
            FetchRequest {
                url: options.url.clone(),
                method: options.method.clone(),
                body: options.body.clone(),
                headers: options.headers.clone(),
                header_callback: options.header_callback.clone(),
                credentials: options.credentials,
                last_event_id,
                limits: options.limits,
                fetch_function: options.fetch_function.clone(),
            },
            sink,
        ))),
        Transport::EventSource => {
            let (url, resume_id) = match (&options.last_event_id_param, last_event_id) {
                (Some(param), Some(id)) => (with_query_param(&options.url, param, &id), Some(id)),
                _ => (options.url.clone(), None),
            };
            EventSourceConnection::start(
                &url,
                options.with_credentials,
                &options.event_types,
                resume_id,
                sink,
            )
            .map(Connection::EventSource)
        }
    }
}

fn make_sink(shared: &Rc<Shared>, generation: u64) -> Sink {
    let weak: Weak<Shared> = Rc::downgrade(shared);
    Rc::new(move |update| {
        let Some(shared) = weak.upgrade() else {
            return false;
        };
        let current = shared.alive.get() && shared.state.borrow().generation == generation;
        // A chunk's end is handled even for a connection replaced meanwhile: its events
        // arrived before the replacement and must not be lost.
        if !current && !matches!(update, TransportUpdate::ChunkEnd) {
            return false;
        }
        on_update(&shared, update);
        shared.alive.get() && shared.state.borrow().generation == generation
    })
}

fn error_for(kind: ErrorKind, outcome: Outcome, attempt: u32) -> ClientError {
    match outcome {
        Outcome::Retry(retry) => ClientError {
            kind,
            will_retry: true,
            attempt: retry.attempt,
            delay_ms: Some(retry.delay_ms),
        },
        _ => ClientError {
            kind,
            will_retry: false,
            attempt,
            delay_ms: None,
        },
    }
}

fn on_update(shared: &Rc<Shared>, update: TransportUpdate<'_>) {
    let mut notes = Vec::new();
    let mut needs_pump = false;
    // The ID of a done sentinel: it is not delivered, but it is the stream's last event ID.
    let mut sentinel_id = None;
    {
        let mut state = shared.state.borrow_mut();
        let state = &mut *state;
        let now = if shared.in_chunk.get() {
            shared.chunk_now.get()
        } else {
            now_ms()
        };
        match update {
            TransportUpdate::Response(head) => {
                needs_pump = true;
                on_response(state, head, now, &mut notes);
            }
            TransportUpdate::Opened => {
                needs_pump = true;
                let was_retrying = core::mem::take(&mut state.browser_retrying);
                let outcome =
                    state
                        .policy
                        .handle_response(now, 200, Some("text/event-stream"), None);
                if outcome == Outcome::Opened || was_retrying {
                    state.open_since.get_or_insert(now);
                    notes.push(Note::Open(OpenInfo {
                        status: None,
                        headers: Vec::new(),
                        attempt: state.attempt,
                    }));
                }
            }
            TransportUpdate::Bytes(count) => {
                state.metrics.bytes += count as u64;
                state.policy.handle_bytes(now);
                // Deadlines only move later as bytes arrive, except when the learned stall
                // limit shrinks: then re-arm (rare, so no timer churn per chunk).
                if let (Some(due), Some(armed)) =
                    (state.policy.poll_timeout(), state.timer_deadline)
                    && due < armed
                {
                    arm_timer(shared, state, now);
                }
                shared.in_chunk.set(true);
                shared.chunk_now.set(now);
            }
            TransportUpdate::ChunkEnd => shared.in_chunk.set(false),
            TransportUpdate::Frame(Frame::Event(event)) => {
                // One event (the EventSource transport's way): a run of one.
                let mut batch = MessageBatch::with_capacity(event.data.len());
                batch.push(event);
                sentinel_id = on_messages(shared, state, batch, now, &mut notes);
                needs_pump |= sentinel_id.is_some();
            }
            TransportUpdate::Messages(batch) => {
                sentinel_id = on_messages(shared, state, batch, now, &mut notes);
                needs_pump |= sentinel_id.is_some();
            }
            TransportUpdate::LastEventId(id) => {
                notes.push(Note::LastEventId(id.to_owned(), state.generation));
            }
            TransportUpdate::Frame(Frame::Retry(ms)) => {
                state.policy.handle_retry(ms);
                notes.push(Note::Retry(ms));
            }
            TransportUpdate::Frame(Frame::Comment(text)) => {
                notes.push(Note::Comment(text.to_owned()))
            }
            TransportUpdate::Ended => {
                needs_pump = true;
                end_connection(state, now);
                let attempt = state.attempt;
                let outcome = state.policy.handle_stream_end(now);
                let config = state.policy.config();
                // A one-shot reply that ended before its done signal: visibly cut short.
                if config.one_shot
                    && config.expects_done
                    && matches!(
                        outcome,
                        Outcome::Retry(_) | Outcome::GaveUp(GiveUpReason::OneShotIncomplete)
                    )
                {
                    let kind = ErrorKind::Incomplete {
                        last_event_id: state.last_event_id.clone(),
                        events: state.metrics.messages,
                    };
                    notes.push(Note::Error(error_for(kind, outcome, attempt)));
                }
            }
            TransportUpdate::Failed(kind) => {
                needs_pump = true;
                end_connection(state, now);
                let attempt = state.attempt;
                if let ErrorKind::TooLarge(_) = kind {
                    state.policy.handle_close();
                    notes.push(Note::Error(ClientError {
                        kind,
                        will_retry: false,
                        attempt,
                        delay_ms: None,
                    }));
                } else {
                    let outcome = state.policy.handle_network_error(now);
                    notes.push(Note::Error(error_for(kind, outcome, attempt)));
                }
            }
            TransportUpdate::BrowserRetrying => {
                needs_pump = true;
                close_open_period(state, now);
                state.browser_retrying = true;
                // The browser makes the next attempt itself; it is a reconnect all the same.
                state.metrics.reconnects += 1;
                notes.push(Note::Error(ClientError {
                    kind: ErrorKind::Network {
                        message: "EventSource connection lost; the browser is reconnecting"
                            .to_owned(),
                    },
                    will_retry: true,
                    attempt: state.attempt,
                    delay_ms: None,
                }));
            }
        }
    }
    if shared.in_chunk.get() && !needs_pump {
        shared.pending.borrow_mut().append(&mut notes);
        return;
    }
    // The chunk ended, or something needs the policy (which may close the client): what
    // waited is delivered first, in stream order.
    shared.in_chunk.set(false);
    let mut all = core::mem::take(&mut *shared.pending.borrow_mut());
    all.append(&mut notes);
    if !all.is_empty() {
        deliver(shared, all);
    }
    if let Some(id) = sentinel_id {
        set_last_event_id(&mut shared.state.borrow_mut(), &id);
    }
    if needs_pump {
        pump(shared);
    }
}

/// A run of events from the transport. The last event ID moves when an event is delivered
/// (see `deliver`), not here: a listener that reconnects halfway through a chunk must resume
/// from the last event it saw, not from the end of the chunk. A done sentinel ends the stream
/// at its event (a clean, deliberate end: no error, no reconnect): the events before it are
/// kept, it and anything after it are not, and its last event ID is returned (the stream's
/// last event ID, though the sentinel is never delivered).
fn on_messages(
    shared: &Shared,
    state: &mut State,
    mut batch: MessageBatch,
    now: u64,
    notes: &mut Vec<Note>,
) -> Option<String> {
    state.policy.handle_event(now);
    let sentinel = state
        .options
        .done_sentinel
        .as_deref()
        .and_then(|done| batch.iter().position(|m| m.data == done));
    let sentinel_id = sentinel.map(|index| {
        let id = batch.get(index).map(|m| m.last_event_id.to_owned());
        batch.truncate(index);
        let _ = state.policy.handle_done();
        id.unwrap_or_default()
    });
    if !batch.is_empty() {
        state.metrics.messages += batch.len() as u64;
        state.metrics.last_event_at_ms = Some(now);
        // Inside a chunk into the pending notes, merged with the chunk's earlier runs.
        if shared.in_chunk.get() {
            push_messages(&mut shared.pending.borrow_mut(), state.generation, batch);
        } else {
            push_messages(notes, state.generation, batch);
        }
    }
    sentinel_id
}

fn on_response(state: &mut State, head: ResponseHead, now: u64, notes: &mut Vec<Note>) {
    let retry_after = head
        .retry_after
        .as_deref()
        .and_then(|value| parse_retry_after(value, now));
    let outcome =
        state
            .policy
            .handle_response(now, head.status, head.content_type.as_deref(), retry_after);
    let attempt = state.attempt;
    match outcome {
        Outcome::Opened => {
            state.open_since = Some(now);
            notes.push(Note::Open(OpenInfo {
                status: Some(head.status),
                headers: head.headers,
                attempt,
            }));
        }
        // `204` on a resumed one-shot stream: nothing left to resume, the reply is complete.
        Outcome::Ignored | Outcome::GaveUp(GiveUpReason::OneShotDone) => {}
        outcome => {
            let kind = if head.status == 200 {
                ErrorKind::ContentType {
                    content_type: head.content_type,
                }
            } else {
                ErrorKind::Http {
                    status: head.status,
                    status_text: head.status_text,
                    body: head.error_body.unwrap_or_default(),
                }
            };
            notes.push(Note::Error(error_for(kind, outcome, attempt)));
            // The response was not streamed; its task has ended.
            defer_drop(state.connection.take());
            state.generation += 1;
        }
    }
}

/// Adds a run of events of connection `generation` to `notes`: into the batch at the end when
/// it is of the same connection, so that a chunk's events travel as one [`Note::Messages`],
/// else as a new note (no copy).
fn push_messages(notes: &mut Vec<Note>, generation: u64, batch: MessageBatch) {
    if let Some(Note::Messages(last, of)) = notes.last_mut()
        && *of == generation
    {
        last.extend_from(&batch);
        return;
    }
    notes.push(Note::Messages(batch, generation));
}

/// Calls the listeners for each note, with no borrow held (listeners may call the client).
/// Consecutive messages of one connection go to [`Listen::Messages`] listeners in one call.
pub(crate) fn deliver(shared: &Rc<Shared>, notes: Vec<Note>) {
    let mut notes = notes.into_iter().peekable();
    while let Some(note) = notes.next() {
        if !shared.alive.get() {
            return;
        }
        let Note::Messages(mut messages, generation) = note else {
            deliver_one(shared, note);
            continue;
        };
        while let Some(Note::Messages(more, _)) =
            notes.next_if(|next| matches!(next, Note::Messages(_, g) if *g == generation))
        {
            messages.extend_from(&more);
        }
        let current = || shared.alive.get() && shared.state.borrow().generation == generation;
        // Per-event listeners first, event by event, each event moving the last event ID as
        // it is delivered. A listener that closes or reconnects the client ends this
        // connection: its remaining events are dropped, and nobody sees them.
        // (Without the `per-event-listeners` feature there are none, and this path is not
        // compiled: the npm module, which registers only a batch listener, is smaller.)
        #[cfg(feature = "per-event-listeners")]
        let per_event = shared
            .listeners
            .borrow()
            .entries
            .iter()
            .any(|(_, listen, _)| matches!(listen, Listen::Event(_) | Listen::AnyEvent));
        #[cfg(not(feature = "per-event-listeners"))]
        let per_event = false;
        let mut delivered = 0;
        if per_event {
            #[cfg(feature = "per-event-listeners")]
            for message in &messages {
                if !current() {
                    break;
                }
                set_last_event_id(&mut shared.state.borrow_mut(), message.last_event_id);
                let message = MessageEvent::from(message);
                let event = ClientEvent::Message(&message);
                for callback in targets(shared, |listen| matches_listen(listen, &event)) {
                    if !current() {
                        break;
                    }
                    callback(&event);
                }
                delivered += 1;
            }
        } else if let (true, Some(last)) = (current(), messages.last()) {
            // No user code runs before the batch listeners (the npm client's case), so the
            // run is delivered as a whole: no per-event lookups on this hot path.
            set_last_event_id(&mut shared.state.borrow_mut(), last.last_event_id);
            delivered = messages.len();
        }
        messages.truncate(delivered);
        if messages.is_empty() {
            continue;
        }
        crate::share::on_local_messages(shared, &messages);
        #[cfg(feature = "std")]
        shared.listeners.borrow_mut().streams.retain(|s| {
            messages
                .iter()
                .all(|m| s.unbounded_send(MessageEvent::from(m)).is_ok())
        });
        // Then batch listeners, with the whole run at once.
        for callback in targets(shared, |listen| matches!(listen, Listen::Messages)) {
            if !current() {
                break;
            }
            callback(&ClientEvent::Messages(&messages));
        }
    }
}

/// Moves the last event ID (what a reconnect resumes from) to `id`.
pub(crate) fn set_last_event_id(state: &mut State, id: &str) {
    if state.last_event_id != id {
        state.last_event_id.clear();
        state.last_event_id.push_str(id);
        state.policy.handle_event_id(id);
        if let Some(key) = &state.options.persist_key {
            crate::persist::save(&state.options.url, key, id);
        }
    }
}

/// The callbacks of the listeners `wanted` selects, cloned so that none is borrowed while
/// they run.
fn targets(shared: &Shared, wanted: impl Fn(&Listen) -> bool) -> Vec<Callback> {
    shared
        .listeners
        .borrow()
        .entries
        .iter()
        .filter(|(_, listen, _)| wanted(listen))
        .map(|(_, _, callback)| callback.clone())
        .collect()
}

fn deliver_one(shared: &Rc<Shared>, note: Note) {
    if let Note::LastEventId(id, generation) = &note {
        let mut state = shared.state.borrow_mut();
        if state.generation == *generation {
            set_last_event_id(&mut state, id);
        }
        return;
    }
    crate::share::on_local_note(shared, &note);
    if let Note::Close = note {
        // Streams end when the client closes.
        #[cfg(feature = "std")]
        shared.listeners.borrow_mut().streams.clear();
    }
    let event = match &note {
        Note::Open(info) => ClientEvent::Open(info),
        // Delivered by `deliver`, never one by one.
        Note::Messages(..) => return,
        Note::Retry(ms) => ClientEvent::Retry(*ms),
        Note::Comment(text) => ClientEvent::Comment(text),
        Note::Status(status) => ClientEvent::Status(*status),
        Note::Error(error) => ClientEvent::Error(error),
        Note::Close => ClientEvent::Close,
        Note::Role(role) => ClientEvent::Role(*role),
        Note::LastEventId(..) => return, // applied above: no listener sees it
    };
    for callback in targets(shared, |listen| matches_listen(listen, &event)) {
        callback(&event);
    }
}

fn matches_listen(listen: &Listen, event: &ClientEvent<'_>) -> bool {
    match (listen, event) {
        #[cfg(feature = "per-event-listeners")]
        (Listen::Event(t), ClientEvent::Message(m)) => *t == m.event_type,
        #[cfg(feature = "per-event-listeners")]
        (Listen::AnyEvent, ClientEvent::Message(_)) => true,
        (Listen::Open, ClientEvent::Open(_))
        | (Listen::Error, ClientEvent::Error(_))
        | (Listen::Status, ClientEvent::Status(_))
        | (Listen::Retry, ClientEvent::Retry(_))
        | (Listen::Comment, ClientEvent::Comment(_))
        | (Listen::Close, ClientEvent::Close)
        | (Listen::Role, ClientEvent::Role(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::with_query_param;

    #[test]
    fn query_param_is_appended_and_encoded() {
        assert_eq!(
            with_query_param("/a", "lastEventId", "7"),
            "/a?lastEventId=7"
        );
        assert_eq!(
            with_query_param("/a?x=1#f", "id", "a b/é"),
            "/a?x=1&id=a%20b%2F%C3%A9#f"
        );
    }
}
