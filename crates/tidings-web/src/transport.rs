//! What a transport (fetch or EventSource) reports to the client.

use crate::prelude::*;
use alloc::rc::Rc;

use tidings_core::Frame;

use crate::ErrorKind;
use crate::messages::MessageBatch;

/// The head of a fetch response, plus the start of the body when it is an error.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseHead {
    pub status: u16,
    pub status_text: String,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The first 1 KiB of the body, read only for responses that will not be streamed.
    pub error_body: Option<String>,
}

/// One report from a transport.
pub(crate) enum TransportUpdate<'a> {
    /// A fetch response head (any status).
    Response(ResponseHead),
    /// The EventSource opened (it cannot see status or headers).
    Opened,
    /// This many bytes (or, for EventSource, data characters) arrived: the connection is alive.
    /// Starts a chunk: the frames up to [`TransportUpdate::ChunkEnd`] came from these bytes.
    Bytes(usize),
    /// A parsed frame. The fetch transport sends a chunk's events as
    /// [`TransportUpdate::Messages`] instead; the EventSource transport, whose events come
    /// one by one, sends them here.
    Frame(Frame<'a>),
    /// Consecutive events of the current chunk, in order, with no other frame between them.
    /// One update per run rather than one per event: on a token stream the per-event trip
    /// through the sink and the client's state was a measurable share of the client's time.
    Messages(MessageBatch),
    /// The parser's last event ID moved without an event carrying it: a block with an `id:`
    /// field and no data (WHATWG HTML §9.2.6 sets the ID before it drops the empty event).
    /// Sent before [`TransportUpdate::ChunkEnd`], only when it differs from the ID of the
    /// chunk's last event.
    LastEventId(&'a str),
    /// The frames of the chunk that `Bytes` started have all been reported. Sent after every
    /// `Bytes`, even when the sink answered `false` meanwhile.
    ChunkEnd,
    /// The body ended normally.
    Ended,
    /// The connection failed; the transport stops.
    Failed(ErrorKind),
    /// The EventSource lost its connection and the browser is reconnecting by itself.
    BrowserRetrying,
}

/// Where a transport sends its updates. Returns `false` once the client no longer wants them
/// (the connection was replaced or closed): the transport then stops reading.
pub(crate) type Sink = Rc<dyn Fn(TransportUpdate<'_>) -> bool>;

/// A header value may never carry CR, LF or NUL (header injection, and fetch would throw).
pub(crate) fn is_safe_header_value(value: &str) -> bool {
    !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// `value` as a [ByteString](https://webidl.spec.whatwg.org/#idl-ByteString): one char per
/// UTF-8 byte. `Headers.set` rejects any char above U+00FF, so an ID such as `…` must go out
/// as its UTF-8 bytes, which is what the browser's own EventSource sends.
pub(crate) fn header_byte_string(value: &str) -> String {
    if value.is_ascii() {
        return value.to_owned();
    }
    value.bytes().map(char::from).collect()
}
