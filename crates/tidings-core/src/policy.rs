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
//! | done signal ([`Policy::handle_done`]) | give up ([`GiveUpReason::OneShotDone`]) |
//! | one-shot stream ends without the done signal it [expects](Config::expects_done) | resume ([`Config::one_shot_resumes`]) or give up ([`GiveUpReason::OneShotIncomplete`]) |
//! | `204` on a resumed one-shot stream | give up ([`GiveUpReason::OneShotDone`]): nothing left to resume |
//! | silence longer than the [stall limit](StallDetection) | [`Action::Abort`], then retry (see [`Policy::last_stall`]) |
//! | `retry:` field ([`Policy::handle_retry`]) | the reconnection time: base of the backoff and floor under every later delay |
//! | open for [`Config::healthy_after_ms`] | attempt count, backoff and outage clock reset |
//! | offline | no connect until online; online connects at once |
//! | user close | [`Action::Abort`] (if a connection is live), then [`Action::GiveUp`] |
//!
//! Delays: without a `retry:` from the server, retry `n` (1-based, per outage) has backoff
//! `min(initial_delay_ms * multiplier^(n-1), max_delay_ms)` and [`Jitter`] turns that into the
//! delay ([`Config::default_delay_ms`]). Once the server sent `retry: R`, R is the
//! [reconnection time](https://html.spec.whatwg.org/multipage/server-sent-events.html#concept-event-stream-reconnection-time):
//! the backoff grows from R instead, the cap never pulls it below R, and the jitter never goes
//! below R; the first retry after an open stream comes within `[R, 1.5 R]`
//! ([`Config::server_delay_ms`]). A `Retry-After` is then a floor for that one delay. Both may
//! exceed `max_delay_ms`: the server's explicit wish wins over the cap.

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
/// // `with_idle_timeout_ms(Some(n))` fixes the stall limit at n; the default learns it.
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
    /// Cap on the backoff (never below the server's `retry:`, never on a `Retry-After`). Default `10_000` ms: after a
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
    /// How a silent connection (no bytes, comments included) is noticed and dropped
    /// ([`AbortReason::IdleTimeout`]), e.g. a dead upstream behind a proxy that keeps the
    /// browser's response open. Default [`StallDetection::Adaptive`] with
    /// [`AdaptiveStall::default`]: the limit is learned from the stream's own cadence.
    pub stall: StallDetection,
    /// A stream that ends is done ([`GiveUpReason::OneShotDone`]), and a stream that fails after
    /// opening is not retried ([`GiveUpReason::OneShotFailed`]), e.g. an LLM completion over POST.
    /// Failures *before* the stream opened (network error, `5xx`, `408`, `429`) still retry with
    /// backoff, since nothing was consumed yet; add `max_attempts: Some(0)` to forbid that too.
    /// Default `false`.
    pub one_shot: bool,
    /// A [`one_shot`](Self::one_shot) stream ends with a done signal
    /// ([`Policy::handle_done`], e.g. an LLM's `[DONE]` event): a body that ends without it is
    /// cut short ([`GiveUpReason::OneShotIncomplete`]), not done. Default `false`.
    pub expects_done: bool,
    /// How many times a [`one_shot`](Self::one_shot) stream that failed or ended incomplete
    /// after it opened is resumed: reconnected (with backoff and `Last-Event-ID`) so a server
    /// with resumable streams continues the reply. A `204` on a resume means "nothing to
    /// resume" and ends cleanly ([`GiveUpReason::OneShotDone`]). Default `0`.
    pub one_shot_resumes: u32,
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
            stall: StallDetection::Adaptive(AdaptiveStall::DEFAULT),
            one_shot: false,
            expects_done: false,
            one_shot_resumes: 0,
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

    /// A fixed stall limit: `Some(ms)` is [`StallDetection::Fixed`], `None` is
    /// [`StallDetection::Off`].
    #[must_use]
    pub const fn with_idle_timeout_ms(mut self, ms: Option<u64>) -> Self {
        self.stall = match ms {
            Some(limit_ms) => StallDetection::Fixed { limit_ms },
            None => StallDetection::Off,
        };
        self
    }

    /// Sets [`stall`](Self::stall).
    #[must_use]
    pub const fn with_stall(mut self, stall: StallDetection) -> Self {
        self.stall = stall;
        self
    }

    /// Sets [`one_shot`](Self::one_shot).
    #[must_use]
    pub const fn with_one_shot(mut self, one_shot: bool) -> Self {
        self.one_shot = one_shot;
        self
    }

    /// Sets [`expects_done`](Self::expects_done).
    #[must_use]
    pub const fn with_expects_done(mut self, expects_done: bool) -> Self {
        self.expects_done = expects_done;
        self
    }

    /// Sets [`one_shot_resumes`](Self::one_shot_resumes).
    #[must_use]
    pub const fn with_one_shot_resumes(mut self, resumes: u32) -> Self {
        self.one_shot_resumes = resumes;
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
        grow(
            self.initial_delay_ms,
            self.max_delay_ms,
            self.multiplier,
            attempt,
        )
    }

    /// The delay of retry `attempt` (1-based) when the server sent no `retry:`: the
    /// [`backoff_ms`](Self::backoff_ms) turned into a delay by [`jitter`](Self::jitter), with
    /// `sample` as the random draw.
    ///
    /// ```
    /// use tidings_core::policy::{Config, Jitter};
    /// let c = Config::default();
    /// assert!(c.default_delay_ms(1, 12_345) <= 3_000); // full jitter: [0, 3 s]
    /// assert_eq!(c.with_jitter(Jitter::None).default_delay_ms(2, 0), 6_000);
    /// ```
    pub fn default_delay_ms(&self, attempt: u32, sample: u64) -> u64 {
        let backoff = self.backoff_ms(attempt);
        match self.jitter {
            Jitter::Full => sample % backoff.saturating_add(1),
            Jitter::Equal => {
                let half = backoff / 2;
                (backoff - half) + sample % (half + 1)
            }
            Jitter::None => backoff,
        }
    }

    /// The delay of retry `attempt` (1-based) after the server sent `retry: base_ms`: the
    /// server's reconnection time is the base of the backoff and a floor under every delay.
    ///
    /// The backoff grows from the base as it grows from
    /// [`initial_delay_ms`](Self::initial_delay_ms) without `retry:`:
    /// `min(base * multiplier^(attempt-1), max(max_delay_ms, base))`, so the cap never
    /// pushes a delay below the base. [`Jitter`] then spreads it without ever going below the
    /// base (a base of 0 grows from 1 ms): [`Jitter::Full`] is uniform in `[base, max(backoff, 1.5 * base)]` (the first retry
    /// lands in `[base, 1.5 * base]`), [`Jitter::Equal`] in `[max(base, backoff / 2), backoff]`,
    /// [`Jitter::None`] is the backoff.
    ///
    /// ```
    /// use tidings_core::policy::{Config, Jitter};
    /// let c = Config::default();
    /// // retry: 200 -> the first retry within [200, 300] ms, the next ones growing from 200.
    /// assert!((200..=300).contains(&c.server_delay_ms(200, 1, 987_654)));
    /// assert!((200..=400).contains(&c.server_delay_ms(200, 2, 987_654)));
    /// // The 10 s cap does not pull a 60 s reconnection time down.
    /// assert!(c.server_delay_ms(60_000, 5, 3) >= 60_000);
    /// assert_eq!(c.with_jitter(Jitter::None).server_delay_ms(1_000, 3, 0), 4_000);
    /// ```
    pub fn server_delay_ms(&self, base_ms: u64, attempt: u32, sample: u64) -> u64 {
        // A `retry: 0` grows from 1 ms: a server that asked for instant reconnects and then
        // went down must not be hammered in a loop.
        let backoff = grow(
            base_ms.max(1),
            self.max_delay_ms.max(base_ms),
            self.multiplier,
            attempt,
        );
        match self.jitter {
            Jitter::Full => {
                let upper = backoff.max(base_ms.saturating_add(base_ms / 2));
                base_ms.saturating_add(sample % (upper - base_ms).saturating_add(1))
            }
            Jitter::Equal => {
                let lower = base_ms.max(backoff - backoff / 2);
                lower + sample % (backoff - lower).saturating_add(1)
            }
            Jitter::None => backoff,
        }
    }
}

