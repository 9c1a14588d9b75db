//! The batch format: how the frames of one chunk cross a boundary (wasm → JavaScript) at once.
//!
//! A batch is one string (the texts of all frames, concatenated) plus a table of `u32`
//! records saying how to cut it (see [`record`]). Lengths are in UTF-16 code units, i.e. JS
//! string `length`s, so the receiver decodes the string once and cuts it with `substring`.
//! The JavaScript decoder is `npm/src/batch.ts` in the tidings repository; the two must agree
//! on [`record`].
//!
//! Pure data shuffling: no IO, no formatting, no panicking index.
//!
//! ```
//! use tidings_core::Parser;
//! use tidings_core::batch::{Batch, record};
//!
//! let mut parser = Parser::new();
//! let mut batch = Batch::new();
//! batch.start();
//! parser
//!     .feed(b"event: tick\ndata: h\xc3\xa9\n\n: hi\nretry: 5\n\n", |frame| batch.push(frame))
//!     .unwrap();
//! assert_eq!(batch.text(), "tickhéhi");
//! assert_eq!(
//!     batch.records(),
//!     &[record::TYPE, 4, record::EVENT, 2, record::COMMENT, 2, record::RETRY, 5, 0]
//! );
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::parser::{Frame, ParseError, clear_string};

/// Record kinds; each kind is followed by its words.
pub mod record {
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
    /// `[ERROR, kind, low, high]` (always last): parsing stopped with the error `kind`
    /// ([`LINE_TOO_LONG`] or [`EVENT_TOO_LARGE`]) at the limit `high * 2^32 + low` bytes. In
    /// the table, so the receiver needs no second call (and the wasm no JS object) for it.
    pub const ERROR: u32 = 5;
    /// The `kind` of an [`ERROR`] record for [`ParseError::LineTooLong`](crate::ParseError::LineTooLong).
    pub const LINE_TOO_LONG: u32 = 0;
    /// The `kind` of an [`ERROR`] record for [`ParseError::EventTooLarge`](crate::ParseError::EventTooLarge).
    pub const EVENT_TOO_LARGE: u32 = 1;
}

/// The UTF-16 length of `text`, i.e. its JS `length`: the unit of a batch's lengths.
///
/// ```
/// use tidings_core::batch::utf16_len;
/// assert_eq!(utf16_len("abc"), 3);
/// assert_eq!(utf16_len("hé🎉"), 4);
/// ```
// Not inlined: at opt-level 3 its loops are unrolled, and the batch calls it from a few places
// (measured: the parser module 126 B gzip smaller; one call per string costs nothing visible).
#[inline(never)]
pub fn utf16_len(text: &str) -> u32 {
    // In valid UTF-8 every character has one lead byte (not 0b10xx_xxxx) and needs two UTF-16
    // units exactly when it takes four bytes (lead 0xF0..): a byte count, no char decoding.
    if text.is_ascii() {
        return text.len() as u32;
    }
    let mut n = 0;
    for &b in text.as_bytes() {
        n += u32::from(b & 0xC0 != 0x80) + u32::from(b >= 0xF0);
    }
    n
}

/// Frames encoded for a single crossing of the boundary.
///
/// Each batch starts (see [`start`](Batch::start)) from type `message` and the empty last
/// event ID, so it is self-contained on the receiving side, and only changes of type and ID
/// are recorded (nearly every event has the type and ID of the one before).
#[derive(Debug, Default)]
pub struct Batch {
    text: String,
    records: Vec<u32>,
    /// Type and last event ID of the previous event of this batch.
    event_type: String,
    id: String,
}

