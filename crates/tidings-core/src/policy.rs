//! The reconnect policy: a deterministic, sans-IO state machine that decides when to (re)connect,
//! when to drop a silent connection and when to give up.
//!
//! It reads no clock and draws no entropy: `now` comes in as milliseconds on a monotonic clock of
//! the driver's choosing, and randomness as a `seed` at construction (or explicit samples through
//! [`Policy::handle_random`]). Same seed + same inputs = same outputs, so thousands of clients can
//! be simulated on a fake clock.
//!
//! Inputs are `handle_*` methods, outputs are `poll_*` methods. Extra calls are harmless: a
//! second [`Policy::handle_timeout`] or [`Policy::poll_action`] at the same `now` does nothing new,
//! and inputs that make no sense in the current state (a network error while closed, a response
//! head while already open) are ignored and reported as [`Outcome::Ignored`]. No input sequence
//! panics; all time arithmetic saturates.
//!
//! # Rules
//!
//! | Input | Result |
//! |---|---|
//! | `200` + `text/event-stream` | open ([spec: "announce the connection"](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model)) |
//! | `200` + any other or no `Content-Type` | give up ([`GiveUpReason::ContentType`]) |
//! | `204 No Content` | give up ([`GiveUpReason::NoContent`]): the server's way to say "stop" |
//! | other `1xx`/`2xx`/`3xx`, `4xx` except `408`/`429`, `>= 600` | give up ([`GiveUpReason::Http`]); a `3xx` reaching the policy means the driver did not follow it |
//! | `408`, `429`, `5xx` | retry; [`Retry-After`](https://developer.mozilla.org/docs/Web/HTTP/Headers/Retry-After) is a floor for that one delay |
//! | network error, stream end | retry (one-shot: see [`Config::one_shot`]) |
//! | no bytes for [`Config::idle_timeout_ms`] | [`Action::Abort`], then retry |
//! | `retry:` field ([`Policy::handle_retry`]) | floor under every later delay |
//! | open for [`Config::healthy_after_ms`] | attempt count, backoff and outage clock reset |
//! | offline | no connect until online; online connects at once |
//! | user close | [`Action::Abort`] (if a connection is live), then [`Action::GiveUp`] |
//!
//! Delays: retry `n` (1-based, per outage) has backoff
//! `min(initial_delay_ms * multiplier^(n-1), max_delay_ms)`; [`Jitter`] turns that into the delay,
//! which is then raised to the floor (the larger of the server's `retry:` and this failure's
//! `Retry-After`). The floor may exceed `max_delay_ms`: the server's explicit wish wins over the cap.

mod http;

pub use http::{is_event_stream, parse_delay_seconds, parse_http_date, parse_retry_after};

use alloc::string::String;
use core::fmt;

/// How a backoff is turned into a delay.
///
/// See ["Exponential Backoff And Jitter"](https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)
/// for why full jitter is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Jitter {
    /// Uniform in `[0, backoff]`: spreads a herd of reconnecting clients the most.
    #[default]
    Full,
    /// Uniform in `[backoff - backoff / 2, backoff]`: spread, but never much sooner than the backoff.
    Equal,
    /// Exactly the backoff: predictable, and every client that failed together retries together.
    None,
}

