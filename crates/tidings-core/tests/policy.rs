//! Reconnect policy tests on a simulated clock: `now` is just a number we advance.

use tidings_core::policy::{
    AbortReason, Action, AdaptiveStall, Config, GiveUpReason, Jitter, Outcome, Policy, Retry,
    Stall, StallDetection, Status, is_event_stream, parse_delay_seconds, parse_http_date,
    parse_retry_after,
};

const SSE: Option<&str> = Some("text/event-stream");

/// Deterministic delays: the backoff itself.
/// No jitter, and the 1 s / 30 s schedule the tests below were written against (independent
/// of the defaults, which `defaults_first_retry_within_3_s_capped_at_10_s` pins).
fn fixed() -> Config {
    Config::default()
        .with_initial_delay_ms(1_000)
        .with_max_delay_ms(30_000)
        .with_jitter(Jitter::None)
}

#[test]
fn defaults_first_retry_within_3_s_capped_at_10_s() {
    let c = Config::default();
    assert_eq!(c.jitter, Jitter::Full);
    let schedule: Vec<u64> = (1..=5).map(|n| c.backoff_ms(n)).collect();
    assert_eq!(schedule, [3_000, 6_000, 10_000, 10_000, 10_000]);
    // Full jitter: the first retry after a drop lands anywhere in [0, 3 s].
    let mut p = Policy::new(c, 7);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    let retry = p.handle_network_error(60_000);
    let Outcome::Retry(r) = retry else {
        panic!("{retry:?}")
    };
    assert!(r.delay_ms <= 3_000, "{r:?}");
}

fn expect_connect(p: &mut Policy, now: u64) -> (Option<String>, u32) {
    match p.poll_action(now) {
        Some(Action::Connect {
            last_event_id,
            attempt,
        }) => (last_event_id, attempt),
        other => panic!("expected Connect at {now}, got {other:?}"),
    }
}

fn open(p: &mut Policy, now: u64) {
    assert_eq!(p.handle_response(now, 200, SSE, None), Outcome::Opened);
    assert_eq!(p.status(), Status::Open);
}

fn retry_of(outcome: Outcome) -> Retry {
    outcome
        .retry()
        .unwrap_or_else(|| panic!("expected a retry, got {outcome:?}"))
}

/// Connects and fails with `status` once; returns the scheduled retry.
fn fail_with_status(p: &mut Policy, now: u64, status: u16, retry_after: Option<u64>) -> Outcome {
    expect_connect(p, now);
    p.handle_response(now, status, None, retry_after)
}

/// Drains the give-up (and any abort) and returns the give-up reason.
fn drain_give_up(p: &mut Policy, now: u64) -> GiveUpReason {
    loop {
        match p.poll_action(now) {
            Some(Action::GiveUp { reason }) => {
                assert_eq!(p.poll_action(now), None, "give-up is reported once");
                assert_eq!(p.status(), Status::Closed);
                assert_eq!(p.give_up_reason(), Some(reason));
                return reason;
            }
            Some(Action::Abort { .. }) => continue,
            other => panic!("expected GiveUp, got {other:?}"),
        }
    }
}

/// Runs `failures` consecutive network errors, each connect happening when due; returns the delays.
fn delays(p: &mut Policy, failures: usize) -> Vec<u64> {
    let mut now = 0;
    let mut out = Vec::new();
    for _ in 0..failures {
        expect_connect(p, now);
        let retry = retry_of(p.handle_network_error(now));
        out.push(retry.delay_ms);
        now = retry.at_ms;
    }
    out
}

// ----- start, backoff, jitter -----

#[test]
fn first_poll_connects_at_once_with_attempt_zero() {
    let mut p = Policy::new(Config::default(), 1);
    assert_eq!(p.status(), Status::Connecting);
    assert_eq!(p.poll_timeout(), Some(0));
    assert_eq!(expect_connect(&mut p, 0), (None, 0));
    assert_eq!(p.poll_action(0), None, "connect is issued once");
    assert_eq!(p.status(), Status::Connecting);
}