/// How the [`Policy`] notices a connection that went silent. The silence is measured from the
/// last bytes (events and comments both count as signs of life), or from the connect while
/// waiting for the response head.
///
/// ```
/// use tidings_core::policy::{AdaptiveStall, Config, StallDetection};
/// assert_eq!(Config::default().stall, StallDetection::Adaptive(AdaptiveStall::default()));
/// let fixed = Config::default().with_idle_timeout_ms(Some(45_000));
/// assert_eq!(fixed.stall, StallDetection::Fixed { limit_ms: 45_000 });
/// assert_eq!(Config::default().with_idle_timeout_ms(None).stall, StallDetection::Off);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StallDetection {
    /// Never: a silent connection stays open until it fails by itself (valid SSE, but a dead
    /// upstream behind a proxy is then never noticed).
    Off,
    /// Silence this long (while connecting or open) is a stall. `0` acts as 1 ms.
    Fixed {
        /// The limit, ms.
        limit_ms: u64,
    },
    /// The limit is learned from the stream: see [`AdaptiveStall`].
    Adaptive(AdaptiveStall),
}

/// Adaptive stall detection: a stall is a silence longer than
/// [`multiple`](Self::multiple) times the longest gap this stream has shown between signs of
/// life, kept within [`floor_ms`](Self::floor_ms) and [`ceiling_ms`](Self::ceiling_ms).
///
/// - Until [`min_gaps`](Self::min_gaps) gaps were seen (and while waiting for a response head),
///   the limit is the ceiling: nothing is known about the stream yet.
/// - The cadence is kept across reconnects (same server, same stream).
/// - After a stall the floor for later silences rises to twice the limit that fired (up to the
///   ceiling): a stream that is only slower than it looked stops being cut.
///
/// With the defaults (3x, 30 s floor, 120 s ceiling, 3 gaps): a 15 s keep-alive comment gives a
/// 45 s limit; events every 30–60 s stay under the 120 s ceiling; 100 ms ticks give the 30 s
/// floor. `examples/stall.rs` prints the detection delays.
///
/// ```
/// use tidings_core::policy::AdaptiveStall;
/// let a = AdaptiveStall::default();
/// assert_eq!((a.multiple, a.floor_ms, a.ceiling_ms, a.min_gaps), (3, 30_000, 120_000, 3));
/// assert_eq!(a.limit_ms(5, 15_000), 45_000);
/// assert_eq!(a.limit_ms(50, 100), 30_000);
/// assert_eq!(a.limit_ms(3, 60_000), 120_000);
/// assert_eq!(a.limit_ms(2, 100), 120_000, "not enough gaps yet");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdaptiveStall {
    /// The limit is this many times the longest gap seen. Default `3`.
    pub multiple: u32,
    /// Lowest limit, ms: a fast stream that pauses (an LLM thinking, a quiet minute) is not cut
    /// before this. Default `30_000`.
    pub floor_ms: u64,
    /// Highest limit, ms, and the limit before the cadence is known. Default `120_000`: twice
    /// the gap of a server that sends an event a minute.
    pub ceiling_ms: u64,
    /// Gaps to see before the learned limit applies. Default `3`.
    pub min_gaps: u32,
}

