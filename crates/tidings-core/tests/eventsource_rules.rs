//! `Config::eventsource_rules`: the policy behind the npm `EventSource` class, which must act
//! as the browser's own EventSource (WHATWG HTML §9.2) on a simulated clock.

use tidings_core::policy::{Action, Config, GiveUpReason, Outcome, Policy};

const SSE: Option<&str> = Some("text/event-stream");

fn connect(p: &mut Policy, now: u64) -> Option<String> {
    match p.poll_action(now) {
        Some(Action::Connect { last_event_id, .. }) => last_event_id,
        other => panic!("expected a connect at {now}, got {other:?}"),
    }
}

fn rules() -> Config {
    Config::default().with_eventsource_rules(true)
}

#[test]
fn every_status_but_200_gives_up_even_5xx_408_and_429() {
    for status in [500, 502, 503, 408, 429, 404, 204, 301] {
        let mut p = Policy::new(rules(), 1);
        connect(&mut p, 0);
        let outcome = p.handle_response(0, status, SSE, Some(1_000));
        assert!(
            matches!(outcome, Outcome::GaveUp(_)),
            "{status}: {outcome:?}"
        );
        assert!(
            matches!(p.poll_action(0), Some(Action::GiveUp { .. })),
            "{status}"
        );
    }
    // The same statuses retry without the rules.
    let mut p = Policy::new(Config::default(), 1);
    connect(&mut p, 0);
    assert!(p.handle_response(0, 503, None, None).will_retry());
}

#[test]
fn the_delay_is_the_reconnection_time_without_growth_or_jitter() {
    let mut p = Policy::new(rules(), 0xdead_beef);
    let mut now = 0;
    for _ in 0..6 {
        connect(&mut p, now);
        // Open and fail at once: no healthy period, so a backoff would grow.
        assert_eq!(p.handle_response(now, 200, SSE, None), Outcome::Opened);
        let Outcome::Retry(retry) = p.handle_network_error(now) else {
            panic!("a network error retries")
        };
        assert_eq!(retry.delay_ms, 3_000, "the default reconnection time");
        now += retry.delay_ms;
    }
}

#[test]
fn the_servers_retry_sets_the_reconnection_time_both_ways() {
    for ms in [50, 10_000, 60_000] {
        let mut p = Policy::new(rules(), 9);
        connect(&mut p, 0);
        assert_eq!(p.handle_response(0, 200, SSE, None), Outcome::Opened);
        p.handle_retry(ms);
        p.handle_event_id("7");
        let Outcome::Retry(retry) = p.handle_stream_end(0) else {
            panic!("the end of the body retries")
        };
        assert_eq!(retry.delay_ms, ms);
        assert_eq!(connect(&mut p, ms).as_deref(), Some("7"), "Last-Event-ID");
    }
}

#[test]
fn a_wrong_content_type_still_gives_up() {
    let mut p = Policy::new(rules(), 1);
    connect(&mut p, 0);
    assert_eq!(
        p.handle_response(0, 200, Some("text/plain"), None),
        Outcome::GaveUp(GiveUpReason::ContentType)
    );
}
