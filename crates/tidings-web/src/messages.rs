//! [`MessageBatch`]: the events of one chunk of the stream, stored in one buffer.
//!
//! Why not a `Vec<MessageEvent>`: on a stream of small events (LLM tokens) three owned
//! strings per event were most of the client's time in the browser, more than parsing them.
//! A batch copies each event's data once into a shared buffer, and an event type or last
//! event ID equal to the previous event's (the usual case) is not copied at all.

use crate::prelude::*;
use tidings_core::Event;

/// Byte ranges into [`MessageBatch::text`]: type, data, last event ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spans {
    event_type: (u32, u32),
    data: (u32, u32),
    last_event_id: (u32, u32),
}

/// Consecutive events of one connection, in order: what [`ClientEvent::Messages`] carries.
///
/// Its events read back as [`tidings_core::Event`]s, borrowed from the batch.
///
/// ```
/// use tidings_core::Event;
/// use tidings_web::{MessageBatch, MessageEvent};
///
/// let mut batch = MessageBatch::default();
/// batch.push(Event { event_type: "message", data: "hello", last_event_id: "1" });
/// batch.push(Event { event_type: "message", data: "world", last_event_id: "2" });
/// assert_eq!(batch.len(), 2);
/// let data: Vec<&str> = batch.iter().map(|m| m.data).collect();
/// assert_eq!(data, ["hello", "world"]);
/// assert_eq!(batch.last().unwrap().last_event_id, "2");
/// assert_eq!(MessageEvent::from(batch.get(0).unwrap()).data, "hello");
/// ```
///
/// [`ClientEvent::Messages`]: crate::ClientEvent::Messages
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageBatch {
    text: String,
    spans: Vec<Spans>,
}

/// A string stored in a [`MessageBatch`]; see [`MessageBatch::parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagePart<'a> {
    /// The type of this and the following events.
    Type(&'a str),
    /// The last event ID of this and the following events.
    LastEventId(&'a str),
    /// An event's data.
    Data(&'a str),
}

/// The parts of a [`MessageBatch`]; see [`MessageBatch::parts`].
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    batch: &'a MessageBatch,
    /// The event whose parts come next.
    next: usize,
    stage: Stage,
}

#[derive(Debug, Clone, Copy)]
enum Stage {
    Type,
    LastEventId,
    Data,
}

impl<'a> Iterator for Parts<'a> {
    type Item = MessagePart<'a>;

    // A hand-written state machine rather than `flat_map`: this runs once per event of every
    // chunk on the npm path, and the adapter chain compiled to several times the code and time.
    fn next(&mut self) -> Option<MessagePart<'a>> {
        let batch = self.batch;
        let spans = batch.spans.get(self.next)?;
        let previous = self.next.checked_sub(1).and_then(|i| batch.spans.get(i));
        if let Stage::Type = self.stage {
            self.stage = Stage::LastEventId;
            if previous.is_none_or(|p| p.event_type != spans.event_type) {
                return Some(MessagePart::Type(batch.slice(spans.event_type)));
            }
        }
        if let Stage::LastEventId = self.stage {
            self.stage = Stage::Data;
            if previous.is_none_or(|p| p.last_event_id != spans.last_event_id) {
                return Some(MessagePart::LastEventId(batch.slice(spans.last_event_id)));
            }
        }
        self.stage = Stage::Type;
        self.next += 1;
        Some(MessagePart::Data(batch.slice(spans.data)))
    }
}

impl MessageBatch {
    /// An empty batch with room for `text_bytes` bytes of text (types, IDs and data) before
    /// it grows.
    ///
    /// ```
    /// use tidings_core::Event;
    /// use tidings_web::MessageBatch;
    ///
    /// let mut batch = MessageBatch::with_capacity(64);
    /// batch.push(Event { event_type: "message", data: "hello", last_event_id: "" });
    /// assert_eq!(batch, {
    ///     let mut grown = MessageBatch::default();
    ///     grown.push(Event { event_type: "message", data: "hello", last_event_id: "" });
    ///     grown
    /// });
    /// ```
    pub fn with_capacity(text_bytes: usize) -> MessageBatch {
        MessageBatch {
            text: String::with_capacity(text_bytes),
            // A guess at the event count (a token event is ~20-40 bytes), so that a chunk of
            // small events does not regrow the spans a dozen times.
            spans: Vec::with_capacity(text_bytes / 48),
        }
    }

    /// Appends an event.
    pub fn push(&mut self, event: Event<'_>) {
        let Event {
            event_type,
            data,
            last_event_id,
        } = event;
        let previous = self.spans.last().copied();
        let event_type = match previous {
            Some(p) if self.holds(p.event_type, event_type) => p.event_type,
            _ => self.append(event_type),
        };
        let last_event_id = match previous {
            Some(p) if self.holds(p.last_event_id, last_event_id) => p.last_event_id,
            _ => self.append(last_event_id),
        };
        let data = self.append(data);
        self.spans.push(Spans {
            event_type,
            data,
            last_event_id,
        });
    }

