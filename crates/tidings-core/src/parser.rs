//! The `text/event-stream` parser (WHATWG HTML §9.2.5–9.2.6).
//!
//! STUB: the public signatures below are the contract other crates build against.

use alloc::string::String;

/// Size limits that bound the parser's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, in bytes, before [`ParseError::LineTooLong`].
    pub max_line_len: usize,
    /// Largest data buffer of one event, in bytes, before [`ParseError::EventTooLarge`].
    pub max_event_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_line_len: 16 << 20, max_event_size: 16 << 20 }
    }
}

/// A dispatched event, borrowed from the parser's buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type (`"message"` unless an `event:` field set it).
    pub event_type: &'a str,
    /// The data buffer, with its one trailing LF removed.
    pub data: &'a str,
    /// The stream's last event ID at dispatch time (persists across events).
    pub last_event_id: &'a str,
}

/// An owned copy of an [`Event`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnedEvent {
    /// See [`Event::event_type`].
    pub event_type: String,
    /// See [`Event::data`].
    pub data: String,
    /// See [`Event::last_event_id`].
    pub last_event_id: String,
}

/// One output of the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// An event was dispatched.
    Event(Event<'a>),
    /// A valid `retry:` field set the reconnection time, in milliseconds.
    Retry(u64),
    /// A comment line (the text after the colon); servers send these as heartbeats.
    Comment(&'a str),
}

/// Why the parser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Incremental `text/event-stream` parser.
#[derive(Debug, Default)]
pub struct Parser {
    last_event_id: String,
}

impl Parser {
    /// A parser with default [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }
    /// A parser with the given limits.
    pub fn with_limits(_limits: Limits) -> Self {
        todo!()
    }
    /// Feeds a chunk of bytes; calls `on_frame` for each output.
    pub fn feed<F: FnMut(Frame<'_>)>(&mut self, _bytes: &[u8], _on_frame: F) -> Result<(), ParseError> {
        todo!()
    }
    /// End of stream: discards the pending event and any partial line.
    pub fn finish(&mut self) {
        todo!()
    }
    /// Prepares for a new connection, keeping the last event ID.
    pub fn reset(&mut self) {
        todo!()
    }
    /// The current last event ID.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }
    /// Seeds the last event ID (e.g. from storage).
    pub fn set_last_event_id(&mut self, id: &str) {
        self.last_event_id = id.into();
    }
}