/// Tuning of the [`Policy`]. Build it with [`Config::default`] and the `with_*` methods.
///
/// ```
/// use tidings_core::policy::{Config, Jitter};
/// let config = Config::default()
///     .with_initial_delay_ms(500)
///     .with_max_attempts(Some(10))
///     .with_idle_timeout_ms(Some(45_000))
///     .with_jitter(Jitter::Equal);
/// assert_eq!(config.max_delay_ms, 10_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Backoff of the first retry of an outage. Default `3_000` ms: with full jitter the
    /// first retry comes after 1.5 s on average (EventSource's reconnection time is 3 s), and
    /// when a server restart drops every client at once their first retries spread over 3 s
    /// instead of arriving together (`examples/storm.rs` measures it).
    pub initial_delay_ms: u64,
    /// Cap on the backoff (not on server-requested floors). Default `10_000` ms: after a
    /// short outage every client is back within about 10 s of the server (a 30 s cap keeps
    /// some waiting 30 s), while a long outage still costs one attempt per ~5 s per client.
    pub max_delay_ms: u64,
    /// Backoff growth per retry; `0` and `1` mean a constant backoff. Default `2`.
    pub multiplier: u32,
    /// How the backoff becomes a delay. Default [`Jitter::Full`].
    pub jitter: Jitter,
    /// Retries allowed per outage before [`GiveUpReason::MaxAttempts`]; `Some(0)` never retries.
    /// Default `None` (unbounded, like `EventSource`).
    pub max_attempts: Option<u32>,
    /// Longest an outage may last, in ms from its first failure, before
    /// [`GiveUpReason::MaxElapsed`]: a retry that would start later is not scheduled.
    /// Default `None` (unbounded).
    pub max_elapsed_ms: Option<u64>,
    /// A connection open this long ends the outage: attempt count, backoff and the
    /// [`max_elapsed_ms`](Self::max_elapsed_ms) clock reset. Default `5_000` ms: long enough that a
    /// server accepting and immediately dropping connections still backs off.
    pub healthy_after_ms: u64,
    /// No bytes (comments included) for this long while connecting or open: the connection is
    /// treated as dropped ([`AbortReason::IdleTimeout`]). Default `None`, because only the
    /// application knows the server's heartbeat interval (a quiet server without heartbeats is
    /// valid SSE); set it to 2–3x that interval to catch half-open connections. `Some(0)` acts as
    /// 1 ms.
    pub idle_timeout_ms: Option<u64>,
    /// A stream that ends is done ([`GiveUpReason::OneShotDone`]), and a stream that fails after
    /// opening is not retried ([`GiveUpReason::OneShotFailed`]), e.g. an LLM completion over POST.
    /// Failures *before* the stream opened (network error, `5xx`, `408`, `429`) still retry with
    /// backoff, since nothing was consumed yet; add `max_attempts: Some(0)` to forbid that too.
    /// Default `false`.
    pub one_shot: bool,
    /// The rules of the browser's own
    /// [`EventSource`](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model),
    /// for drop-in replacements of it: every status other than `200` gives up (`5xx`, `408` and
    /// `429` too), and every delay is exactly the reconnection time (the server's `retry:`, else
    /// [`initial_delay_ms`](Self::initial_delay_ms)), without growth or jitter. Network errors
    /// and stream ends still retry. Default `false`.
    pub eventsource_rules: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            initial_delay_ms: 3_000,
            max_delay_ms: 10_000,
            multiplier: 2,
            jitter: Jitter::Full,
            max_attempts: None,
            max_elapsed_ms: None,
            healthy_after_ms: 5_000,
            idle_timeout_ms: None,
            one_shot: false,
            eventsource_rules: false,
        }
    }
}

impl Config {
    /// Sets [`initial_delay_ms`](Self::initial_delay_ms).
    #[must_use]
    pub const fn with_initial_delay_ms(mut self, ms: u64) -> Self {
        self.initial_delay_ms = ms;
        self
    }

    /// Sets [`max_delay_ms`](Self::max_delay_ms).
    #[must_use]
    pub const fn with_max_delay_ms(mut self, ms: u64) -> Self {
        self.max_delay_ms = ms;
        self
    }

    /// Sets [`multiplier`](Self::multiplier).
    #[must_use]
    pub const fn with_multiplier(mut self, multiplier: u32) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Sets [`jitter`](Self::jitter).
    #[must_use]
    pub const fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets [`max_attempts`](Self::max_attempts).
    #[must_use]
    pub const fn with_max_attempts(mut self, max: Option<u32>) -> Self {
        self.max_attempts = max;
        self
    }

