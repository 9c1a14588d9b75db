//! The `text/event-stream` parser: bytes in, [`Frame`]s out.
//!
//! It implements [WHATWG HTML §9.2.5 "Parsing an event stream"][parsing] and
//! [§9.2.6 "Interpreting an event stream"][interpreting] exactly, incrementally, over byte
//! chunks split anywhere (inside a CRLF pair, inside a multi-byte UTF-8 character, inside the
//! byte order mark).
//!
//! ```
//! use tidings_core::{Frame, Parser};
//!
//! let mut parser = Parser::new();
//! let mut seen = Vec::new();
//! for chunk in [&b"event: greet\r\nda"[..], b"ta: hello\r", b"\n\r\n"] {
//!     parser
//!         .feed(chunk, |frame| {
//!             if let Frame::Event(event) = frame {
//!                 seen.push((event.event_type.to_owned(), event.data.to_owned()));
//!             }
//!         })
//!         .unwrap();
//! }
//! assert_eq!(seen, [("greet".to_owned(), "hello".to_owned())]);
//! ```
//!
//! # Decisions the spec leaves open
//!
//! * **Comments** are ignored by browsers; here they are reported as [`Frame::Comment`] (they
//!   are heartbeats for an idle timeout). The text after the colon is reported with **one
//!   leading U+0020 SPACE stripped**, the same rule the spec applies to field values and the
//!   same as eventsource-parser v3 (`": ping"` → `"ping"`, `":  ping"` → `" ping"`).
//! * **`retry`** values too large for a `u64` saturate to `u64::MAX` (the spec's integer is
//!   unbounded; any value that large means "never" in practice).
//! * **Last event ID across connections**: the spec initialises the last event ID buffer to
//!   the empty string for every stream. Browsers (Chromium, Firefox) and web-platform-tests
//!   instead start a new connection from the current last event ID, so [`Parser::reset`] keeps
//!   it and the next stream's buffer starts from it.
//! * **Limits** ([`Limits`]) are not in the spec; they turn unbounded input into a typed,
//!   final [`ParseError`].
//!
//! # How it stays fast and linear
//!
//! CR and LF are ASCII, and in UTF-8 an ASCII byte never occurs inside a multi-byte sequence
//! and always ends an invalid one. So splitting *bytes* at CR/LF and then decoding each line
//! on its own gives exactly the same text as decoding the whole stream and then splitting it
//! (including U+FFFD replacement of maximal subparts). The parser therefore needs no
//! streaming UTF-8 decoder state: a line that lies wholly inside a chunk is validated with
//! `core::str::from_utf8` (once per run of valid lines, not per line) and borrowed without
//! copying; only a line that straddles chunks is copied, as raw bytes, into one buffer, and
//! each new chunk is scanned once (never the buffered bytes again).
//!
//! [parsing]: https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
//! [interpreting]: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

use crate::batch::Batch;
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The UTF-8 encoding of U+FEFF BYTE ORDER MARK, stripped once at the start of each stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// `data:` plus the byte after it: enough of an unfinished line to know it is a `data` field
/// and where its value starts.
const DATA_PREFIX: usize = 6;

/// Buffers whose capacity grew past this are freed after use, so one huge event does not pin
/// its memory for the rest of a long-lived connection. 128 KiB, not 64: a stream of 64 KiB
/// events (whose buffers double to 128 KiB) then reuses its buffers instead of growing them
/// again for every event (A/B, 1,000 x 64 KiB in Chromium: 43.5 -> 41.9 ms).
const RETAINED_CAPACITY: usize = 128 * 1024;

/// How much of an unfinished event's data a streaming sink ([`Parser::feed_batch`]) gets at
/// once, at the end of a feed: big enough that a part costs JS one decode per 64 KiB, small
/// enough that the data buffer stays within what the parser keeps between events (with
/// chunks of up to 64 KiB).
const STREAMED_PART: usize = 64 * 1024;

/// An event's data longer than this goes to a streaming sink as a part at dispatch, where the
/// sink can take it without a copy (see [`Batch::take_part`]); shorter data is copied.
const BIG_DATA: usize = 4 * 1024;

/// Size limits that bound the parser's memory.
///
/// The defaults are **16 MiB** for both limits. Browsers have no limits at all, and real
/// streams do carry multi-megabyte single-line events (base64 images, big JSON snapshots), so
/// the defaults leave 2× headroom over an 8 MiB single-line event while still turning a
/// runaway or hostile stream into an error long before it exhausts memory.
///
/// What the limits bound:
/// * The raw bytes of the line being parsed, excluding its terminator:
///   at most `max_line_len`.
/// * The data of one event (what [`Event::data`] would be, in UTF-8 bytes after decoding):
///   at most `max_event_size`.
/// * The event type and last event ID come from one line each, so they are bounded by
///   `max_line_len` (times 3 in the worst case, when every byte is invalid UTF-8 and becomes a
///   3-byte U+FFFD).
///
/// ```
/// use tidings_core::{Limits, ParseError, Parser};
///
/// let mut parser = Parser::with_limits(Limits { max_line_len: 8, max_event_size: 1024 });
/// let result = parser.feed(b"data: this line is too long\n", |_| {});
/// assert_eq!(result, Err(ParseError::LineTooLong { limit: 8 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Longest line, in raw bytes without its line ending, before [`ParseError::LineTooLong`].
    pub max_line_len: usize,
    /// Largest data of one event, in UTF-8 bytes without the final LF, before
    /// [`ParseError::EventTooLarge`].
    pub max_event_size: usize,
}

impl Limits {
    /// The default limits: 16 MiB for a line and 16 MiB for an event's data.
    ///
    /// ```
    /// use tidings_core::Limits;
    /// assert_eq!(Limits::DEFAULT, Limits::default());
    /// assert!(Limits::DEFAULT.max_event_size >= 8 << 20);
    /// ```
    pub const DEFAULT: Limits = Limits {
        max_line_len: 16 << 20,
        max_event_size: 16 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A dispatched event, borrowed from the parser's buffers or from the chunk being fed.
///
/// See [§9.2.6 "dispatch the event"](https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage).
///
/// ```
/// use tidings_core::{Frame, Parser};
///
/// let mut parser = Parser::new();
/// parser
///     .feed(b"id: 7\ndata: a\ndata: b\n\n", |frame| {
///         if let Frame::Event(event) = frame {
///             assert_eq!(event.event_type, "message");
///             assert_eq!(event.data, "a\nb");
///             assert_eq!(event.last_event_id, "7");
///         }
///     })
///     .unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Event<'a> {
    /// The event type (`"message"` unless an `event:` field set a non-empty one).
    pub event_type: &'a str,
    /// The data buffer, with its one trailing LF removed.
    pub data: &'a str,
    /// The stream's last event ID at dispatch time (persists across events).
    pub last_event_id: &'a str,
}

impl Event<'_> {
    /// Copies the event out of the parser's buffers.
    ///
    /// ```
    /// use tidings_core::{Event, OwnedEvent};
    ///
    /// let event = Event { event_type: "message", data: "hi", last_event_id: "" };
    /// let owned: OwnedEvent = event.to_owned_event();
    /// assert_eq!(owned.data, "hi");
    /// assert_eq!(owned.as_event(), event);
    /// ```
    pub fn to_owned_event(&self) -> OwnedEvent {
        OwnedEvent {
            event_type: self.event_type.into(),
            data: self.data.into(),
            last_event_id: self.last_event_id.into(),
        }
    }
}

/// An owned copy of an [`Event`].
///
/// ```
/// use tidings_core::{Event, OwnedEvent};
///
/// let owned = OwnedEvent::from(Event { event_type: "tick", data: "1", last_event_id: "a" });
/// assert_eq!(owned.event_type, "tick");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OwnedEvent {
    /// See [`Event::event_type`].
    pub event_type: String,
    /// See [`Event::data`].
    pub data: String,
    /// See [`Event::last_event_id`].
    pub last_event_id: String,
}

impl OwnedEvent {
    /// Borrows this event as an [`Event`].
    ///
    /// ```
    /// use tidings_core::OwnedEvent;
    ///
    /// let owned = OwnedEvent { event_type: "message".into(), ..Default::default() };
    /// assert_eq!(owned.as_event().event_type, "message");
    /// ```
    pub fn as_event(&self) -> Event<'_> {
        Event {
            event_type: &self.event_type,
            data: &self.data,
            last_event_id: &self.last_event_id,
        }
    }
}

impl From<Event<'_>> for OwnedEvent {
    fn from(event: Event<'_>) -> Self {
        event.to_owned_event()
    }
}

