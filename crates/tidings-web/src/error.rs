//! Typed errors reported by the client.

use std::fmt;

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
    /// Nothing arrived for longer than the idle timeout; the connection was dropped.
    IdleTimeout,
    /// A line or event exceeded the parser limits; the client stops (the same server would
    /// send the same event again).
    TooLarge(ParseError),
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The policy stopped retrying (too many attempts, too long, or a one-shot stream failed).
    GaveUp(GiveUpReason),
}

impl ErrorKind {
    /// The kind as a short string, the same as the npm package's `kind`.
    ///
    /// ```
    /// use tidings_web::ErrorKind;
    /// assert_eq!(ErrorKind::IdleTimeout.name(), "idle-timeout");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Http { .. } => "http",
            ErrorKind::ContentType { .. } => "content-type",
            ErrorKind::Network { .. } => "network",
            ErrorKind::IdleTimeout => "idle-timeout",
            ErrorKind::TooLarge(_) => "too-large",
            ErrorKind::Aborted => "aborted",
            ErrorKind::GaveUp(_) => "gave-up",
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

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Http {
                status,
                status_text,
                ..
            } if status_text.is_empty() => {
                write!(f, "http status {status}")
            }
            ErrorKind::Http {
                status,
                status_text,
                ..
            } => write!(f, "http status {status} {status_text}"),
            ErrorKind::ContentType {
                content_type: Some(ct),
            } => write!(f, "unexpected content-type {ct}"),
            ErrorKind::ContentType { content_type: None } => f.write_str("missing content-type"),
            ErrorKind::Network { message } => write!(f, "network error: {message}"),
            ErrorKind::IdleTimeout => f.write_str("no data within the idle timeout"),
            ErrorKind::TooLarge(e) => write!(f, "{e}"),
            ErrorKind::Aborted => f.write_str("aborted"),
            ErrorKind::GaveUp(reason) => write!(f, "gave up: {reason}"),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        match self.delay_ms {
            Some(delay) if self.will_retry => write!(f, " (retry {} in {delay} ms)", self.attempt),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for ClientError {}