    /// Sets [`max_elapsed_ms`](Self::max_elapsed_ms).
    #[must_use]
    pub const fn with_max_elapsed_ms(mut self, max: Option<u64>) -> Self {
        self.max_elapsed_ms = max;
        self
    }

    /// Sets [`healthy_after_ms`](Self::healthy_after_ms).
    #[must_use]
    pub const fn with_healthy_after_ms(mut self, ms: u64) -> Self {
        self.healthy_after_ms = ms;
        self
    }

    /// Sets [`idle_timeout_ms`](Self::idle_timeout_ms).
    #[must_use]
    pub const fn with_idle_timeout_ms(mut self, ms: Option<u64>) -> Self {
        self.idle_timeout_ms = ms;
        self
    }

    /// Sets [`one_shot`](Self::one_shot).
    #[must_use]
    pub const fn with_one_shot(mut self, one_shot: bool) -> Self {
        self.one_shot = one_shot;
        self
    }

    /// Sets [`eventsource_rules`](Self::eventsource_rules).
    ///
    /// ```
    /// use tidings_core::policy::{Config, Outcome, Policy};
    /// let mut policy = Policy::new(Config::default().with_eventsource_rules(true), 1);
    /// policy.poll_action(0);
    /// assert!(matches!(policy.handle_response(0, 503, None, None), Outcome::GaveUp(_)));
    /// ```
    #[must_use]
    pub const fn with_eventsource_rules(mut self, on: bool) -> Self {
        self.eventsource_rules = on;
        self
    }

    /// The un-jittered backoff of retry `attempt` (1-based):
    /// `min(initial_delay_ms * multiplier^(attempt-1), max_delay_ms)`, saturating.
    ///
    /// ```
    /// use tidings_core::policy::Config;
    /// let c = Config::default();
    /// let schedule: Vec<u64> = (1..=7).map(|n| c.backoff_ms(n)).collect();
    /// assert_eq!(schedule, [3_000, 6_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
    /// ```
    pub fn backoff_ms(&self, attempt: u32) -> u64 {
        let cap = self.max_delay_ms;
        let mut backoff = self.initial_delay_ms.min(cap);
        if self.multiplier <= 1 {
            return backoff;
        }
        // Bounded: the backoff at least doubles each step until it reaches the cap (or is 0).
        for _ in 1..attempt {
            if backoff == 0 || backoff >= cap {
                break;
            }
            backoff = backoff.saturating_mul(u64::from(self.multiplier)).min(cap);
        }
        backoff
    }
}

/// The connection status a client shows, after
/// [`EventSource.readyState`](https://developer.mozilla.org/docs/Web/API/EventSource/readyState)
/// but with waiting and connecting told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// A connection is about to start or waits for its response head.
    Connecting,
    /// The stream is open.
    Open,
    /// Waiting for the delay (or for the network to come back) before the next attempt.
    Reconnecting,
    /// Closed for good; see [`Policy::give_up_reason`].
    Closed,
}

/// What the driver must do next, from [`Policy::poll_action`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Start a connection now; the policy is now [`Status::Connecting`].
    Connect {
        /// Send as the `Last-Event-ID` header (or query parameter); `None` when empty.
        last_event_id: Option<String>,
        /// `0` for a first connection, `n` for the n-th retry of the current outage.
        attempt: u32,
    },
    /// Drop the current connection and do not report its end; see [`Policy::next_retry`].
    Abort {
        /// Why the connection is dropped.
        reason: AbortReason,
    },
    /// Stop for good: release the connection (if any) and timers. Reported once.
    GiveUp {
        /// Why the policy stopped.
        reason: GiveUpReason,
    },
}

/// Why [`Action::Abort`] drops a live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AbortReason {
    /// No bytes arrived for [`Config::idle_timeout_ms`].
    IdleTimeout,
    /// The user closed the client ([`Policy::handle_close`]).
    Closed,
}

