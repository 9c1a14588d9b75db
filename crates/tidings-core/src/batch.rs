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
    /// `[PART, n]`: the next `n` code units are the next part of the data of the event in
    /// progress, which arrives in parts because it is long (see
    /// [`Parser::feed_batch`](crate::Parser::feed_batch)): that event's data is its parts,
    /// from this batch and earlier ones, then the text of its `EVENT` record. The receiver
    /// drops the parts of an event that never comes when it resets the parser (a parser
    /// stopped by an `ERROR` sends nothing more until then).
    pub const PART: u32 = 4;
    /// `[RETRY, low, high]`: a reconnection time in ms, `high * 2^32 + low`.
    pub const RETRY: u32 = 5;
    /// `[ERROR, kind, low, high]` (always last): parsing stopped with the error `kind`
    /// ([`LINE_TOO_LONG`] or [`EVENT_TOO_LARGE`]) at the limit `high * 2^32 + low` bytes. In
    /// the table, so the receiver needs no second call (and the wasm no JS object) for it.
    pub const ERROR: u32 = 6;
    /// The `kind` of an [`ERROR`] record for [`ParseError::LineTooLong`](crate::ParseError::LineTooLong).
    pub const LINE_TOO_LONG: u32 = 0;
    /// The `kind` of an [`ERROR`] record for [`ParseError::EventTooLarge`](crate::ParseError::EventTooLarge).
    pub const EVENT_TOO_LARGE: u32 = 1;
    /// The `n` of the last record with non-empty text in a batch, when its text is long
    /// (1 KiB or more): the rest of the text (records after it have empty text). So the
    /// longest string a batch carries (a big event's data, a long event's part) is never
    /// counted: JS `substring` takes an end past the string's length as its end.
    pub const TO_END: u32 = u32::MAX;
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
    // In valid UTF-8 every character has one lead byte and needs two UTF-16 units exactly when
    // it takes four bytes: so the count is the bytes, less the continuation bytes
    // (0b10xx_xxxx), plus the four-byte leads (0xF0..). Eight bytes at a time (wasm has 64-bit
    // words; core's `is_ascii` reads 32 on wasm32), with a bit 7 in the same byte of `w << k`
    // being bit `7 - k` of each byte of `w`; an ASCII word costs one test.
    const HIGH: u64 = 0x8080_8080_8080_8080;
    #[inline(always)]
    fn adjust(n: u32, w: u64) -> u32 {
        if w & HIGH == 0 {
            return n;
        }
        let continuation = w & !(w << 1) & HIGH;
        let four_byte_lead = w & (w << 1) & (w << 2) & (w << 3) & HIGH;
        n - continuation.count_ones() + four_byte_lead.count_ones()
    }
    let bytes = text.as_bytes();
    let mut n = bytes.len() as u32;
    let (words, tail) = bytes.as_chunks::<8>();
    for word in words {
        n = adjust(n, u64::from_le_bytes(*word));
    }
    match bytes.last_chunk::<8>() {
        // The 1–7 bytes after the last whole word are the top of the string's last eight:
        // shifted down, with zeros (ASCII) above them.
        Some(last) if !tail.is_empty() => {
            n = adjust(n, u64::from_le_bytes(*last) >> (8 * (8 - tail.len())));
        }
        Some(_) => {}
        None => {
            for &b in tail {
                n = n - u32::from(b & 0xC0 == 0x80) + u32::from(b >= 0xF0);
            }
        }
    }
    n
}

/// From this many bytes a string's UTF-16 length is counted only when more text follows it.
const COUNT_LATER_FROM: usize = 1024;

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
    /// The last record with text, if its text is long: where its `n` is and where its text
    /// starts. Its `n` stays [`record::TO_END`] unless non-empty text follows, and is counted
    /// then.
    last_text: Option<(usize, usize)>,
}

impl Batch {
    /// An empty batch; call [`start`](Batch::start) before the first frame.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Empties the batch for the next crossing. Keeps the allocations, except a text buffer
    /// grown past 128 KiB (one big event's): freed, as the parser frees its own buffers after
    /// a huge event.
    pub fn start(&mut self) {
        clear_string(&mut self.text);
        self.records.clear();
        self.event_type.clear();
        self.event_type.push_str("message");
        self.id.clear();
        self.last_text = None;
    }

