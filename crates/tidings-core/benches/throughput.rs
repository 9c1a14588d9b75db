//! Native throughput of the parser against a plain memchr newline scan of the same bytes, on
//! the workloads of `tests/bench` (same generators, byte for byte; see
//! `tests/bench/workloads.mjs`):
//!
//! * `tokens`: an LLM token stream, 100,000 events of ~60 bytes, in 64 KiB chunks;
//! * `large`: 1,000 events of ~64 KiB JSON, in 64 KiB chunks;
//! * `huge`: one 8 MiB event in 1 KiB chunks.
//!
//! The memchr scan is the floor of any SSE parser: it finds every line end and does nothing
//! else (no UTF-8 validation, no fields, no event assembly). `scripts/bench.sh` turns the
//! criterion estimates into the parser/scan ratio.
//!
//! ```text
//! cargo bench -p tidings-core --bench throughput
//! TIDINGS_BENCH_SMOKE=1 cargo bench -p tidings-core --bench throughput -- --warm-up-time 0.05 --measurement-time 0.1 --sample-size 10
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tidings_core::{Frame, Parser};

/// Tokens of the LLM stream; one is non-ASCII so UTF-8 decoding is exercised.
const WORDS: [&str; 8] = [
    " the", " quick", " brown", " fox", " jumps", " over", " café", " dog",
];

/// `data: {"i":I,"choices":[{"delta":{"content":"W"}}]}` + blank line, for `i` in `0..n`.
fn tokens(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "data: {{\"i\":{i},\"choices\":[{{\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n",
            WORDS[i % WORDS.len()]
        ));
    }
    out.into_bytes()
}

/// `n` events whose data is `{"n":I,"rows":[ROWS]}`, with rows appended until the data
/// reaches `size - 32` bytes.
fn large(n: usize, size: usize) -> Vec<u8> {
    let mut rows = String::new();
    let mut k = 0;
    while rows.len() < size - 32 {
        if k > 0 {
            rows.push(',');
        }
        rows.push_str(&format!(
            "{{\"id\":{k},\"name\":\"row-{k}\",\"ok\":true,\"tags\":[\"a\",\"b\"]}}"
        ));
        k += 1;
    }
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!("data: {{\"n\":{i},\"rows\":[{rows}]}}\n\n"));
    }
    out.into_bytes()
}

/// One event whose single data line is `size` bytes of a JSON-ish ASCII pattern.
fn huge(size: usize) -> Vec<u8> {
    let pattern = b"{\"k\":\"lorem ipsum dolor sit amet\",\"v\":[1,2,3]},";
    let mut out = b"data: ".to_vec();
    out.extend(pattern.iter().cycle().take(size));
    out.extend_from_slice(b"\n\n");
    out
}

/// Feeds every chunk; returns events and data bytes so nothing is optimised away.
fn parse(chunks: &[&[u8]]) -> (usize, usize) {
    let mut parser = Parser::new();
    let (mut events, mut bytes) = (0, 0);
    for chunk in chunks {
        parser
            .feed(chunk, |frame| {
                if let Frame::Event(event) = frame {
                    events += 1;
                    bytes += event.data.len();
                }
            })
            .expect("workload within limits");
    }
    (events, bytes)
}

/// The floor: count `\n` in every chunk.
fn scan(chunks: &[&[u8]]) -> usize {
    chunks
        .iter()
        .map(|chunk| memchr::memchr_iter(b'\n', chunk).count())
        .sum()
}

fn workloads() -> Vec<(&'static str, Vec<u8>, usize, usize)> {
    // A smoke run only proves the benchmark still works.
    let smoke = std::env::var_os("TIDINGS_BENCH_SMOKE").is_some();
    let (n_tokens, n_large, huge_size) = if smoke {
        (1_000, 10, 256 << 10)
    } else {
        (100_000, 1_000, 8 << 20)
    };
    vec![
        ("tokens", tokens(n_tokens), 64 << 10, n_tokens),
        ("large", large(n_large, 64 << 10), 64 << 10, n_large),
        ("huge", huge(huge_size), 1 << 10, 1),
    ]
}

fn throughput(c: &mut Criterion) {
    for (name, bytes, chunk, expected_events) in workloads() {
        let chunks: Vec<&[u8]> = bytes.chunks(chunk).collect();
        assert_eq!(parse(&chunks).0, expected_events, "{name}: event count");
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("tidings", |b| b.iter(|| parse(black_box(&chunks))));
        group.bench_function("memchr", |b| b.iter(|| scan(black_box(&chunks))));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = throughput
}
criterion_main!(benches);
