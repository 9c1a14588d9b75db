//! End-to-end tests: a real server on 127.0.0.1:0 in-process (and the binary for the CLI),
//! a real HTTP client over loopback, bounded waits everywhere.

mod common;

use std::time::Duration;

use common::*;
use hyper::http::StatusCode;
use tidings_devserver::{Config, Error, Server, rng};

#[tokio::test]
async fn health_and_loopback_only() {
    let server = start().await;
    let mut ex = get(&server, "/health").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.text().await, "ok");

    for host in ["0.0.0.0", "10.1.2.3"] {
        let config = Config {
            host: host.parse().unwrap(),
            ..Config::default()
        };
        match Server::start(config).await {
            Err(Error::NotLoopback(_)) => {}
            Err(e) => panic!("{host}: wrong error {e}"),
            Ok(s) => panic!("{host}: started on {}", s.url()),
        }
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn ticks_headers_and_events() {
    let server = start().await;
    let mut ex = get(&server, "/sse/ticks?count=3&interval_ms=5&session=t").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    assert_eq!(ex.header("cache-control"), "no-cache");
    assert_eq!(ex.header("x-tidings-session"), "t");
    let body = ex.text().await;
    assert_eq!(
        body,
        "id: 0\ndata: {\"n\":0}\n\nid: 1\ndata: {\"n\":1}\n\nid: 2\ndata: {\"n\":2}\n\n"
    );

    // Named events, a retry line, padding and CRLF line ends.
    let mut ex = get(
        &server,
        "/sse/ticks?count=2&interval_ms=0&start=1&event=tick&retry=250&pad=4&eol=crlf",
    )
    .await;
    assert_eq!(
        ex.text().await,
        "retry: 250\r\n:....\r\nevent: tick\r\nid: 1\r\ndata: {\"n\":1}\r\n\r\n"
    );

    // `ids=0`: no `id:` lines, still counting from the resume point.
    let mut ex = get(
        &server,
        "/sse/ticks?count=3&interval_ms=0&ids=0&lastEventId=0",
    )
    .await;
    assert_eq!(ex.text().await, "data: {\"n\":1}\n\ndata: {\"n\":2}\n\n");

    // Heartbeats between slow events.
    let mut ex = get(
        &server,
        "/sse/ticks?count=2&interval_ms=100&heartbeat_ms=30",
    )
    .await;
    let body = ex.text().await;
    assert_eq!(ids(&body), vec![0, 1]);
    let pings = body.matches(": ping\n").count();
    assert!((2..=3).contains(&pings), "{pings} pings in {body:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn ticks_replay_from_last_event_id() {
    let server = start().await;
    let mut ex = send(
        &server,
        "GET",
        "/sse/ticks?count=8&interval_ms=0",
        &[("Last-Event-ID", "5")],
        None,
    )
    .await;
    assert_eq!(ex.header("x-tidings-resume-from"), "6");
    assert_eq!(ids(&ex.text().await), vec![6, 7]);

    // EventSource fallback: the id in the query.
    let mut ex = get(&server, "/sse/ticks?count=8&interval_ms=0&lastEventId=3").await;
    assert_eq!(ids(&ex.text().await), vec![4, 5, 6, 7]);

    // The header wins over the query parameter and `start`.
    let mut ex = send(
        &server,
        "GET",
        "/sse/ticks?count=8&interval_ms=0&lastEventId=1&start=2",
        &[("Last-Event-ID", "6")],
        None,
    )
    .await;
    assert_eq!(ids(&ex.text().await), vec![7]);

    // Complete: 204 tells clients to stop; `end=empty` gives an empty stream instead.
    let ex = send(
        &server,
        "GET",
        "/sse/ticks?count=8",
        &[("Last-Event-ID", "7")],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);
    let mut ex = get(&server, "/sse/ticks?count=8&lastEventId=7&end=empty").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.text().await, "");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn cors_preflight_responses_and_credentials() {
    let server = start().await;
    let origin = "http://127.0.0.1:41234";
    let ex = send(
        &server,
        "OPTIONS",
        "/sse/ticks",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET"),
            (
                "Access-Control-Request-Headers",
                "last-event-id,authorization,x-test-case",
            ),
        ],
        None,
    )
    .await;
    assert!(ex.status.is_success(), "{}", ex.status);
    assert_eq!(ex.header("access-control-allow-origin"), origin);
    assert_eq!(ex.header("access-control-allow-credentials"), "true");
    let allowed = ex.header("access-control-allow-headers").to_lowercase();
    for h in ["last-event-id", "authorization", "x-test-case"] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
    let methods = ex.header("access-control-allow-methods");
    for m in ["GET", "POST", "OPTIONS"] {
        assert!(methods.contains(m), "{m} not in {methods}");
    }

    // Actual responses echo the origin too, errors included, and expose our headers.
    let ex = send(
        &server,
        "GET",
        "/sse/status/503?retry_after=2",
        &[("Origin", origin)],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ex.header("access-control-allow-origin"), origin);
    assert_eq!(ex.header("access-control-allow-credentials"), "true");
    let exposed = ex.header("access-control-expose-headers").to_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
    assert!(exposed.contains("x-tidings-connection"), "{exposed}");
    assert_eq!(ex.header("x-tidings-connection"), "0");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn strict_cors_refuses_preflights_and_allows_only_the_origin() {
    let server = start().await;
    let origin = "http://127.0.0.1:41234";
    let ex = send(
        &server,
        "OPTIONS",
        "/sse/strict-cors?session=strict",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "last-event-id"),
        ],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::FORBIDDEN);
    for h in [
        "access-control-allow-origin",
        "access-control-allow-headers",
        "access-control-allow-methods",
        "access-control-allow-credentials",
    ] {
        assert!(ex.headers.get(h).is_none(), "preflight answer has {h}");
    }
    drop(ex);

    let mut ex = send(
        &server,
        "GET",
        "/sse/strict-cors?count=2&interval_ms=0&session=strict",
        &[("Origin", origin), ("Accept", "text/event-stream")],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    assert_eq!(ex.header("access-control-allow-origin"), origin);
    for h in [
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "access-control-allow-headers",
    ] {
        assert!(ex.headers.get(h).is_none(), "stream answer has {h}");
    }
    assert_eq!(
        ex.text().await,
        "id: 0\ndata: {\"n\":0}\n\nid: 1\ndata: {\"n\":1}\n\n"
    );

    let stats = stats(&server, "strict").await;
    let methods: Vec<&str> = stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["OPTIONS", "GET"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn drop_after_cuts_then_finishes_cleanly() {
    let server = start().await;
    let path = "/sse/drop?after=2&count=5&session=d";
    let mut ex = get(&server, path).await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::Cut, "{:?}", c.text());
    assert!(c.text().starts_with("retry: 1\n"), "{:?}", c.text());
    assert_eq!(ids(&c.text()), vec![0, 1]);

    let mut ex = send(&server, "GET", path, &[("Last-Event-ID", "1")], None).await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::Cut);
    assert_eq!(ids(&c.text()), vec![2, 3]);

    // The last stretch ends cleanly, and then the stream is complete.
    let mut ex = send(&server, "GET", path, &[("Last-Event-ID", "3")], None).await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::End);
    assert_eq!(ids(&c.text()), vec![4]);
    let ex = send(&server, "GET", path, &[("Last-Event-ID", "4")], None).await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);

    // `mode=end` closes cleanly instead of cutting.
    let mut ex = get(&server, "/sse/drop?after=1&count=5&mode=end").await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::End);
    assert_eq!(ids(&c.text()), vec![0]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn burst_replays_the_backlog_in_one_write() {
    let server = start().await;
    let path = "/sse/burst?after=2&burst=100&interval_ms=0&session=b";
    let mut ex = get(&server, path).await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::Cut, "{:?}", c.text());
    assert_eq!(ids(&c.text()), vec![0, 1]);

    let mut ex = send(&server, "GET", path, &[("Last-Event-ID", "1")], None).await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::End);
    assert_eq!(c.frames, 1, "the catch-up is one write");
    assert_eq!(ids(&c.text()), (2..102).collect::<Vec<u64>>());
    let ex = send(&server, "GET", path, &[("Last-Event-ID", "101")], None).await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);
    server.shutdown().await.unwrap();
}