/// One output of the parser.
///
/// ```
/// use tidings_core::{Frame, Parser};
///
/// let mut frames = Vec::new();
/// Parser::new()
///     .feed(b": ping\nretry: 3000\ndata: x\n\n", |frame| frames.push(frame.to_owned_frame()))
///     .unwrap();
/// assert_eq!(frames.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frame<'a> {
    /// An event was dispatched (a blank line ended an event with a non-empty data buffer).
    Event(Event<'a>),
    /// A `retry:` field made only of ASCII digits set the reconnection time, in milliseconds
    /// (saturating at `u64::MAX`).
    Retry(u64),
    /// A comment line: the text after the colon, with one leading space stripped. Servers send
    /// these as heartbeats.
    Comment(&'a str),
}

impl Frame<'_> {
    /// Copies the frame out of the parser's buffers.
    ///
    /// ```
    /// use tidings_core::{Frame, OwnedFrame};
    ///
    /// assert_eq!(Frame::Comment("hi").to_owned_frame(), OwnedFrame::Comment("hi".into()));
    /// assert_eq!(Frame::Retry(5).to_owned_frame(), OwnedFrame::Retry(5));
    /// ```
    pub fn to_owned_frame(&self) -> OwnedFrame {
        match *self {
            Frame::Event(event) => OwnedFrame::Event(event.to_owned_event()),
            Frame::Retry(ms) => OwnedFrame::Retry(ms),
            Frame::Comment(text) => OwnedFrame::Comment(text.into()),
        }
    }
}

/// An owned copy of a [`Frame`], as collected by [`Parser::feed_collect`].
///
/// ```
/// use tidings_core::{OwnedFrame, Parser};
///
/// let mut frames = Vec::new();
/// Parser::new().feed_collect(b"retry: 10\n", &mut frames).unwrap();
/// assert_eq!(frames, [OwnedFrame::Retry(10)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnedFrame {
    /// See [`Frame::Event`].
    Event(OwnedEvent),
    /// See [`Frame::Retry`].
    Retry(u64),
    /// See [`Frame::Comment`].
    Comment(String),
}

impl From<Frame<'_>> for OwnedFrame {
    fn from(frame: Frame<'_>) -> Self {
        frame.to_owned_frame()
    }
}

/// Why the parser stopped. Final until [`Parser::reset`].
///
/// ```
/// use tidings_core::ParseError;
///
/// let error = ParseError::EventTooLarge { limit: 10 };
/// assert_eq!(error.to_string(), "event data larger than 10 bytes");
/// assert_eq!(error.code(), "event-too-large");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseError {
    /// A line exceeded [`Limits::max_line_len`].
    LineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// An event's data exceeded [`Limits::max_event_size`].
    EventTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
}

impl ParseError {
    /// A stable kebab-case name for the error (`"line-too-long"`, `"event-too-large"`), as
    /// used by the conformance fixtures and the JavaScript API.
    ///
    /// ```
    /// use tidings_core::ParseError;
    /// assert_eq!(ParseError::LineTooLong { limit: 1 }.code(), "line-too-long");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::LineTooLong { .. } => "line-too-long",
            ParseError::EventTooLarge { .. } => "event-too-large",
        }
    }

    /// The limit that was exceeded, in bytes.
    ///
    /// ```
    /// use tidings_core::ParseError;
    /// assert_eq!(ParseError::LineTooLong { limit: 64 }.limit(), 64);
    /// ```
    pub fn limit(&self) -> usize {
        match self {
            ParseError::LineTooLong { limit } | ParseError::EventTooLarge { limit } => *limit,
        }
    }

    /// The start of the `Display` text, which goes on with [`limit`](Self::limit) and
    /// `" bytes"`. For callers that build the message without `core::fmt` (the wasm modules).
    ///
    /// ```
    /// use tidings_core::ParseError;
    /// let error = ParseError::LineTooLong { limit: 64 };
    /// assert_eq!(format!("{}{} bytes", error.message_prefix(), error.limit()), error.to_string());
    /// ```
    pub fn message_prefix(&self) -> &'static str {
        match self {
            ParseError::LineTooLong { .. } => "line longer than ",
            ParseError::EventTooLarge { .. } => "event data larger than ",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} bytes", self.message_prefix(), self.limit())
    }
}

/// `core::error::Error` is the same trait as `std::error::Error`, so this impl serves `std`
/// users and `no_std` users alike.
impl core::error::Error for ParseError {}

/// Incremental `text/event-stream` parser
/// ([WHATWG HTML §9.2.5–9.2.6](https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream)).
///
/// Feed it byte chunks as they arrive with [`feed`](Parser::feed); call
/// [`finish`](Parser::finish) when the stream ends and [`reset`](Parser::reset) before the
/// bytes of a new connection. It never panics, never allocates without bound (see
/// [`Limits`]) and runs in time linear in its input however the input is chunked.
///
/// ```
/// use tidings_core::{Frame, Parser};
///
/// let mut parser = Parser::new();
/// let mut data = Vec::new();
/// // Split inside a CRLF pair and inside the two-byte "é".
/// for chunk in [&b"data: caf\xC3"[..], b"\xA9\r", b"\n\r\n"] {
///     parser
///         .feed(chunk, |frame| {
///             if let Frame::Event(e) = frame {
///                 data.push(e.data.to_owned());
///             }
///         })
///         .unwrap();
/// }
/// parser.finish();
/// assert_eq!(data, ["café"]);
/// ```
#[derive(Debug, Clone)]
pub struct Parser {
    /// Bounds every buffer below; fixed at construction so behaviour never changes mid-stream.
    limits: Limits,
    /// Set when a limit is exceeded. A stream that overflowed cannot be resynchronised
    /// reliably (we dropped bytes), so the error is final until `reset()` starts a new one.
    failed: Option<ParseError>,
    /// `Some(n)`: still at the start of a stream, and its first `n` bytes matched the BOM so
    /// far. The BOM can be split across chunks, so a partial match must survive a `feed`.
    /// `None`: past the start of the stream; a U+FEFF now is ordinary text.
    bom_matched: Option<u8>,
    /// The previous chunk ended with a CR that ended a line. If the next chunk starts with LF
    /// that LF is the second half of a CRLF, not a second (blank) line.
    skip_lf: bool,
    /// Raw bytes of a line that started in an earlier chunk and has not ended yet. Kept raw
    /// (undecoded) because it may end inside a UTF-8 sequence that the next chunk completes;
    /// decoding happens once, when the line is complete. In `direct` mode it holds only the
    /// incomplete UTF-8 sequence (at most 3 bytes) at the end of the bytes seen so far.
    line_buf: Vec<u8>,
    /// The unfinished line is a `data:` line whose value is decoded straight into `data` as
    /// its bytes arrive (one copy, no second pass when the line ends), instead of being
    /// buffered raw in `line_buf`.
    direct: bool,
    /// In `direct` mode: the raw length of the unfinished line so far (for `max_line_len`).
    line_len: usize,
    /// In `direct` mode: the value already exceeds `max_event_size`, so the line can only end
    /// in [`ParseError::EventTooLarge`] (or be discarded); `data` was dropped.
    overflow: bool,
    /// The spec's "data buffer": every `data` value followed by LF since the last dispatch.
    /// For a sink that takes data in parts (a [`Batch`]), only what follows the first
    /// `streamed` bytes, which the sink already has (see [`Parser::stream_data`]).
    data: String,
    /// Bytes of the data buffer already handed to the sink as parts, not held in `data`.
    streamed: usize,
    /// The spec's "event type buffer"; empty means "message".
    event_type: String,
    /// The spec's "last event ID buffer", valid only while `id_pending` is set (an `id` field
    /// arrived since the last dispatch). It is committed at the next blank line, not before: a
    /// stream cut before that blank line must not move the ID a reconnect resumes from.
    pending_id: String,
    /// Whether `pending_id` holds a value not yet committed to `last_event_id`. Otherwise the
    /// buffer equals `last_event_id`; keeping the flag avoids copying the ID on every event.
    id_pending: bool,
    /// The event source's "last event ID string": what events carry and what a reconnect
    /// sends as `Last-Event-ID`. Survives dispatch, `finish` and `reset`.
    last_event_id: String,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// A parser with [`Limits::DEFAULT`].
    ///
    /// ```
    /// use tidings_core::{Limits, Parser};
    /// assert_eq!(Parser::new().limits(), Limits::default());
    /// ```
    pub const fn new() -> Self {
        Self::with_limits(Limits::DEFAULT)
    }

    /// A parser with the given limits.
    ///
    /// ```
    /// use tidings_core::{Limits, Parser};
    ///
    /// let limits = Limits { max_line_len: 4096, max_event_size: 1 << 20 };
    /// assert_eq!(Parser::with_limits(limits).limits(), limits);
    /// ```
    pub const fn with_limits(limits: Limits) -> Self {
        Parser {
            limits,
            failed: None,
            bom_matched: Some(0),
            skip_lf: false,
            line_buf: Vec::new(),
            direct: false,
            line_len: 0,
            overflow: false,
            data: String::new(),
            streamed: 0,
            event_type: String::new(),
            pending_id: String::new(),
            id_pending: false,
            last_event_id: String::new(),
        }
    }