impl AdaptiveStall {
    /// The defaults, as a constant.
    pub const DEFAULT: AdaptiveStall = AdaptiveStall {
        multiple: 3,
        floor_ms: 30_000,
        ceiling_ms: 120_000,
        min_gaps: 3,
    };

    /// Sets [`multiple`](Self::multiple).
    #[must_use]
    pub const fn with_multiple(mut self, multiple: u32) -> Self {
        self.multiple = multiple;
        self
    }

    /// Sets [`floor_ms`](Self::floor_ms).
    #[must_use]
    pub const fn with_floor_ms(mut self, ms: u64) -> Self {
        self.floor_ms = ms;
        self
    }

    /// Sets [`ceiling_ms`](Self::ceiling_ms).
    #[must_use]
    pub const fn with_ceiling_ms(mut self, ms: u64) -> Self {
        self.ceiling_ms = ms;
        self
    }

    /// Sets [`min_gaps`](Self::min_gaps).
    #[must_use]
    pub const fn with_min_gaps(mut self, gaps: u32) -> Self {
        self.min_gaps = gaps;
        self
    }

    /// The limit after `gaps` gaps whose longest was `longest_gap_ms` (before any stall raised
    /// the floor). Never below 1 ms; a floor above the ceiling wins.
    pub fn limit_ms(&self, gaps: u32, longest_gap_ms: u64) -> u64 {
        self.limit_with_floor(gaps, longest_gap_ms, 0)
    }