#[test]
fn backoff_grows_exponentially_and_caps() {
    let mut p = Policy::new(fixed(), 1);
    assert_eq!(
        delays(&mut p, 8),
        [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
    );
    assert_eq!(p.attempt(), 8);
}

#[test]
fn retry_reports_attempt_delay_and_due_time() {
    let mut p = Policy::new(fixed(), 1);
    expect_connect(&mut p, 100);
    let outcome = p.handle_network_error(150);
    assert!(outcome.will_retry());
    let retry = Retry {
        attempt: 1,
        delay_ms: 1_000,
        at_ms: 1_150,
    };
    assert_eq!(outcome, Outcome::Retry(retry));
    assert_eq!(p.next_retry(), Some(retry));
    assert_eq!(p.status(), Status::Reconnecting);
    assert_eq!(p.poll_timeout(), Some(1_150));
    assert_eq!(p.poll_action(1_149), None, "not due yet");
    assert_eq!(expect_connect(&mut p, 1_150), (None, 1));
    assert_eq!(p.next_retry(), None);
}

#[test]
fn backoff_math_saturates_instead_of_overflowing() {
    let huge = fixed()
        .with_initial_delay_ms(u64::MAX / 3)
        .with_max_delay_ms(u64::MAX)
        .with_multiplier(u32::MAX);
    assert_eq!(huge.backoff_ms(u32::MAX), u64::MAX);
    let mut p = Policy::new(huge, 1);
    expect_connect(&mut p, u64::MAX - 5);
    let retry = retry_of(p.handle_network_error(u64::MAX - 5));
    assert_eq!(retry.at_ms, u64::MAX);
    // Multiplier 0/1 and a zero initial delay do not loop or divide by zero.
    assert_eq!(fixed().with_multiplier(0).backoff_ms(u32::MAX), 1_000);
    assert_eq!(fixed().with_multiplier(1).backoff_ms(50), 1_000);
    assert_eq!(fixed().with_initial_delay_ms(0).backoff_ms(u32::MAX), 0);
    assert_eq!(fixed().with_max_delay_ms(10).backoff_ms(1), 10);
}

#[test]
fn constant_backoff_with_multiplier_one() {
    let mut p = Policy::new(fixed().with_multiplier(1).with_initial_delay_ms(3_000), 1);
    assert_eq!(delays(&mut p, 5), [3_000; 5]);
}

#[test]
fn full_jitter_stays_within_zero_and_backoff_over_many_seeds() {
    let config = Config::default();
    for seed in 0..500 {
        let mut p = Policy::new(config, seed);
        for (i, d) in delays(&mut p, 8).into_iter().enumerate() {
            let cap = config.backoff_ms(i as u32 + 1);
            assert!(d <= cap, "seed {seed} retry {} delay {d} > {cap}", i + 1);
        }
    }
}

#[test]
fn full_jitter_uses_the_whole_range() {
    let mut first = Vec::new();
    for seed in 0..2_000 {
        let mut p = Policy::new(fixed().with_jitter(Jitter::Full), seed);
        first.push(delays(&mut p, 1)[0]);
    }
    let low = first.iter().filter(|&&d| d < 100).count();
    let high = first.iter().filter(|&&d| d > 900).count();
    assert!(low > 100 && high > 100, "low {low}, high {high}");
}

#[test]
fn equal_jitter_stays_in_upper_half() {
    let config = Config::default().with_jitter(Jitter::Equal);
    for seed in 0..300 {
        let mut p = Policy::new(config, seed);
        for (i, d) in delays(&mut p, 7).into_iter().enumerate() {
            let cap = config.backoff_ms(i as u32 + 1);
            assert!(d >= cap - cap / 2 && d <= cap, "seed {seed}: {d} vs {cap}");
        }
    }
}

#[test]
fn same_seed_gives_same_schedule() {
    let a = delays(&mut Policy::new(Config::default(), 42), 10);
    let b = delays(&mut Policy::new(Config::default(), 42), 10);
    assert_eq!(a, b);
}

#[test]
fn different_seeds_give_different_schedules() {
    let schedules: Vec<Vec<u64>> = (0..50)
        .map(|seed| delays(&mut Policy::new(Config::default(), seed), 6))
        .collect();
    for (i, a) in schedules.iter().enumerate() {
        for b in &schedules[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn injected_sample_controls_the_next_delay_only() {
    let mut p = Policy::new(fixed().with_jitter(Jitter::Full), 7);
    expect_connect(&mut p, 0);
    p.handle_random(1_000); // 1_000 % 1_001 = the full backoff
    assert_eq!(retry_of(p.handle_network_error(0)).delay_ms, 1_000);
    p.handle_random(2_001 + 5);
    p.handle_random(2_001 * 7 + 3); // a later injection replaces an unused one: 3
    expect_connect(&mut p, 1_000);
    assert_eq!(retry_of(p.handle_network_error(1_000)).delay_ms, 3);
    // Injected samples do not advance the generator: the third delay uses the seed's *first*
    // draw, as a fresh policy whose first backoff equals the third one (4 s) shows.
    expect_connect(&mut p, 2_000);
    let third = retry_of(p.handle_network_error(2_000)).delay_ms;
    let mut fresh = Policy::new(
        fixed()
            .with_jitter(Jitter::Full)
            .with_initial_delay_ms(4_000),
        7,
    );
    expect_connect(&mut fresh, 0);
    assert_eq!(retry_of(fresh.handle_network_error(0)).delay_ms, third);
}

// ----- retry: is the reconnection time; Retry-After a floor -----

/// A policy that has been open (healthy) and received `retry: ms`, then lost its stream at
/// `now`; returns the first retry.
fn open_with_retry_then_drop(config: Config, seed: u64, ms: u64, now: u64) -> (Policy, Retry) {
    let mut p = Policy::new(config, seed);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    p.handle_retry(ms);
    assert_eq!(p.server_retry_ms(), Some(ms));
    let r = retry_of(p.handle_stream_end(now));
    (p, r)
}

#[test]
fn server_retry_first_reconnect_after_an_open_stream_is_within_r_and_one_and_a_half_r() {
    for r_ms in [200, 1_000, 3_000, 7_000] {
        let (mut low, mut high) = (u64::MAX, 0);
        for seed in 0..1_000 {
            let (_, r) = open_with_retry_then_drop(Config::default(), seed, r_ms, 60_000);
            assert_eq!(r.attempt, 1);
            assert!(
                (r_ms..=r_ms + r_ms / 2).contains(&r.delay_ms),
                "retry: {r_ms}, seed {seed}: {r:?}"
            );
            low = low.min(r.delay_ms);
            high = high.max(r.delay_ms);
        }
        // The jitter uses the range: a herd is spread over it, not all at R.
        assert!(low < r_ms + r_ms / 20, "retry: {r_ms}: lowest {low}");
        assert!(
            high > r_ms + r_ms / 2 - r_ms / 20,
            "retry: {r_ms}: highest {high}"
        );
    }
    // Also when the stream was open only briefly (not healthy), and for a network error.
    let (_, r) = open_with_retry_then_drop(Config::default(), 3, 200, 10);
    assert!((200..=300).contains(&r.delay_ms), "{r:?}");
    let mut p = Policy::new(Config::default(), 9);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    p.handle_retry(200);
    let r = retry_of(p.handle_network_error(1));
    assert!((200..=300).contains(&r.delay_ms), "{r:?}");
}

#[test]
fn server_retry_200_reconnects_much_sooner_than_the_default_base() {
    // The bug this replaces: retry: 200 used to be only a floor under U(0, 3 s).
    let late = (0..1_000)
        .filter(|&seed| {
            open_with_retry_then_drop(Config::default(), seed, 200, 60_000)
                .1
                .delay_ms
                > 300
        })
        .count();
    assert_eq!(late, 0);
}

#[test]
fn server_retry_consecutive_failures_grow_from_r() {
    // Without jitter the schedule is exactly R, 2R, 4R, ... up to the cap.
    let (mut p, first) = open_with_retry_then_drop(fixed(), 1, 1_500, 100);
    assert_eq!(first.delay_ms, 1_500);
    let mut now = first.at_ms;
    let mut schedule = vec![first.delay_ms];
    for _ in 0..6 {
        let r = retry_of(fail_with_status(&mut p, now, 503, None));
        schedule.push(r.delay_ms);
        now = r.at_ms;
    }
    assert_eq!(
        schedule,
        [1_500, 3_000, 6_000, 12_000, 24_000, 30_000, 30_000]
    );
    // With full jitter (the default), retry n is within [R, max(R * 2^(n-1), 1.5 R)],
    // capped at 10 s, and the upper part of the range is used as it grows.
    let r_ms = 1_000;
    let mut highest = [0u64; 6];
    for seed in 0..500 {
        let (mut p, first) = open_with_retry_then_drop(Config::default(), seed, r_ms, 100);
        let mut now = first.at_ms;
        highest[0] = highest[0].max(first.delay_ms);
        for (i, slot) in highest.iter_mut().enumerate().skip(1) {
            let r = retry_of(fail_with_status(&mut p, now, 503, None));
            let upper = (r_ms << i).clamp(1_500, 10_000);
            assert!(
                (r_ms..=upper).contains(&r.delay_ms),
                "seed {seed} retry {}: {r:?}",
                i + 1
            );
            *slot = (*slot).max(r.delay_ms);
            now = r.at_ms;
        }
    }
    for (i, high) in highest.iter().enumerate() {
        let upper = (r_ms << i).clamp(1_500, 10_000);
        assert!(
            *high > upper * 9 / 10,
            "retry {}: highest {high} of {upper}",
            i + 1
        );
    }
}

#[test]
fn server_retry_equal_and_no_jitter_never_go_below_r() {
    for jitter in [Jitter::Equal, Jitter::None] {
        for seed in 0..200 {
            let config = Config::default().with_jitter(jitter);
            let (mut p, first) = open_with_retry_then_drop(config, seed, 700, 100);
            assert!(
                (700..=1_050).contains(&first.delay_ms),
                "{jitter:?}: {first:?}"
            );
            let mut now = first.at_ms;
            for n in 2..8u32 {
                let r = retry_of(fail_with_status(&mut p, now, 503, None));
                let backoff = (700u64 << (n - 1)).min(10_000);
                assert!(
                    (700..=backoff).contains(&r.delay_ms),
                    "{jitter:?} seed {seed} retry {n}: {r:?}"
                );
                now = r.at_ms;
            }
        }
    }
}

#[test]
fn server_retry_above_the_cap_is_never_pulled_below_r() {
    for seed in 0..200 {
        let mut p = Policy::new(Config::default(), seed);
        p.handle_retry(60_000);
        for d in delays(&mut p, 8) {
            assert!((60_000..=90_000).contains(&d), "seed {seed}: {d}");
        }
    }
    let mut p = Policy::new(fixed(), 3);
    p.handle_retry(60_000);
    assert_eq!(delays(&mut p, 5), [60_000; 5], "no jitter: exactly R");
}

#[test]
fn server_retry_stream_that_delivered_events_and_ended_reconnects_as_a_first_retry() {
    // WPT's last-event-id resource and servers that end each response on purpose: every
    // reconnect comes within [R, 1.5 R], not a growing backoff.
    for seed in 0..100 {
        let mut p = Policy::new(Config::default(), seed);
        let mut now = 0;
        for n in 0..10 {
            let (_, attempt) = expect_connect(&mut p, now);
            assert_eq!(attempt, u32::from(n > 0));
            open(&mut p, now);
            p.handle_bytes(now + 1);
            p.handle_retry(200);
            p.handle_event(now + 1);
            let r = retry_of(p.handle_stream_end(now + 2));
            assert_eq!(r.attempt, 1);
            assert!(
                (200..=300).contains(&r.delay_ms),
                "seed {seed} n {n}: {r:?}"
            );
            now = r.at_ms;
        }
    }
    // Accepting and dropping without an event still backs off from R.
    let mut p = Policy::new(fixed(), 1);
    p.handle_retry(200);
    let mut now = 0;
    let mut schedule = Vec::new();
    for _ in 0..4 {
        expect_connect(&mut p, now);
        open(&mut p, now);
        p.handle_bytes(now);
        let r = retry_of(p.handle_stream_end(now + 1));
        schedule.push(r.delay_ms);
        now = r.at_ms;
    }
    assert_eq!(schedule, [200, 400, 800, 1_600]);
    // Without retry: an event does not end the outage early: the defaults stand.
    let mut q = Policy::new(fixed(), 1);
    let mut now = 0;
    let mut schedule = Vec::new();
    for _ in 0..3 {
        expect_connect(&mut q, now);
        open(&mut q, now);
        q.handle_event(now + 1);
        let r = retry_of(q.handle_stream_end(now + 2));
        schedule.push(r.delay_ms);
        now = r.at_ms;
    }
    assert_eq!(schedule, [1_000, 2_000, 4_000]);
}

#[test]
fn server_retry_change_applies_to_the_next_delay() {
    let (mut p, first) = open_with_retry_then_drop(fixed(), 1, 5_000, 10);
    assert_eq!(first.delay_ms, 5_000);
    expect_connect(&mut p, first.at_ms);
    open(&mut p, first.at_ms);
    p.handle_retry(250);
    let r = retry_of(p.handle_stream_end(first.at_ms + 10));
    assert_eq!((r.attempt, r.delay_ms), (2, 500), "grows from the new R");
}

#[test]
fn server_retry_zero_grows_instead_of_hammering() {
    let mut p = Policy::new(fixed(), 1);
    p.handle_retry(0);
    assert_eq!(
        delays(&mut p, 12),
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 2_048]
    );
    let mut q = Policy::new(Config::default(), 5);
    q.handle_retry(0);
    let d = delays(&mut q, 16);
    assert!(d[0] <= 1, "{d:?}");
    assert!(d.iter().all(|&x| x <= 10_000), "{d:?}");
}

#[test]
fn retry_after_is_a_floor_for_that_attempt_with_a_server_retry_too() {
    let mut p = Policy::new(fixed(), 1);
    p.handle_retry(1_000);
    let r = retry_of(fail_with_status(&mut p, 0, 503, Some(20_000)));
    assert_eq!(r.delay_ms, 20_000, "Retry-After above the backoff wins");
    let r = retry_of(fail_with_status(&mut p, r.at_ms, 503, Some(10)));
    assert_eq!(r.delay_ms, 2_000, "a small Retry-After does not shorten it");
    let r = retry_of(fail_with_status(&mut p, r.at_ms, 503, None));
    assert_eq!(r.delay_ms, 4_000, "only for that attempt");
    // With jitter: never below R, never below the Retry-After.
    for seed in 0..200 {
        let mut q = Policy::new(Config::default(), seed);
        q.handle_retry(200);
        let r = retry_of(fail_with_status(&mut q, 0, 429, Some(2_000)));
        assert_eq!(r.delay_ms, 2_000, "seed {seed}");
    }
}

#[test]
fn without_server_retry_the_defaults_stand() {
    // Full jitter over 3 s doubling to 10 s: delay n = sample % (backoff_n + 1), exactly.
    let mut p = Policy::new(Config::default(), 11);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    let mut now = 60_000;
    let mut got = Vec::new();
    for (n, sample) in [7_777_777u64, 123_456_789, 5, 99_999_999_999]
        .into_iter()
        .enumerate()
    {
        p.handle_random(sample);
        let r = if n == 0 {
            retry_of(p.handle_network_error(now))
        } else {
            retry_of(fail_with_status(&mut p, now, 503, None))
        };
        let backoff = Config::default().backoff_ms(n as u32 + 1);
        assert_eq!(r.delay_ms, sample % (backoff + 1));
        got.push(r.delay_ms);
        now = r.at_ms;
    }
    assert_eq!(
        got,
        [
            7_777_777 % 3_001,
            123_456_789 % 6_001,
            5,
            99_999_999_999 % 10_001
        ]
    );
}

#[test]
fn retry_after_is_a_floor_for_one_delay_only() {
    let mut p = Policy::new(fixed(), 1);
    let first = retry_of(fail_with_status(&mut p, 0, 503, Some(20_000)));
    assert_eq!(first.delay_ms, 20_000);
    let second = retry_of(fail_with_status(&mut p, first.at_ms, 503, None));
    assert_eq!(second.delay_ms, 2_000, "back to plain backoff");
}

// ----- healthy reset -----

#[test]
fn healthy_connection_resets_attempts_and_backoff() {
    let mut p = Policy::new(fixed(), 1);
    assert_eq!(delays(&mut p, 4), [1_000, 2_000, 4_000, 8_000]);
    let now = 15_000;
    assert_eq!(expect_connect(&mut p, now).1, 4);
    open(&mut p, now);
    let r = retry_of(p.handle_network_error(now + 5_000));
    assert_eq!((r.attempt, r.delay_ms), (1, 1_000));
}

#[test]
fn short_lived_connection_does_not_reset() {
    let mut p = Policy::new(fixed(), 1);
    delays(&mut p, 3);
    let now = 7_000;
    expect_connect(&mut p, now);
    open(&mut p, now);
    let r = retry_of(p.handle_stream_end(now + 4_999));
    assert_eq!((r.attempt, r.delay_ms), (4, 8_000));
}

#[test]
fn healthy_reset_is_visible_through_the_timeout() {
    let mut p = Policy::new(fixed(), 1);
    delays(&mut p, 2);
    expect_connect(&mut p, 3_000);
    open(&mut p, 3_000);
    assert_eq!(p.attempt(), 2);
    assert_eq!(p.poll_timeout(), Some(8_000), "healthy deadline");
    p.handle_timeout(7_999);
    assert_eq!(p.attempt(), 2);
    p.handle_timeout(8_000);
    assert_eq!(p.attempt(), 0);
    assert_eq!(
        p.poll_timeout(),
        Some(3_000 + 120_000),
        "only the stall limit: the adaptive ceiling while no gap is known"
    );
    assert_eq!(p.status(), Status::Open);
}

// ----- response heads -----

#[test]
fn no_content_204_stops_for_good() {
    let mut p = Policy::new(Config::default(), 1);
    assert_eq!(
        fail_with_status(&mut p, 0, 204, None),
        Outcome::GaveUp(GiveUpReason::NoContent)
    );
    assert_eq!(drain_give_up(&mut p, 0), GiveUpReason::NoContent);
    assert_eq!(p.poll_timeout(), None);
    assert_eq!(p.poll_action(1_000_000), None);
}

#[test]
fn client_errors_stop() {
    for status in [400, 401, 403, 404, 405, 410, 451, 499] {
        let mut p = Policy::new(Config::default(), 1);
        assert_eq!(
            fail_with_status(&mut p, 0, status, Some(1_000)),
            Outcome::GaveUp(GiveUpReason::Http { status })
        );
        assert_eq!(drain_give_up(&mut p, 0), GiveUpReason::Http { status });
    }
}

#[test]
fn other_non_200_statuses_stop() {
    for status in [
        0, 100, 101, 201, 202, 203, 205, 206, 301, 302, 304, 307, 308, 600, 999,
    ] {
        let mut p = Policy::new(Config::default(), 1);
        assert_eq!(
            fail_with_status(&mut p, 0, status, None),
            Outcome::GaveUp(GiveUpReason::Http { status }),
            "status {status}"
        );
    }
}

#[test]
fn request_timeout_408_and_too_many_requests_429_retry_honouring_retry_after() {
    for status in [408, 429] {
        let mut p = Policy::new(fixed(), 1);
        let r = retry_of(fail_with_status(&mut p, 0, status, Some(12_000)));
        assert_eq!((r.attempt, r.delay_ms, r.at_ms), (1, 12_000, 12_000));
        assert_eq!(p.poll_action(11_999), None);
        assert_eq!(expect_connect(&mut p, 12_000).1, 1);
        // Without Retry-After: plain backoff.
        let mut q = Policy::new(fixed(), 1);
        assert_eq!(
            retry_of(fail_with_status(&mut q, 0, status, None)).delay_ms,
            1_000
        );
    }
}

#[test]
fn server_errors_retry() {
    for status in [500, 502, 503, 504, 599] {
        let mut p = Policy::new(fixed(), 1);
        let r = retry_of(fail_with_status(&mut p, 0, status, None));
        assert_eq!((r.attempt, r.delay_ms), (1, 1_000), "status {status}");
        let r = retry_of(fail_with_status(&mut p, r.at_ms, status, None));
        assert_eq!((r.attempt, r.delay_ms), (2, 2_000));
    }
}

#[test]
fn service_unavailable_503_honours_retry_after_above_and_below_backoff() {
    let mut p = Policy::new(fixed(), 1);
    assert_eq!(
        retry_of(fail_with_status(&mut p, 0, 503, Some(120_000))).delay_ms,
        120_000,
        "a Retry-After above the cap still wins"
    );
    let mut q = Policy::new(fixed(), 1);
    assert_eq!(
        retry_of(fail_with_status(&mut q, 0, 503, Some(10))).delay_ms,
        1_000,
        "a Retry-After below the backoff does not shorten it"
    );
}

#[test]
fn wrong_or_missing_content_type_stops() {
    for ct in [
        None,
        Some(""),
        Some("text/plain"),
        Some("application/json"),
        Some("text/event-streams"),
        Some("text/event"),
        Some("text /event-stream"),
    ] {
        let mut p = Policy::new(Config::default(), 1);
        expect_connect(&mut p, 0);
        assert_eq!(
            p.handle_response(0, 200, ct, None),
            Outcome::GaveUp(GiveUpReason::ContentType),
            "{ct:?}"
        );
        assert_eq!(drain_give_up(&mut p, 0), GiveUpReason::ContentType);
    }
}

#[test]
fn content_type_variants_open() {
    for ct in [
        "text/event-stream",
        "TEXT/EVENT-STREAM",
        "Text/Event-Stream",
        "text/event-stream; charset=utf-8",
        "text/event-stream;charset=UTF-8",
        "text/event-stream;",
        "  text/event-stream \t",
        "text/event-stream ; foo=bar",
    ] {
        let mut p = Policy::new(Config::default(), 1);
        expect_connect(&mut p, 0);
        assert_eq!(
            p.handle_response(0, 200, Some(ct), None),
            Outcome::Opened,
            "{ct:?}"
        );
        assert!(is_event_stream(ct));
    }
}

// ----- Retry-After parsing -----

#[test]
fn retry_after_delay_seconds() {
    assert_eq!(parse_retry_after("0", 5), Some(0));
    assert_eq!(parse_retry_after("120", 5), Some(120_000));
    assert_eq!(parse_retry_after(" 7\t", 5), Some(7_000));
    assert_eq!(parse_delay_seconds("007"), Some(7));
    assert_eq!(
        parse_retry_after("99999999999999999999999", 0),
        Some(u64::MAX),
        "saturates"
    );
}

#[test]
fn retry_after_http_dates() {
    // IMF-fixdate, RFC 850 and asctime forms of the RFC 9110 example.
    let t = 784_111_777_000;
    assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
    assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
    assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
    assert_eq!(parse_http_date("sun, 06 nov 1994 08:49:37 gmt"), Some(t));
    // Known instants (checked against `date -u -d ... +%s`).
    assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(
        parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT"),
        Some(951_825_600_000)
    );
    assert_eq!(
        parse_http_date("Fri, 31 Dec 1999 23:59:59 GMT"),
        Some(946_684_799_000)
    );
    assert_eq!(
        parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(1_445_412_480_000)
    );
    assert_eq!(
        parse_http_date("Thursday, 01-Jan-26 00:00:00 GMT"),
        Some(1_767_225_600_000)
    );
    // Relative to now.
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_470_000),
        Some(10_000)
    );
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_490_000),
        Some(0),
        "a date in the past means now"
    );
}

