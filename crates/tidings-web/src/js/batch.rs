//! The batch format: how the frames of one chunk cross the wasm → JS boundary at once.
//!
//! A batch is one string (the texts of all frames, concatenated) plus a table of `u32`
//! records saying how to cut it (see [`record`]). JS receives both with one call, decodes the
//! string once, and cuts it with `substring` (cheap in V8). The decoder is
//! `npm/src/batch.ts`; the two must agree on [`record`].

use tidings_core::Frame;

/// Record kinds; each kind is followed by its words.
pub(super) mod record {
    /// `[EVENT, n]`: an event whose data is the next `n` UTF-16 code units of the text.
    pub const EVENT: u32 = 0;
    /// `[TYPE, n]`: the next `n` code units are the type of the events that follow.
    pub const TYPE: u32 = 1;
    /// `[ID, n]`: the next `n` code units are the last event ID of the events that follow.
    pub const ID: u32 = 2;
    /// `[COMMENT, n]`: a comment, the next `n` code units.
    pub const COMMENT: u32 = 3;
    /// `[RETRY, low, high]`: a reconnection time in ms, `high * 2^32 + low`.
    pub const RETRY: u32 = 4;
    /// `[ERROR]` (always last): parsing stopped; the parser's `takeError()` returns the error.
    pub const ERROR: u32 = 5;
}

/// The UTF-16 length of `text`, i.e. its JS `length`.
fn utf16_len(text: &str) -> u32 {
    let n = if text.is_ascii() {
        text.len()
    } else {
        text.chars().map(char::len_utf16).sum()
    };
    n as u32
}

/// Frames encoded for a single crossing of the boundary.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) text: String,
    pub(super) records: Vec<u32>,
    /// Type and last event ID of the previous event of this batch. A batch starts from
    /// `message` and the empty ID, so each batch is self-contained on the JS side, and only
    /// changes are sent (nearly every event has the type and ID of the one before).
    event_type: String,
    id: String,
}

impl Batch {
    /// Empties the batch for the next crossing.
    pub(super) fn start(&mut self) {
        self.text.clear();
        self.records.clear();
        self.event_type.clear();
        self.event_type.push_str("message");
        self.id.clear();
    }

    fn push_text(&mut self, kind: u32, text: &str) {
        self.records.push(kind);
        self.records.push(utf16_len(text));
        self.text.push_str(text);
    }

    /// Appends an event.
    pub(super) fn push_event(&mut self, event_type: &str, data: &str, last_event_id: &str) {
        if event_type != self.event_type {
            self.push_text(record::TYPE, event_type);
            self.event_type.clear();
            self.event_type.push_str(event_type);
        }
        if last_event_id != self.id {
            self.push_text(record::ID, last_event_id);
            self.id.clear();
            self.id.push_str(last_event_id);
        }
        self.push_text(record::EVENT, data);
    }

    /// Appends a frame of the parser.
    pub(super) fn push(&mut self, frame: Frame<'_>) {
        match frame {
            Frame::Event(event) => {
                self.push_event(event.event_type, event.data, event.last_event_id)
            }
            Frame::Retry(ms) => {
                self.records
                    .extend([record::RETRY, ms as u32, (ms >> 32) as u32]);
            }
            Frame::Comment(text) => self.push_text(record::COMMENT, text),
        }
    }

    /// Appends the `ERROR` record that ends a batch whose feed failed.
    pub(super) fn push_error(&mut self) {
        self.records.push(record::ERROR);
    }
}