    fn ceiling(&self) -> u64 {
        self.ceiling_ms.max(self.floor_ms).max(1)
    }

    fn limit_with_floor(&self, gaps: u32, longest_gap_ms: u64, raised_floor_ms: u64) -> u64 {
        let ceiling = self.ceiling();
        let floor = self.floor_ms.max(raised_floor_ms).clamp(1, ceiling);
        if gaps < self.min_gaps {
            return ceiling;
        }
        longest_gap_ms
            .saturating_mul(u64::from(self.multiple))
            .clamp(floor, ceiling)
    }
}

impl Default for AdaptiveStall {
    fn default() -> Self {
        AdaptiveStall::DEFAULT
    }
}

/// A stall the policy declared: see [`Policy::last_stall`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stall {
    /// How long the connection had been silent, ms.
    pub silence_ms: u64,
    /// The limit it exceeded, ms.
    pub limit_ms: u64,
}

/// `min(base * multiplier^(attempt-1), cap)`, saturating; `multiplier <= 1` is constant.
fn grow(base: u64, cap: u64, multiplier: u32, attempt: u32) -> u64 {
    let mut backoff = base.min(cap);
    if multiplier <= 1 {
        return backoff;
    }
    // Bounded: the backoff at least doubles each step until it reaches the cap (or is 0).
    for _ in 1..attempt {
        if backoff == 0 || backoff >= cap {
            break;
        }
        backoff = backoff.saturating_mul(u64::from(multiplier)).min(cap);
    }
    backoff
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
    /// The connection was silent longer than the [stall limit](Config::stall); see
    /// [`Policy::last_stall`].
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
    /// A [`one_shot`](Config::one_shot) stream that [expects a done signal](Config::expects_done)
    /// ended without it.
    OneShotIncomplete,
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
            GiveUpReason::OneShotIncomplete => "stream ended before it was done",
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
        /// An event arrived on this connection: with a server `retry:` its end is then not a
        /// failure but the server's way of saying "come back in R ms" (see `fail`).
        delivered: bool,
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
    /// The server's `retry:` value: the base of every later backoff and a floor under it, for
    /// the client's lifetime (the spec's "reconnection time" persists across connections).
    server_retry_ms: Option<u64>,
    /// Reused buffer for the last event ID, sent on every reconnect; empty means none.
    last_event_id: String,
    /// The browser reported offline: connects are held back until online.
    offline: bool,
    /// An [`Action::Abort`] not yet polled; the driver must drop the live connection.
    pending_abort: Option<AbortReason>,
    /// An [`Action::GiveUp`] not yet polled; it is reported exactly once.
    pending_give_up: bool,
    /// Gaps between signs of life seen on open streams (for [`AdaptiveStall::min_gaps`]).
    gaps: u32,
    /// The longest of those gaps, ms: the stream's cadence, kept across reconnects.
    longest_gap_ms: u64,
    /// After a stall, later limits are at least this (twice the limit that fired), so a
    /// stream that is only slower than it looked is not cut again and again.
    raised_floor_ms: u64,
    /// The last stall declared, for the driver's error report.
    last_stall: Option<Stall>,
    /// One-shot resumes used so far (against [`Config::one_shot_resumes`]); when non-zero, the
    /// current connection is a resume, and a `204` on it ends the stream cleanly.
    resumes: u32,
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
            resumes: 0,
            gaps: 0,
            longest_gap_ms: 0,
            raised_floor_ms: 0,
            last_stall: None,
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
                    delivered: false,
                };
                Outcome::Opened
            }
            200 => self.give_up(GiveUpReason::ContentType),
            // A resumed one-shot stream: the server has nothing more, the reply was complete.
            204 if self.resumes > 0 => self.give_up(GiveUpReason::OneShotDone),
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
        self.note_activity(now);
    }

    /// The parser dispatched an event on the open stream (call it for every event, after
    /// [`handle_bytes`](Self::handle_bytes) for the chunk that carried it). Once the server
    /// sent `retry:`, a connection that delivered an event and then ended is not a failure:
    /// the next reconnect is the first of a new outage, within `[R, 1.5 R]`.
    pub fn handle_event(&mut self, now: u64) {
        self.note_activity(now);
        if let Phase::Open { delivered, .. } = &mut self.phase {
            *delivered = true;
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

    /// The server sent `retry: ms`: the reconnection time, base of every later backoff
    /// (see [`Config::server_delay_ms`]).
    /// Ignored once closed.
    pub fn handle_retry(&mut self, ms: u64) {
        if !matches!(self.phase, Phase::Closed { .. }) {
            self.server_retry_ms = Some(ms);
        }
    }

    /// The body ended cleanly. Retries, or gives up with [`GiveUpReason::OneShotDone`]; a
    /// one-shot stream that [expects a done signal](Config::expects_done) is resumed or gives
    /// up with [`GiveUpReason::OneShotIncomplete`].
    pub fn handle_stream_end(&mut self, now: u64) -> Outcome {
        match self.phase {
            Phase::Open { .. } if self.config.one_shot && !self.config.expects_done => {
                self.give_up(GiveUpReason::OneShotDone)
            }
            Phase::Open { .. } if self.config.one_shot => {
                self.one_shot_cut(now, GiveUpReason::OneShotIncomplete)
            }
            Phase::Open { .. } | Phase::Connecting { .. } => self.fail(now, None),
            _ => Outcome::Ignored,
        }
    }

    /// The stream's done signal arrived (e.g. an LLM's `[DONE]` event): the stream is
    /// complete, [`Action::GiveUp`] with [`GiveUpReason::OneShotDone`] follows (the driver
    /// releases the connection). Works for streams that are not one-shot too. Ignored unless
    /// connecting or open.
    pub fn handle_done(&mut self) -> Outcome {
        match self.phase {
            Phase::Open { .. } | Phase::Connecting { .. } => {
                self.give_up(GiveUpReason::OneShotDone)
            }
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
        let (last_activity, open) = match self.phase {
            Phase::Open {
                since,
                last_activity,
                ..
            } => {
                if now.saturating_sub(since) >= self.config.healthy_after_ms {
                    self.end_outage();
                }
                (last_activity, true)
            }
            Phase::Connecting { since } => (since, false),
            _ => return,
        };
        // The limit is at least 1 ms: with `Fixed { limit_ms: 0 }` and a zero backoff, a driver
        // draining `poll_action` at one `now` would otherwise see Connect, Abort, Connect...
        let silence_ms = now.saturating_sub(last_activity);
        if let Some(limit_ms) = self.stall_limit(open)
            && silence_ms >= limit_ms
        {
            self.last_stall = Some(Stall {
                silence_ms,
                limit_ms,
            });
            if let StallDetection::Adaptive(adaptive) = self.config.stall {
                self.raised_floor_ms = limit_ms.saturating_mul(2).min(adaptive.ceiling());
            }
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
            Phase::Connecting { since } => self.idle_deadline(since, false),
            Phase::Open {
                since,
                last_activity,
                ..
            } => {
                let healthy = (self.failures > 0 || self.outage_start.is_some())
                    .then(|| since.saturating_add(self.config.healthy_after_ms));
                match (self.idle_deadline(last_activity, true), healthy) {
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

    /// The current stall limit of the open stream (or, while connecting, of the wait for the
    /// response head), ms; `None` with [`StallDetection::Off`] or when neither is live.
    pub fn stall_limit_ms(&self) -> Option<u64> {
        match self.phase {
            Phase::Open { .. } => self.stall_limit(true),
            Phase::Connecting { .. } => self.stall_limit(false),
            _ => None,
        }
    }

    /// The last stall declared (the silence and the limit it exceeded): what the driver
    /// reports after [`Action::Abort`] with [`AbortReason::IdleTimeout`].
    pub fn last_stall(&self) -> Option<Stall> {
        self.last_stall
    }

    /// The server's `retry:` reconnection time, if it sent one.
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

    fn idle_deadline(&self, from: u64, open: bool) -> Option<u64> {
        self.stall_limit(open)
            .map(|limit| from.saturating_add(limit))
    }

    /// The stall limit for a connection that is `open` (else waiting for its head), ms.
    fn stall_limit(&self, open: bool) -> Option<u64> {
        match self.config.stall {
            StallDetection::Off => None,
            StallDetection::Fixed { limit_ms } => Some(limit_ms.max(1)),
            // Waiting for the head: some servers send it only with the first event.
            StallDetection::Adaptive(adaptive) if !open => Some(adaptive.ceiling()),
            StallDetection::Adaptive(adaptive) => Some(adaptive.limit_with_floor(
                self.gaps,
                self.longest_gap_ms,
                self.raised_floor_ms,
            )),
        }
    }

    /// A sign of life on the open stream: restarts the silence clock and measures the gap.
    fn note_activity(&mut self, now: u64) {
        if let Phase::Open { last_activity, .. } = &mut self.phase {
            // Several chunks in the same millisecond are one sign of life, not a gap.
            if now > *last_activity {
                self.gaps = self.gaps.saturating_add(1);
                self.longest_gap_ms = self.longest_gap_ms.max(now - *last_activity);
                *last_activity = now;
            }
        }
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
        if let Phase::Open {
            since, delivered, ..
        } = self.phase
        {
            if self.config.one_shot {
                return self.one_shot_cut(now, GiveUpReason::OneShotFailed);
            }
            // With a server `retry:`, a stream that delivered events and ended is the
            // EventSource way of polling (WPT's resources, servers that end every response on
            // purpose): each reconnect is a first one. A server that accepts and drops without
            // an event still backs off.
            let served = delivered && self.server_retry_ms.is_some();
            if served || now.saturating_sub(since) >= self.config.healthy_after_ms {
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
        let sample = self.next_sample();
        let jittered = match self.server_retry_ms {
            Some(base) => self.config.server_delay_ms(base, self.failures, sample),
            None => self.config.default_delay_ms(self.failures, sample),
        };
        let delay_ms = if self.config.eventsource_rules {
            // The spec's reconnection time, as is.
            self.server_retry_ms.unwrap_or(self.config.initial_delay_ms)
        } else {
            // Retry-After is the server's word for this one attempt: a floor, even above the cap.
            jittered.max(retry_after_ms.unwrap_or(0))
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

    /// A one-shot stream failed or ended early after it opened: resume it (a retry from the
    /// open phase's point of view: backoff and `Last-Event-ID`), or give up with `reason`.
    fn one_shot_cut(&mut self, now: u64, reason: GiveUpReason) -> Outcome {
        if self.resumes >= self.config.one_shot_resumes {
            return self.give_up(reason);
        }
        self.resumes += 1;
        // `fail` sees a connecting phase, so it schedules a plain retry.
        self.phase = Phase::Connecting { since: now };
        self.fail(now, None)
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
