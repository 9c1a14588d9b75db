//! Stall detection on a simulated clock: how long the default (adaptive) policy takes to
//! notice a dead server, and whether it ever cuts a live one, for three kinds of server:
//!
//! 1. a `: keep-alive` comment every 15 s (up to 1.5 s late), an event now and then, 1 hour;
//! 2. an event every 30–60 s, no comments, 2 hours (20 seeds);
//! 3. 100 ms ticks for 1 s, then nothing (a server that dies early).
//!
//! ```text
//! cargo run -p tidings-core --example stall
//! ```
//!
//! "Detection" is the time from the server's last byte to the stall; "false stalls" are
//! stalls declared while the server was still sending. `crates/tidings-core/tests/policy.rs`
//! asserts the same figures.

use tidings_core::policy::{Action, Config, Policy};

/// Signs of life at these times (ms after the stream opened at 0), then silence. Returns
/// (false stalls, detection delay in ms).
fn run(config: Config, signs: &[u64]) -> (usize, Option<u64>) {
    let mut policy = Policy::new(config, 7);
    let connect = |p: &mut Policy, now: u64| {
        assert!(matches!(p.poll_action(now), Some(Action::Connect { .. })));
        p.handle_response(now, 200, Some("text/event-stream"), None);
    };
    connect(&mut policy, 0);
    let last = signs.last().copied().unwrap_or(0);
    let mut false_stalls = 0;
    let mut i = 0;
    // Bounded: each step consumes a sign or ends with the stall after the last one.
    for _ in 0..signs.len() * 4 + 10 {
        let deadline = policy.poll_timeout();
        match (signs.get(i).copied(), deadline) {
            (Some(t), Some(d)) if d <= t => {
                if let Some(Action::Abort { .. }) = policy.poll_action(d) {
                    false_stalls += 1;
                    let at = policy.next_retry().map_or(d, |r| r.at_ms);
                    connect(&mut policy, at);
                    while signs.get(i).is_some_and(|&s| s < at) {
                        i += 1;
                    }
                }
            }
            (Some(t), _) => {
                policy.handle_bytes(t);
                let _ = policy.poll_action(t);
                i += 1;
            }
            (None, Some(d)) => {
                if let Some(Action::Abort { .. }) = policy.poll_action(d) {
                    return (false_stalls, Some(d - last));
                }
            }
            (None, None) => break,
        }
    }
    (false_stalls, None)
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn main() {
    let config = Config::default();
    println!("server                                  false stalls  detection");

    let mut rng = 3;
    let mut t = 0;
    let mut keep_alive = Vec::new();
    while t < 3_600_000 {
        t += 15_000 + xorshift(&mut rng) % 1_500;
        keep_alive.push(t);
    }
    let (false_stalls, detection) = run(config, &keep_alive);
    print_row("15 s keep-alive comments, 1 h", false_stalls, detection);

    let (mut worst_false, mut slowest, mut fastest) = (0, 0, u64::MAX);
    for seed in 1..=20u64 {
        let mut rng = seed;
        let mut t = 0;
        let mut signs = Vec::new();
        while t < 7_200_000 {
            t += 30_000 + xorshift(&mut rng) % 30_001;
            signs.push(t);
        }
        let (false_stalls, detection) = run(config, &signs);
        worst_false = worst_false.max(false_stalls);
        let detection = detection.expect("noticed");
        slowest = slowest.max(detection);
        fastest = fastest.min(detection);
    }
    println!(
        "{:<40}{:>12}  {:.1}-{:.1} s",
        "events every 30-60 s, 2 h x 20 seeds",
        worst_false,
        fastest as f64 / 1000.0,
        slowest as f64 / 1000.0
    );

    let ticks: Vec<u64> = (1..=10).map(|n| n * 100).collect();
    let (false_stalls, detection) = run(config, &ticks);
    print_row("100 ms ticks for 1 s, then dead", false_stalls, detection);
}

fn print_row(label: &str, false_stalls: usize, detection: Option<u64>) {
    match detection {
        Some(ms) => println!("{label:<40}{false_stalls:>12}  {:.1} s", ms as f64 / 1000.0),
        None => println!("{label:<40}{false_stalls:>12}  never"),
    }
}