    /// The limits this parser enforces.
    ///
    /// ```
    /// use tidings_core::Parser;
    /// assert_eq!(Parser::new().limits().max_line_len, 16 << 20);
    /// ```
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Feeds a chunk of bytes and calls `on_frame` for each output, in stream order.
    ///
    /// Chunks may be split anywhere. Needing more bytes is never an error. On an error the
    /// frames before the offending line have been delivered, and the parser stays failed:
    /// every later `feed` returns the same error and emits nothing, until [`reset`].
    ///
    /// ```
    /// use tidings_core::{Frame, Parser};
    ///
    /// let mut parser = Parser::new();
    /// let mut count = 0;
    /// parser.feed(b"data: 1\n\ndata: 2\n", |_| count += 1).unwrap();
    /// assert_eq!(count, 1); // the second event has not ended yet
    /// parser.feed(b"\n", |_| count += 1).unwrap();
    /// assert_eq!(count, 2);
    /// ```
    ///
    /// [`reset`]: Parser::reset
    pub fn feed<F: FnMut(Frame<'_>)>(
        &mut self,
        bytes: &[u8],
        mut on_frame: F,
    ) -> Result<(), ParseError> {
        self.feed_to(bytes, &mut Frames(&mut on_frame))
    }

    /// Like [`feed`](Parser::feed), encoding the frames into `batch` (as
    /// `|frame| batch.push(frame)` would), except for a long event's data: when an event is
    /// still unfinished at the end of a feed and its data buffer holds at least 64 KiB, the
    /// batch gets that data as a [`record::PART`](crate::batch::record::PART) and the parser
    /// keeps only what follows. So an 8 MiB event arriving in small chunks reaches JS in
    /// 64 KiB parts, each decoded once, and no buffer grows to 8 MiB (on either side of the
    /// boundary, where each doubling of a buffer would copy it).
    ///
    /// ```
    /// use tidings_core::Parser;
    /// use tidings_core::batch::{Batch, record};
    ///
    /// let (mut parser, mut batch) = (Parser::new(), Batch::new());
    /// batch.start();
    /// parser.feed_batch(b"data: a\n\nevent: x\ndata: b\n\n", &mut batch).unwrap();
    /// assert_eq!(batch.text(), "axb");
    /// assert_eq!(batch.records(), &[record::EVENT, 1, record::TYPE, 1, record::EVENT, 1]);
    /// ```
    pub fn feed_batch(&mut self, bytes: &[u8], batch: &mut Batch) -> Result<(), ParseError> {
        self.feed_to(bytes, batch)
    }