impl fmt::Display for AbortReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AbortReason::IdleTimeout => "idle timeout",
            AbortReason::Closed => "closed",
        })
    }
}

/// Why the policy stopped for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The server answered a status that does not open a stream and is not worth retrying.
    Http {
        /// The HTTP status code.
        status: u16,
    },
    /// `200` without `Content-Type: text/event-stream`.
    ContentType,
    /// `204 No Content`: the server asked the client to stop.
    NoContent,
    /// [`Config::max_attempts`] retries failed.
    MaxAttempts,
    /// The outage would outlast [`Config::max_elapsed_ms`].
    MaxElapsed,
    /// The user closed the client.
    Closed,
    /// A [`one_shot`](Config::one_shot) stream ended normally.
    OneShotDone,
    /// A [`one_shot`](Config::one_shot) stream failed after it opened.
    OneShotFailed,
}

impl GiveUpReason {
    /// The `Display` text, except that for [`GiveUpReason::Http`] it goes on with the status
    /// code. For callers that build the message without `core::fmt` (the wasm modules).
    ///
    /// ```
    /// use tidings_core::policy::GiveUpReason;
    /// assert_eq!(GiveUpReason::NoContent.message_prefix(), "no content");
    /// assert_eq!(GiveUpReason::Http { status: 404 }.message_prefix(), "http status ");
    /// ```
    pub fn message_prefix(&self) -> &'static str {
        match self {
            GiveUpReason::Http { .. } => "http status ",
            GiveUpReason::ContentType => "content type is not text/event-stream",
            GiveUpReason::NoContent => "no content",
            GiveUpReason::MaxAttempts => "too many attempts",
            GiveUpReason::MaxElapsed => "reconnecting took too long",
            GiveUpReason::Closed => "closed",
            GiveUpReason::OneShotDone => "stream finished",
            GiveUpReason::OneShotFailed => "stream failed",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message_prefix())?;
        match self {
            GiveUpReason::Http { status } => write!(f, "{status}"),
            _ => Ok(()),
        }
    }
}

/// A scheduled retry: what a client reports as "will retry, attempt N, in D ms".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Retry {
    /// The retry number within the current outage (1-based).
    pub attempt: u32,
    /// The delay chosen, in ms (after jitter and floors).
    pub delay_ms: u64,
    /// When the [`Action::Connect`] becomes due, on the driver's clock (later while offline).
    pub at_ms: u64,
}

/// What an input did, returned by the `handle_*` methods that can end a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The stream is open.
    Opened,
    /// The connection failed and a retry is scheduled.
    Retry(Retry),
    /// The connection failed (or finished) and the policy gave up.
    GaveUp(GiveUpReason),
    /// The input made no sense in the current state and changed nothing.
    Ignored,
}

impl Outcome {
    /// Whether a retry is scheduled.
    pub fn will_retry(&self) -> bool {
        matches!(self, Outcome::Retry(_))
    }

    /// The scheduled retry, if any.
    pub fn retry(&self) -> Option<Retry> {
        match self {
            Outcome::Retry(retry) => Some(*retry),
            _ => None,
        }
    }
}

/// Where the connection lifecycle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Created; the first [`Action::Connect`] has not been issued.
    Idle,
    /// A retry is scheduled.
    Waiting {
        /// The retry, as reported to the driver.
        retry: Retry,
        /// `Retry-After` deadline: even coming back online must not connect earlier.
        not_before: u64,
    },
    /// Connect issued, no response head yet.
    Connecting {
        /// When the connect was issued: the idle clock starts here.
        since: u64,
    },
    /// The stream is open.
    Open {
        /// When it opened: the healthy clock starts here.
        since: u64,
        /// Last bytes received: the idle clock restarts here.
        last_activity: u64,
    },
    /// Stopped for good.
    Closed {
        /// Kept for [`Policy::give_up_reason`].
        reason: GiveUpReason,
    },
}

