//! Reconnect storm: 10,000 clients on a simulated clock, each driving the real [`Policy`],
//! lose their connection when the server restarts at t = 0. The server answers `503` until
//! it is back (t = 5 s by default), then accepts. Counts connection attempts per 100 ms window
//! for tidings' default policy (exponential backoff, full jitter), the same policy after the
//! server sent `retry: 1000` (the reconnection time becomes the base of the backoff), its
//! earlier default, and fixed-delay policies (no jitter), and writes an SVG plot. `--explore` prints other tunings.
//!
//! ```text
//! cargo run --release -p tidings-core --example storm -- [--clients N] [--down-ms MS] [--svg PATH]
//! ```
//!
//! Prints one JSON document on stdout (read by `scripts/bench.sh`). Responses are instant: the
//! figure is the arrival pattern the server sees, not the server's capacity.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use tidings_core::policy::{Action, Config, Jitter, Outcome, Policy};

/// Width of one histogram window.
const WINDOW_MS: u64 = 100;
/// The simulated clock starts here so that the clients' healthy period fits before t = 0.
const T0: u64 = 1_000_000;

struct Scenario {
    name: &'static str,
    label: &'static str,
    config: Config,
    /// The `retry:` the server sent on the connections that dropped, if any.
    server_retry_ms: Option<u64>,
}

struct Run {
    /// Connection attempts per window since t = 0.
    attempts: Vec<u64>,
    /// Successful (accepted) connections per window.
    accepted: Vec<u64>,
    total_attempts: u64,
    /// When the last client got back, ms after t = 0.
    all_back_ms: u64,
}

/// A per-client seed, as a browser would draw from `crypto.getRandomValues`.
fn seed(i: u64) -> u64 {
    let mut z = i
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 31;
    z
}

fn bump(histogram: &mut Vec<u64>, at: u64) {
    let window = ((at - T0) / WINDOW_MS) as usize;
    if histogram.len() <= window {
        histogram.resize(window + 1, 0);
    }
    histogram[window] += 1;
}

fn simulate(config: Config, server_retry_ms: Option<u64>, clients: u64, down_ms: u64) -> Run {
    let mut policies: Vec<Policy> = (0..clients).map(|i| Policy::new(config, seed(i))).collect();
    // Everyone has been connected and healthy for a minute.
    let before = T0 - 60_000;
    for policy in &mut policies {
        let action = policy.poll_action(before);
        assert!(matches!(action, Some(Action::Connect { .. })));
        let outcome = policy.handle_response(before, 200, Some("text/event-stream"), None);
        assert_eq!(outcome, Outcome::Opened);
        policy.handle_bytes(before);
        if let Some(ms) = server_retry_ms {
            policy.handle_retry(ms);
        }
        policy.handle_timeout(T0 - 1);
    }
    // The restart: every connection drops at t = 0.
    let mut queue = BinaryHeap::new();
    for (i, policy) in policies.iter_mut().enumerate() {
        let retry = policy.handle_network_error(T0).retry().expect("retries");
        queue.push(Reverse((retry.at_ms, i)));
    }
    let mut run = Run {
        attempts: Vec::new(),
        accepted: Vec::new(),
        total_attempts: 0,
        all_back_ms: 0,
    };
    // Bounded: every client either gets in after the server is back or keeps backing off,
    // and the backoff is capped, so the loop ends well before this many steps.
    let max_steps = clients * 64;
    let mut steps = 0;
    while let Some(Reverse((at, i))) = queue.pop() {
        steps += 1;
        assert!(steps <= max_steps, "simulation did not settle");
        let policy = &mut policies[i];
        match policy.poll_action(at) {
            Some(Action::Connect { .. }) => {
                run.total_attempts += 1;
                bump(&mut run.attempts, at);
                if at < T0 + down_ms {
                    let retry = policy.handle_response(at, 503, None, None).retry();
                    let retry = retry.expect("503 retries");
                    queue.push(Reverse((retry.at_ms, i)));
                } else {
                    let outcome = policy.handle_response(at, 200, Some("text/event-stream"), None);
                    assert_eq!(outcome, Outcome::Opened);
                    bump(&mut run.accepted, at);
                    run.all_back_ms = run.all_back_ms.max(at - T0);
                }
            }
            other => {
                // Not due yet (cannot happen with exact deadlines): ask again at the deadline.
                assert!(other.is_none(), "unexpected action {other:?}");
                let next = policy.poll_timeout().expect("a deadline");
                queue.push(Reverse((next.max(at + 1), i)));
            }
        }
    }
    run.accepted.resize(run.attempts.len(), 0);
    run
}