    fn feed_to<S: Sink>(&mut self, bytes: &[u8], sink: &mut S) -> Result<(), ParseError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let result = self.feed_inner(bytes, sink);
        match result {
            Err(error) => self.fail(error),
            Ok(()) if S::STREAMS_DATA => self.stream_data(sink),
            Ok(()) => {}
        }
        result
    }

    /// At the end of a feed, for a sink that takes data in parts: hands the data buffer to
    /// the sink once it holds [`STREAMED_PART`] bytes, keeping a final LF (the one that
    /// dispatch removes must still be here then). Valid UTF-8 only: an incomplete character
    /// at the end of a `data:` line waits in `line_buf`, not in `data`.
    fn stream_data<S: Sink>(&mut self, sink: &mut S) {
        if self.data.len() < STREAMED_PART {
            return;
        }
        // (`pop`, not `truncate`: `truncate` asserts a char boundary, a panic path.)
        let lf = self.data.ends_with('\n') && self.data.pop().is_some();
        self.streamed += self.data.len();
        sink.data_part(&mut self.data);
        if lf {
            self.data.push('\n');
        }
    }

    /// Like [`feed`](Parser::feed), appending owned copies of the frames to `out`. On an
    /// error, `out` holds the frames that came before it.
    ///
    /// ```
    /// use tidings_core::{OwnedFrame, Parser};
    ///
    /// let mut frames = Vec::new();
    /// Parser::new().feed_collect(b": hi\ndata: x\n\n", &mut frames).unwrap();
    /// assert_eq!(frames[0], OwnedFrame::Comment("hi".into()));
    /// assert!(matches!(&frames[1], OwnedFrame::Event(e) if e.data == "x"));
    /// ```
    pub fn feed_collect(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<OwnedFrame>,
    ) -> Result<(), ParseError> {
        self.feed(bytes, |frame| out.push(frame.to_owned_frame()))
    }

    /// End of stream: discards the pending event and any partial line, as the spec requires
    /// ("If the file ends in the middle of an event, before the final empty line, the
    /// incomplete event is not dispatched"). An `id` field of that incomplete event is not
    /// committed either.
    ///
    /// The next [`feed`](Parser::feed) starts a new stream (its own BOM). A failed parser
    /// stays failed; use [`reset`](Parser::reset) for a new connection.
    ///
    /// ```
    /// use tidings_core::Parser;
    ///
    /// let mut parser = Parser::new();
    /// let mut count = 0;
    /// parser.feed(b"id: 1\ndata: never dispatched\n", |_| count += 1).unwrap();
    /// parser.finish();
    /// parser.feed(b"\n", |_| count += 1).unwrap();
    /// assert_eq!(count, 0);
    /// assert_eq!(parser.last_event_id(), "");
    /// ```
    pub fn finish(&mut self) {
        self.bom_matched = Some(0);
        self.skip_lf = false;
        clear_bytes(&mut self.line_buf);
        self.end_direct();
        clear_string(&mut self.data);
        self.streamed = 0;
        clear_string(&mut self.event_type);
        self.id_pending = false;
    }

    /// Prepares for a new connection: a fresh stream (BOM, buffers, partial line) and no
    /// error, keeping the last event ID so the new stream resumes from it.
    ///
    /// ```
    /// use tidings_core::{Limits, Parser};
    ///
    /// let mut parser = Parser::with_limits(Limits { max_line_len: 8, max_event_size: 4 });
    /// parser.feed(b"id: 1\n\n", |_| {}).unwrap();
    /// assert!(parser.feed(b"data: too long\n", |_| {}).is_err());
    /// assert!(parser.is_failed());
    /// parser.reset();
    /// assert!(!parser.is_failed());
    /// assert_eq!(parser.last_event_id(), "1");
    /// ```
    pub fn reset(&mut self) {
        self.finish();
        self.failed = None;
    }

    /// Whether a limit was exceeded (every `feed` fails until [`reset`](Parser::reset)).
    ///
    /// ```
    /// use tidings_core::Parser;
    /// assert!(!Parser::new().is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        self.failed.is_some()
    }

    /// The error that stopped the parser, if any.
    ///
    /// ```
    /// use tidings_core::{Limits, ParseError, Parser};
    ///
    /// let mut parser = Parser::with_limits(Limits { max_line_len: 100, max_event_size: 1 });
    /// let _ = parser.feed(b"data: ab\n", |_| {});
    /// assert_eq!(parser.error(), Some(ParseError::EventTooLarge { limit: 1 }));
    /// ```
    pub fn error(&self) -> Option<ParseError> {
        self.failed
    }

    /// The current last event ID: the value of the last `id` field of a dispatched (blank-line
    /// terminated) event, which a reconnect sends as `Last-Event-ID`.
    ///
    /// ```
    /// use tidings_core::Parser;
    ///
    /// let mut parser = Parser::new();
    /// parser.feed(b"id: 42\n", |_| {}).unwrap();
    /// assert_eq!(parser.last_event_id(), ""); // not committed until the blank line
    /// parser.feed(b"\n", |_| {}).unwrap();
    /// assert_eq!(parser.last_event_id(), "42"); // committed even though no event fired
    /// ```
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Seeds the last event ID (e.g. from storage, or from a previous client). Also discards
    /// an `id` field seen since the last blank line.
    ///
    /// ```
    /// use tidings_core::{Frame, Parser};
    ///
    /// let mut parser = Parser::new();
    /// parser.set_last_event_id("from-storage");
    /// parser
    ///     .feed(b"data: x\n\n", |frame| {
    ///         if let Frame::Event(e) = frame {
    ///             assert_eq!(e.last_event_id, "from-storage");
    ///         }
    ///     })
    ///     .unwrap();
    /// ```
    pub fn set_last_event_id(&mut self, id: &str) {
        self.last_event_id.clear();
        self.last_event_id.push_str(id);
        self.id_pending = false;
    }

    /// Bytes currently held in the parser's buffers (partial line, data, event type, pending
    /// ID; not capacity, not the committed last event ID). Never more than
    /// `max_line_len + max_event_size + 1 + 2 * 3 * max_line_len`.
    ///
    /// ```
    /// use tidings_core::Parser;
    ///
    /// let mut parser = Parser::new();
    /// parser.feed(b"data: abc\nda", |_| {}).unwrap();
    /// assert_eq!(parser.buffered_bytes(), "abc\n".len() + "da".len());
    /// ```
    pub fn buffered_bytes(&self) -> usize {
        let pending_id = if self.id_pending {
            self.pending_id.len()
        } else {
            0
        };
        self.line_buf.len() + self.data.len() + self.event_type.len() + pending_id
    }

    /// Drops the buffers after a limit error; the parser is useless until `reset` anyway.
    fn fail(&mut self, error: ParseError) {
        self.failed = Some(error);
        self.skip_lf = false;
        self.line_buf = Vec::new();
        self.end_direct();
        self.data = String::new();
        self.streamed = 0;
        self.event_type = String::new();
        self.pending_id = String::new();
        self.id_pending = false;
    }

    fn feed_inner<S: Sink>(&mut self, mut bytes: &[u8], sink: &mut S) -> Result<(), ParseError> {
        // §9.2.5: "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark".
        if let Some(matched) = self.bom_matched {
            let mut matched = usize::from(matched);
            while matched < BOM.len() {
                match bytes.split_first() {
                    None => {
                        // The chunk ended inside what may still be a BOM: wait for more.
                        self.bom_matched = Some(matched as u8);
                        return Ok(());
                    }
                    Some((&byte, rest)) if byte == BOM[matched] => {
                        matched += 1;
                        bytes = rest;
                    }
                    Some(_) => break,
                }
            }
            self.bom_matched = None;
            if matched < BOM.len() {
                // A BOM prefix that turned out not to be one is ordinary (invalid) text.
                self.append_partial(&BOM[..matched])?;
            }
        }

        if self.skip_lf {
            if bytes.is_empty() {
                return Ok(());
            }
            self.skip_lf = false;
            if let Some((b'\n', rest)) = bytes.split_first() {
                bytes = rest;
            }
        }

        let mut pos = 0;
        if self.direct || !self.line_buf.is_empty() {
            // Finish the line that started in an earlier chunk. Only the new bytes are
            // scanned; the buffered ones are known to contain no line ending.
            let Some(end) = find_line_end(bytes) else {
                return self.append_partial(bytes);
            };
            self.append_partial(bytes.get(..end).unwrap_or_default())?;
            if self.direct {
                self.finish_direct()?;
            } else {
                let line = core::mem::take(&mut self.line_buf);
                let result = match core::str::from_utf8(&line) {
                    Ok(text) => self.process_line(text, sink),
                    Err(_) => self.process_line(&decode_lossy(&line), sink),
                };
                self.line_buf = line;
                clear_bytes(&mut self.line_buf);
                result?;
            }
            pos = self.skip_line_end(bytes, end);
        }

        // Lines wholly inside this chunk: borrowed, never copied. `valid` is a prefix of
        // `bytes[valid_start..]` known to be UTF-8, validated in one pass and sliced per line
        // (slicing at an ASCII CR/LF is always on a char boundary). It is recomputed only when
        // a line starts past its end, so each byte is validated at most twice overall.
        let mut valid: &str = "";
        let mut valid_start = pos;
        while pos < bytes.len() {
            // `get`, not `&bytes[pos..]`: no panic path (whose message would bring core::fmt
            // into a wasm module); `pos < len` here, so the default is never taken.
            let rest = bytes.get(pos..).unwrap_or_default();
            let Some(len) = find_line_end(rest) else {
                return self.append_partial(rest);
            };
            if len > self.limits.max_line_len {
                return Err(ParseError::LineTooLong {
                    limit: self.limits.max_line_len,
                });
            }
            let end = pos + len;
            if len == 0 {
                // A blank line needs no decoding; checking it first also keeps the rest of
                // the chunk from being validated here when it is just an unfinished line
                // (which `append_partial` validates as it decodes it).
                self.dispatch(sink);
                pos = self.skip_line_end(bytes, end);
                continue;
            }
            if pos >= valid_start + valid.len() {
                valid_start = pos;
                valid = match core::str::from_utf8(rest) {
                    Ok(text) => text,
                    Err(error) => {
                        let valid = rest.get(..error.valid_up_to()).unwrap_or_default();
                        core::str::from_utf8(valid).unwrap_or_default()
                    }
                };
            }
            let line = match valid.get(pos - valid_start..end - valid_start) {
                Some(text) => Cow::Borrowed(text),
                None => Cow::Owned(decode_lossy(bytes.get(pos..end).unwrap_or_default())),
            };
            // Fast path for the overwhelmingly common line, `data:` (with or without a
            // space): no generic field split, and when it is the event's only data line and
            // the blank line that ends the event follows in this chunk, the event is
            // dispatched with its data borrowed from the chunk, never copied.
            if let Some(value) = data_value(&line) {
                if self.data_len() == 0 {
                    let next = match (bytes.get(end), bytes.get(end + 1)) {
                        (Some(b'\r'), Some(b'\n')) => end + 2,
                        _ => end + 1,
                    };
                    if let Some(b'\n' | b'\r') = bytes.get(next) {
                        self.check_event_size(value.len())?;
                        self.emit(value, sink);
                        pos = self.skip_line_end(bytes, next);
                        continue;
                    }
                }
                self.push_data(value)?;
            } else {
                self.process_line(&line, sink)?;
            }
            pos = self.skip_line_end(bytes, end);
        }
        Ok(())
    }

    /// Given the index of a CR or LF that ends a line, returns where the next line starts,
    /// treating CRLF as one line ending even when the chunk ends between the two.
    fn skip_line_end(&mut self, bytes: &[u8], end: usize) -> usize {
        if bytes.get(end) == Some(&b'\r') {
            match bytes.get(end + 1) {
                Some(b'\n') => return end + 2,
                Some(_) => {}
                None => self.skip_lf = true,
            }
        }
        end + 1
    }

    /// Appends bytes of an unfinished line, enforcing `max_line_len`.
    ///
    /// A line that turns out to start with `data:` (known once `DATA_PREFIX` bytes are in)
    /// switches to `direct` mode: its value is decoded into `data` as it arrives.
    fn append_partial(&mut self, mut part: &[u8]) -> Result<(), ParseError> {
        let max = self.limits.max_line_len;
        let len = if self.direct {
            self.line_len
        } else {
            self.line_buf.len()
        };
        if len.saturating_add(part.len()) > max {
            return Err(ParseError::LineTooLong { limit: max });
        }
        if !self.direct {
            let short = self.line_buf.len() < DATA_PREFIX;
            // Buffer no more than the prefix until we know what kind of line this is.
            let head = if short {
                part.len().min(DATA_PREFIX - self.line_buf.len())
            } else {
                part.len()
            };
            let extra = bounded_growth(
                self.line_buf.len(),
                self.line_buf.capacity(),
                part.len(),
                max,
            );
            self.line_buf.reserve_exact(extra);
            let (prefix, rest) = split(part, head);
            self.line_buf.extend_from_slice(prefix);
            part = rest;
            if !short || self.line_buf.len() < DATA_PREFIX || !self.line_buf.starts_with(b"data:") {
                self.line_buf.extend_from_slice(part);
                return Ok(());
            }
            // "data:" and one more byte: the value starts after it unless it is a space.
            let first = self
                .line_buf
                .get(DATA_PREFIX - 1)
                .copied()
                .unwrap_or_default();
            self.line_buf.clear();
            self.direct = true;
            self.line_len = DATA_PREFIX;
            if first != b' ' {
                self.push_value(&[first]);
            }
        }
        self.line_len += part.len();
        self.push_value(part);
        Ok(())
    }

    /// In `direct` mode: decodes more raw bytes of the value into `data`, lossily, exactly as
    /// decoding the whole line at once would (maximal subparts become one U+FFFD each). An
    /// incomplete sequence at the end is carried in `line_buf` to the next call.
    fn push_value(&mut self, mut bytes: &[u8]) {
        if self.overflow {
            return;
        }
        // Decoding never shrinks: every byte, and every byte of an incomplete sequence, ends up
        // as at least one byte of text. So this many bytes will surely be over the limit.
        let max = self.limits.max_event_size;
        let carried = self.line_buf.len();
        if self.data_len().saturating_add(carried + bytes.len()) > max {
            return self.overflow();
        }
        self.reserve_data(carried + bytes.len());
        if carried > 0 {
            // Complete (or refute) the carried sequence with up to three more bytes.
            // The carried bytes (at most 3) and up to 3 new ones; `get_mut` instead of slice
            // indexing, which would bring a panic path (and `core::fmt`) into the wasm.
            let mut joined = [0; 6];
            let mut len = 0;
            for &byte in self.line_buf.iter().chain(bytes.iter().take(3)) {
                if let Some(slot) = joined.get_mut(len) {
                    *slot = byte;
                    len += 1;
                }
            }
            let joined = joined.get(..len).unwrap_or_default();
            self.line_buf.clear();
            let used = match core::str::from_utf8(joined) {
                Ok(text) => {
                    self.data.push_str(text);
                    joined.len()
                }
                Err(error) if error.valid_up_to() > 0 => {
                    let valid = joined.get(..error.valid_up_to()).unwrap_or_default();
                    self.data
                        .push_str(core::str::from_utf8(valid).unwrap_or_default());
                    valid.len()
                }
                Err(error) => match error.error_len() {
                    Some(invalid) => {
                        self.push_replacement();
                        invalid
                    }
                    None => {
                        // Still incomplete: `bytes` was shorter than the sequence.
                        self.line_buf.extend_from_slice(joined);
                        joined.len()
                    }
                },
            };
            bytes = bytes
                .get(used.saturating_sub(carried)..)
                .unwrap_or_default();
        }
        // Split off an incomplete sequence at the end first, so that the common case (valid
        // text cut inside a character) is validated once, with no error to recover from.
        let (mut bytes, tail) = split(bytes, incomplete_suffix_start(bytes));
        loop {
            match core::str::from_utf8(bytes) {
                Ok(text) => {
                    self.data.push_str(text);
                    break;
                }
                Err(error) => {
                    let (valid, rest) = split(bytes, error.valid_up_to());
                    self.data
                        .push_str(core::str::from_utf8(valid).unwrap_or_default());
                    match error.error_len() {
                        Some(invalid) => {
                            self.push_replacement();
                            bytes = rest.get(invalid..).unwrap_or_default();
                        }
                        // Cut short by the end of `bytes`: carried, unless the split-off
                        // `tail` follows, which proves it invalid (one maximal subpart).
                        None if tail.is_empty() => {
                            self.line_buf.extend_from_slice(rest);
                            break;
                        }
                        None => {
                            self.push_replacement();
                            break;
                        }
                    }
                }
            }
        }
        self.line_buf.extend_from_slice(tail);
        if self.data_len() > max {
            self.overflow();
        }
    }

    /// Ends a `direct` line: the carried incomplete sequence becomes U+FFFD, the limit is
    /// checked on the decoded value, and the LF is appended.
    fn finish_direct(&mut self) -> Result<(), ParseError> {
        if !self.line_buf.is_empty() && !self.overflow {
            self.push_replacement();
        }
        let overflow = self.overflow || self.data_len() > self.limits.max_event_size;
        self.end_direct();
        if overflow {
            return Err(ParseError::EventTooLarge {
                limit: self.limits.max_event_size,
            });
        }
        self.reserve_data(1);
        self.data.push('\n');
        Ok(())
    }

    /// Leaves `direct` mode (line ended, stream ended or failed).
    fn end_direct(&mut self) {
        self.direct = false;
        self.line_len = 0;
        self.overflow = false;
        self.line_buf.clear();
    }

    /// The value of the `direct` line is surely over `max_event_size`: drop it, and remember
    /// to fail when (and if) the line ends.
    fn overflow(&mut self) {
        self.overflow = true;
        self.line_buf.clear();
        clear_string(&mut self.data);
    }

    fn push_replacement(&mut self) {
        self.reserve_data(3);
        self.data.push('\u{FFFD}');
    }

    /// Reserves room for `additional` more bytes of data, never past the limit (+ the LF).
    fn reserve_data(&mut self, additional: usize) {
        let extra = bounded_growth(
            self.data.len(),
            self.data.capacity(),
            additional,
            self.limits.max_event_size.saturating_add(1),
        );
        self.data.reserve_exact(extra);
    }

    /// §9.2.6: interprets one decoded line (without its line ending).
    fn process_line<S: Sink>(&mut self, line: &str, sink: &mut S) -> Result<(), ParseError> {
        // "If the line is empty (a blank line): Dispatch the event".
        if line.is_empty() {
            self.dispatch(sink);
            return Ok(());
        }
        let (field, value) = match line.as_bytes().iter().position(|&b| b == b':') {
            // "If the line starts with a U+003A COLON character (:): Ignore the line."
            Some(0) => {
                let text = line.get(1..).unwrap_or_default();
                sink.frame(Frame::Comment(text.strip_prefix(' ').unwrap_or(text)));
                return Ok(());
            }
            // "Collect the characters on the line before the first U+003A COLON character
            // (:), and let field be that string. Collect the characters on the line after the
            // first U+003A COLON character (:), and let value be that string. If value starts
            // with a U+0020 SPACE character, remove it from value."
            Some(colon) => {
                // The colon is ASCII, so both splits are on char boundaries and `get` never
                // fails; unlike `&line[..]` it carries no panic (and core::fmt) path.
                let value = line.get(colon + 1..).unwrap_or_default();
                let field = line.get(..colon).unwrap_or_default();
                (field, value.strip_prefix(' ').unwrap_or(value))
            }
            // "Otherwise, the string is not empty but does not contain a U+003A COLON
            // character (:): [...] using the whole line as the field name, and the empty
            // string as the field value."
            None => (line, ""),
        };
        match field {
            "data" => self.push_data(value)?,
            // "Set the event type buffer to the field value."
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            // "If the field value does not contain U+0000 NULL, then set the last event ID
            // buffer to the field value. Otherwise, ignore the field."
            "id" if !value.contains('\0') => {
                self.pending_id.clear();
                self.pending_id.push_str(value);
                self.id_pending = true;
            }
            // "If the field value consists of only ASCII digits, then interpret the field
            // value as an integer in base ten, and set the event stream's reconnection time to
            // that integer. Otherwise, ignore the field."
            "retry" => {
                if let Some(ms) = parse_retry(value) {
                    sink.frame(Frame::Retry(ms));
                }
            }
            // "Otherwise: The field is ignored."
            _ => {}
        }
        Ok(())
    }

    /// §9.2.6 `data` field: "Append the field value to the data buffer, then append a single
    /// U+000A LINE FEED (LF) character to the data buffer." The limit applies to the data the
    /// event would carry, i.e. without this line's LF.
    fn push_data(&mut self, value: &str) -> Result<(), ParseError> {
        self.check_event_size(value.len())?;
        self.reserve_data(value.len() + 1);
        self.data.push_str(value);
        self.data.push('\n');
        Ok(())
    }

    /// The length of the spec's data buffer: the parts already streamed and what is held.
    #[inline]
    fn data_len(&self) -> usize {
        self.streamed + self.data.len()
    }

    /// Fails if appending `more` bytes of value to the data buffer would exceed
    /// `max_event_size`.
    #[inline]
    fn check_event_size(&self, more: usize) -> Result<(), ParseError> {
        let max = self.limits.max_event_size;
        if self.data_len().saturating_add(more) > max {
            return Err(ParseError::EventTooLarge { limit: max });
        }
        Ok(())
    }

    /// §9.2.6 "dispatch the event", steps 1–7.
    fn dispatch<S: Sink>(&mut self, sink: &mut S) {
        self.commit_id();
        // 2. "If the data buffer is an empty string, set the data buffer and the event type
        // buffer to the empty string and return."
        if self.data_len() == 0 {
            self.event_type.clear();
            return;
        }
        // The event's data is the streamed parts (the sink has them) and what follows here.
        self.streamed = 0;
        // 3. "If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        // remove the last character from the data buffer." (It always is.)
        self.data.pop();
        if S::STREAMS_DATA && self.data.len() > BIG_DATA {
            // A big event's data goes as its last part, which the sink may take by swapping
            // buffers instead of copying it; the event itself then adds nothing.
            sink.data_part(&mut self.data);
        }
        let data = core::mem::take(&mut self.data);
        self.emit_event(&data, sink);
        self.data = data;
        // 7. "Set the data buffer and the event type buffer to the empty string."
        clear_string(&mut self.data);
    }

    /// Dispatches an event whose data buffer would be `data` + LF, with `data` borrowed (the
    /// data buffer is empty): steps 1 and 4–7 of "dispatch the event".
    fn emit<S: Sink>(&mut self, data: &str, sink: &mut S) {
        self.commit_id();
        self.emit_event(data, sink);
    }

    /// Step 1 of "dispatch the event": "Set the last event ID string of the event source to
    /// the value of the last event ID buffer. The buffer does not get reset". Swapping is
    /// enough: while `id_pending` is false the buffer is defined to equal `last_event_id`.
    #[inline]
    fn commit_id(&mut self) {
        if self.id_pending {
            core::mem::swap(&mut self.last_event_id, &mut self.pending_id);
            self.id_pending = false;
        }
    }

    /// Steps 5–6 of "dispatch the event": type "message" unless the event type buffer is
    /// non-empty.
    fn event_type(&self) -> &str {
        if self.event_type.is_empty() {
            "message"
        } else {
            &self.event_type
        }
    }

    /// Steps 5–7 of "dispatch the event" for the (already trimmed) `data`.
    fn emit_event<S: Sink>(&mut self, data: &str, sink: &mut S) {
        sink.frame(Frame::Event(Event {
            event_type: self.event_type(),
            data,
            last_event_id: &self.last_event_id,
        }));
        // 7. "Set [...] the event type buffer to the empty string."
        clear_string(&mut self.event_type);
    }
}