/// One chaos client run: reconnect with Last-Event-ID until 204. Returns the cut offsets
/// seen and checks every event arrived exactly once, in order.
async fn chaos_run(server: &Server, session: &str, seed: u64, count: u64) -> Vec<u64> {
    chaos_run_max(server, session, seed, count, 64).await
}

async fn chaos_run_max(
    server: &Server,
    session: &str,
    seed: u64,
    count: u64,
    max: u64,
) -> Vec<u64> {
    let path =
        format!("/sse/drop?random=1&seed={seed}&max={max}&count={count}&eol=lf&session={session}");
    let mut last_id: Option<u64> = None;
    let mut received = Vec::new();
    let mut offsets = Vec::new();
    for conn_no in 0..5_000u64 {
        let header_value = last_id.map(|id| id.to_string());
        let headers: Vec<(&str, &str)> = header_value
            .as_deref()
            .map(|v| vec![("Last-Event-ID", v)])
            .unwrap_or_default();
        let mut ex = send(server, "GET", &path, &headers, None).await;
        if ex.status == StatusCode::NO_CONTENT {
            let expected: Vec<u64> = (0..count).collect();
            assert_eq!(received, expected);
            return offsets;
        }
        assert_eq!(ex.status, StatusCode::OK);
        assert_eq!(ex.header("x-tidings-connection"), conn_no.to_string());
        let offset: u64 = ex.header("x-tidings-cut-offset").parse().unwrap();
        assert_eq!(offset, rng::cut_offset(seed, conn_no, max));
        offsets.push(offset);
        let c = ex.collect().await;
        let text = c.text();
        let events_part = text
            .strip_prefix("retry: 1\n")
            .expect("retry line first, uncut");
        match c.ending {
            // Exactly `offset` event bytes, then the cut.
            Next::Cut => assert_eq!(events_part.len() as u64, offset, "{text:?}"),
            Next::End => assert!((events_part.len() as u64) < offset),
            other => panic!("chaos connection ended with {other:?}"),
        }
        for id in ids(events_part) {
            assert_eq!(Some(id), last_id.map_or(Some(0), |l| l.checked_add(1)));
            received.push(id);
            last_id = Some(id);
        }
    }
    panic!("chaos run did not finish");
}