/// Peak window and mean over the windows from t = 0 to the last attempt.
fn peak_mean(histogram: &[u64]) -> (u64, f64) {
    let peak = histogram.iter().copied().max().unwrap_or(0);
    let total: u64 = histogram.iter().sum();
    (peak, total as f64 / histogram.len().max(1) as f64)
}

fn svg(runs: &[(&Scenario, Run)], down_ms: u64, clients: u64) -> String {
    let (width, panel_h, left, top_pad) = (860.0, 170.0, 70.0, 44.0);
    let plot_w = width - left - 20.0;
    let span_ms = runs
        .iter()
        .map(|(_, r)| r.attempts.len() as u64 * WINDOW_MS)
        .max()
        .unwrap_or(1)
        .max(down_ms + 1000);
    let height = top_pad + runs.len() as f64 * (panel_h + 40.0) + 10.0;
    let x = |ms: f64| left + plot_w * ms / span_ms as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="{left}" y="20" font-size="15" font-weight="bold">Reconnect storm: {clients} clients, server down 0–{down_s} s (503), connection attempts per {WINDOW_MS} ms</text>
"##,
        down_s = down_ms as f64 / 1000.0
    );
    for (p, (scenario, run)) in runs.iter().enumerate() {
        let top = top_pad + p as f64 * (panel_h + 40.0) + 14.0;
        let bottom = top + panel_h;
        let (peak, mean) = peak_mean(&run.attempts);
        let y_max = (peak.max(1) as f64 * 1.1).ceil();
        let y = |v: f64| bottom - panel_h * v / y_max;
        let _ = writeln!(
            out,
            r##"<text x="{left}" y="{}" font-weight="bold">{} — peak {peak}/window, mean {mean:.0}, peak/mean {:.1}, all back after {:.1} s</text>"##,
            top - 4.0,
            scenario.label,
            peak as f64 / mean,
            run.all_back_ms as f64 / 1000.0
        );
        let _ = writeln!(
            out,
            r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{panel_h}" fill="none" stroke="#bbb"/>
<rect x="{left}" y="{top}" width="{}" height="{panel_h}" fill="#fde8e8"/>"##,
            x(down_ms as f64) - left
        );
        // Attempts (503s while down) and accepted connections, as step lines.
        for (series, color) in [(&run.attempts, "#1f6feb"), (&run.accepted, "#2da44e")] {
            let mut d = format!("M{:.1},{:.1}", x(0.0), y(0.0));
            for (w, &v) in series.iter().enumerate() {
                let (x0, x1) = (
                    x((w as u64 * WINDOW_MS) as f64),
                    x(((w as u64 + 1) * WINDOW_MS) as f64),
                );
                let _ = write!(
                    d,
                    " L{x0:.1},{:.1} L{x1:.1},{:.1}",
                    y(v as f64),
                    y(v as f64)
                );
            }
            let _ = write!(
                d,
                " L{:.1},{:.1}",
                x((series.len() as u64 * WINDOW_MS) as f64),
                y(0.0)
            );
            let _ = writeln!(
                out,
                r##"<path d="{d}" fill="none" stroke="{color}" stroke-width="1.2"/>"##
            );
        }
        let mean_y = y(mean);
        let _ = writeln!(
            out,
            r##"<line x1="{left}" x2="{}" y1="{mean_y:.1}" y2="{mean_y:.1}" stroke="#888" stroke-dasharray="4 3"/>
<text x="{}" y="{:.1}" fill="#666" text-anchor="end">mean</text>
<text x="{}" y="{:.1}" text-anchor="end">{}</text>
<text x="{}" y="{bottom:.1}" text-anchor="end">0</text>"##,
            left + plot_w,
            left + plot_w - 4.0,
            mean_y - 3.0,
            left - 6.0,
            y(peak as f64) + 4.0,
            peak,
            left - 6.0
        );
        let step = if span_ms > 20_000 { 5_000 } else { 1_000 };
        for t in (0..=span_ms).step_by(step as usize) {
            let _ = writeln!(
                out,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}s</text>"##,
                x(t as f64),
                bottom + 14.0,
                t / 1000
            );
        }
    }
    let legend_y = height - 8.0;
    let _ = writeln!(
        out,
        r##"<text x="{left}" y="{legend_y}"><tspan fill="#1f6feb">━ attempts</tspan>   <tspan fill="#2da44e">━ accepted (server back)</tspan>   <tspan fill="#d33">▇ server down</tspan></text>
</svg>"##
    );
    out
}

