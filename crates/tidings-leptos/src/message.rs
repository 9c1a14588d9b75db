//! What the hooks hand out: decoded messages and typed errors.

use std::fmt;

use tidings_web::ClientError;

/// A received event with its data decoded.
///
/// ```
/// use tidings_leptos::SseMessage;
/// let message = SseMessage {
///     event_type: "message".to_owned(),
///     data: 42u32,
///     last_event_id: "7".to_owned(),
/// };
/// assert_eq!(message.data, 42);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseMessage<T> {
    /// The event type (`message` unless the server sent an
    /// [`event:`](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
    /// line).
    pub event_type: String,
    /// The decoded data.
    pub data: T,
    /// The last event ID in force for this event (what a reconnect resumes from).
    pub last_event_id: String,
}

/// An event's data that the decoder refused. The event is not delivered to `message`,
/// `messages` or `on_message`; the stream goes on.
///
/// ```
/// use tidings_leptos::DecodeError;
/// let error = DecodeError {
///     event_type: "message".into(),
///     data: "not json".into(),
///     last_event_id: String::new(),
///     message: "expected ident at line 1 column 2".into(),
/// };
/// assert_eq!(error.to_string(), "cannot decode event data: expected ident at line 1 column 2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The event type of the refused event.
    pub event_type: String,
    /// The raw data that failed to decode.
    pub data: String,
    /// The last event ID in force for the refused event.
    pub last_event_id: String,
    /// What the decoder said.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode event data: {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

/// What went wrong, as the `error` signal and `on_error` report it.
///
/// ```
/// use tidings_leptos::SseError;
/// use tidings_web::{ClientError, ErrorKind};
/// let error = SseError::Client(ClientError {
///     kind: ErrorKind::Stall { silence_ms: 45_000, limit_ms: 45_000 },
///     will_retry: true,
///     attempt: 1,
///     delay_ms: Some(1000),
/// });
/// assert!(error.will_retry());
/// assert_eq!(
///     error.to_string(),
///     "stalled: no data for 45000 ms (limit 45000 ms) (retry 1 in 1000 ms)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SseError {
    /// The connection failed or the server refused it; the client says whether it retries.
    Client(ClientError),
    /// An event's data could not be decoded.
    Decode(DecodeError),
}

impl SseError {
    /// Whether the stream goes on after this error: a client error that will be retried, or a
    /// decode error (the connection is unaffected).
    pub fn will_retry(&self) -> bool {
        match self {
            SseError::Client(error) => error.will_retry,
            SseError::Decode(_) => true,
        }
    }

    /// The error as a short name: the client's [`ErrorKind::name`](tidings_web::ErrorKind::name)
    /// or `decode`.
    ///
    /// ```
    /// use tidings_leptos::{DecodeError, SseError};
    /// let error = SseError::Decode(DecodeError {
    ///     event_type: "message".into(),
    ///     data: "x".into(),
    ///     last_event_id: String::new(),
    ///     message: "bad".into(),
    /// });
    /// assert_eq!(error.kind_name(), "decode");
    /// ```
    pub fn kind_name(&self) -> &'static str {
        match self {
            SseError::Client(error) => error.kind.name(),
            SseError::Decode(_) => "decode",
        }
    }
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::Client(error) => error.fmt(f),
            SseError::Decode(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for SseError {}

impl From<ClientError> for SseError {
    fn from(error: ClientError) -> Self {
        SseError::Client(error)
    }
}

impl From<DecodeError> for SseError {
    fn from(error: DecodeError) -> Self {
        SseError::Decode(error)
    }
}