#[test]
fn retry_after_garbage_is_none() {
    for bad in [
        "",
        " ",
        "soon",
        "-5",
        "+5",
        "1.5",
        "1e3",
        "12 34",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Mon, 29 Feb 1900 08:49:37 GMT",
        "Sun, 29 Feb 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1969 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 GMT\u{e9}",
        "\u{e9}\u{e9}\u{e9}, 06 Nov",
    ] {
        assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
    }
}

// ----- idle timeout -----

#[test]
fn idle_timeout_fires_only_when_silent() {
    let mut p = Policy::new(fixed().with_idle_timeout_ms(Some(45_000)), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    assert_eq!(p.poll_timeout(), Some(45_000));
    assert_eq!(p.poll_action(44_999), None);
    assert_eq!(p.status(), Status::Open);
    assert_eq!(
        p.poll_action(45_000),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
    assert_eq!(p.poll_action(45_000), None);
    assert_eq!(p.status(), Status::Reconnecting);
    let r = p.next_retry().expect("retry scheduled after idle abort");
    // Open for 45 s counts as healthy: this is the first retry of a new outage.
    assert_eq!((r.attempt, r.delay_ms, r.at_ms), (1, 1_000, 46_000));
    assert_eq!(expect_connect(&mut p, 46_000).1, 1);
}

#[test]
fn activity_postpones_the_idle_timeout() {
    let mut p = Policy::new(fixed().with_idle_timeout_ms(Some(10_000)), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    for t in (5_000..=100_000).step_by(5_000) {
        p.handle_bytes(t); // e.g. a `:heartbeat` comment
        assert_eq!(p.poll_action(t), None);
        assert_eq!(p.poll_timeout(), Some(t + 10_000));
    }
    assert_eq!(p.status(), Status::Open);
    p.handle_bytes(50_000); // an out-of-order timestamp never moves the clock back
    assert_eq!(p.poll_timeout(), Some(110_000));
    p.handle_timeout(110_000);
    assert_eq!(
        p.poll_action(110_000),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
}

#[test]
fn idle_timeout_also_bounds_waiting_for_the_response_head() {
    let mut p = Policy::new(fixed().with_idle_timeout_ms(Some(20_000)), 1);
    expect_connect(&mut p, 0);
    assert_eq!(p.poll_timeout(), Some(20_000));
    p.handle_timeout(20_000);
    assert_eq!(
        p.poll_action(20_000),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
    assert_eq!(p.next_retry().map(|r| r.at_ms), Some(21_000));
    // The aborted connection's late response is ignored.
    assert_eq!(p.handle_response(20_001, 200, SSE, None), Outcome::Ignored);
    assert_eq!(p.handle_network_error(20_001), Outcome::Ignored);
}

#[test]
fn stall_detection_off_never_drops_a_silent_stream() {
    let mut p = Policy::new(Config::default().with_idle_timeout_ms(None), 1);
    assert_eq!(p.config().stall, StallDetection::Off);
    expect_connect(&mut p, 0);
    assert_eq!(p.poll_timeout(), None);
    assert_eq!(p.stall_limit_ms(), None);
    open(&mut p, 0);
    assert_eq!(p.poll_action(u64::MAX), None);
    assert_eq!(p.status(), Status::Open);
}

// ----- adaptive stall detection -----

/// What happened to one stream on the simulated clock.
#[derive(Debug, PartialEq)]
struct StallRun {
    /// Stalls declared while the server was still sending (phantom timeouts).
    false_stalls: usize,
    /// From the last sign of life to the stall that noticed the server was dead, ms.
    detection_ms: Option<u64>,
}

/// Drives one connection that opens at 0 and shows signs of life (`true` = an event, `false`
/// = a comment) at `times`, then nothing. A stall while signs are still due is counted as
/// false, and the client reconnects at once (as a browser would after the retry delay, here
/// without losing the stream's schedule).
fn run_stream(config: Config, signs: &[(u64, bool)]) -> StallRun {
    let mut p = Policy::new(config, 7);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    let mut false_stalls = 0;
    let mut i = 0;
    let last = signs.last().map_or(0, |s| s.0);
    // Bounded: every step consumes a sign or a stall; stalls after the end stop the loop.
    for _ in 0..(signs.len() * 4 + 10) {
        let next_sign = signs.get(i).map(|s| s.0);
        let deadline = p.poll_timeout();
        match (next_sign, deadline) {
            (Some(t), Some(d)) if d <= t => {
                // The policy fires first.
                if let Some(Action::Abort { .. }) = p.poll_action(d) {
                    false_stalls += 1;
                    let r = p.next_retry().expect("retries").at_ms;
                    expect_connect(&mut p, r);
                    open(&mut p, r);
                    // Signs sent while away were lost.
                    while signs.get(i).is_some_and(|s| s.0 < r) {
                        i += 1;
                    }
                }
            }
            (Some(t), _) => {
                p.handle_bytes(t);
                if signs[i].1 {
                    p.handle_event(t);
                }
                let _ = p.poll_action(t);
                i += 1;
            }
            (None, Some(d)) => {
                let action = p.poll_action(d);
                if let Some(Action::Abort { reason }) = action {
                    assert_eq!(reason, AbortReason::IdleTimeout);
                    let stall = p.last_stall().expect("a stall report");
                    assert_eq!(stall.silence_ms, d - last);
                    return StallRun {
                        false_stalls,
                        detection_ms: Some(d - last),
                    };
                }
            }
            (None, None) => break,
        }
    }
    StallRun {
        false_stalls,
        detection_ms: None,
    }
}

/// A small deterministic generator (xorshift), so the cadences below are irregular but fixed.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn stall_no_false_stall_with_a_15_s_keep_alive_comment_and_detected_within_45_s() {
    // One hour of `: keep-alive` every 15 s (up to 1.5 s late) and an event now and then.
    let mut rng = 3;
    let mut signs = Vec::new();
    let mut t = 0;
    while t < 3_600_000 {
        t += 15_000 + xorshift(&mut rng) % 1_500;
        signs.push((t, xorshift(&mut rng).is_multiple_of(7)));
    }
    let run = run_stream(Config::default(), &signs);
    assert_eq!(run.false_stalls, 0);
    let detection = run.detection_ms.expect("the dead server is noticed");
    // 3 x the longest gap seen (<= 16.5 s).
    assert!((45_000..=49_500).contains(&detection), "{run:?}");
}

#[test]
fn stall_no_false_stall_with_events_every_30_to_60_s_and_detected_within_the_ceiling() {
    for seed in 1..20u64 {
        let mut rng = seed;
        let mut signs = Vec::new();
        let mut t = 0;
        while t < 7_200_000 {
            t += 30_000 + xorshift(&mut rng) % 30_001;
            signs.push((t, true));
        }
        let run = run_stream(Config::default(), &signs);
        assert_eq!(run.false_stalls, 0, "seed {seed}");
        assert_eq!(run.detection_ms, Some(120_000), "seed {seed}: the ceiling");
    }
}

#[test]
fn stall_a_server_dying_after_1_s_of_100_ms_ticks_is_noticed_at_the_floor() {
    let signs: Vec<(u64, bool)> = (1..=10).map(|n| (n * 100, true)).collect();
    let run = run_stream(Config::default(), &signs);
    assert_eq!(
        run,
        StallRun {
            false_stalls: 0,
            detection_ms: Some(30_000)
        }
    );
    // A lower floor catches it sooner: the limit is then 3 x 100 ms.
    let eager = Config::default().with_stall(StallDetection::Adaptive(
        AdaptiveStall::default().with_floor_ms(100),
    ));
    assert_eq!(run_stream(eager, &signs).detection_ms, Some(300));
}

#[test]
fn stall_limit_is_the_ceiling_until_enough_gaps_and_while_waiting_for_the_head() {
    let mut p = Policy::new(Config::default(), 1);
    expect_connect(&mut p, 0);
    assert_eq!(p.stall_limit_ms(), Some(120_000));
    assert_eq!(p.poll_timeout(), Some(120_000), "head wait: the ceiling");
    open(&mut p, 10);
    p.handle_bytes(10); // same instant as the head: not a gap
    assert_eq!(p.stall_limit_ms(), Some(120_000));
    p.handle_bytes(110);
    p.handle_event(110); // the event of that chunk: not a second gap
    p.handle_bytes(210);
    assert_eq!(
        p.stall_limit_ms(),
        Some(120_000),
        "two gaps are not a cadence"
    );
    p.handle_bytes(5_210);
    assert_eq!(
        p.stall_limit_ms(),
        Some(30_000),
        "3 x 5 s is under the floor"
    );
    p.handle_bytes(25_210);
    assert_eq!(
        p.stall_limit_ms(),
        Some(60_000),
        "3 x the longest gap, 20 s"
    );
    assert_eq!(p.poll_timeout(), Some(25_210 + 60_000));
}

#[test]
fn stall_reconnects_with_last_event_id_keeps_the_cadence_and_raises_the_floor() {
    let mut p = Policy::new(
        fixed().with_stall(StallDetection::Adaptive(AdaptiveStall::default())),
        1,
    );
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    for n in 1..=20 {
        p.handle_bytes(n * 100);
        p.handle_event(n * 100);
        p.handle_event_id(&n.to_string());
    }
    // 100 ms ticks, then a 40 s pause: cut at the 30 s floor (a false stall if it resumes).
    assert_eq!(p.poll_timeout(), Some(2_000 + 30_000));
    assert_eq!(
        p.poll_action(32_000),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
    assert_eq!(
        p.last_stall(),
        Some(Stall {
            silence_ms: 30_000,
            limit_ms: 30_000
        })
    );
    let r = p.next_retry().expect("a stall reconnects");
    assert_eq!(expect_connect(&mut p, r.at_ms), (Some("20".into()), 1));
    open(&mut p, r.at_ms);
    // The cadence is known (no ceiling wait), and the floor is now twice the limit that fired.
    assert_eq!(p.stall_limit_ms(), Some(60_000));
    p.handle_bytes(r.at_ms + 100);
    assert_eq!(p.stall_limit_ms(), Some(60_000));
}

#[test]
fn stall_fixed_limit_ignores_the_cadence() {
    let mut p = Policy::new(fixed().with_idle_timeout_ms(Some(5_000)), 1);
    expect_connect(&mut p, 0);
    assert_eq!(p.poll_timeout(), Some(5_000));
    open(&mut p, 0);
    for n in 1..=10 {
        p.handle_bytes(n * 100);
    }
    assert_eq!(p.stall_limit_ms(), Some(5_000));
    assert_eq!(p.poll_timeout(), Some(6_000));
    assert!(matches!(p.poll_action(6_000), Some(Action::Abort { .. })));
    assert_eq!(
        p.last_stall(),
        Some(Stall {
            silence_ms: 5_000,
            limit_ms: 5_000
        })
    );
    assert_eq!(p.stall_limit_ms(), None, "waiting: no connection to watch");
}

#[test]
fn adaptive_limits_are_sane_for_odd_tunings() {
    let odd = AdaptiveStall::default()
        .with_floor_ms(0)
        .with_ceiling_ms(0)
        .with_multiple(0)
        .with_min_gaps(0);
    assert_eq!(odd.limit_ms(0, 0), 1, "never 0: draining must settle");
    let inverted = AdaptiveStall::default()
        .with_floor_ms(50_000)
        .with_ceiling_ms(10_000);
    assert_eq!(
        inverted.limit_ms(10, 1),
        50_000,
        "a floor above the ceiling wins"
    );
    assert_eq!(
        AdaptiveStall::default().limit_ms(10, u64::MAX),
        120_000,
        "saturates"
    );
}

// ----- limits -----

#[test]
fn max_attempts_gives_up_after_that_many_retries() {
    let mut p = Policy::new(fixed().with_max_attempts(Some(3)), 1);
    let mut now = 0;
    for attempt in 0..3 {
        assert_eq!(expect_connect(&mut p, now).1, attempt);
        now = retry_of(p.handle_network_error(now)).at_ms;
    }
    assert_eq!(expect_connect(&mut p, now).1, 3);
    assert_eq!(
        p.handle_network_error(now),
        Outcome::GaveUp(GiveUpReason::MaxAttempts)
    );
    assert_eq!(drain_give_up(&mut p, now), GiveUpReason::MaxAttempts);
}

#[test]
fn max_attempts_zero_never_retries() {
    let mut p = Policy::new(Config::default().with_max_attempts(Some(0)), 1);
    expect_connect(&mut p, 0);
    assert_eq!(
        p.handle_network_error(0),
        Outcome::GaveUp(GiveUpReason::MaxAttempts)
    );
}

#[test]
fn max_attempts_counts_per_outage() {
    let mut p = Policy::new(fixed().with_max_attempts(Some(2)), 1);
    let mut now = 0;
    for _ in 0..2 {
        expect_connect(&mut p, now);
        now = retry_of(p.handle_network_error(now)).at_ms;
    }
    assert_eq!(expect_connect(&mut p, now).1, 2);
    open(&mut p, now);
    // Healthy, then dropped: a new outage with its own two retries.
    let r = retry_of(p.handle_stream_end(now + 60_000));
    assert_eq!(r.attempt, 1);
    expect_connect(&mut p, r.at_ms);
    let r = retry_of(p.handle_network_error(r.at_ms));
    assert_eq!(r.attempt, 2);
    expect_connect(&mut p, r.at_ms);
    assert_eq!(
        p.handle_network_error(r.at_ms),
        Outcome::GaveUp(GiveUpReason::MaxAttempts)
    );
}

#[test]
fn max_elapsed_gives_up_when_the_next_retry_would_start_too_late() {
    // Delays 1s, 2s, 4s, 8s: retries at 1, 3, 7, 15 s. A 10 s budget allows the first three.
    let mut p = Policy::new(fixed().with_max_elapsed_ms(Some(10_000)), 1);
    let mut now = 0;
    for expected_at in [1_000, 3_000, 7_000] {
        expect_connect(&mut p, now);
        now = retry_of(p.handle_network_error(now)).at_ms;
        assert_eq!(now, expected_at);
    }
    expect_connect(&mut p, now);
    assert_eq!(
        p.handle_network_error(now),
        Outcome::GaveUp(GiveUpReason::MaxElapsed)
    );
    assert_eq!(drain_give_up(&mut p, now), GiveUpReason::MaxElapsed);
}

#[test]
fn max_elapsed_is_measured_from_the_first_failure_of_the_outage() {
    let mut p = Policy::new(fixed().with_max_elapsed_ms(Some(10_000)), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    // Healthy for a long time: the budget starts at the failure, not at creation.
    let r = retry_of(p.handle_network_error(1_000_000));
    assert_eq!(r.at_ms, 1_001_000);
    // A Retry-After beyond the budget gives up at once.
    let mut q = Policy::new(fixed().with_max_elapsed_ms(Some(10_000)), 1);
    assert_eq!(
        fail_with_status(&mut q, 0, 503, Some(60_000)),
        Outcome::GaveUp(GiveUpReason::MaxElapsed)
    );
}

// ----- one-shot -----

#[test]
fn one_shot_stream_end_is_done() {
    let mut p = Policy::new(Config::default().with_one_shot(true), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    assert_eq!(
        p.handle_stream_end(10),
        Outcome::GaveUp(GiveUpReason::OneShotDone)
    );
    assert_eq!(drain_give_up(&mut p, 10), GiveUpReason::OneShotDone);
}

#[test]
fn one_shot_failure_after_open_is_not_retried() {
    let mut p = Policy::new(Config::default().with_one_shot(true), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    assert_eq!(
        p.handle_network_error(10),
        Outcome::GaveUp(GiveUpReason::OneShotFailed)
    );
    // Idle timeout in one-shot: abort, then give up.
    let mut q = Policy::new(
        Config::default()
            .with_one_shot(true)
            .with_idle_timeout_ms(Some(1_000)),
        1,
    );
    expect_connect(&mut q, 0);
    open(&mut q, 0);
    assert_eq!(
        q.poll_action(1_000),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
    assert_eq!(drain_give_up(&mut q, 1_000), GiveUpReason::OneShotFailed);
}

#[test]
fn one_shot_failure_before_open_retries() {
    let mut p = Policy::new(fixed().with_one_shot(true), 1);
    expect_connect(&mut p, 0);
    let r = retry_of(p.handle_network_error(0));
    let r = retry_of(fail_with_status(&mut p, r.at_ms, 503, None));
    assert_eq!(r.attempt, 2);
    expect_connect(&mut p, r.at_ms);
    open(&mut p, r.at_ms);
    assert_eq!(
        p.handle_stream_end(r.at_ms + 1),
        Outcome::GaveUp(GiveUpReason::OneShotDone)
    );
}

#[test]
fn one_shot_expecting_done_ends_incomplete_without_it_and_done_with_it() {
    let config = Config::default()
        .with_one_shot(true)
        .with_expects_done(true);
    let mut p = Policy::new(config, 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    p.handle_event(5);
    assert_eq!(
        p.handle_stream_end(10),
        Outcome::GaveUp(GiveUpReason::OneShotIncomplete)
    );
    assert_eq!(drain_give_up(&mut p, 10), GiveUpReason::OneShotIncomplete);

    let mut q = Policy::new(config, 1);
    expect_connect(&mut q, 0);
    open(&mut q, 0);
    assert_eq!(q.handle_done(), Outcome::GaveUp(GiveUpReason::OneShotDone));
    assert_eq!(drain_give_up(&mut q, 1), GiveUpReason::OneShotDone);
    assert_eq!(q.handle_done(), Outcome::Ignored, "once");
    assert_eq!(
        q.handle_stream_end(2),
        Outcome::Ignored,
        "the body's end after done"
    );
}

#[test]
fn done_signal_closes_any_stream_without_an_abort() {
    let mut p = Policy::new(Config::default(), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    assert_eq!(p.handle_done(), Outcome::GaveUp(GiveUpReason::OneShotDone));
    assert_eq!(
        p.poll_action(1),
        Some(Action::GiveUp {
            reason: GiveUpReason::OneShotDone
        })
    );
    assert_eq!(p.poll_action(1), None);
}

#[test]
fn one_shot_resume_retries_up_to_n_times_with_last_event_id() {
    let config = fixed()
        .with_one_shot(true)
        .with_expects_done(true)
        .with_one_shot_resumes(2);
    let mut p = Policy::new(config, 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    p.handle_event_id("4");
    // Ended early: resumed (retry 1, 1 s later) with Last-Event-ID.
    let r = retry_of(p.handle_stream_end(10));
    assert_eq!((r.attempt, r.delay_ms), (1, 1_000));
    assert_eq!(expect_connect(&mut p, r.at_ms), (Some("4".into()), 1));
    open(&mut p, r.at_ms);
    p.handle_event_id("9");
    // A network drop mid-stream: resumed too (the second and last resume).
    let r = retry_of(p.handle_network_error(r.at_ms + 10));
    assert_eq!(expect_connect(&mut p, r.at_ms).0.as_deref(), Some("9"));
    open(&mut p, r.at_ms);
    // Out of resumes: the next cut gives up, with what cut it.
    assert_eq!(
        p.handle_stream_end(r.at_ms + 10),
        Outcome::GaveUp(GiveUpReason::OneShotIncomplete)
    );
    let mut q = Policy::new(config.with_one_shot_resumes(1), 1);
    expect_connect(&mut q, 0);
    open(&mut q, 0);
    let r = retry_of(q.handle_network_error(5));
    expect_connect(&mut q, r.at_ms);
    open(&mut q, r.at_ms);
    assert_eq!(
        q.handle_network_error(r.at_ms + 1),
        Outcome::GaveUp(GiveUpReason::OneShotFailed)
    );
}

#[test]
fn one_shot_resume_answered_204_ends_cleanly_but_a_first_204_is_no_content() {
    let config = fixed().with_one_shot(true).with_one_shot_resumes(1);
    let mut p = Policy::new(config.with_expects_done(true), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    let r = retry_of(p.handle_stream_end(1));
    assert_eq!(
        fail_with_status(&mut p, r.at_ms, 204, None),
        Outcome::GaveUp(GiveUpReason::OneShotDone)
    );
    let mut q = Policy::new(config, 1);
    assert_eq!(
        fail_with_status(&mut q, 0, 204, None),
        Outcome::GaveUp(GiveUpReason::NoContent)
    );
    // Without expects_done, a clean end of a one-shot stream is still done (unchanged).
    let mut o = Policy::new(config, 1);
    expect_connect(&mut o, 0);
    open(&mut o, 0);
    assert_eq!(
        o.handle_stream_end(1),
        Outcome::GaveUp(GiveUpReason::OneShotDone)
    );
}

// ----- offline / online -----

#[test]
fn offline_pauses_and_online_reconnects_at_once() {
    let mut p = Policy::new(fixed(), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    p.handle_offline();
    assert!(p.is_offline());
    let r = retry_of(p.handle_network_error(100));
    assert_eq!(r.at_ms, 1_100);
    assert_eq!(p.poll_timeout(), None, "waits do not fire while offline");
    assert_eq!(p.poll_action(1_100), None);
    assert_eq!(p.poll_action(500_000), None);
    assert_eq!(p.status(), Status::Reconnecting);
    p.handle_online(600_000);
    assert_eq!(p.poll_timeout(), Some(600_000));
    assert_eq!(expect_connect(&mut p, 600_000).1, 1);
}

#[test]
fn online_skips_the_remaining_backoff() {
    let mut p = Policy::new(fixed(), 1);
    delays(&mut p, 5); // next delay 16 s
    let r = p.next_retry().unwrap();
    assert_eq!(r.delay_ms, 16_000);
    p.handle_offline();
    p.handle_online(r.at_ms - 15_000);
    assert_eq!(expect_connect(&mut p, r.at_ms - 15_000).1, 5);
}

#[test]
fn online_still_honours_retry_after() {
    let mut p = Policy::new(fixed(), 1);
    let r = retry_of(fail_with_status(&mut p, 0, 429, Some(30_000)));
    p.handle_offline();
    p.handle_online(10_000);
    assert_eq!(p.poll_action(10_000), None);
    assert_eq!(p.poll_timeout(), Some(30_000));
    assert_eq!(r.at_ms, 30_000);
    expect_connect(&mut p, 30_000);
}

#[test]
fn offline_before_the_first_connect_holds_it() {
    let mut p = Policy::new(Config::default(), 1);
    p.handle_offline();
    assert_eq!(p.poll_timeout(), None);
    assert_eq!(p.poll_action(0), None);
    p.handle_online(50);
    assert_eq!(expect_connect(&mut p, 50), (None, 0));
    // Online while connecting or open changes nothing.
    p.handle_online(60);
    assert_eq!(p.poll_action(60), None);
    assert_eq!(p.status(), Status::Connecting);
}

// ----- close -----

#[test]
fn close_while_open_aborts_then_gives_up_once() {
    let mut p = Policy::new(Config::default().with_idle_timeout_ms(Some(1_000)), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    p.handle_close();
    assert_eq!(p.status(), Status::Closed);
    assert_eq!(
        p.poll_action(0),
        Some(Action::Abort {
            reason: AbortReason::Closed
        })
    );
    assert_eq!(
        p.poll_action(0),
        Some(Action::GiveUp {
            reason: GiveUpReason::Closed
        })
    );
    assert_eq!(p.poll_action(0), None);
    assert_eq!(p.poll_timeout(), None, "no idle timer after close");
    // Everything after close is ignored.
    p.handle_close();
    p.handle_online(5);
    p.handle_bytes(5);
    p.handle_retry(1);
    p.handle_event_id("late");
    assert_eq!(p.handle_response(5, 200, SSE, None), Outcome::Ignored);
    assert_eq!(p.handle_network_error(5), Outcome::Ignored);
    assert_eq!(p.handle_stream_end(5), Outcome::Ignored);
    assert_eq!(p.poll_action(u64::MAX), None);
    assert_eq!(p.give_up_reason(), Some(GiveUpReason::Closed));
    assert_eq!(p.last_event_id(), None);
}

#[test]
fn close_while_waiting_or_before_start_just_gives_up() {
    let mut p = Policy::new(Config::default(), 1);
    p.handle_close();
    assert_eq!(drain_give_up(&mut p, 0), GiveUpReason::Closed);

    let mut q = Policy::new(Config::default(), 1);
    expect_connect(&mut q, 0);
    let _ = q.handle_network_error(0);
    q.handle_close();
    assert_eq!(
        q.poll_action(1_000_000),
        Some(Action::GiveUp {
            reason: GiveUpReason::Closed
        })
    );
    assert_eq!(q.poll_action(1_000_000), None);
}

#[test]
fn close_after_give_up_keeps_the_first_reason() {
    let mut p = Policy::new(Config::default(), 1);
    let _ = fail_with_status(&mut p, 0, 404, None);
    p.handle_close();
    assert_eq!(drain_give_up(&mut p, 0), GiveUpReason::Http { status: 404 });
}

// ----- idempotence and wrong-state inputs -----

#[test]
fn extra_timeouts_and_polls_are_harmless() {
    let mut p = Policy::new(fixed().with_idle_timeout_ms(Some(5_000)), 1);
    for _ in 0..3 {
        p.handle_timeout(0);
    }
    assert_eq!(expect_connect(&mut p, 0).1, 0);
    for _ in 0..3 {
        p.handle_timeout(10);
        assert_eq!(p.poll_action(10), None);
    }
    open(&mut p, 10);
    p.handle_timeout(5_010);
    p.handle_timeout(5_010);
    p.handle_timeout(5_011);
    assert_eq!(
        p.poll_action(5_011),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
    assert_eq!(p.poll_action(5_011), None);
    assert_eq!(p.attempt(), 1, "one failure, not three");
    let at = p.next_retry().unwrap().at_ms;
    p.handle_timeout(at);
    p.handle_timeout(at);
    assert_eq!(expect_connect(&mut p, at).1, 1);
    assert_eq!(p.poll_action(at), None);
}

#[test]
fn inputs_in_the_wrong_state_are_ignored() {
    let mut p = Policy::new(Config::default(), 1);
    // Before any connect.
    assert_eq!(p.handle_response(0, 200, SSE, None), Outcome::Ignored);
    assert_eq!(p.handle_network_error(0), Outcome::Ignored);
    assert_eq!(p.handle_stream_end(0), Outcome::Ignored);
    p.handle_bytes(0);
    assert_eq!(p.status(), Status::Connecting);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    // A second response head for the same connection.
    assert_eq!(p.handle_response(1, 500, None, None), Outcome::Ignored);
    assert_eq!(p.status(), Status::Open);
    // Two failure reports for one drop count once.
    assert!(p.handle_network_error(2).will_retry());
    assert_eq!(p.handle_stream_end(2), Outcome::Ignored);
    assert_eq!(p.attempt(), 1);
}

#[test]
fn stream_end_and_network_errors_retry() {
    let mut p = Policy::new(fixed(), 1);
    expect_connect(&mut p, 0);
    let r = retry_of(p.handle_network_error(0)); // fetch rejected before the head
    expect_connect(&mut p, r.at_ms);
    open(&mut p, r.at_ms);
    let r = retry_of(p.handle_stream_end(r.at_ms + 10)); // server closed the body
    assert_eq!(r.attempt, 2);
    expect_connect(&mut p, r.at_ms);
    open(&mut p, r.at_ms);
    assert_eq!(retry_of(p.handle_network_error(r.at_ms + 10)).attempt, 3);
}

#[test]
fn draining_at_one_instant_settles_even_with_zero_delays_and_zero_idle_timeout() {
    let config = fixed()
        .with_initial_delay_ms(0)
        .with_idle_timeout_ms(Some(0));
    let mut p = Policy::new(config, 1);
    assert_eq!(expect_connect(&mut p, 0).1, 0);
    assert_eq!(p.poll_action(0), None, "no abort without time passing");
    assert_eq!(p.poll_timeout(), Some(1));
    assert_eq!(
        p.poll_action(1),
        Some(Action::Abort {
            reason: AbortReason::IdleTimeout
        })
    );
    assert_eq!(expect_connect(&mut p, 1).1, 1);
    assert_eq!(p.poll_action(1), None);
}

#[test]
fn time_going_backwards_does_not_panic() {
    let mut p = Policy::new(Config::default().with_idle_timeout_ms(Some(10)), 1);
    expect_connect(&mut p, 1_000);
    open(&mut p, 500);
    p.handle_bytes(0);
    p.handle_timeout(0);
    assert_eq!(p.poll_action(0), None);
    let _ = p.handle_network_error(0);
    let _ = p.poll_action(0);
}

// ----- Last-Event-ID -----

#[test]
fn last_event_id_is_carried_into_connect() {
    let mut p = Policy::new(fixed(), 1);
    assert_eq!(expect_connect(&mut p, 0).0, None);
    open(&mut p, 0);
    p.handle_event_id("1");
    p.handle_event_id("2");
    assert_eq!(p.last_event_id(), Some("2"));
    let r = retry_of(p.handle_stream_end(10));
    assert_eq!(expect_connect(&mut p, r.at_ms), (Some("2".into()), 1));
    open(&mut p, r.at_ms);
    // An event with an empty id clears it: the next connect sends no header.
    p.handle_event_id("");
    assert_eq!(p.last_event_id(), None);
    let r = retry_of(p.handle_network_error(r.at_ms + 1));
    assert_eq!(expect_connect(&mut p, r.at_ms).0, None);
}

#[test]
fn last_event_id_from_an_aborted_connections_tail_is_kept() {
    let mut p = Policy::new(fixed(), 1);
    expect_connect(&mut p, 0);
    open(&mut p, 0);
    let r = retry_of(p.handle_network_error(1));
    // The driver parsed the last buffered bytes after the error.
    p.handle_event_id("tail-7");
    assert_eq!(expect_connect(&mut p, r.at_ms).0.as_deref(), Some("tail-7"));
}

// ----- display -----

#[test]
fn reasons_have_short_lowercase_messages() {
    let reasons = [
        GiveUpReason::Http { status: 404 }.to_string(),
        GiveUpReason::ContentType.to_string(),
        GiveUpReason::NoContent.to_string(),
        GiveUpReason::MaxAttempts.to_string(),
        GiveUpReason::MaxElapsed.to_string(),
        GiveUpReason::Closed.to_string(),
        GiveUpReason::OneShotDone.to_string(),
        GiveUpReason::OneShotFailed.to_string(),
        GiveUpReason::OneShotIncomplete.to_string(),
        AbortReason::IdleTimeout.to_string(),
        AbortReason::Closed.to_string(),
    ];
    assert_eq!(reasons[0], "http status 404");
    for r in reasons {
        assert_eq!(r, r.to_lowercase());
        assert!(!r.ends_with('.'));
    }
}

// ----- simulation -----

/// Histogram of first-reconnect times, in 100 ms buckets, for `clients` policies that all lose
/// their connection at t=0 (a server restart).
fn herd(config: Config, clients: u64) -> std::collections::BTreeMap<u64, u32> {
    let mut buckets = std::collections::BTreeMap::new();
    for seed in 0..clients {
        let mut p = Policy::new(config, seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        expect_connect(&mut p, 0);
        open(&mut p, 0);
        assert!(p.handle_stream_end(0).will_retry());
        // Drive the client on the simulated clock: sleep until each deadline.
        let mut now = 0;
        let connected_at = loop {
            match p.poll_action(now) {
                Some(Action::Connect { .. }) => break now,
                Some(other) => panic!("{other:?}"),
                None => now = p.poll_timeout().expect("a retry is scheduled"),
            }
        };
        *buckets.entry(connected_at / 100).or_insert(0) += 1;
    }
    buckets
}

#[test]
fn simulation_full_jitter_spreads_a_restart_herd() {
    let clients = 10_000;
    let jittered = herd(Config::default(), clients);
    let fixed_delay = herd(fixed(), clients);
    let peak = |h: &std::collections::BTreeMap<u64, u32>| h.values().copied().max().unwrap_or(0);
    // Fixed delay: everybody reconnects in the same instant.
    assert_eq!(peak(&fixed_delay), clients as u32);
    assert_eq!(fixed_delay.len(), 1);
    // Full jitter over the default first backoff: [0, 3000] ms -> ~333 per 100 ms bucket
    // over 30 buckets.
    assert!(jittered.len() >= 30, "{jittered:?}");
    assert!(
        peak(&jittered) < 420,
        "peak {} in {jittered:?}",
        peak(&jittered)
    );
    assert!(jittered.keys().all(|&b| b <= 30));
    let total: u32 = jittered.values().sum();
    assert_eq!(total, clients as u32);
}

#[test]
fn simulation_outage_then_recovery_with_many_clients() {
    // The server is down from t=0 to t=20s; every client retries until it gets in, and all
    // clients eventually reconnect with attempt numbers that match their failure count.
    let down_until = 20_000;
    let mut latest = 0;
    for seed in 0..1_000u64 {
        let mut p = Policy::new(Config::default(), seed);
        expect_connect(&mut p, 0);
        open(&mut p, 0);
        let _ = p.handle_network_error(0);
        let mut now = 0;
        let mut failures = 1;
        loop {
            match p.poll_action(now) {
                Some(Action::Connect { attempt, .. }) => {
                    assert_eq!(attempt, failures);
                    if now < down_until {
                        assert!(p.handle_response(now, 502, None, None).will_retry());
                        failures += 1;
                    } else {
                        open(&mut p, now);
                        break;
                    }
                }
                Some(other) => panic!("{other:?}"),
                None => now = p.poll_timeout().unwrap(),
            }
        }
        latest = latest.max(now);
    }
    // With the 10 s cap, nobody waits more than one capped delay past recovery.
    assert!(latest <= down_until + 10_000, "latest {latest}");
}

// ----- property test -----

mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Advance(u64),
        Poll,
        Timeout,
        Response(u16, u8, Option<u64>),
        Bytes,
        Event,
        Done,
        EventId(String),
        Retry(u64),
        StreamEnd,
        NetworkError,
        Offline,
        Online,
        Close,
        Random(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..120_000).prop_map(Op::Advance),
            1 => Just(Op::Advance(u64::MAX / 2)),
            6 => Just(Op::Poll),
            2 => Just(Op::Timeout),
            4 => (
                prop_oneof![Just(200u16), Just(204), Just(404), Just(408), Just(429), Just(503), any::<u16>()],
                0u8..4,
                proptest::option::of(prop_oneof![0u64..100_000, Just(u64::MAX)])
            )
                .prop_map(|(s, c, r)| Op::Response(s, c, r)),
            2 => Just(Op::Bytes),
            1 => Just(Op::Event),
            1 => Just(Op::Done),
            1 => "[a-z0-9]{0,4}".prop_map(Op::EventId),
            1 => prop_oneof![0u64..10_000, Just(u64::MAX)].prop_map(Op::Retry),
            2 => Just(Op::StreamEnd),
            2 => Just(Op::NetworkError),
            1 => Just(Op::Offline),
            1 => Just(Op::Online),
            1 => Just(Op::Close),
            1 => any::<u64>().prop_map(Op::Random),
        ]
    }

    fn config() -> impl Strategy<Value = Config> {
        (
            prop_oneof![0u64..5_000, Just(u64::MAX)],
            prop_oneof![0u64..60_000, Just(u64::MAX)],
            0u32..5,
            prop_oneof![Just(Jitter::Full), Just(Jitter::Equal), Just(Jitter::None)],
            proptest::option::of(0u32..5),
            proptest::option::of(prop_oneof![0u64..100_000, Just(u64::MAX)]),
            prop_oneof![0u64..10_000, Just(u64::MAX)],
            prop_oneof![
                Just(StallDetection::Off),
                prop_oneof![0u64..60_000, Just(u64::MAX)]
                    .prop_map(|limit_ms| StallDetection::Fixed { limit_ms }),
                (0u64..60_000, 0u64..200_000, 0u32..5, 0u32..4).prop_map(|(f, c, m, g)| {
                    StallDetection::Adaptive(
                        AdaptiveStall::default()
                            .with_floor_ms(f)
                            .with_ceiling_ms(c)
                            .with_multiple(m)
                            .with_min_gaps(g),
                    )
                }),
            ],
            (any::<bool>(), any::<bool>(), 0u32..3),
        )
            .prop_map(|(i, m, x, j, a, e, h, idle, (one, done, resumes))| {
                Config::default()
                    .with_initial_delay_ms(i)
                    .with_max_delay_ms(m)
                    .with_multiplier(x)
                    .with_jitter(j)
                    .with_max_attempts(a)
                    .with_max_elapsed_ms(e)
                    .with_healthy_after_ms(h)
                    .with_stall(idle)
                    .with_one_shot(one)
                    .with_expects_done(done)
                    .with_one_shot_resumes(resumes)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn random_inputs_never_panic_or_connect_while_closed_or_offline(
            config in config(),
            seed in any::<u64>(),
            ops in proptest::collection::vec(op(), 0..80),
        ) {
            let mut p = Policy::new(config, seed);
            let mut now = 0u64;
            let mut gave_up = 0;
            for op in ops {
                match op {
                    Op::Advance(dt) => now = now.saturating_add(dt),
                    Op::Poll => {
                        // Draining at one `now` always settles.
                        for polls in 0.. {
                            prop_assert!(polls <= 3, "poll_action does not settle at {}", now);
                            let was_closed = p.status() == Status::Closed;
                            let offline = p.is_offline();
                            match p.poll_action(now) {
                                None => break,
                                Some(Action::Connect { last_event_id, attempt }) => {
                                    prop_assert!(!was_closed && !offline, "connect while closed/offline");
                                    prop_assert_eq!(p.status(), Status::Connecting);
                                    prop_assert_eq!(last_event_id.as_deref(), p.last_event_id());
                                    prop_assert_eq!(attempt, p.attempt());
                                    if let Some(max) = config.max_attempts {
                                        prop_assert!(attempt <= max);
                                    }
                                }
                                Some(Action::GiveUp { reason }) => {
                                    gave_up += 1;
                                    prop_assert_eq!(p.give_up_reason(), Some(reason));
                                }
                                Some(_) => {}
                            }
                        }
                    }
                    Op::Timeout => p.handle_timeout(now),
                    Op::Response(status, ct, retry_after) => {
                        let ct = [None, Some("text/event-stream"), Some("TEXT/event-stream; x=y"), Some("text/html")][ct as usize];
                        let _ = p.handle_response(now, status, ct, retry_after);
                    }
                    Op::Bytes => p.handle_bytes(now),
                    Op::Event => p.handle_event(now),
                    Op::Done => { let _ = p.handle_done(); }
                    Op::EventId(id) => p.handle_event_id(&id),
                    Op::Retry(ms) => p.handle_retry(ms),
                    Op::StreamEnd => { let _ = p.handle_stream_end(now); }
                    Op::NetworkError => { let _ = p.handle_network_error(now); }
                    Op::Offline => p.handle_offline(),
                    Op::Online => p.handle_online(now),
                    Op::Close => p.handle_close(),
                    Op::Random(s) => p.handle_random(s),
                }
                // Invariants after every input.
                if let Some(retry) = p.next_retry() {
                    prop_assert_eq!(p.status(), Status::Reconnecting);
                    prop_assert!(retry.attempt >= 1);
                    if !p.is_offline() {
                        prop_assert_eq!(p.poll_timeout(), Some(retry.at_ms));
                    }
                }
                if p.status() == Status::Closed {
                    prop_assert!(p.give_up_reason().is_some());
                    prop_assert_eq!(p.poll_timeout(), None);
                }
                prop_assert!(gave_up <= 1, "give-up reported more than once");
            }
            // Draining after close yields at most an abort and a give-up, then nothing.
            p.handle_close();
            let mut drained = 0;
            while let Some(action) = p.poll_action(now) {
                prop_assert!(!matches!(action, Action::Connect { .. }), "connect after close");
                drained += 1;
                prop_assert!(drained <= 2);
            }
        }

        #[test]
        fn same_seed_and_inputs_give_same_outputs(seed in any::<u64>(), failures in 1usize..20) {
            let a = delays(&mut Policy::new(Config::default(), seed), failures);
            let b = delays(&mut Policy::new(Config::default(), seed), failures);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn http_date_parser_never_panics(s in "\\PC{0,40}") {
            let _ = parse_http_date(&s);
            let _ = parse_retry_after(&s, 0);
        }

        #[test]
        fn http_date_round_trips_imf_fixdate(days in 0u64..200_000, secs in 0u64..86_400) {
            let (y, m, d) = civil_from_days(days);
            let s = format!(
                "Mon, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
                ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"][m as usize - 1],
                secs / 3600, secs / 60 % 60, secs % 60
            );
            if y <= 9999 {
                prop_assert_eq!(parse_http_date(&s), Some((days * 86_400 + secs) * 1000), "{}", s);
            }
        }
    }

    /// Reference `civil_from_days` (Hinnant), independent of the parser's `days_from_civil`.
    fn civil_from_days(days: u64) -> (u64, u64, u64) {
        let z = days as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        ((if m <= 2 { y + 1 } else { y }) as u64, m as u64, d as u64)
    }
}
