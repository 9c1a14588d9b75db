//! Typed errors reported by the client.

use crate::prelude::*;
use core::fmt;

use tidings_core::ParseError;
use tidings_core::policy::GiveUpReason;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with a status other than 200 (fetch transport).
    Http {
        /// The HTTP status code.
        status: u16,
        /// The status text, when the server sent one.
        status_text: String,
        /// The first 1 KiB of the response body (lossy UTF-8), for the error message.
        body: String,
    },
    /// The server answered 200 but not with `text/event-stream`.
    ContentType {
        /// The Content-Type the server sent, if any.
        content_type: Option<String>,
    },
    /// The request or the body failed: refused, reset, cut mid-stream, CORS, DNS.
    Network {
        /// What the browser said.
        message: String,
    },
    /// The stream stalled: nothing (not even a comment) arrived for longer than the stall limit
    /// (learned from the stream's cadence, or the fixed idle timeout); the connection was
    /// dropped and, unless [`ClientError::will_retry`] is `false`, is resumed with
    /// `Last-Event-ID`.
    Stall {
        /// How long the connection had been silent, ms.
        silence_ms: u64,
        /// The limit it exceeded, ms.
        limit_ms: u64,
    },
    /// A line or event exceeded the parser limits; the client stops (the same server would
    /// send the same event again).
    TooLarge(ParseError),
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The policy stopped retrying (too many attempts, too long, or a one-shot stream failed).
    GaveUp(GiveUpReason),
    /// A stream with a done sentinel ended cleanly before the sentinel arrived: the reply is
    /// cut short (a one-shot stream resumes when [`ClientOptions::resume`](crate::ClientOptions::resume)
    /// allows, otherwise this is final).
    Incomplete {
        /// The last event ID received (what a resume continues from); empty if none.
        last_event_id: String,
        /// Events received so far (the sentinel not counted).
        events: u64,
    },
    /// Tab sharing was asked for a stream with request headers or credentials but without an
    /// explicit key: the key decides who may read the stream, so tidings will not guess it.
    ShareKeyRequired,
    /// A shared tab was away (frozen, in the back/forward cache) for longer than the leader
    /// keeps events: this many events were missed. The stream goes on after them.
    SharedGap {
        /// Events missed.
        missed: u64,
    },
}

impl ErrorKind {
    /// The kind as a short string, the same as the npm package's `kind`.
    ///
    /// ```
    /// use tidings_web::ErrorKind;
    /// assert_eq!(ErrorKind::Stall { silence_ms: 45_000, limit_ms: 45_000 }.name(), "stall");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Http { .. } => "http",
            ErrorKind::ContentType { .. } => "content-type",
            ErrorKind::Network { .. } => "network",
            ErrorKind::Stall { .. } => "stall",
            ErrorKind::TooLarge(_) => "too-large",
            ErrorKind::Aborted => "aborted",
            ErrorKind::GaveUp(_) => "gave-up",
            ErrorKind::Incomplete { .. } => "incomplete",
            ErrorKind::ShareKeyRequired => "share-key-required",
            ErrorKind::SharedGap { .. } => "shared-gap",
        }
    }
}

/// An error with what the client will do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Whether the client will reconnect.
    pub will_retry: bool,
    /// The attempt number of the next connection (1 for the first retry of an outage), or of
    /// the failed one when the client gives up.
    pub attempt: u32,
    /// Milliseconds until the next attempt, when it will retry.
    pub delay_ms: Option<u64>,
}

// The messages are built by pushing onto a `String`, not with `write!`: the wasm module of the
// npm package sends them to JS, and `core::fmt` would cost it several KB. `Display` uses the
// same code, so the two cannot drift apart.

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in digits.get(start..).unwrap_or_default() {
        out.push(char::from(digit));
    }
}

/// Appends the `Display` text of a parse error (its words come from tidings-core).
fn push_parse_error(out: &mut String, error: &ParseError) {
    out.push_str(error.message_prefix());
    push_decimal(out, error.limit() as u64);
    out.push_str(" bytes");
}

/// Appends the `Display` text of a give-up reason (its words come from tidings-core).
fn push_give_up_reason(out: &mut String, reason: &GiveUpReason) {
    out.push_str(reason.message_prefix());
    if let GiveUpReason::Http { status } = reason {
        push_decimal(out, u64::from(*status));
    }
}

impl ErrorKind {
    /// For [`ErrorKind::GaveUp`], why the client gave up, in words; `None` for other kinds.
    /// Built without `core::fmt`, like [`ClientError::message`].
    ///
    /// ```
    /// use tidings_core::policy::GiveUpReason;
    /// use tidings_web::ErrorKind;
    /// assert_eq!(ErrorKind::GaveUp(GiveUpReason::MaxAttempts).reason_text().as_deref(), Some("too many attempts"));
    /// assert_eq!(ErrorKind::Aborted.reason_text(), None);
    /// ```
    pub fn reason_text(&self) -> Option<String> {
        let ErrorKind::GaveUp(reason) = self else {
            return None;
        };
        let mut out = String::new();
        push_give_up_reason(&mut out, reason);
        Some(out)
    }