/// The reconnect policy. See the [module docs](self) for the rules.
///
/// The driver loop: after every input (and at start), drain [`poll_action`](Self::poll_action);
/// then arm one timer for [`poll_timeout`](Self::poll_timeout) and, when it fires, call
/// [`handle_timeout`](Self::handle_timeout) and drain again.
///
/// ```
/// use tidings_core::policy::{Action, Config, GiveUpReason, Outcome, Policy};
///
/// let mut policy = Policy::new(Config::default().with_max_attempts(Some(5)), 0x5eed);
/// let mut now = 0; // the driver's monotonic clock, in ms
/// let mut log = Vec::new();
///
/// 'driver: loop {
///     while let Some(action) = policy.poll_action(now) {
///         match action {
///             Action::Connect { last_event_id, attempt } => {
///                 // Start a fetch with `Last-Event-ID: last_event_id`; here a scripted server
///                 // fails twice, then opens, sends an event and the user closes.
///                 if attempt < 2 {
///                     let outcome = policy.handle_response(now, 503, None, None);
///                     let retry = outcome.retry().unwrap();
///                     log.push(format!("error; will retry, attempt {}, delay {} ms", retry.attempt, retry.delay_ms));
///                 } else {
///                     assert_eq!(policy.handle_response(now, 200, Some("text/event-stream"), None), Outcome::Opened);
///                     policy.handle_bytes(now);
///                     policy.handle_event_id("42");
///                     assert_eq!(last_event_id, None);
///                     policy.handle_close();
///                 }
///             }
///             Action::Abort { .. } => { /* abort the fetch */ }
///             Action::GiveUp { reason } => {
///                 assert_eq!(reason, GiveUpReason::Closed);
///                 break 'driver;
///             }
///             _ => {}
///         }
///     }
///     match policy.poll_timeout() {
///         Some(deadline) => now = now.max(deadline), // "sleep" until the deadline
///         None => break,
///     }
///     policy.handle_timeout(now);
/// }
/// assert_eq!(log.len(), 2);
/// assert_eq!(policy.last_event_id(), Some("42"));
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    /// The tuning, fixed at construction so a schedule never changes under a waiting retry.
    config: Config,
    /// splitmix64 state: the only source of jitter, so equal seeds give equal schedules.
    rng: u64,
    /// A sample from [`Policy::handle_random`] that replaces the next draw, for simulations.
    injected_sample: Option<u64>,
    /// Lifecycle state; everything time-related hangs off it.
    phase: Phase,
    /// Failures in the current outage = the attempt number of the next (or current) connect;
    /// drives the backoff exponent and [`Config::max_attempts`].
    failures: u32,
    /// First failure of the current outage: the origin of [`Config::max_elapsed_ms`].
    outage_start: Option<u64>,
    /// The server's `retry:` value: a floor under every later delay, for the client's lifetime
    /// (the spec's "reconnection time" persists across connections).
    server_retry_ms: Option<u64>,
    /// Reused buffer for the last event ID, sent on every reconnect; empty means none.
    last_event_id: String,
    /// The browser reported offline: connects are held back until online.
    offline: bool,
    /// An [`Action::Abort`] not yet polled; the driver must drop the live connection.
    pending_abort: Option<AbortReason>,
    /// An [`Action::GiveUp`] not yet polled; it is reported exactly once.
    pending_give_up: bool,
}

impl Policy {
    /// A policy that will connect on the first [`poll_action`](Self::poll_action).
    ///
    /// `seed` is the driver's randomness (e.g. from `crypto.getRandomValues`); jitter samples are
    /// derived from it with splitmix64. Clients sharing a seed share a schedule.
    pub fn new(config: Config, seed: u64) -> Self {
        Policy {
            config,
            rng: seed,
            injected_sample: None,
            phase: Phase::Idle,
            failures: 0,
            outage_start: None,
            server_retry_ms: None,
            last_event_id: String::new(),
            offline: false,
            pending_abort: None,
            pending_give_up: false,
        }
    }