    /// Appends every event of `other`, in order.
    pub fn extend_from(&mut self, other: &MessageBatch) {
        for event in other {
            self.push(event);
        }
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The event at `index`.
    pub fn get(&self, index: usize) -> Option<Event<'_>> {
        self.spans.get(index).map(|s| self.event(s))
    }

    /// The last event.
    pub fn last(&self) -> Option<Event<'_>> {
        self.spans.last().map(|s| self.event(s))
    }

    /// The events in order.
    pub fn iter(&self) -> Iter<'_> {
        self.into_iter()
    }

    /// The buffer every event's strings are stored in: the [`parts`](MessageBatch::parts),
    /// concatenated.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every stored string once, in the order of [`text`](MessageBatch::text): per event its
    /// type and last event ID where they differ from the previous event's (always for the
    /// first), then its data. For bindings that hand a batch over as one string plus lengths
    /// (`tidings_core::batch`'s format, the npm package): no copy of the text is needed.
    ///
    /// ```
    /// use tidings_core::Event;
    /// use tidings_web::{MessageBatch, MessagePart};
    ///
    /// let mut batch = MessageBatch::default();
    /// for (event_type, data, last_event_id) in [("message", "a", ""), ("message", "b", ""), ("tick", "c", "9")] {
    ///     batch.push(Event { event_type, data, last_event_id });
    /// }
    /// let parts: Vec<MessagePart<'_>> = batch.parts().collect();
    /// use MessagePart::*;
    /// assert_eq!(
    ///     parts,
    ///     [Type("message"), LastEventId(""), Data("a"), Data("b"), Type("tick"), LastEventId("9"), Data("c")]
    /// );
    /// assert_eq!(batch.text(), "messageabtick9c");
    /// ```
    pub fn parts(&self) -> Parts<'_> {
        Parts {
            batch: self,
            next: 0,
            stage: Stage::Type,
        }
    }

    /// Appends the batch's records in [`tidings_core::batch`]'s format to `out`: the
    /// [`parts`](MessageBatch::parts) as `TYPE`, `ID` and `EVENT` records with their UTF-16
    /// lengths, so that `text` and these records are a batch a JS decoder reads as it is.
    /// (What the npm package hands over per chunk; a loop over the events, cheaper than
    /// collecting `parts`.)
    ///
    /// ```
    /// use tidings_core::Event;
    /// use tidings_core::batch::record::{EVENT, ID, TYPE};
    /// use tidings_web::MessageBatch;
    ///
    /// let mut batch = MessageBatch::default();
    /// for (event_type, data, last_event_id) in [("message", "a", ""), ("message", "bé", ""), ("tick", "c", "9")] {
    ///     batch.push(Event { event_type, data, last_event_id });
    /// }
    /// let mut records = Vec::new();
    /// batch.encode_records(&mut records);
    /// assert_eq!(records, [TYPE, 7, ID, 0, EVENT, 1, EVENT, 2, TYPE, 4, ID, 1, EVENT, 1]);
    /// ```
    pub fn encode_records(&self, out: &mut Vec<u32>) {
        use tidings_core::batch::{record, utf16_len};
        // The common case, ASCII, needs no UTF-16 count per part (a text is ASCII exactly when
        // its UTF-16 length is its byte length).
        let ascii = utf16_len(&self.text) as usize == self.text.len();
        let len = |(start, end): (u32, u32)| {
            if ascii {
                end - start
            } else {
                utf16_len(self.slice((start, end)))
            }
        };
        out.reserve(2 * self.spans.len() + 4);
        let mut previous: Option<&Spans> = None;
        for spans in &self.spans {
            if previous.is_none_or(|p| p.event_type != spans.event_type) {
                out.extend([record::TYPE, len(spans.event_type)]);
            }
            if previous.is_none_or(|p| p.last_event_id != spans.last_event_id) {
                out.extend([record::ID, len(spans.last_event_id)]);
            }
            out.extend([record::EVENT, len(spans.data)]);
            previous = Some(spans);
        }
    }

    /// Keeps the first `len` events.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.spans.truncate(len);
        // An event's data is the last thing stored for it: the text of the dropped events
        // goes too, so the parts stay the whole text.
        let end = self.spans.last().map_or(0, |s| s.data.1);
        self.text.truncate(end as usize);
    }

    fn event(&self, spans: &Spans) -> Event<'_> {
        Event {
            event_type: self.slice(spans.event_type),
            data: self.slice(spans.data),
            last_event_id: self.slice(spans.last_event_id),
        }
    }

    fn slice(&self, (start, end): (u32, u32)) -> &str {
        // Ranges only ever come from `append`, at character boundaries of `text`.
        self.text
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// Whether `span` holds exactly `part`: the lengths first, so that the usual mismatch (or
    /// the usual match of a short type or ID) costs no call at the client's opt-level "z".
    #[inline(always)]
    fn holds(&self, (start, end): (u32, u32), part: &str) -> bool {
        (end - start) as usize == part.len()
            && match self.text.as_bytes().get(start as usize..end as usize) {
                Some(stored) => stored == part.as_bytes(),
                None => false,
            }
    }

    fn append(&mut self, part: &str) -> (u32, u32) {
        let start = self.text.len() as u32;
        self.text.push_str(part);
        (start, self.text.len() as u32)
    }
}