impl Batch {
    /// An empty batch; call [`start`](Batch::start) before the first frame.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Empties the batch for the next crossing. Keeps the allocations, except a text buffer
    /// grown past 64 KiB (one big event's, say an adopted one): freed, as the parser frees
    /// its own buffers after a huge event.
    pub fn start(&mut self) {
        clear_string(&mut self.text);
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
    pub fn push_event(&mut self, event_type: &str, data: &str, last_event_id: &str) {
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

    /// Appends an event whose data the caller gives up: adopted as the text when the batch
    /// has none yet, after the event's type and ID records (no copy), else copied. What
    /// [`Parser::feed_batch`](crate::Parser::feed_batch) does with an event too big for the
    /// parser to keep its buffer.
    ///
    /// ```
    /// use tidings_core::batch::{Batch, record};
    ///
    /// let mut batch = Batch::new();
    /// batch.start();
    /// let data = String::from("big");
    /// let at = data.as_ptr();
    /// batch.push_owned_event("message", data, "");
    /// batch.push_event("message", "small", "");
    /// assert_eq!(batch.text(), "bigsmall");
    /// assert_eq!(batch.text().as_ptr(), at); // the same buffer, not a copy
    /// assert_eq!(batch.records(), &[record::EVENT, 3, record::EVENT, 5]);
    /// ```
    pub fn push_owned_event(&mut self, event_type: &str, data: String, last_event_id: &str) {
        // Records a change of type or ID (with its text) and `[EVENT, 0]`, then the data.
        self.push_event(event_type, "", last_event_id);
        if let Some(len) = self.records.last_mut() {
            *len = utf16_len(&data);
        }
        if self.text.is_empty() {
            self.text = data;
        } else {
            self.text.push_str(&data);
        }
    }

    /// Appends a frame of the parser.
    pub fn push(&mut self, frame: Frame<'_>) {
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

    /// Appends the [`record::ERROR`] record that ends a batch whose feed failed with `error`.
    pub fn push_error(&mut self, error: ParseError) {
        let kind = match error {
            ParseError::LineTooLong { .. } => record::LINE_TOO_LONG,
            ParseError::EventTooLarge { .. } => record::EVENT_TOO_LARGE,
        };
        let limit = error.limit() as u64;
        self.records
            .extend([record::ERROR, kind, limit as u32, (limit >> 32) as u32]);
    }

    /// The concatenated texts of the batch so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The records of the batch so far.
    pub fn records(&self) -> &[u32] {
        &self.records
    }

    /// Moves the text out, leaving it empty.
    pub fn take_text(&mut self) -> String {
        core::mem::take(&mut self.text)
    }

    /// Moves the records out, leaving them empty.
    pub fn take_records(&mut self) -> Vec<u32> {
        core::mem::take(&mut self.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;

    fn encode(input: &[u8]) -> (String, Vec<u32>) {
        let mut parser = Parser::new();
        let mut batch = Batch::new();
        batch.start();
        if let Err(error) = parser.feed(input, |f| batch.push(f)) {
            batch.push_error(error);
        }
        (batch.take_text(), batch.take_records())
    }

    #[test]
    fn only_changes_of_type_and_id_are_recorded() {
        let (text, records) = encode(b"id: 1\ndata: a\n\ndata: b\n\nevent: x\nid: 2\ndata: c\n\n");
        assert_eq!(text, "1abx2c");
        use record::*;
        assert_eq!(
            records,
            [ID, 1, EVENT, 1, EVENT, 1, TYPE, 1, ID, 1, EVENT, 1]
        );
    }

    #[test]
    fn lengths_are_utf16_and_retry_is_split() {
        let (text, records) = encode("data: 😀é\nretry: 4294967301\n\n".as_bytes());
        assert_eq!(text, "😀é");
        assert_eq!(records, [record::RETRY, 5, 1, record::EVENT, 3]);
    }

    #[test]
    fn utf16_len_is_the_js_length() {
        let texts = [
            "",
            "a",
            "é",
            "€",
            "😀",
            "a\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}z",
        ];
        for text in texts {
            assert_eq!(
                utf16_len(text) as usize,
                text.encode_utf16().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn owned_data_is_adopted_when_the_batch_has_no_text_yet() {
        let mut batch = Batch::new();
        batch.start();
        batch.push_owned_event("x", String::from("big"), "");
        batch.push_owned_event("x", String::from("more"), "7");
        assert_eq!(batch.text(), "xbig7more");
        use record::*;
        assert_eq!(batch.records(), &[TYPE, 1, EVENT, 3, ID, 1, EVENT, 4]);
        batch.start();
        batch.push_owned_event("message", String::from("big"), "");
        batch.push_owned_event("message", String::from("more"), "");
        assert_eq!(batch.text(), "bigmore");
        assert_eq!(batch.records(), &[EVENT, 3, EVENT, 4]);
        batch.start();
        let data = String::from("big");
        let at = data.as_ptr();
        batch.push_owned_event("message", data, "");
        assert_eq!(batch.text().as_ptr(), at);
        assert_eq!(batch.records(), &[EVENT, 3]);
    }

    #[test]
    fn feed_batch_encodes_as_push_does() {
        // A 100 KiB event (its buffer is given up), then small ones, across chunks.
        let big = "é".repeat(50 * 1024);
        let input = format!(
            "data: a\n\nid: 1\ndata: {big}\n\ndata: {big}\ndata: b\n\nevent: e\ndata: {big}\n\ndata: c\n\n"
        );
        for size in [7, 4096, 70_000, input.len()] {
            let (mut a, mut b) = (Parser::new(), Parser::new());
            let (mut pushed, mut fed) = (Batch::new(), Batch::new());
            for chunk in input.as_bytes().chunks(size) {
                pushed.start();
                fed.start();
                a.feed(chunk, |f| pushed.push(f)).unwrap();
                b.feed_batch(chunk, &mut fed).unwrap();
                assert_eq!(fed.text(), pushed.text());
                assert_eq!(fed.records(), pushed.records());
            }
        }
    }

    #[test]
    fn utf16_len_counts_every_mix_of_widths() {
        // Random mixes of every UTF-8 width, ASCII-only ones included.
        let pieces = [
            "a",
            "\u{7F}",
            "é",
            "\u{7FF}",
            "€",
            "\u{FFFF}",
            "😀",
            "\u{10FFFF}",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let text: String = (0..seed % 40)
                .map(|i| pieces[((seed >> (i % 60)) % 8) as usize])
                .collect();
            assert_eq!(
                utf16_len(&text) as usize,
                text.encode_utf16().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn start_resets_type_and_id() {
        let mut batch = Batch::new();
        batch.start();
        batch.push_event("x", "d", "7");
        batch.start();
        batch.push_event("message", "d", "");
        assert_eq!(batch.records(), &[record::EVENT, 1]);
        assert_eq!(batch.text(), "d");
    }

    #[test]
    fn an_error_ends_the_batch() {
        let mut parser = Parser::with_limits(crate::Limits {
            max_line_len: 8,
            max_event_size: 4,
        });
        let mut batch = Batch::new();
        batch.start();
        parser.feed(b"data: 1\n\n", |f| batch.push(f)).unwrap();
        if let Err(error) = parser.feed(b"data: 123456\n\n", |f| batch.push(f)) {
            batch.push_error(error);
        }
        assert_eq!(
            batch.records(),
            &[record::EVENT, 1, record::ERROR, record::LINE_TOO_LONG, 8, 0]
        );
        batch.start();
        #[cfg(target_pointer_width = "64")]
        batch.push_error(ParseError::EventTooLarge { limit: 1 << 33 });
        #[cfg(target_pointer_width = "64")]
        assert_eq!(
            batch.records(),
            &[record::ERROR, record::EVENT_TOO_LARGE, 0, 2]
        );
    }
}