    /// Appends the `Display` text.
    fn push_message(&self, out: &mut String) {
        match self {
            ErrorKind::Http {
                status,
                status_text,
                ..
            } => {
                out.push_str("http status ");
                push_decimal(out, u64::from(*status));
                if !status_text.is_empty() {
                    out.push(' ');
                    out.push_str(status_text);
                }
            }
            ErrorKind::ContentType {
                content_type: Some(ct),
            } => {
                out.push_str("unexpected content-type ");
                out.push_str(ct);
            }
            ErrorKind::ContentType { content_type: None } => out.push_str("missing content-type"),
            ErrorKind::Network { message } => {
                out.push_str("network error: ");
                out.push_str(message);
            }
            ErrorKind::Stall {
                silence_ms,
                limit_ms,
            } => {
                out.push_str("stalled: no data for ");
                push_decimal(out, *silence_ms);
                out.push_str(" ms (limit ");
                push_decimal(out, *limit_ms);
                out.push_str(" ms)");
            }
            ErrorKind::TooLarge(e) => push_parse_error(out, e),
            ErrorKind::Aborted => out.push_str("aborted"),
            ErrorKind::ShareKeyRequired => out.push_str(
                "share needs an explicit key when the request has headers or credentials",
            ),
            ErrorKind::SharedGap { missed } => {
                out.push_str("missed ");
                push_decimal(out, *missed);
                out.push_str(" events while the tab was away");
            }
            ErrorKind::GaveUp(reason) => {
                out.push_str("gave up: ");
                push_give_up_reason(out, reason);
            }
            ErrorKind::Incomplete {
                last_event_id,
                events,
            } => {
                out.push_str("stream ended before the done sentinel after ");
                push_decimal(out, *events);
                out.push_str(" events");
                if !last_event_id.is_empty() {
                    out.push_str(", last event id ");
                    out.push_str(last_event_id);
                }
            }
        }
    }
}

impl ClientError {
    /// The `Display` text, built without `core::fmt`: bindings whose binary must stay small
    /// (the npm package's wasm module) use it instead of `to_string()`.
    ///
    /// ```
    /// use tidings_web::{ClientError, ErrorKind};
    /// let kind = ErrorKind::Stall { silence_ms: 45_000, limit_ms: 45_000 };
    /// let error = ClientError { kind, will_retry: true, attempt: 2, delay_ms: Some(1500) };
    /// assert_eq!(error.message(), "stalled: no data for 45000 ms (limit 45000 ms) (retry 2 in 1500 ms)");
    /// assert_eq!(error.message(), error.to_string());
    /// ```
    pub fn message(&self) -> String {
        let mut out = String::new();
        self.kind.push_message(&mut out);
        if let (Some(delay), true) = (self.delay_ms, self.will_retry) {
            out.push_str(" (retry ");
            push_decimal(&mut out, u64::from(self.attempt));
            out.push_str(" in ");
            push_decimal(&mut out, delay);
            out.push_str(" ms)");
        }
        out
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.push_message(&mut text);
        f.write_str(&text)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for ClientError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn error(kind: ErrorKind, will_retry: bool, delay_ms: Option<u64>) -> ClientError {
        ClientError {
            kind,
            will_retry,
            attempt: 3,
            delay_ms,
        }
    }

    #[test]
    fn messages_are_the_same_as_before() {
        let http = |status_text: &str| ErrorKind::Http {
            status: 503,
            status_text: status_text.into(),
            body: "x".into(),
        };
        for (error, text) in [
            (error(http(""), false, None), "http status 503"),
            (
                error(http("Service Unavailable"), true, Some(1500)),
                "http status 503 Service Unavailable (retry 3 in 1500 ms)",
            ),
            (error(http(""), false, Some(1500)), "http status 503"),
            (
                error(
                    ErrorKind::ContentType {
                        content_type: Some("text/html".into()),
                    },
                    false,
                    None,
                ),
                "unexpected content-type text/html",
            ),
            (
                error(ErrorKind::ContentType { content_type: None }, false, None),
                "missing content-type",
            ),
            (
                error(
                    ErrorKind::Network {
                        message: "refused".into(),
                    },
                    true,
                    Some(0),
                ),
                "network error: refused (retry 3 in 0 ms)",
            ),
            (
                error(
                    ErrorKind::Stall {
                        silence_ms: 45_001,
                        limit_ms: 45_000,
                    },
                    true,
                    Some(u64::MAX),
                ),
                "stalled: no data for 45001 ms (limit 45000 ms) (retry 3 in 18446744073709551615 ms)",
            ),
            (error(ErrorKind::Aborted, false, None), "aborted"),
            (
                error(
                    ErrorKind::Incomplete {
                        last_event_id: "t7".into(),
                        events: 8,
                    },
                    false,
                    None,
                ),
                "stream ended before the done sentinel after 8 events, last event id t7",
            ),
            (
                error(
                    ErrorKind::Incomplete {
                        last_event_id: String::new(),
                        events: 0,
                    },
                    true,
                    Some(250),
                ),
                "stream ended before the done sentinel after 0 events (retry 3 in 250 ms)",
            ),
        ] {
            assert_eq!(error.message(), text);
            assert_eq!(error.to_string(), text);
        }
    }

    #[test]
    fn parse_errors_and_give_up_reasons_read_as_in_tidings_core() {
        for parse in [
            ParseError::LineTooLong { limit: 0 },
            ParseError::EventTooLarge { limit: 16 << 20 },
            ParseError::EventTooLarge { limit: usize::MAX },
        ] {
            let error = error(ErrorKind::TooLarge(parse), false, None);
            assert_eq!(error.to_string(), parse.to_string());
        }
        for reason in [
            GiveUpReason::Http { status: 0 },
            GiveUpReason::Http { status: 404 },
            GiveUpReason::ContentType,
            GiveUpReason::NoContent,
            GiveUpReason::MaxAttempts,
            GiveUpReason::MaxElapsed,
            GiveUpReason::Closed,
            GiveUpReason::OneShotDone,
            GiveUpReason::OneShotFailed,
            GiveUpReason::OneShotIncomplete,
        ] {
            let mut text = String::new();
            push_give_up_reason(&mut text, &reason);
            assert_eq!(text, reason.to_string());
            let error = error(ErrorKind::GaveUp(reason), false, None);
            assert_eq!(error.to_string(), format!("gave up: {reason}"));
        }
    }
}