    // ----- inputs -----

    /// The response head arrived: `status`, the `Content-Type` value (if any) and `Retry-After`
    /// already converted to ms (see [`parse_retry_after`]). Only meaningful while connecting.
    ///
    /// When this does not return [`Outcome::Opened`], the driver releases the response.
    pub fn handle_response(
        &mut self,
        now: u64,
        status: u16,
        content_type: Option<&str>,
        retry_after_ms: Option<u64>,
    ) -> Outcome {
        if !matches!(self.phase, Phase::Connecting { .. }) {
            return Outcome::Ignored;
        }
        match status {
            200 if content_type.is_some_and(is_event_stream) => {
                self.phase = Phase::Open {
                    since: now,
                    last_activity: now,
                };
                Outcome::Opened
            }
            200 => self.give_up(GiveUpReason::ContentType),
            204 => self.give_up(GiveUpReason::NoContent),
            408 | 429 | 500..=599 if !self.config.eventsource_rules => {
                self.fail(now, retry_after_ms)
            }
            _ => self.give_up(GiveUpReason::Http { status }),
        }
    }

    /// Bytes arrived on the open stream (any bytes: comments are heartbeats). Restarts the idle
    /// clock.
    pub fn handle_bytes(&mut self, now: u64) {
        if let Phase::Open { last_activity, .. } = &mut self.phase {
            *last_activity = (*last_activity).max(now);
        }
    }

    /// The parser dispatched an event: pass its
    /// [`last_event_id`](crate::parser::Event::last_event_id) (it persists across events, so
    /// passing it every time is right; an empty ID clears it). Ignored once closed.
    pub fn handle_event_id(&mut self, id: &str) {
        if !matches!(self.phase, Phase::Closed { .. }) {
            self.last_event_id.clear();
            self.last_event_id.push_str(id);
        }
    }

    /// The server sent `retry: ms`: a floor under every later delay.
    /// Ignored once closed.
    pub fn handle_retry(&mut self, ms: u64) {
        if !matches!(self.phase, Phase::Closed { .. }) {
            self.server_retry_ms = Some(ms);
        }
    }

    /// The body ended cleanly. Retries, or gives up with [`GiveUpReason::OneShotDone`].
    pub fn handle_stream_end(&mut self, now: u64) -> Outcome {
        match self.phase {
            Phase::Open { .. } if self.config.one_shot => self.give_up(GiveUpReason::OneShotDone),
            Phase::Open { .. } | Phase::Connecting { .. } => self.fail(now, None),
            _ => Outcome::Ignored,
        }
    }

    /// The connection failed (fetch rejected, stream errored, `EventSource` error).
    pub fn handle_network_error(&mut self, now: u64) -> Outcome {
        match self.phase {
            Phase::Open { .. } | Phase::Connecting { .. } => self.fail(now, None),
            _ => Outcome::Ignored,
        }
    }

    /// Timers: the idle timeout and the healthy reset. Call when [`poll_timeout`](Self::poll_timeout)
    /// is reached; any extra call is harmless ([`poll_action`](Self::poll_action) calls it too).
    pub fn handle_timeout(&mut self, now: u64) {
        let last_activity = match self.phase {
            Phase::Open {
                since,
                last_activity,
            } => {
                if now.saturating_sub(since) >= self.config.healthy_after_ms {
                    self.end_outage();
                }
                last_activity
            }
            Phase::Connecting { since } => since,
            _ => return,
        };
        // At least 1 ms must pass: with `Some(0)` and a zero backoff, a driver draining
        // `poll_action` at one `now` would otherwise see Connect, Abort, Connect... forever.
        if let Some(idle) = self.config.idle_timeout_ms
            && now.saturating_sub(last_activity) >= idle.max(1)
        {
            self.pending_abort = Some(AbortReason::IdleTimeout);
            self.fail(now, None);
        }
    }