    fn push_text(&mut self, kind: u32, text: &str) {
        self.push_text_record(kind, text);
        self.text.push_str(text);
    }

    /// The record of `text`, about to be appended to the text. A short string is counted at
    /// once, as cheap as remembering it (a token stream's events are all short); a long one
    /// may turn out to be the batch's last, and is counted only when more text follows.
    fn push_text_record(&mut self, kind: u32, text: &str) {
        // An empty string after it keeps `TO_END` right (the rest of the text then is the
        // long string, and nothing for each empty one): the usual case of a long event, whose
        // data went out as its part and whose `EVENT` record has none left.
        if !text.is_empty() {
            self.count_last_text();
        }
        let n = if text.len() < COUNT_LATER_FROM {
            utf16_len(text)
        } else {
            self.last_text = Some((self.records.len() + 1, self.text.len()));
            record::TO_END
        };
        self.records.extend([kind, n]);
    }

    /// Gives the last record with text its length: non-empty text follows it.
    fn count_last_text(&mut self) {
        if self.last_text.is_some() {
            self.count_long_last_text();
        }
    }

    // Out of line: rare, and the parser module is smaller without a copy at every caller.
    #[inline(never)]
    fn count_long_last_text(&mut self) {
        if let Some((at, start)) = self.last_text.take() {
            let n = utf16_len(self.text.get(start..).unwrap_or_default());
            if let Some(slot) = self.records.get_mut(at) {
                *slot = n;
            }
        }
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

    /// Like [`push_part`](Batch::push_part), taking the part's buffer when the batch has no
    /// text yet: the two swap buffers (no copy, and `part` gets the batch's empty one back,
    /// with its capacity). `part` is left empty.
    ///
    /// ```
    /// use tidings_core::batch::{Batch, record};
    ///
    /// let mut batch = Batch::new();
    /// batch.start();
    /// let mut part = String::from("long");
    /// let at = part.as_ptr();
    /// batch.take_part(&mut part);
    /// assert_eq!((batch.text(), batch.text().as_ptr()), ("long", at)); // not copied
    /// assert_eq!(part, "");
    /// let mut more = String::from(" event");
    /// batch.take_part(&mut more); // copied: the batch has text already
    /// assert_eq!(batch.text(), "long event");
    /// assert_eq!(batch.records(), &[record::PART, 4, record::PART, 6]);
    /// ```
    pub fn take_part(&mut self, part: &mut String) {
        if self.text.is_empty() {
            self.push_text_record(record::PART, part);
            core::mem::swap(&mut self.text, part);
        } else {
            self.push_part(part);
        }
        part.clear();
    }

    /// Appends the next part of the data of the event in progress (a [`record::PART`]).
    ///
    /// ```
    /// use tidings_core::batch::{Batch, record};
    ///
    /// let mut batch = Batch::new();
    /// batch.start();
    /// batch.push_part("long ");
    /// batch.push_event("message", "event", "");
    /// assert_eq!(batch.text(), "long event");
    /// assert_eq!(batch.records(), &[record::PART, 5, record::EVENT, 5]);
    /// ```
    pub fn push_part(&mut self, text: &str) {
        self.push_text(record::PART, text);
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

    /// The records of the batch so far. The last record with non-empty text may have the
    /// length [`record::TO_END`]: the rest of the text.
    pub fn records(&self) -> &[u32] {
        &self.records
    }

    /// Moves the text out, leaving it empty.
    pub fn take_text(&mut self) -> String {
        self.last_text = None;
        core::mem::take(&mut self.text)
    }

    /// Moves the records out, leaving them empty.
    pub fn take_records(&mut self) -> Vec<u32> {
        self.last_text = None;
        core::mem::take(&mut self.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OwnedEvent, OwnedFrame, Parser};

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
    fn a_long_last_string_runs_to_the_end_and_is_counted_once_text_follows() {
        let long = "é".repeat(COUNT_LATER_FROM);
        let n = COUNT_LATER_FROM as u32; // UTF-16 units: one per `é` (two bytes each)
        let mut batch = Batch::new();
        batch.start();
        batch.push_event("message", &long, "");
        batch.push(Frame::Retry(7));
        // The last string with text: not counted.
        assert_eq!(
            batch.records(),
            &[record::EVENT, record::TO_END, record::RETRY, 7, 0]
        );
        // Followed by more text: counted.
        batch.push(Frame::Comment("c"));
        assert_eq!(
            batch.records(),
            &[record::EVENT, n, record::RETRY, 7, 0, record::COMMENT, 1]
        );
        // A part taken by swapping buffers, likewise; an empty event's data after it leaves
        // it running to the end, a short one after that counts it.
        let mut part = long.clone();
        batch.start();
        batch.take_part(&mut part);
        assert_eq!(batch.records(), &[record::PART, record::TO_END]);
        batch.push_event("message", "", "");
        assert_eq!(
            batch.records(),
            &[record::PART, record::TO_END, record::EVENT, 0]
        );
        let (frames, _) = decode(batch.text(), batch.records(), &mut String::new());
        assert_eq!(
            frames,
            [OwnedFrame::Event(OwnedEvent {
                event_type: "message".into(),
                data: long.clone(),
                last_event_id: String::new()
            })]
        );
        batch.push_event("message", "d", "");
        assert_eq!(
            batch.records(),
            &[record::PART, n, record::EVENT, 0, record::EVENT, 1]
        );
        let (frames, _) = decode(batch.text(), batch.records(), &mut String::new());
        assert_eq!(frames.len(), 2);
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

    /// Decodes a batch as `npm/src/batch.ts` does, `partial` carrying the parts of an event in
    /// progress from batch to batch; an `ERROR` is returned, not decoded into a frame.
    fn decode(text: &str, records: &[u32], partial: &mut String) -> (Vec<OwnedFrame>, bool) {
        let units: Vec<u16> = text.encode_utf16().collect();
        let (mut frames, mut pos, mut i) = (Vec::new(), 0, 0);
        let (mut event_type, mut id) = (String::from("message"), String::new());
        while i < records.len() {
            let kind = records[i];
            if kind <= record::PART {
                // `TO_END` as JS `substring` reads it: an end past the text is its end.
                let end = (pos + records[i + 1] as usize).min(units.len());
                let value = String::from_utf16(&units[pos..end]).unwrap();
                pos = end;
                match kind {
                    record::EVENT => frames.push(OwnedFrame::Event(OwnedEvent {
                        event_type: event_type.clone(),
                        data: core::mem::take(partial) + &value,
                        last_event_id: id.clone(),
                    })),
                    record::TYPE => event_type = value,
                    record::ID => id = value,
                    record::COMMENT => frames.push(OwnedFrame::Comment(value)),
                    _ => partial.push_str(&value),
                }
                i += 2;
            } else if kind == record::RETRY {
                frames.push(OwnedFrame::Retry(
                    u64::from(records[i + 2]) << 32 | u64::from(records[i + 1]),
                ));
                i += 3;
            } else {
                assert_eq!(i + 4, records.len(), "ERROR is last");
                return (frames, true);
            }
        }
        assert_eq!(pos, units.len(), "the records cut the whole text");
        (frames, false)
    }

    /// Feeds `input` in chunks of `size` to one parser through `feed` and to another through
    /// `feed_batch`, and checks that the batches decode to the same frames, chunk by chunk.
    /// Returns how many `PART` records the batches held.
    fn same_as_feed(input: &[u8], size: usize, limits: crate::Limits) -> usize {
        same_chunks_as_feed(input.chunks(size), limits)
    }

    /// [`same_as_feed`] for any chunking.
    fn same_chunks_as_feed<'a>(
        chunks: impl Iterator<Item = &'a [u8]>,
        limits: crate::Limits,
    ) -> usize {
        let (mut a, mut b) = (Parser::with_limits(limits), Parser::with_limits(limits));
        let (mut batch, mut partial, mut parts) = (Batch::new(), String::new(), 0);
        for (size, chunk) in chunks.enumerate() {
            let mut expected = Vec::new();
            let expected_error = a.feed_collect(chunk, &mut expected).is_err();
            batch.start();
            if let Err(error) = b.feed_batch(chunk, &mut batch) {
                batch.push_error(error);
            }
            parts += batch
                .records()
                .windows(2)
                .filter(|w| w[0] == record::PART)
                .count();
            let (frames, error) = decode(batch.text(), batch.records(), &mut partial);
            assert!(frames == expected, "chunk {size}: frames differ");
            assert_eq!(error, expected_error, "chunk {size}");
            assert!(b.buffered_bytes() <= a.buffered_bytes());
        }
        parts
    }

    #[test]
    fn feed_batch_encodes_as_push_does() {
        // 100 KiB events (in parts, at some chunk sizes) next to small ones, across chunks.
        let big = "é".repeat(50 * 1024);
        let input = format!(
            "data: a\n\nid: 1\ndata: {big}\n\ndata: {big}\ndata: b\n\nevent: e\ndata: {big}\n\ndata: c\n\n"
        );
        for size in [7, 4096, 70_000, input.len()] {
            same_as_feed(input.as_bytes(), size, crate::Limits::default());
        }
    }

    #[test]
    fn a_long_event_arrives_in_parts_and_nothing_else_changes() {
        // Events of up to 300 KiB: many `data:` lines of random lengths (so parts end inside
        // lines, on a line's LF or between lines), multi-byte and invalid UTF-8 split across
        // chunks, CRLF, comments, types and IDs between them, and one event cut by the end of
        // the stream (`finish` never comes: it is simply not dispatched).
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let pieces: [&[u8]; 6] = [
            b"abcdefgh",
            "é".as_bytes(),
            "😀".as_bytes(),
            b"\xF0\x9F",
            b"\xFF",
            b"x",
        ];
        let mut input = Vec::new();
        for event in 0..12 {
            if event % 3 == 1 {
                input.extend_from_slice(b"event: big\r\nid: 7\r\n: keep-alive\r\n");
            }
            let lines = 1 + next(6);
            for _ in 0..lines {
                input.extend_from_slice(b"data: ");
                for _ in 0..next(14_000) {
                    input.extend_from_slice(pieces[next(6) as usize]);
                }
                input.extend_from_slice(if next(2) == 0 { b"\n" } else { b"\r\n" });
            }
            input.extend_from_slice(b"\n");
        }
        input.extend_from_slice(b"data: the end never comes");
        let mut parts = 0;
        for size in [1000, 4096, 65_536, 70_001, 200_000] {
            parts += same_as_feed(&input, size, crate::Limits::default());
        }
        assert!(parts > 20, "only {parts} parts: the test no longer streams");
    }

    #[test]
    fn the_limit_counts_the_parts_already_sent() {
        // 200 KiB of data against a 150 KiB limit, in 1 KiB chunks: parts go out, then the
        // limit fails the event and the receiver drops its parts.
        let limits = crate::Limits {
            max_line_len: 1 << 20,
            max_event_size: 150 * 1024,
        };
        let line = "y".repeat(20 * 1024);
        let input = format!("data: {line}\n").repeat(10) + "\ndata: after\n\n";
        for size in [1024, 30_000] {
            assert!(same_as_feed(input.as_bytes(), size, limits) > 0);
        }
        // One long line, over the limit in direct mode.
        let input = format!("data: {}\n\n", "z".repeat(200 * 1024));
        assert!(same_as_feed(input.as_bytes(), 1024, limits) > 0);
        // Chunks that end right after a line's LF: a part must not take the LF that
        // dispatch removes; whole lines in a chunk are checked against the limit too.
        let input = format!("data: {line}\n").repeat(10) + "\n";
        let lines = input.split_inclusive('\n').map(str::as_bytes);
        assert!(same_chunks_as_feed(lines, limits) > 0);
        let lines = format!("data: {line}\n").repeat(4) + "\n";
        let lines = lines.split_inclusive('\n').map(str::as_bytes);
        assert!(same_chunks_as_feed(lines, crate::Limits::default()) > 0);
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
