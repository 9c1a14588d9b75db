//! Throughput of the parser on huge single events fed in 1 KiB chunks (shows that time is
//! linear in the event size: ns/byte stays flat as the size doubles) and on a token stream
//! (100,000 small events, the LLM-streaming shape).
//!
//! ```text
//! cargo run --release -p tidings-core --example big_event
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use tidings_core::{Frame, Limits, Parser};

const CHUNK: usize = 1024;

/// Best of `runs` timings of `work`.
fn best_of(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn report(label: &str, bytes: usize, time: Duration) {
    let secs = time.as_secs_f64();
    println!(
        "{label:<34} {:>9.1} MB/s {:>7.3} ns/byte {:>9.2} ms",
        bytes as f64 / secs / 1e6,
        secs * 1e9 / bytes as f64,
        secs * 1e3
    );
}

/// One event whose single data line holds `size` bytes of mixed ASCII and multi-byte text.
fn big_event(size: usize) -> Vec<u8> {
    let pattern = "lorem ipsum dolor sit amet, café – 😀 {\"k\": [1, 2, 3]} ";
    let mut data = String::with_capacity(size + pattern.len());
    while data.len() < size {
        data.push_str(pattern);
    }
    while data.len() > size {
        data.pop();
    }
    while data.len() < size {
        data.push('x');
    }
    let mut stream = b"event: big\nid: 1\ndata: ".to_vec();
    stream.extend_from_slice(data.as_bytes());
    stream.extend_from_slice(b"\n\n");
    stream
}

fn parse_chunked(parser: &mut Parser, stream: &[u8], chunk: usize) -> usize {
    let mut total = 0;
    for piece in stream.chunks(chunk) {
        parser
            .feed(piece, |frame| {
                if let Frame::Event(e) = frame {
                    total += e.data.len();
                }
            })
            .unwrap();
    }
    total
}

fn main() {
    let limits = Limits {
        max_line_len: 32 << 20,
        max_event_size: 32 << 20,
    };
    println!("single event, fed in {CHUNK}-byte chunks");
    for mib in [1, 2, 4, 8, 16] {
        let stream = big_event(mib << 20);
        let mut parser = Parser::with_limits(limits);
        let time = best_of(5, || {
            let n = parse_chunked(&mut parser, black_box(&stream), CHUNK);
            assert_eq!(n, mib << 20);
        });
        report(&format!("{mib:>2} MiB event"), stream.len(), time);
    }

    // "data: " + 16 MiB is over the default 16 MiB line limit, which is why the runs above
    // raise the limits. An 8 MiB event fits the defaults:
    let stream = big_event(8 << 20);
    let mut parser = Parser::new();
    let time = best_of(5, || {
        assert_eq!(parse_chunked(&mut parser, &stream, stream.len()), 8 << 20);
    });
    report("8 MiB event, one chunk, defaults", stream.len(), time);

    println!("\ntoken stream: 100,000 events of ~60 bytes");
    let mut stream = Vec::new();
    for i in 0..100_000 {
        let line = format!(
            "data: {{\"index\":{i:>6},\"token\":\"tok {:>4}\",\"logprob\":-0.25}}\n\n",
            i % 9973
        );
        stream.extend_from_slice(line.as_bytes());
    }
    println!(
        "(stream is {} bytes, {:.1} bytes/event)",
        stream.len(),
        stream.len() as f64 / 1e5
    );
    for chunk in [stream.len(), 16 * 1024, CHUNK, 64] {
        let mut parser = Parser::new();
        let mut events = 0;
        let time = best_of(5, || {
            events = 0;
            for piece in stream.chunks(chunk) {
                parser
                    .feed(piece, |frame| {
                        if let Frame::Event(e) = frame {
                            events += black_box(e.data.len()).min(1);
                        }
                    })
                    .unwrap();
            }
        });
        assert_eq!(events, 100_000);
        let label = if chunk == stream.len() {
            "tokens, one chunk".to_owned()
        } else {
            format!("tokens, {chunk}-byte chunks")
        };
        report(&label, stream.len(), time);
        println!(
            "{:<34} {:>9.0} ns/event",
            "",
            time.as_secs_f64() * 1e9 / 100_000.0
        );
    }

    // Baseline: the cheapest possible pass, counting LF bytes.
    let time = best_of(5, || {
        black_box(black_box(&stream).iter().filter(|&&b| b == b'\n').count());
    });
    report("baseline: count LF bytes", stream.len(), time);
}