/// Where the parser's frames go: a closure ([`Parser::feed`], through [`Frames`]) or a
/// [`Batch`] ([`Parser::feed_batch`]). The parser is generic over it, instantiated once for
/// each: every closure goes through the one `dyn` wrapper, so a module that only uses `feed`
/// holds one copy of the parser, without the streaming of long events' data; the parser
/// module, which only uses `feed_batch`, one copy that calls the batch directly.
trait Sink {
    /// Whether the sink takes an unfinished event's data in parts
    /// ([`data_part`](Sink::data_part)); a compile-time constant, so that without it the
    /// parser has no code for it.
    const STREAMS_DATA: bool = false;

    fn frame(&mut self, frame: Frame<'_>);

    /// The next part of the data of the event in progress: the event's data is its parts
    /// and then the data of its [`Frame::Event`]. The sink takes `part` and leaves it empty
    /// (it may swap it for a buffer of its own). Only called when `STREAMS_DATA` is set.
    fn data_part(&mut self, _part: &mut String) {}
}

/// Any closure given to [`Parser::feed`], behind one `dyn` (one instance of the parser).
struct Frames<'f, 'g>(&'f mut (dyn FnMut(Frame<'_>) + 'g));

impl Sink for Frames<'_, '_> {
    fn frame(&mut self, frame: Frame<'_>) {
        (self.0)(frame)
    }
}

impl Sink for Batch {
    const STREAMS_DATA: bool = true;