#[tokio::test]
async fn chaos_drop_offsets_are_deterministic_and_replay_is_exact() {
    let server = start().await;
    let a = chaos_run(&server, "chaos-a", 42, 40).await;
    let b = chaos_run(&server, "chaos-b", 42, 40).await;
    assert_eq!(a, b, "same seed, same cut offsets");
    assert!(a.len() > 5, "the stream was cut many times: {a:?}");
    // Cuts land everywhere, not only on event boundaries.
    assert!(a.iter().any(|o| o % 20 != 0));

    let c = chaos_run(&server, "chaos-c", 7, 40).await;
    assert_ne!(a, c, "another seed cuts elsewhere");

    // After a reset, the session's connection numbers start again.
    get_json(&server, "/control/reset?session=chaos-a").await;
    let again = chaos_run(&server, "chaos-a", 42, 40).await;
    assert_eq!(a, again);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn chaos_a_thousand_drops_finish_exactly() {
    let server = start().await;
    let t0 = std::time::Instant::now();
    let offsets = chaos_run_max(&server, "thousand", 1, 350, 32).await;
    assert!(offsets.len() >= 1000, "only {} connections", offsets.len());
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    let s = stats(&server, "thousand").await;
    assert_eq!(s["open"], 0);
    assert_eq!(s["total"], offsets.len() + 1);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn chaos_cuts_inside_crlf_pairs() {
    // With CRLF line ends and max=2, some cuts must fall between a CR and its LF.
    let server = start().await;
    let mut split_crlf = false;
    for conn in 0..40u64 {
        let offset = rng::cut_offset(9, conn, 60);
        let mut ex = get(
            &server,
            "/sse/drop?random=1&seed=9&max=60&count=1000&eol=crlf&session=crlf",
        )
        .await;
        let c = ex.collect().await;
        assert_eq!(c.ending, Next::Cut);
        let body = &c.bytes["retry: 1\r\n".len()..];
        assert_eq!(body.len() as u64, offset);
        split_crlf |= body.ends_with(b"\r");
    }
    assert!(split_crlf, "no cut between CR and LF in 40 connections");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn status_codes_retry_after_and_bodies() {
    let server = start().await;
    let mut ex = get(&server, "/sse/status/503?retry_after=7").await;
    assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ex.header("retry-after"), "7");
    assert!(ex.header("content-type").starts_with("text/plain"));
    assert_eq!(
        ex.text().await,
        "503 Service Unavailable (tidings-devserver)"
    );

    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    let ex = get(
        &server,
        "/sse/status/429?retry_after=Wed%2C%2021%20Oct%202015%2007%3A28%3A00%20GMT",
    )
    .await;
    assert_eq!(ex.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ex.header("retry-after"), date);

    for code in [401u16, 404, 408, 500] {
        let mut ex = get(&server, &format!("/sse/status/{code}?body=nope")).await;
        assert_eq!(ex.status.as_u16(), code);
        assert_eq!(ex.text().await, "nope");
    }

    let mut ex = get(&server, "/sse/status/500?body_len=3000").await;
    assert_eq!(ex.text().await.len(), 3000);

    let mut ex = get(&server, "/sse/status/204").await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);
    assert_eq!(ex.text().await, "");

    let mut ex = get(&server, "/sse/status/200?count=1").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    assert_eq!(ids(&ex.text().await), vec![0]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn flaky_fails_first_connections_then_streams() {
    let server = start().await;
    let path = "/sse/flaky?fail=2&code=503&retry_after=1&count=2&interval_ms=0&session=f";
    for _ in 0..2 {
        let ex = get(&server, path).await;
        assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ex.header("retry-after"), "1");
    }
    let mut ex = get(&server, path).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ids(&ex.text().await), vec![0, 1]);
    // Another session starts failing afresh.
    let ex = get(&server, "/sse/flaky?fail=1&session=f2").await;
    assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_type_and_retry_endpoints() {
    let server = start().await;
    let mut ex = get(&server, "/sse/wrong-type").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/plain");
    assert!(ex.text().await.contains("data: "));
    let ex = get(&server, "/sse/wrong-type?type=application/json").await;
    assert_eq!(ex.header("content-type"), "application/json");
    let ex = get(&server, "/sse/wrong-type?type=none").await;
    assert!(ex.headers.get("content-type").is_none());

    let mut ex = get(&server, "/sse/retry?ms=250").await;
    let body = ex.text().await;
    assert!(body.starts_with("retry: 250\n"), "{body:?}");
    assert_eq!(ids(&body), vec![0, 1, 2]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn last_event_id_resource_sets_an_id_then_echoes_the_header() {
    let server = start().await;
    let mut ex = get(&server, "/sse/last-event-id").await;
    assert_eq!(ex.header("content-type"), "text/event-stream");
    assert_eq!(ex.text().await, "id: \u{2026}\nretry: 200\ndata: hello\n\n");
    let mut ex = get(&server, "/sse/last-event-id?idvalue=%00%00").await;
    assert_eq!(ex.text().await, "id: \0\0\nretry: 200\ndata: hello\n\n");
    let mut ex = send(
        &server,
        "GET",
        "/sse/last-event-id",
        &[("last-event-id", "abc 7")],
        None,
    )
    .await;
    assert_eq!(ex.text().await, "data: abc 7\n\n");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn resumable_llm_reply_is_cut_then_resumed_from_last_event_id() {
    let server = start().await;
    let body = Some(r#"{"prompt":"hi","tokens":8,"delay_ms":0}"#);
    let path = "/sse/llm/resumable?cut_after=3&session=llm-r";
    let mut ex = send(&server, "POST", path, &[], body).await;
    let first = ex.text().await;
    assert_eq!(ids(&first), [0, 1, 2]);
    assert!(!first.contains("[DONE]"), "{first}");
    let mut ex = send(&server, "POST", path, &[("last-event-id", "2")], body).await;
    let rest = ex.text().await;
    let rest_ids: Vec<String> = events(&rest).into_iter().map(|(id, _)| id).collect();
    assert_eq!(rest_ids, ["3", "4", "5", "6", "7", ""], "[DONE] has no id");
    assert!(rest.ends_with("data: [DONE]\n\n"), "{rest}");
    // The whole reply, in order: the tokens of /sse/llm.
    let tokens: Vec<String> = events(&(first + &rest))
        .into_iter()
        .filter(|(_, data)| data != "[DONE]")
        .map(|(_, data)| {
            serde_json::from_str::<serde_json::Value>(&data).unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(tokens, tidings_devserver::scenarios::llm_tokens("hi", 8));
    // Nothing left to resume, or the reply is gone: 204.
    let ex = send(&server, "POST", path, &[("last-event-id", "7")], body).await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);
    let gone = "/sse/llm/resumable?gone=1&session=llm-g";
    let ex = send(&server, "POST", gone, &[("last-event-id", "1")], body).await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);
    // mode=drop cuts the connection instead of ending it.
    let mut ex = send(
        &server,
        "POST",
        "/sse/llm/resumable?cut_after=2&mode=drop&session=llm-d",
        &[],
        body,
    )
    .await;
    let collected = ex.collect().await;
    assert_eq!(collected.ending, Next::Cut);
    assert_eq!(ids(&collected.text()), [0, 1]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn drip_bytes_concatenate_to_the_script() {
    let server = start().await;
    let expected = get_json(&server, "/control/drip-script").await;
    let script = expected["script"].as_str().unwrap();
    assert!(script.starts_with('\u{feff}'));
    assert_eq!(expected["events"].as_array().unwrap().len(), 4);
    assert_eq!(script, tidings_devserver::drip::DRIP_SCRIPT);

    let mut ex = get(&server, "/sse/drip?delay_ms=1").await;
    assert_eq!(ex.header("content-type"), "text/event-stream");
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::End);
    assert_eq!(c.bytes, script.as_bytes());
    // One byte per write: with 1 ms between writes most arrive as their own chunk.
    assert!(
        c.frames > script.len() / 2,
        "{} frames for {} bytes",
        c.frames,
        script.len()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn stall_stays_silent_and_close_is_detected() {
    let server = start().await;
    let mut ex = get(&server, "/sse/stall?after=2&session=stall").await;
    let text = ex.read_until("data: {\"n\":1}\n\n").await;
    assert_eq!(ids(&text), vec![0, 1]);
    assert_eq!(ex.next(Duration::from_millis(400)).await, Next::Timeout);
    let s = stats(&server, "stall").await;
    assert_eq!(s["open"], 1);
    assert_eq!(s["requests"][0]["open"], true);
    assert!(s["requests"][0]["ended_ms"].is_null());

    drop(ex);
    eventually("the stalled stream is seen closed", || async {
        stats(&server, "stall").await["open"] == 0
    })
    .await;
    let s = stats(&server, "stall").await;
    assert!(s["requests"][0]["ended_ms"].is_u64());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn huge_event_has_the_exact_size() {
    let server = start().await;
    let mut ex = get(&server, "/sse/huge?bytes=300000").await;
    let body = ex.text().await;
    let evs = events(&body);
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0].1.len(), 300_000);
    assert!(evs[0].1.starts_with("abcdefghijklmnopqrstuvwxyzabc"));
    assert!(evs[0].1.bytes().all(|b| b.is_ascii_lowercase()));
    assert_eq!(evs[1].1, "{\"bytes\":300000}");
    assert!(body.contains("event: done\n"));

    let mut ex = get(&server, "/sse/huge").await;
    let body = ex.text().await;
    assert_eq!(events(&body)[0].1.len(), 1 << 20);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn file_streams_a_www_file_in_chunks() {
    let www = temp_dir("file");
    let payload: Vec<u8> = (0..1000)
        .flat_map(|i| format!("data: {i}\n\n").into_bytes())
        .collect();
    std::fs::write(www.join("payload.sse"), &payload).unwrap();
    let server = start_with(Config {
        www: Some(www.clone()),
        exit_after: Some(Duration::from_secs(60)),
        ..Config::default()
    })
    .await;

    let mut ex = get(&server, "/sse/file?name=payload.sse&chunk=1000").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    let body = ex.collect().await;
    assert!(matches!(body.ending, Next::End));
    assert_eq!(body.bytes, payload);
    assert_eq!(events(&body.text()).len(), 1000);

    for bad in [
        "missing.sse",
        "../payload.sse",
        "sub/payload.sse",
        ".hidden",
        "",
    ] {
        let ex = get(&server, &format!("/sse/file?name={bad}")).await;
        assert_eq!(ex.status, StatusCode::NOT_FOUND, "{bad}");
    }
    server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&www);
}

#[tokio::test]
async fn heartbeat_sends_pings_between_events() {
    let server = start().await;
    let mut ex = get(&server, "/sse/heartbeat?interval_ms=5&count=6&every=3").await;
    let body = ex.text().await;
    assert_eq!(body.matches(": ping\n").count(), 6);
    assert_eq!(ids(&body), vec![0, 1]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn llm_streams_tokens_then_done() {
    let server = start().await;
    let body = r#"{"prompt": "why is the sky blue", "tokens": 12, "delay_ms": 1}"#;
    let mut ex = send(
        &server,
        "POST",
        "/sse/llm",
        &[("Content-Type", "application/json")],
        Some(body),
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    let text = ex.text().await;
    let evs = events(&text);
    assert_eq!(evs.len(), 13);
    assert_eq!(evs.last().unwrap().1, "[DONE]");
    let reply: String = evs[..12]
        .iter()
        .map(|(_, d)| {
            let v: serde_json::Value = serde_json::from_str(d).unwrap();
            v["token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(
        reply.starts_with("You asked: why is the sky blue Server-Sent"),
        "{reply}"
    );

    // Deterministic.
    let mut again = send(&server, "POST", "/sse/llm", &[], Some(body)).await;
    assert_eq!(again.text().await, text);

    let ex = get(&server, "/sse/llm").await;
    assert_eq!(ex.status, StatusCode::METHOD_NOT_ALLOWED);
    let ex = send(&server, "POST", "/sse/llm", &[], Some("{not json")).await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    server.shutdown().await.unwrap();
}

async fn new_token(server: &Server, ttl_ms: u64) -> String {
    let mut ex = send(
        server,
        "POST",
        &format!("/control/token?ttl_ms={ttl_ms}&session=auth"),
        &[],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&ex.text().await).unwrap();
    v["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn bearer_token_expiry_ends_stream_then_401() {
    let server = start().await;
    let path = "/sse/auth?session=auth&interval_ms=40";
    let mut ex = get(&server, path).await;
    assert_eq!(ex.status, StatusCode::UNAUTHORIZED);
    assert_eq!(ex.header("www-authenticate"), "Bearer");
    assert!(ex.text().await.contains("missing bearer token"));

    let token = new_token(&server, 400).await;
    let bearer = format!("Bearer {token}");
    let mut ex = send(&server, "GET", path, &[("Authorization", &bearer)], None).await;
    assert_eq!(ex.status, StatusCode::OK);
    let c = ex.collect().await;
    // The server ends the stream itself when the token expires.
    assert_eq!(c.ending, Next::End);
    let got = ids(&c.text());
    assert!(got.len() >= 3, "{got:?}");
    let last = *got.last().unwrap();

    let mut ex = send(&server, "GET", path, &[("Authorization", &bearer)], None).await;
    assert_eq!(ex.status, StatusCode::UNAUTHORIZED);
    assert!(ex.text().await.contains("expired"));
    let ex = send(
        &server,
        "GET",
        path,
        &[("Authorization", "Bearer forged")],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::UNAUTHORIZED);

    // A refreshed token resumes from Last-Event-ID.
    let fresh = format!("Bearer {}", new_token(&server, 60_000).await);
    let last_id = last.to_string();
    let mut ex = send(
        &server,
        "GET",
        "/sse/auth?session=auth&interval_ms=0&count=100",
        &[("Authorization", &fresh), ("Last-Event-ID", &last_id)],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK);
    let text = ex.read_until("\n\n").await;
    assert_eq!(ids(&text)[0], last + 1);

    let s = stats(&server, "auth").await;
    let auth_flags: Vec<bool> = s["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["authorization"].as_bool().unwrap())
        .collect();
    assert_eq!(auth_flags, vec![false, true, true, true, true]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn cookie_login_and_credentials_recorded() {
    let server = start().await;
    let path = "/sse/cookie?session=ck&count=2&interval_ms=0";
    let ex = get(&server, path).await;
    assert_eq!(ex.status, StatusCode::UNAUTHORIZED);

    let ex = get(&server, "/control/login?session=ck").await;
    assert_eq!(ex.status, StatusCode::OK);
    let set_cookie = ex.header("set-cookie");
    for part in ["tidings_session=", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(set_cookie.contains(part), "{part} not in {set_cookie}");
    }
    let pair = set_cookie.split(';').next().unwrap().to_owned();

    let mut ex = send(
        &server,
        "GET",
        path,
        &[("Cookie", &format!("a=b; {pair}"))],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ids(&ex.text().await), vec![0, 1]);

    let ex = send(
        &server,
        "GET",
        path,
        &[("Cookie", "tidings_session=forged")],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::UNAUTHORIZED);

    let s = stats(&server, "ck").await;
    let cookie_flags: Vec<bool> = s["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cookie"].as_bool().unwrap())
        .collect();
    assert_eq!(cookie_flags, vec![false, true, true]);

    let ex = send(
        &server,
        "POST",
        "/control/logout",
        &[("Cookie", &pair)],
        None,
    )
    .await;
    assert!(ex.header("set-cookie").contains("Max-Age=0"));
    let ex = send(&server, "GET", path, &[("Cookie", &pair)], None).await;
    assert_eq!(ex.status, StatusCode::UNAUTHORIZED);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn redirects_answer_code_and_location() {
    let server = start().await;
    for code in [301u16, 302, 303, 307, 308] {
        let ex = get(
            &server,
            &format!("/sse/redirect?code={code}&to=%2Fsse%2Fticks%3Fcount%3D2%26session%3Dr"),
        )
        .await;
        assert_eq!(ex.status.as_u16(), code);
        assert_eq!(ex.header("location"), "/sse/ticks?count=2&session=r");
    }
    let ex = get(&server, "/sse/redirect").await;
    assert_eq!(ex.status, StatusCode::TEMPORARY_REDIRECT);
    let location = ex.header("location");
    let mut followed = get(&server, &location).await;
    assert_eq!(ids(&followed.text().await), vec![0, 1, 2]);

    assert_eq!(
        get(&server, "/sse/redirect?code=200").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&server, "/sse/redirect?to=http://example.invalid/")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn stats_track_opens_closes_and_sessions() {
    let server = start().await;
    let mut a = get(&server, "/sse/ticks?interval_ms=20&session=s1").await;
    a.read_until("\n\n").await;
    let mut b = send(
        &server,
        "GET",
        "/sse/ticks?interval_ms=20&session=s1",
        &[("Last-Event-ID", "9"), ("Origin", "http://127.0.0.1:1")],
        None,
    )
    .await;
    b.read_until("\n\n").await;
    let other = get(&server, "/sse/status/404?session=s2").await;
    drop(other);

    let s = stats(&server, "s1").await;
    assert_eq!(s["open"], 2);
    assert_eq!(s["total"], 2);
    let r1 = &s["requests"][1];
    assert_eq!(r1["method"], "GET");
    assert_eq!(r1["path"], "/sse/ticks");
    assert_eq!(r1["query"], "interval_ms=20&session=s1");
    assert_eq!(r1["last_event_id"], "9");
    assert_eq!(r1["origin"], "http://127.0.0.1:1");
    assert_eq!(r1["status"], 200);
    assert!(s["requests"][0]["last_event_id"].is_null());

    drop(a);
    eventually("one stream closed", || async {
        stats(&server, "s1").await["open"] == 1
    })
    .await;
    let s = stats(&server, "s1").await;
    assert_eq!(s["requests"][0]["open"], false);
    assert_eq!(s["requests"][1]["open"], true);
    assert!(s["requests"][0]["bytes_sent"].as_u64().unwrap() > 0);
    drop(b);
    eventually("both streams closed", || async {
        stats(&server, "s1").await["open"] == 0
    })
    .await;

    // Sessions are separate, and reset clears one.
    let s2 = stats(&server, "s2").await;
    assert_eq!(s2["total"], 1);
    assert_eq!(s2["requests"][0]["status"], 404);
    let ex = send(&server, "POST", "/control/reset?session=s1", &[], None).await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(stats(&server, "s1").await["total"], 0);
    assert_eq!(stats(&server, "s2").await["total"], 1);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn static_files_with_wasm_type_and_no_store() {
    let www = temp_dir("www");
    let pkg = temp_dir("pkg");
    std::fs::create_dir_all(www.join("demo")).unwrap();
    std::fs::write(www.join("index.html"), "<h1>tidings</h1>").unwrap();
    std::fs::write(www.join("demo/index.html"), "demo").unwrap();
    std::fs::write(pkg.join("tidings_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(pkg.join("tidings.js"), "export {}").unwrap();
    let server = start_with(Config {
        www: Some(www.clone()),
        pkg: Some(pkg.clone()),
        exit_after: Some(Duration::from_secs(60)),
        ..Config::default()
    })
    .await;

    let mut ex = get(&server, "/").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("cache-control"), "no-store");
    assert_eq!(ex.text().await, "<h1>tidings</h1>");
    let mut ex = get(&server, "/demo/").await;
    assert_eq!(ex.text().await, "demo");
    let ex = get(&server, "/pkg/tidings_bg.wasm").await;
    assert_eq!(ex.header("content-type"), "application/wasm");
    assert_eq!(ex.header("cache-control"), "no-store");
    let ex = get(&server, "/pkg/tidings.js").await;
    assert!(ex.header("content-type").contains("javascript"));
    assert_eq!(
        get(&server, "/nope.txt").await.status,
        StatusCode::NOT_FOUND
    );
    // Control answers are never cached either; streams keep `no-cache`.
    assert_eq!(
        get(&server, "/health").await.header("cache-control"),
        "no-store"
    );
    server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(www);
    let _ = std::fs::remove_dir_all(pkg);
}

#[tokio::test]
async fn exit_after_ends_open_streams_and_stops() {
    let server = start_with(Config {
        exit_after: Some(Duration::from_millis(300)),
        ..Config::default()
    })
    .await;
    let mut ex = get(&server, "/sse/stall?after=1").await;
    ex.read_until("\n\n").await;
    let t0 = std::time::Instant::now();
    tokio::time::timeout(WAIT, server.wait())
        .await
        .expect("server stopped by itself")
        .unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    // The stalled stream was ended, not left hanging.
    assert_ne!(ex.next(Duration::from_secs(3)).await, Next::Timeout);
}

fn spawn_binary(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_tidings-devserver"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn binary")
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let t0 = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            panic!("binary did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_prints_url_writes_port_file_and_exits() {
    use std::io::BufRead;
    let dir = temp_dir("cli");
    let port_file = dir.join("url");
    let mut child = spawn_binary(&[
        "--port",
        "0",
        "--port-file",
        port_file.to_str().unwrap(),
        "--exit-after",
        "1",
    ]);
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("tidings-devserver listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(std::fs::read_to_string(&port_file).unwrap(), url);
    let status = wait_exit(&mut child, Duration::from_secs(8));
    assert!(status.success(), "{status}");

    // Non-loopback hosts are refused with a clear message.
    let mut child = spawn_binary(&["--host", "0.0.0.0", "--exit-after", "1"]);
    let status = wait_exit(&mut child, Duration::from_secs(8));
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("loopback"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[test]
fn binary_stops_gracefully_on_sigterm() {
    use std::io::BufRead;
    let mut child = spawn_binary(&["--exit-after", "30"]);
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("tidings-devserver listening on "));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut child, Duration::from_secs(8));
    assert!(status.success(), "{status}");
}

/// Real Chromium against two servers (page origin != stream origin): CORS with credentials,
/// SameSite=Lax cookies across ports, preflighted `Last-Event-ID`, a cut seen as a network
/// error, EventSource with credentials, the drip script through the browser's own parser.
/// Needs Debian's /usr/bin/chromium, which `scripts/bootstrap.sh` installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_browser_cross_origin_smoke() {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "install chromium (apt-get install -y chromium)"
    );
    let pkg = temp_dir("browser-pkg");
    std::fs::write(pkg.join("x.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let www = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let streams = start_with(Config {
        pkg: Some(pkg.clone()),
        exit_after: Some(Duration::from_secs(90)),
        ..Config::default()
    })
    .await;
    let page = start_with(Config {
        www: Some(www),
        exit_after: Some(Duration::from_secs(90)),
        ..Config::default()
    })
    .await;
    let url = format!("{}/?a={}", page.url(), streams.url());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new("/usr/bin/chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--virtual-time-budget=20000",
                "--dump-dom",
                &url,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn chromium");
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
            s
        });
        wait_exit(&mut child, Duration::from_secs(60));
        reader.join().unwrap()
    })
    .await
    .unwrap();

    assert!(output.contains("DONE"), "{output}");
    for line in [
        "login 200",
        "cookie 200",
        "nocred 401",
        r#"resume 200 "id: 2\ndata: {\"n\":2}\n\nid: 3\ndata: {\"n\":3}\n\n""#,
        "ra 3 conn=0",
        "cut error TypeError",
        "es 2",
        "wasm application/wasm no-store",
        "llm true",
        r#"drip ["héllo wörld — 日本語 🎉","line one\nline two","🎉🎉\nno-space#3","\n two spaces"]"#,
        "redirect 200 true",
    ] {
        assert!(output.contains(line), "missing {line:?} in {output}");
    }
    // Credentials went only where the page asked for them.
    let s = stats(&streams, "br").await;
    let cookie_paths: Vec<(String, bool)> = s["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_owned(),
                r["cookie"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(cookie_paths[0], ("/sse/cookie".to_owned(), true));
    assert_eq!(cookie_paths[1], ("/sse/cookie".to_owned(), false));
    page.shutdown().await.unwrap();
    streams.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(pkg);
}
