//! [`Wire`] messages as plain JS arrays for `BroadcastChannel.postMessage` (structured clone
//! copies arrays of strings and numbers cheaply; no JSON text to build or parse).
//!
//! Layout: `[tag, ...fields]`; epochs as `term, leader`; events as `seq, type, data, id`.
//! Anything malformed (another version, another library on the same channel name) decodes to
//! `None` and is ignored.

use crate::prelude::*;
use js_sys::Array;
use tidings_core::share::{Epoch, SharedEvent, Wire};
use wasm_bindgen::JsValue;

fn num(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

fn push_epoch(out: &Array, epoch: Epoch) {
    out.push(&num(epoch.term));
    out.push(&JsValue::from(epoch.leader));
}

fn push_event(out: &Array, event: &SharedEvent) {
    out.push(&num(event.seq));
    out.push(&JsValue::from_str(&event.event_type));
    out.push(&JsValue::from_str(&event.data));
    out.push(&JsValue::from_str(&event.id));
}

/// Encodes `wire` for the channel.
pub(crate) fn encode(wire: &Wire) -> JsValue {
    let out = Array::new();
    let tag = |t: &str| out.push(&JsValue::from_str(t));
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
        } => {
            tag(match wire {
                Wire::Claim { .. } => "claim",
                Wire::Ahead { .. } => "ahead",
                _ => "heartbeat",
            });
            push_epoch(&out, *epoch);
            out.push(&num(*seq));
            out.push(&JsValue::from_str(last_id));
        }
        Wire::Position {
            epoch,
            seq,
            last_id,
            answers,
        } => {
            tag("position");
            push_epoch(&out, *epoch);
            out.push(&num(*seq));
            out.push(&JsValue::from_str(last_id));
            out.push(&answers.map_or(JsValue::NULL, num));
        }
        Wire::Event { epoch, event } => {
            tag("event");
            push_epoch(&out, *epoch);
            push_event(&out, event);
        }
        Wire::Replay { epoch, events } => {
            tag("replay");
            push_epoch(&out, *epoch);
            for event in events {
                push_event(&out, event);
            }
        }
        Wire::Resync { after } => {
            tag("resync");
            out.push(&after.map_or(JsValue::NULL, num));
        }
        Wire::Notice { epoch, body } => {
            tag("notice");
            push_epoch(&out, *epoch);
            out.push(&JsValue::from_str(body));
        }
        _ => {}
    }
    out.into()
}

struct Reader {
    items: Array,
    at: u32,
}

impl Reader {
    fn next(&mut self) -> JsValue {
        let value = self.items.get(self.at);
        self.at += 1;
        value
    }
    fn u64(&mut self) -> Option<u64> {
        let n = self.next().as_f64()?;
        (n >= 0.0 && n.fract() == 0.0).then_some(n as u64)
    }
    fn string(&mut self) -> Option<String> {
        self.next().as_string()
    }
    fn epoch(&mut self) -> Option<Epoch> {
        let term = self.u64()?;
        let leader = u32::try_from(self.u64()?).ok()?;
        Some(Epoch { term, leader })
    }
    fn event(&mut self) -> Option<SharedEvent> {
        Some(SharedEvent {
            seq: self.u64()?,
            event_type: self.string()?,
            data: self.string()?,
            id: self.string()?,
        })
    }
    fn left(&self) -> u32 {
        self.items.length().saturating_sub(self.at)
    }
}

/// Decodes a channel message; `None` for anything that is not ours.
pub(crate) fn decode(value: &JsValue) -> Option<Wire> {
    if !Array::is_array(value) {
        return None;
    }
    let mut r = Reader {
        items: Array::from(value),
        at: 0,
    };
    let tag = r.string()?;
    Some(match tag.as_str() {
        "claim" | "ahead" | "heartbeat" | "position" => {
            let (epoch, seq, last_id) = (r.epoch()?, r.u64()?, r.string()?);
            match tag.as_str() {
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
                    answers: r.u64(),
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
            while r.left() >= 4 {
                events.push(r.event()?);
            }
            Wire::Replay { epoch, events }
        }
        "resync" => Wire::Resync {
            after: r.next().as_f64().map(|n| n as u64),
        },
        "notice" => Wire::Notice {
            epoch: r.epoch()?,
            body: r.string()?,
        },
        _ => return None,
    })
}