    fn data_part(&mut self, part: &mut String) {
        self.take_part(part)
    }

    fn frame(&mut self, frame: Frame<'_>) {
        self.push(frame)
    }
}

/// `bytes.split_at(mid)` without its panic path (`mid` is always in range here).
#[inline]
fn split(bytes: &[u8], mid: usize) -> (&[u8], &[u8]) {
    bytes.split_at_checked(mid).unwrap_or((bytes, &[]))
}

/// `bytes` decoded as UTF-8 with each maximal invalid subpart replaced by U+FFFD: what
/// `String::from_utf8_lossy` does (and the spec's UTF-8 decode), built on `from_utf8`, which the
/// parser needs anyway, instead of pulling in std's separate `Utf8Chunks` decoder (measured:
/// about 1 KB of the parser wasm module). Public so that the browser client decodes an error
/// response's body with it too, rather than linking that decoder for one call.
///
/// ```
/// use tidings_core::parser::decode_lossy;
///
/// assert_eq!(decode_lossy(b"caf\xC3\xA9"), "café");
/// assert_eq!(decode_lossy(b"a\xFFb\xE2\x82"), "a\u{FFFD}b\u{FFFD}");
/// ```
pub fn decode_lossy(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    loop {
        match core::str::from_utf8(bytes) {
            Ok(text) => {
                out.push_str(text);
                return out;
            }
            Err(error) => {
                let (valid, rest) = split(bytes, error.valid_up_to());
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                // `None`: an incomplete sequence at the end, one maximal subpart.
                let Some(invalid) = error.error_len() else {
                    return out;
                };
                bytes = rest.get(invalid..).unwrap_or_default();
            }
        }
    }
}

/// Where a trailing incomplete (but so far valid) UTF-8 sequence starts in `bytes`, or
/// `bytes.len()` if it ends on a character boundary or with invalid bytes.
fn incomplete_suffix_start(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let Some(&byte) = bytes.get(len - back) else {
            break;
        };
        if byte & 0xC0 == 0x80 {
            continue; // a continuation byte: the sequence starts further back
        }
        let needed = match byte {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        let suffix = bytes.get(len - back..).unwrap_or_default();
        if needed > back
            && matches!(core::str::from_utf8(suffix), Err(e) if e.error_len().is_none())
        {
            return len - back;
        }
        break;
    }
    len
}

/// The value of a `data` field line (`data`, `data:`, or `data: ` followed by the value), or
/// `None` for any other line.
#[inline]
fn data_value(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    // One 32-bit comparison: `strip_prefix("data")` becomes a `memcmp` call at opt-level z.
    let head: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    if u32::from_le_bytes(head) != u32::from_le_bytes(*b"data") {
        return None;
    }
    match bytes.get(4) {
        None => Some(""),
        Some(b':') => line.get(if bytes.get(5) == Some(&b' ') { 6 } else { 5 }..),
        Some(_) => None,
    }
}

/// `retry` value: ASCII digits only, base ten, saturating. Empty values are ignored (as in
/// browsers: "consists of only ASCII digits" is read as "one or more").
fn parse_retry(value: &str) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    let mut ms: u64 = 0;
    for byte in value.bytes() {
        if !byte.is_ascii_digit() {
            return None;
        }
        ms = ms.saturating_mul(10).saturating_add(u64::from(byte - b'0'));
    }
    Some(ms)
}

/// How much to `reserve_exact` so that `additional` more bytes fit: amortised doubling, but
/// never more capacity than `max` (the limit that bounds this buffer).
fn bounded_growth(len: usize, capacity: usize, additional: usize, max: usize) -> usize {
    let needed = len.saturating_add(additional);
    if needed <= capacity {
        return 0;
    }
    let target = capacity.saturating_mul(2).max(64).min(max).max(needed);
    target - len
}