impl<'a> IntoIterator for &'a MessageBatch {
    type Item = Event<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        Iter {
            batch: self,
            spans: self.spans.iter(),
        }
    }
}

/// The events of a [`MessageBatch`], in order (`for m in &batch`).
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    batch: &'a MessageBatch,
    spans: core::slice::Iter<'a, Spans>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        self.spans.next().map(|s| self.batch.event(s))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageEvent;

    fn event<'a>(event_type: &'a str, data: &'a str, last_event_id: &'a str) -> Event<'a> {
        Event {
            event_type,
            data,
            last_event_id,
        }
    }

    #[test]
    fn encoded_records_are_the_parts_with_their_js_lengths() {
        use tidings_core::batch::record;
        let texts = ["message", "tick", "", "a", "bé", "🎉x", "1", "€2"];
        for ascii_only in [true, false] {
            let mut batch = MessageBatch::default();
            let mut seed = 0x2545_F491_4F6C_DD1Du64;
            for _ in 0..200 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let pick = |shift: u32| {
                    let text = texts[((seed >> shift) % 8) as usize];
                    if ascii_only && !text.is_ascii() {
                        "z"
                    } else {
                        text
                    }
                };
                batch.push(event(pick(0), pick(8), pick(16)));
            }
            let expected: Vec<u32> = batch
                .parts()
                .flat_map(|part| {
                    let (kind, text) = match part {
                        MessagePart::Type(t) => (record::TYPE, t),
                        MessagePart::LastEventId(t) => (record::ID, t),
                        MessagePart::Data(t) => (record::EVENT, t),
                    };
                    [kind, text.encode_utf16().count() as u32]
                })
                .collect();
            let mut records = Vec::new();
            batch.encode_records(&mut records);
            assert_eq!(records, expected, "ascii only: {ascii_only}");
        }
    }

    #[test]
    fn parts_cover_the_text_in_order_and_events_read_back() {
        let mut batch = MessageBatch::default();
        batch.push(event("message", "a", "1"));
        batch.push(event("message", "bé", "1"));
        batch.push(event("message", "c", "2"));
        batch.push(event("tick", "", "2"));
        batch.push(event("message", "🎉", ""));
        let joined: String = batch
            .parts()
            .map(|p| match p {
                MessagePart::Type(t) | MessagePart::LastEventId(t) | MessagePart::Data(t) => t,
            })
            .collect();
        assert_eq!(joined, batch.text());
        let events: Vec<_> = batch
            .iter()
            .map(|m| (m.event_type, m.data, m.last_event_id))
            .collect();
        assert_eq!(
            events,
            [
                ("message", "a", "1"),
                ("message", "bé", "1"),
                ("message", "c", "2"),
                ("tick", "", "2"),
                ("message", "🎉", ""),
            ]
        );
        // An unchanged type or ID is stored once.
        assert_eq!(batch.text(), "message1abé2ctickmessage🎉");
    }

    #[test]
    fn truncate_and_extend_keep_the_parts_a_prefix_of_the_text() {
        let mut batch = MessageBatch::default();
        batch.push(event("message", "a", "1"));
        batch.push(event("message", "b", "2"));
        batch.truncate(1);
        assert_eq!(batch.len(), 1);
        let mut other = MessageBatch::default();
        other.push(event("message", "c", "3"));
        batch.extend_from(&other);
        let ids: Vec<_> = batch.iter().map(|m| m.last_event_id).collect();
        assert_eq!(ids, ["1", "3"]);
        let joined: String = batch
            .parts()
            .map(|p| match p {
                MessagePart::Type(t) | MessagePart::LastEventId(t) | MessagePart::Data(t) => t,
            })
            .collect();
        assert_eq!(joined, batch.text(), "nothing of the dropped event is left");
        assert_eq!(MessageEvent::from(batch.get(1).unwrap()).data, "c");
        assert!(batch.get(2).is_none());
    }
}
