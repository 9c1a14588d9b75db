//! Fuzzes the parser: no input and no chunking may panic, exceed the limits, or make the
//! output depend on how the input was split.
//!
//! Input layout: byte 0 picks the limits, byte 1 seeds the chunk sizes, the rest is the
//! stream. Run with `cargo +nightly fuzz run parser` from `crates/tidings-core`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings_core::{Frame, Limits, OwnedFrame, Parser};

fn limits_for(selector: u8) -> Limits {
    match selector % 4 {
        0 => Limits::default(),
        1 => Limits {
            max_line_len: 16,
            max_event_size: 32,
        },
        2 => Limits {
            max_line_len: usize::from(selector / 4),
            max_event_size: usize::from(selector / 8),
        },
        _ => Limits {
            max_line_len: 1024,
            max_event_size: 0,
        },
    }
}

/// Feeds `chunks`, checking the invariants after every call, and returns everything emitted.
fn run(
    limits: Limits,
    chunks: &[&[u8]],
) -> (Vec<OwnedFrame>, Option<tidings_core::ParseError>, String) {
    let mut parser = Parser::with_limits(limits);
    let bound = limits.max_line_len + limits.max_event_size + 1 + 6 * limits.max_line_len;
    let mut out = Vec::new();
    let mut first_error = None;
    for chunk in chunks {
        let before = out.len();
        let result = parser.feed(chunk, |frame| {
            if let Frame::Event(event) = frame {
                assert!(event.data.len() <= limits.max_event_size);
            }
            out.push(frame.to_owned_frame());
        });
        assert!(parser.buffered_bytes() <= bound);
        match (result, first_error) {
            (Err(e), None) => first_error = Some(e),
            (result, Some(e)) => {
                assert_eq!(result, Err(e));
                assert_eq!(out.len(), before);
            }
            (Ok(()), None) => {}
        }
    }
    parser.finish();
    (out, first_error, parser.last_event_id().to_owned())
}

fuzz_target!(|input: &[u8]| {
    let [selector, seed, stream @ ..] = input else {
        return;
    };
    let limits = limits_for(*selector);

    // Chunk sizes from a tiny xorshift over the seed: 0..=16 bytes (empty chunks included).
    let mut state = u32::from(*seed) | 0x100;
    let mut chunks = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = (state % 17) as usize;
        let (head, tail) = rest.split_at(size.min(rest.len()));
        chunks.push(head);
        rest = tail;
    }

    let whole = run(limits, &[stream]);
    let chunked = run(limits, &chunks);
    assert_eq!(whole, chunked, "output depends on chunking");

    // A reset must always bring a failed parser back.
    let mut parser = Parser::with_limits(limits);
    let _ = parser.feed(stream, |_| {});
    parser.reset();
    assert!(!parser.is_failed());
    assert_eq!(parser.buffered_bytes(), 0);
});