/// Empties a buffer; frees it if one huge line made it big.
fn clear_bytes(buf: &mut Vec<u8>) {
    if buf.capacity() > RETAINED_CAPACITY {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}

/// Empties a buffer; frees it if one huge event made it big.
pub(crate) fn clear_string(buf: &mut String) {
    if buf.capacity() > RETAINED_CAPACITY {
        *buf = String::new();
    } else {
        buf.clear();
    }
}

/// Index of the first CR or LF in `haystack`.
///
/// SWAR ("SIMD within a register"): eight bytes per step, portable and safe (wasm32 has native
/// 64-bit integers). For a word `x`, `(x - 0x01…01) & !x & 0x80…80` has its lowest set bit in
/// the first zero byte of `x` (higher bits can be false positives, which we never look at),
/// so XOR-ing the word with a byte splat finds the first occurrence of that byte.
#[inline]
fn find_line_end(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const LFS: u64 = u64::from_ne_bytes([b'\n'; 8]);
    const CRS: u64 = u64::from_ne_bytes([b'\r'; 8]);
    #[inline(always)]
    fn mask(word: u64) -> u64 {
        let lf = word ^ LFS;
        let cr = word ^ CRS;
        ((lf.wrapping_sub(ONES) & !lf) | (cr.wrapping_sub(ONES) & !cr)) & HIGHS
    }
    // A cheaper test first: does the word hold a byte below 0x0E (CR, LF, or a rare control
    // character)? Three operations instead of nine; the exact `mask` runs only when it does.
    #[inline(always)]
    fn maybe(word: u64) -> u64 {
        word.wrapping_sub(ONES * 0x0E) & !word & HIGHS
    }
    let mut words = haystack.chunks_exact(16);
    let mut offset = 0;
    for pair in &mut words {
        let (a, b) = split(pair, 8);
        let a = u64::from_le_bytes(a.try_into().unwrap_or([0; 8]));
        let b = u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        if maybe(a) | maybe(b) != 0 {
            let (ma, mb) = (mask(a), mask(b));
            if ma | mb != 0 {
                return Some(if ma != 0 {
                    offset + (ma.trailing_zeros() / 8) as usize
                } else {
                    offset + 8 + (mb.trailing_zeros() / 8) as usize
                });
            }
        }
        offset += 16;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn collect(parser: &mut Parser, chunks: &[&[u8]]) -> (Vec<OwnedFrame>, Option<ParseError>) {
        let mut out = Vec::new();
        let mut error = None;
        for chunk in chunks {
            if let Err(e) = parser.feed_collect(chunk, &mut out) {
                error = Some(e);
            }
        }
        (out, error)
    }

    fn events(input: &[u8]) -> Vec<OwnedFrame> {
        collect(&mut Parser::new(), &[input]).0
    }

    fn event(event_type: &str, data: &str, id: &str) -> OwnedFrame {
        OwnedFrame::Event(OwnedEvent {
            event_type: event_type.into(),
            data: data.into(),
            last_event_id: id.into(),
        })
    }

    #[test]
    fn find_line_end_matches_naive_search_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                for byte in [b'\n', b'\r'] {
                    let mut hay = vec![b'a'; len];
                    if at < len {
                        hay[at] = byte;
                    }
                    let naive = hay.iter().position(|&b| b == b'\n' || b == b'\r');
                    assert_eq!(find_line_end(&hay), naive, "len {len} at {at}");
                }
            }
        }
    }

    #[test]
    fn find_line_end_ignores_bytes_that_fool_swar() {
        // Bytes adjacent to CR/LF values and high bytes must not match.
        let hay: Vec<u8> = (0u8..=255).filter(|&b| b != b'\n' && b != b'\r').collect();
        assert_eq!(find_line_end(&hay), None);
        let mut hay2 = hay.clone();
        hay2.push(b'\r');
        assert_eq!(find_line_end(&hay2), Some(hay.len()));
    }

    #[test]
    fn find_line_end_sees_through_other_control_bytes() {
        // Bytes below 0x0E pass the cheap pre-filter; only CR and LF may match. Every control
        // byte at every position of a 40-byte run, with a line ending after it or none.
        for control in (0u8..0x0E).filter(|&b| b != b'\n' && b != b'\r') {
            for at in 0..40 {
                for end in [None, Some(at + 1), Some(39)] {
                    let mut hay = vec![b'x'; 40];
                    hay[at] = control;
                    if let Some(end) = end.filter(|&e| e < 40 && e != at) {
                        hay[end] = b'\n';
                    }
                    let naive = hay.iter().position(|&b| b == b'\n' || b == b'\r');
                    assert_eq!(find_line_end(&hay), naive, "{control:#x} at {at}, {end:?}");
                }
            }
        }
    }

    #[test]
    fn parse_retry_rules() {
        assert_eq!(parse_retry("3000"), Some(3000));
        assert_eq!(parse_retry("03000"), Some(3000));
        assert_eq!(parse_retry(""), None);
        assert_eq!(parse_retry(" 1"), None);
        assert_eq!(parse_retry("+1"), None);
        assert_eq!(parse_retry("1.5"), None);
        assert_eq!(parse_retry("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_retry("١"), None); // Arabic-Indic digit is not ASCII
    }

    #[test]
    fn bounded_growth_never_exceeds_the_limit() {
        assert_eq!(bounded_growth(0, 0, 10, 100), 64);
        assert_eq!(bounded_growth(64, 64, 10, 100), 36);
        assert_eq!(bounded_growth(10, 64, 10, 100), 0);
        assert_eq!(bounded_growth(0, 0, 10, 5), 10); // needed wins; caller checked the limit
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        let (frames, _) = collect(&mut Parser::new(), &[b"data: a\r", b"\n", b"\r", b"\n"]);
        assert_eq!(frames, [event("message", "a", "")]);
    }

    #[test]
    fn cr_then_empty_chunk_then_lf() {
        let (frames, _) = collect(
            &mut Parser::new(),
            &[b"data: a\r", b"", b"\ndata: b\n", b"\n"],
        );
        assert_eq!(frames, [event("message", "a\nb", "")]);
    }

    #[test]
    fn bom_split_byte_by_byte() {
        let (frames, _) = collect(
            &mut Parser::new(),
            &[b"\xEF", b"\xBB", b"\xBF", b"data: x\n\n"],
        );
        assert_eq!(frames, [event("message", "x", "")]);
    }

    #[test]
    fn partial_bom_becomes_replacement_text() {
        let (frames, _) = collect(&mut Parser::new(), &[b"\xEF\xBB", b"data: x\n\n"]);
        // "\u{FFFD}data" is an unknown field; the blank line dispatches nothing.
        assert!(frames.is_empty());
        let (frames, _) = collect(&mut Parser::new(), &[b"\xEF\xBB", b"\n\xEF\xBBdata: x\n\n"]);
        assert!(frames.is_empty());
    }

    #[test]
    fn bom_is_only_stripped_at_stream_start() {
        assert!(events(b"data: a\n\xEF\xBB\xBFdata: b\n\n") == [event("message", "a", "")]);
    }

    #[test]
    fn finish_starts_a_new_stream_with_its_own_bom() {
        let mut parser = Parser::new();
        let (frames, _) = collect(&mut parser, &[b"data: a\n\n"]);
        assert_eq!(frames.len(), 1);
        parser.finish();
        let (frames, _) = collect(&mut parser, &[b"\xEF\xBB\xBFdata: b\n\n"]);
        assert_eq!(frames, [event("message", "b", "")]);
    }

    #[test]
    fn error_is_sticky_until_reset() {
        let limits = Limits {
            max_line_len: 10,
            max_event_size: 100,
        };
        let mut parser = Parser::with_limits(limits);
        let (frames, error) = collect(&mut parser, &[b"data: a\n\n0123456789A", b"data: b\n\n"]);
        assert_eq!(frames, [event("message", "a", "")]);
        assert_eq!(error, Some(ParseError::LineTooLong { limit: 10 }));
        assert_eq!(parser.buffered_bytes(), 0);
        let mut count = 0;
        assert!(parser.feed(b"\n", |_| count += 1).is_err());
        assert_eq!(count, 0);
        parser.reset();
        let (frames, error) = collect(&mut parser, &[b"data: c\n\n"]);
        assert_eq!((frames, error), (vec![event("message", "c", "")], None));
    }

    #[test]
    fn line_of_exactly_the_limit_is_accepted() {
        let limits = Limits {
            max_line_len: 7,
            max_event_size: 100,
        };
        let mut parser = Parser::with_limits(limits);
        let (frames, error) = collect(&mut parser, &[b"data: a", b"\r\n\r\n"]);
        assert_eq!((frames, error), (vec![event("message", "a", "")], None));
        let mut parser = Parser::with_limits(limits);
        let (_, error) = collect(&mut parser, &[b"data: ab"]);
        assert_eq!(error, Some(ParseError::LineTooLong { limit: 7 }));
    }

    #[test]
    fn event_size_counts_data_without_final_lf() {
        let limits = Limits {
            max_line_len: 100,
            max_event_size: 3,
        };
        let mut parser = Parser::with_limits(limits);
        let (frames, error) = collect(&mut parser, &[b"data: a\ndata: b\n\n"]);
        assert_eq!((frames, error), (vec![event("message", "a\nb", "")], None));
        let (_, error) = collect(&mut parser, &[b"data: a\ndata: bc\n\n"]);
        assert_eq!(error, Some(ParseError::EventTooLarge { limit: 3 }));
    }

    #[test]
    fn buffers_stay_bounded_under_a_flood() {
        let limits = Limits {
            max_line_len: 64,
            max_event_size: 128,
        };
        let mut parser = Parser::with_limits(limits);
        for _ in 0..1000 {
            let _ = parser.feed(b"data: 0123456789\n", |_| {});
            assert!(parser.buffered_bytes() <= 129);
            assert!(parser.data.capacity() <= 129);
        }
        assert!(parser.is_failed());
        let mut parser = Parser::with_limits(limits);
        for _ in 0..100 {
            let _ = parser.feed(b"xxxxxxxx", |_| {});
            assert!(parser.line_buf.capacity() <= 64);
        }
        assert!(parser.is_failed());
    }

    #[test]
    fn id_committed_on_blank_line_without_data_and_type_reset() {
        let frames = events(b"event: a\nid: 1\n\ndata: x\n\n");
        assert_eq!(frames, [event("message", "x", "1")]);
    }

    #[test]
    fn id_not_committed_at_end_of_stream() {
        let mut parser = Parser::new();
        collect(&mut parser, &[b"id: 1\n\nid: 2\ndata: x\n"]);
        parser.finish();
        assert_eq!(parser.last_event_id(), "1");
        parser.reset();
        let (frames, _) = collect(&mut parser, &[b"data: y\n\n"]);
        assert_eq!(frames, [event("message", "y", "1")]);
    }

    #[test]
    fn a_long_event_fed_to_a_batch_never_grows_the_data_buffer_past_what_is_kept() {
        // 4 MiB of data in two lines, in 1,000-byte chunks: the batch gets parts of 64 KiB
        // and the data buffer stays small; the parts and the event's data add up to it all.
        let mut parser = Parser::new();
        let mut batch = crate::batch::Batch::new();
        let line = "x".repeat(2 << 20);
        let input = format!("data: {line}\ndata: {line}\n\n");
        let (mut parts, mut text_len, mut events) = (0, 0, 0);
        for chunk in input.as_bytes().chunks(1000) {
            batch.start();
            parser.feed_batch(chunk, &mut batch).unwrap();
            assert!(parser.data.capacity() <= RETAINED_CAPACITY);
            for pair in batch.records().chunks(2) {
                parts += usize::from(pair[0] == crate::batch::record::PART);
                events += usize::from(pair[0] == crate::batch::record::EVENT);
            }
            text_len += batch.text().len();
        }
        assert_eq!((events, text_len), (1, 2 * line.len() + 1));
        assert!(parts > 60, "{parts} parts"); // 4 MiB in parts of 64 KiB and a bit
    }

    #[test]
    fn huge_line_in_small_chunks_borrows_nothing_twice() {
        let mut parser = Parser::new();
        let payload = vec![b'x'; 1 << 20];
        let mut frames = Vec::new();
        parser.feed_collect(b"data: ", &mut frames).unwrap();
        for chunk in payload.chunks(1000) {
            parser.feed_collect(chunk, &mut frames).unwrap();
        }
        parser.feed_collect(b"\n\n", &mut frames).unwrap();
        assert!(matches!(&frames[..], [OwnedFrame::Event(e)] if e.data.len() == 1 << 20));
        // The megabyte buffers are released after the event.
        assert!(parser.line_buf.capacity() <= RETAINED_CAPACITY);
        assert!(parser.data.capacity() <= RETAINED_CAPACITY);
    }

    #[test]
    fn invalid_utf8_in_borrowed_and_buffered_lines() {
        let whole = events(b"data: a\xFFb\ndata: \xED\xA0\x80\ndata: ok\n\n");
        assert_eq!(
            whole,
            [event(
                "message",
                "a\u{FFFD}b\n\u{FFFD}\u{FFFD}\u{FFFD}\nok",
                ""
            )]
        );
        let (split, _) = collect(
            &mut Parser::new(),
            &[b"data: a\xFF", b"b\ndata: \xED", b"\xA0\x80\ndata: ok\n\n"],
        );
        assert_eq!(split, whole);
    }

    #[test]
    fn comment_strips_one_space() {
        assert_eq!(
            events(b":  two\n:one\n:\n"),
            [
                OwnedFrame::Comment(" two".into()),
                OwnedFrame::Comment("one".into()),
                OwnedFrame::Comment("".into()),
            ]
        );
    }

    #[test]
    fn data_value_rules() {
        assert_eq!(data_value("data: x"), Some("x"));
        assert_eq!(data_value("data:x"), Some("x"));
        assert_eq!(data_value("data:  x"), Some(" x"));
        assert_eq!(data_value("data:"), Some(""));
        assert_eq!(data_value("data"), Some(""));
        assert_eq!(data_value("datax: y"), None);
        assert_eq!(data_value("dat: y"), None);
        assert_eq!(data_value("Data: y"), None);
        assert_eq!(data_value(" data: y"), None);
    }

    #[test]
    fn single_line_event_fast_path_variants() {
        let cases: [(&[u8], &str); 10] = [
            (b"data:x\n\n", "x"),
            (b"data\n\n", ""),
            (b"data:\n\n", ""),
            (b"data:  x\n\n", " x"),
            (b"data: x\r\r", "x"),
            (b"data: x\r\n\r\n", "x"),
            (b"data: x\n\r\n", "x"),
            (b"data: x\r\n\n", "x"),
            (b"\xEF\xBB\xBFdata: x\n\n", "x"),
            (b"data: a\xFFb\n\n", "a\u{FFFD}b"),
        ];
        for (input, data) in cases {
            assert_eq!(events(input), [event("message", data, "")], "{input:?}");
        }
        // The event type and ID apply, then the type resets and the ID persists.
        assert_eq!(
            events(b"event: t\nid: 5\ndata: x\n\ndata: y\r\r"),
            [event("t", "x", "5"), event("message", "y", "5")]
        );
        // A CR-only blank line right after the fast-path event, then a CRLF split by the
        // chunk: the LF must not count as another blank line.
        let (frames, _) = collect(&mut Parser::new(), &[b"data: a\r\r", b"\ndata: b\n", b"\n"]);
        assert_eq!(
            frames,
            [event("message", "a", ""), event("message", "b", "")]
        );
    }

    #[test]
    fn data_line_ending_at_chunk_end_is_not_dispatched_early() {
        for chunks in [
            &[&b"data: x\n"[..], b"\n"][..],
            &[b"data: x\r", b"\n\n"],
            &[b"data: x\r", b"\r"],
            &[b"data: x\r\n", b"data: y\n\n"],
        ] {
            let (frames, _) = collect(&mut Parser::new(), chunks);
            let expected = if chunks[1].starts_with(b"data") {
                "x\ny"
            } else {
                "x"
            };
            assert_eq!(frames, [event("message", expected, "")], "{chunks:?}");
        }
    }

    #[test]
    fn fast_path_event_size_limit_is_exact() {
        let limits = Limits {
            max_line_len: 100,
            max_event_size: 2,
        };
        let (frames, error) = collect(&mut Parser::with_limits(limits), &[b"data: ab\n\n"]);
        assert_eq!((frames, error), (vec![event("message", "ab", "")], None));
        let (frames, error) = collect(&mut Parser::with_limits(limits), &[b"data: abc\n\n"]);
        assert_eq!(frames, []);
        assert_eq!(error, Some(ParseError::EventTooLarge { limit: 2 }));
        // Replacement characters count as their UTF-8 length (3 bytes).
        let (_, error) = collect(&mut Parser::with_limits(limits), &[b"data: \xFF\n\n"]);
        assert_eq!(error, Some(ParseError::EventTooLarge { limit: 2 }));
    }

    #[test]
    fn decode_lossy_matches_std_from_utf8_lossy() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                inputs.push(vec![a, b]);
                inputs.push(vec![b'x', a, b, b'y']);
            }
        }
        let tricky: [&[u8]; 8] = [
            b"\xE2\x82\xE2\x82\xAC",
            b"\xF0\x9F\x98",
            b"\xED\xA0\x80x",
            b"\xF4\x90\x80\x80",
            b"\xE0\x80\xAF",
            b"\xFF\xFEab\xC3\xA9",
            "caf\u{e9} \u{1F600}".as_bytes(),
            b"",
        ];
        inputs.extend(tricky.iter().map(|t| t.to_vec()));
        for input in &inputs {
            assert_eq!(
                decode_lossy(input),
                String::from_utf8_lossy(input),
                "{input:x?}"
            );
        }
    }

    /// Every way of cutting `input` into three chunks.
    fn all_three_way_splits(input: &[u8]) -> impl Iterator<Item = [&[u8]; 3]> {
        (0..=input.len()).flat_map(move |i| {
            (i..=input.len()).map(move |j| [&input[..i], &input[i..j], &input[j..]])
        })
    }

    #[test]
    fn direct_data_line_decodes_like_the_whole_line_at_every_split() {
        let values: [&[u8]; 14] = [
            b"\xE2\x82\xE2\x82\xAC",
            b"\xC3\xC3\xA9\xF0\x90",
            b"a\xF0\x9F\x98\x80b",
            b"\xF0\x9F\x98",
            b"\xE2\x82\xAC\xE2",
            b"\xED\xA0\x80x",
            b"\xC3\x28\xC3",
            b"\xF4\x90\x80\x80",
            b"\xE0\x80\xAF",
            b"\xFF\xFEab\xC3\xA9",
            b"\xF0\x9F\xF0\x9F\x98\x80",
            b"caf\xC3\xA9 \xE2\x80\x93 ok",
            b"\xC3",
            b"plain ascii",
        ];
        for value in values {
            let expected = String::from_utf8_lossy(value);
            for prefix in [&b"data: "[..], b"data:", b"data:  "] {
                let mut input = prefix.to_vec();
                input.extend_from_slice(value);
                input.extend_from_slice(b"\r\n\r\n");
                let strip = usize::from(prefix.len() == 7);
                let expected = if strip == 1 {
                    alloc::format!(" {expected}")
                } else {
                    expected.to_string()
                };
                for chunks in all_three_way_splits(&input) {
                    let (frames, error) = collect(&mut Parser::new(), &chunks);
                    assert_eq!(error, None);
                    assert_eq!(frames, [event("message", &expected, "")], "{chunks:?}");
                }
            }
        }
    }

    #[test]
    fn incomplete_suffix_rules() {
        assert_eq!(incomplete_suffix_start(b""), 0);
        assert_eq!(incomplete_suffix_start(b"ab"), 2);
        assert_eq!(incomplete_suffix_start(b"a\xC3"), 1);
        assert_eq!(incomplete_suffix_start(b"a\xC3\xA9"), 3);
        assert_eq!(incomplete_suffix_start(b"a\xF0\x9F\x98"), 1);
        assert_eq!(incomplete_suffix_start(b"\xF0\x9F\x98\x80"), 4);
        assert_eq!(incomplete_suffix_start(b"a\xE0\x80"), 3); // E0 80 is invalid, not partial
        assert_eq!(incomplete_suffix_start(b"a\xED\xA0"), 3); // surrogate
        assert_eq!(incomplete_suffix_start(b"a\xF5"), 2);
        assert_eq!(incomplete_suffix_start(b"\x80\x80\x80"), 3);
    }

    #[test]
    fn direct_data_line_joins_earlier_data_and_other_fields() {
        for chunks in all_three_way_splits(b"data: one\ndata: two\nevent: e\ndata\ndata: 3\n\n") {
            let (frames, _) = collect(&mut Parser::new(), &chunks);
            assert_eq!(frames, [event("e", "one\ntwo\n\n3", "")], "{chunks:?}");
        }
    }

    #[test]
    fn direct_data_line_limits_at_chunk_boundaries() {
        let limits = |max_line_len, max_event_size| Limits {
            max_line_len,
            max_event_size,
        };
        let run = |limits: Limits, input: &[u8]| {
            let mut results = Vec::new();
            for chunks in all_three_way_splits(input) {
                results.push(collect(&mut Parser::with_limits(limits), &chunks));
            }
            let first = results[0].clone();
            assert!(results.iter().all(|r| *r == first), "{input:?}");
            first
        };
        // Event limit hit exactly, and by one byte, with earlier data counted.
        let ok = run(limits(100, 7), b"data: abc\ndata: def\n\n");
        assert_eq!(ok, (vec![event("message", "abc\ndef", "")], None));
        let (frames, error) = run(limits(100, 6), b"data: abc\ndata: def\n\n");
        assert_eq!(frames, []);
        assert_eq!(error, Some(ParseError::EventTooLarge { limit: 6 }));
        // Replacement characters count 3 bytes each, also when split or left incomplete.
        let ok = run(limits(100, 3), b"data: \xF0\x9F\x98\n\n");
        assert_eq!(ok, (vec![event("message", "\u{FFFD}", "")], None));
        let (_, error) = run(limits(100, 5), b"data: \xFF\xFF\n\n");
        assert_eq!(error, Some(ParseError::EventTooLarge { limit: 5 }));
        // Line limit exactly, and by one byte; the line limit wins over the event limit.
        let ok = run(limits(9, 3), b"data: abc\n\n");
        assert_eq!(ok, (vec![event("message", "abc", "")], None));
        let (_, error) = run(limits(8, 3), b"data: abc\n\n");
        assert_eq!(error, Some(ParseError::LineTooLong { limit: 8 }));
        let (_, error) = run(limits(10, 2), b"data: abcdefgh\n\n");
        assert_eq!(error, Some(ParseError::LineTooLong { limit: 10 }));
        // An over-size value that never ends is no error; the next stream is fine.
        let mut parser = Parser::with_limits(limits(100, 2));
        let (_, error) = collect(&mut parser, &[b"data: abcdef", b"ghi"]);
        assert_eq!(error, None);
        assert_eq!(parser.buffered_bytes(), 0);
        parser.finish();
        let (frames, error) = collect(&mut parser, &[b"data: ", b"ab\n\n"]);
        assert_eq!((frames, error), (vec![event("message", "ab", "")], None));
    }

    #[test]
    fn errors_display_lowercase() {
        assert_eq!(
            ParseError::LineTooLong { limit: 3 }.to_string(),
            "line longer than 3 bytes"
        );
    }
}