fn main() {
    let mut clients = 10_000;
    let mut down_ms = 5_000;
    let mut svg_path = None;
    let mut explore = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("option value");
        match arg.as_str() {
            "--clients" => clients = value().parse().expect("--clients N"),
            "--down-ms" => down_ms = value().parse().expect("--down-ms MS"),
            "--svg" => svg_path = Some(value()),
            // Alternative tunings of the same policy, printed on stderr (not plotted).
            "--explore" => explore = true,
            other => panic!("unknown argument {other}"),
        }
    }
    let scenarios = [
        Scenario {
            name: "tidings-full-jitter",
            label: "tidings default (3 s doubling to 10 s, full jitter)",
            config: Config::default(),
            server_retry_ms: None,
        },
        Scenario {
            name: "server-retry-1000",
            label: "tidings default, server sent retry: 1000 (first retry in [1, 1.5] s, growing from 1 s)",
            config: Config::default(),
            server_retry_ms: Some(1_000),
        },
        Scenario {
            name: "earlier-default",
            label: "tidings' earlier default (1 s doubling to 30 s, full jitter)",
            config: Config::default()
                .with_initial_delay_ms(1_000)
                .with_max_delay_ms(30_000),
            server_retry_ms: None,
        },
        Scenario {
            name: "fixed-1s",
            label: "fixed 1 s delay, no jitter",
            config: Config::default()
                .with_initial_delay_ms(1_000)
                .with_multiplier(1)
                .with_jitter(Jitter::None),
            server_retry_ms: None,
        },
        Scenario {
            name: "fixed-3s",
            label: "fixed 3 s delay, no jitter (EventSource's default reconnection time)",
            config: Config::default()
                .with_initial_delay_ms(3_000)
                .with_multiplier(1)
                .with_jitter(Jitter::None),
            server_retry_ms: None,
        },
    ];
    let runs: Vec<(&Scenario, Run)> = scenarios
        .iter()
        .map(|s| (s, simulate(s.config, s.server_retry_ms, clients, down_ms)))
        .collect();

    let mut json = format!(
        "{{\n \"clients\": {clients},\n \"down_ms\": {down_ms},\n \"window_ms\": {WINDOW_MS},\n \"policies\": ["
    );
    for (n, (scenario, run)) in runs.iter().enumerate() {
        let (peak, mean) = peak_mean(&run.attempts);
        let (accepted_peak, _) = peak_mean(&run.accepted);
        let _ = write!(
            json,
            "{}\n  {{\"name\": \"{}\", \"label\": \"{}\", \"attempts\": {}, \"windows\": {}, \"peak\": {peak}, \"mean\": {mean:.2}, \"peak_to_mean\": {:.2}, \"accepted_peak\": {accepted_peak}, \"all_back_ms\": {}}}",
            if n == 0 { "" } else { "," },
            scenario.name,
            scenario.label,
            run.total_attempts,
            run.attempts.len(),
            peak as f64 / mean,
            run.all_back_ms
        );
    }
    json.push_str("\n ]\n}");
    println!("{json}");
    if explore {
        // Full jitter unless said; "first retry within A" = initial backoff A.
        let tuning = |initial_ms: u64, cap_ms: u64| {
            Config::default()
                .with_initial_delay_ms(initial_ms)
                .with_max_delay_ms(cap_ms)
        };
        let alternatives = [
            (
                "1 s doubling, cap 30 s (earlier default)",
                tuning(1_000, 30_000),
            ),
            (
                "1 s, equal jitter, cap 30 s",
                tuning(1_000, 30_000).with_jitter(Jitter::Equal),
            ),
            ("1 s doubling, cap 5 s", tuning(1_000, 5_000)),
            ("1 s doubling, cap 10 s", tuning(1_000, 10_000)),
            ("2 s doubling, cap 5 s", tuning(2_000, 5_000)),
            ("3 s doubling, cap 6 s", tuning(3_000, 6_000)),
            ("3 s doubling, cap 10 s (default)", tuning(3_000, 10_000)),
            ("3 s doubling, cap 30 s", tuning(3_000, 30_000)),
            ("4 s doubling, cap 8 s", tuning(4_000, 8_000)),
            ("5 s doubling, cap 10 s", tuning(5_000, 10_000)),
            (
                "5 s constant",
                Config::default()
                    .with_initial_delay_ms(5_000)
                    .with_multiplier(1),
            ),
        ];
        for (label, config) in alternatives {
            let run = simulate(config, None, clients, down_ms);
            let (peak, mean) = peak_mean(&run.attempts);
            let (accepted_peak, _) = peak_mean(&run.accepted);
            eprintln!(
                "{label:<48} attempts {:>6} peak {peak:>5} mean {mean:>7.1} peak/mean {:>5.2} accepted peak {accepted_peak:>5} all back {:.1} s",
                run.total_attempts,
                peak as f64 / mean,
                run.all_back_ms as f64 / 1000.0
            );
        }
    }
    if let Some(path) = svg_path {
        std::fs::write(&path, svg(&runs, down_ms, clients)).expect("write the SVG");
        eprintln!("wrote {path}");
    }
}