    /// The browser went [offline](https://developer.mozilla.org/docs/Web/API/Window/offline_event):
    /// no connect is issued until [`handle_online`](Self::handle_online). A live connection is
    /// left alone (it fails on its own, or the idle timeout catches it).
    pub fn handle_offline(&mut self) {
        self.offline = true;
    }

    /// The browser is [online](https://developer.mozilla.org/docs/Web/API/Window/online_event)
    /// again: a waiting retry becomes due at once (but not before a `Retry-After`).
    pub fn handle_online(&mut self, now: u64) {
        self.offline = false;
        if let Phase::Waiting { retry, not_before } = &mut self.phase {
            // `not_before <= at_ms` (the delay is at least the Retry-After floor), so this only
            // ever brings the retry forward, or marks an overdue one as due now.
            retry.at_ms = now.max(*not_before);
        }
    }

    /// The user closed the client: [`Action::Abort`] if a connection is live, then
    /// [`Action::GiveUp`] with [`GiveUpReason::Closed`]. Ignored once closed.
    pub fn handle_close(&mut self) {
        match self.phase {
            Phase::Closed { .. } => return,
            Phase::Connecting { .. } | Phase::Open { .. } => {
                self.pending_abort = Some(AbortReason::Closed);
            }
            Phase::Idle | Phase::Waiting { .. } => {}
        }
        self.give_up(GiveUpReason::Closed);
    }

    /// Uses `sample` instead of the next draw from the seeded generator (the generator does not
    /// advance). For simulations that want to control jitter exactly; a later call before the
    /// sample is used replaces it. With [`Jitter::Full`] the delay is `sample % (backoff + 1)`.
    pub fn handle_random(&mut self, sample: u64) {
        self.injected_sample = Some(sample);
    }

    // ----- outputs -----

    /// The next action, if any: call in a loop until `None` after every input and timer.
    /// Runs [`handle_timeout`](Self::handle_timeout) first. A [`Action::Connect`] moves the policy
    /// to [`Status::Connecting`] with the connection starting at `now`.
    pub fn poll_action(&mut self, now: u64) -> Option<Action> {
        self.handle_timeout(now);
        if let Some(reason) = self.pending_abort.take() {
            return Some(Action::Abort { reason });
        }
        match self.phase {
            Phase::Closed { reason } => {
                let report = core::mem::take(&mut self.pending_give_up);
                report.then_some(Action::GiveUp { reason })
            }
            _ if self.offline => None,
            Phase::Idle => Some(self.connect(now)),
            Phase::Waiting { retry, .. } if now >= retry.at_ms => Some(self.connect(now)),
            _ => None,
        }
    }

