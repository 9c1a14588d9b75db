//! [`Wire`] messages as text for `BroadcastChannel.postMessage` (the JS host posts and
//! receives strings: no JS object is built or read on this side).
//!
//! Layout: the tag on its own line, then each field: a number as decimal digits and a line
//! break (an absent one as the line break alone), a string as its UTF-8 length, a line break
//! and its bytes (so data may hold line breaks). Epochs are `term, leader`; events `seq, type,
//! data, id`. Anything malformed (another library on the same channel name) decodes to `None`
//! and is ignored.

use crate::error::push_decimal;
use crate::host::first_line;
use crate::prelude::*;
use tidings_core::share::{Epoch, SharedEvent, Wire};

struct Writer(String);

impl Writer {
    fn number(&mut self, n: u64) {
        push_decimal(&mut self.0, n);
        self.0.push('\n');
    }
    fn maybe(&mut self, n: Option<u64>) {
        match n {
            Some(n) => self.number(n),
            None => self.0.push('\n'),
        }
    }
    fn string(&mut self, text: &str) {
        self.number(text.len() as u64);
        self.0.push_str(text);
    }
    fn epoch(&mut self, epoch: Epoch) {
        self.number(epoch.term);
        self.number(u64::from(epoch.leader));
    }
    fn event(&mut self, event: &SharedEvent) {
        self.number(event.seq);
        self.string(&event.event_type);
        self.string(&event.data);
        self.string(&event.id);
    }
}

/// Encodes `wire` for the channel.
pub(crate) fn encode(wire: &Wire) -> String {
    let mut out = Writer(String::new());
    let mut tag = |t: &str| {
        out.0.push_str(t);
        out.0.push('\n');
    };
    match wire {
        Wire::Claim {
            epoch,
            seq,
            last_id,
        }
        | Wire::Ahead {
            epoch,
            seq,
            last_id,
        }
        | Wire::Heartbeat {
            epoch,
            seq,
            last_id,
        }
        | Wire::Position {
            epoch,
            seq,
            last_id,
            ..
        } => {
            tag(match wire {
                Wire::Claim { .. } => "claim",
                Wire::Ahead { .. } => "ahead",
                Wire::Heartbeat { .. } => "heartbeat",
                _ => "position",
            });
            out.epoch(*epoch);
            out.number(*seq);
            out.string(last_id);
            if let Wire::Position { answers, .. } = wire {
                out.maybe(*answers);
            }
        }
        Wire::Event { epoch, event } => {
            tag("event");
            out.epoch(*epoch);
            out.event(event);
        }
        Wire::Replay { epoch, events } => {
            tag("replay");
            out.epoch(*epoch);
            for event in events {
                out.event(event);
            }
        }
        Wire::Resync { after } => {
            tag("resync");
            out.maybe(*after);
        }
        Wire::Notice { epoch, body } => {
            tag("notice");
            out.epoch(*epoch);
            out.string(body);
        }
        _ => {}
    }
    out.0
}

struct Reader<'a> {
    rest: &'a str,
}

impl<'a> Reader<'a> {
    fn line(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = first_line(self.rest);
        self.rest = rest;
        Some(line)
    }
    fn maybe(&mut self) -> Option<Option<u64>> {
        let line = self.line()?;
        if line.is_empty() {
            return Some(None);
        }
        // Digits only (`parse` would also take a sign), at most a u64.
        let mut n: u64 = 0;
        for b in line.bytes() {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        Some(Some(n))
    }
    fn number(&mut self) -> Option<u64> {
        self.maybe()?
    }
    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.number()?).ok()?;
        let (text, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some(String::from(text))
    }
    fn epoch(&mut self) -> Option<Epoch> {
        let term = self.number()?;
        let leader = u32::try_from(self.number()?).ok()?;
        Some(Epoch { term, leader })
    }
    fn event(&mut self) -> Option<SharedEvent> {
        Some(SharedEvent {
            seq: self.number()?,
            event_type: self.string()?,
            data: self.string()?,
            id: self.string()?,
        })
    }
}

/// Decodes a channel message; `None` for anything that is not ours.
pub(crate) fn decode(text: &str) -> Option<Wire> {
    let mut r = Reader { rest: text };
    let tag = r.line()?;
    let wire = match tag {
        "claim" | "ahead" | "heartbeat" | "position" => {
            let (epoch, seq, last_id) = (r.epoch()?, r.number()?, r.string()?);
            match tag {
                "claim" => Wire::Claim {
                    epoch,
                    seq,
                    last_id,
                },
                "ahead" => Wire::Ahead {
                    epoch,
                    seq,
                    last_id,
                },
                "heartbeat" => Wire::Heartbeat {
                    epoch,
                    seq,
                    last_id,
                },
                _ => Wire::Position {
                    epoch,
                    seq,
                    last_id,
                    answers: r.maybe()?,
                },
            }
        }
        "event" => Wire::Event {
            epoch: r.epoch()?,
            event: r.event()?,
        },
        "replay" => {
            let epoch = r.epoch()?;
            let mut events = Vec::new();
            while !r.rest.is_empty() {
                events.push(r.event()?);
            }
            Wire::Replay { epoch, events }
        }
        "resync" => Wire::Resync { after: r.maybe()? },
        "notice" => Wire::Notice {
            epoch: r.epoch()?,
            body: r.string()?,
        },
        _ => return None,
    };
    // Nothing may follow a message (a longer one is another format).
    r.rest.is_empty().then_some(wire)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, data: &str) -> SharedEvent {
        SharedEvent {
            seq,
            event_type: "message".into(),
            data: data.into(),
            id: "é\u{0}?".replace('\u{0}', ""),
        }
    }

    #[test]
    fn every_message_round_trips() {
        let epoch = Epoch {
            term: 7,
            leader: u32::MAX,
        };
        let messages = [
            Wire::Claim {
                epoch,
                seq: 0,
                last_id: String::new(),
            },
            Wire::Ahead {
                epoch,
                seq: u64::MAX,
                last_id: "9".into(),
            },
            Wire::Heartbeat {
                epoch,
                seq: 3,
                last_id: "a\nb".into(),
            },
            Wire::Position {
                epoch,
                seq: 4,
                last_id: "x".into(),
                answers: Some(12),
            },
            Wire::Position {
                epoch,
                seq: 4,
                last_id: "x".into(),
                answers: None,
            },
            Wire::Event {
                epoch,
                event: event(5, "line one\nline two\n\n"),
            },
            Wire::Replay {
                epoch,
                events: vec![event(1, ""), event(2, "12\n34"), event(3, "ünïcödé 😀")],
            },
            Wire::Replay {
                epoch,
                events: Vec::new(),
            },
            Wire::Resync { after: None },
            Wire::Resync { after: Some(99) },
            Wire::Notice {
                epoch,
                body: "eclosed\n1\n2\n\nboom".into(),
            },
        ];
        for message in messages {
            let text = encode(&message);
            assert_eq!(decode(&text), Some(message), "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_ignored() {
        let good = encode(&Wire::Event {
            epoch: Epoch { term: 1, leader: 2 },
            event: event(3, "data"),
        });
        for bad in [
            "",
            "event",
            "claim\n1\n2\n3\n",
            "bogus\n1\n",
            "resync\n-1\n",
            "resync\n99999999999999999999999\n",
            &good[..good.len() - 1],
            &[good.as_str(), "x"].concat(),
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
