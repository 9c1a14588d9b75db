//! # tidings-core
//!
//! The sans-IO heart of tidings: a byte-level `text/event-stream` parser that follows
//! [WHATWG HTML §9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html) exactly,
//! and a deterministic reconnect policy.
//!
//! **The rule of this crate:** it performs no IO, reads no clock and draws no random numbers.
//! Time comes in as milliseconds passed by the caller, randomness as a seed the caller supplies.
//! Given the same inputs it always produces the same outputs, so it can be tested on a simulated
//! clock and replayed byte by byte. It is `no_std` + `alloc` and has zero dependencies.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod batch;
pub mod parser;
pub mod policy;
pub mod share;

pub use parser::{Event, Frame, Limits, OwnedEvent, OwnedFrame, ParseError, Parser};
pub use policy::{
    Action, AdaptiveStall, Config, GiveUpReason, Jitter, Outcome, Policy, StallDetection, Status,
};