    /// The next deadline, on the driver's clock: call [`handle_timeout`](Self::handle_timeout) (or
    /// [`poll_action`](Self::poll_action)) then. `None`: nothing happens until another input.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.phase {
            Phase::Idle => (!self.offline).then_some(0),
            Phase::Waiting { retry, .. } => (!self.offline).then_some(retry.at_ms),
            Phase::Connecting { since } => self.idle_deadline(since),
            Phase::Open {
                since,
                last_activity,
            } => {
                let healthy = (self.failures > 0 || self.outage_start.is_some())
                    .then(|| since.saturating_add(self.config.healthy_after_ms));
                match (self.idle_deadline(last_activity), healthy) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
            Phase::Closed { .. } => None,
        }
    }

    // ----- observable state -----

    /// The status to show.
    pub fn status(&self) -> Status {
        match self.phase {
            Phase::Idle | Phase::Connecting { .. } => Status::Connecting,
            Phase::Open { .. } => Status::Open,
            Phase::Waiting { .. } => Status::Reconnecting,
            Phase::Closed { .. } => Status::Closed,
        }
    }

    /// The attempt number of the current or next connection: `0` for a first (or post-healthy)
    /// connection, `n` for the n-th retry of the current outage.
    pub fn attempt(&self) -> u32 {
        self.failures
    }

    /// The scheduled retry while [`Status::Reconnecting`]: attempt, delay and due time.
    pub fn next_retry(&self) -> Option<Retry> {
        match self.phase {
            Phase::Waiting { retry, .. } => Some(retry),
            _ => None,
        }
    }

    /// Why the policy stopped, once [`Status::Closed`].
    pub fn give_up_reason(&self) -> Option<GiveUpReason> {
        match self.phase {
            Phase::Closed { reason } => Some(reason),
            _ => None,
        }
    }

    /// The last event ID to send on the next connect; `None` when empty.
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str())
    }

    /// The server's `retry:` floor, if it sent one.
    pub fn server_retry_ms(&self) -> Option<u64> {
        self.server_retry_ms
    }

    /// Whether the policy believes the browser is offline.
    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ----- internals -----

    fn connect(&mut self, now: u64) -> Action {
        self.phase = Phase::Connecting { since: now };
        Action::Connect {
            last_event_id: self.last_event_id().map(String::from),
            attempt: self.failures,
        }
    }

    fn idle_deadline(&self, from: u64) -> Option<u64> {
        self.config
            .idle_timeout_ms
            .map(|idle| from.saturating_add(idle.max(1)))
    }

    /// A healthy connection ends the outage.
    fn end_outage(&mut self) {
        self.failures = 0;
        self.outage_start = None;
    }

    fn give_up(&mut self, reason: GiveUpReason) -> Outcome {
        self.phase = Phase::Closed { reason };
        self.pending_give_up = true;
        Outcome::GaveUp(reason)
    }

    /// A live connection failed (or was dropped for idleness): schedule a retry or give up.
    fn fail(&mut self, now: u64, retry_after_ms: Option<u64>) -> Outcome {
        if let Phase::Open { since, .. } = self.phase {
            if self.config.one_shot {
                return self.give_up(GiveUpReason::OneShotFailed);
            }
            if now.saturating_sub(since) >= self.config.healthy_after_ms {
                self.end_outage();
            }
        }
        self.failures = self.failures.saturating_add(1);
        let outage_start = *self.outage_start.get_or_insert(now);
        if self
            .config
            .max_attempts
            .is_some_and(|max| self.failures > max)
        {
            return self.give_up(GiveUpReason::MaxAttempts);
        }
        let backoff = self.config.backoff_ms(self.failures);
        let sample = self.next_sample();
        let jittered = match self.config.jitter {
            Jitter::Full => sample % backoff.saturating_add(1),
            Jitter::Equal => {
                let half = backoff / 2;
                (backoff - half) + sample % (half + 1)
            }
            Jitter::None => backoff,
        };
        let floor = self
            .server_retry_ms
            .unwrap_or(0)
            .max(retry_after_ms.unwrap_or(0));
        let delay_ms = if self.config.eventsource_rules {
            // The spec's reconnection time, as is.
            self.server_retry_ms.unwrap_or(self.config.initial_delay_ms)
        } else {
            jittered.max(floor)
        };
        let at_ms = now.saturating_add(delay_ms);
        if self
            .config
            .max_elapsed_ms
            .is_some_and(|max| at_ms > outage_start.saturating_add(max))
        {
            return self.give_up(GiveUpReason::MaxElapsed);
        }
        let retry = Retry {
            attempt: self.failures,
            delay_ms,
            at_ms,
        };
        self.phase = Phase::Waiting {
            retry,
            not_before: now.saturating_add(retry_after_ms.unwrap_or(0)),
        };
        Outcome::Retry(retry)
    }

    fn next_sample(&mut self) -> u64 {
        match self.injected_sample.take() {
            Some(sample) => sample,
            None => splitmix64(&mut self.rng),
        }
    }
}

/// [splitmix64](https://prng.di.unimi.it/splitmix64.c): tiny, fast, statistically fine for jitter
/// (not for cryptography), and every seed (including 0) gives a full-period sequence.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
