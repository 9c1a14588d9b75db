//! The reconnect lab: `/sse/lab` streams and `/control/fault`, over real loopback HTTP.

mod common;

use std::time::Duration;

use common::*;
use hyper::http::StatusCode;

async fn fault(server: &tidings_devserver::Server, query: &str) -> (StatusCode, String) {
    let mut ex = send(
        server,
        "POST",
        &format!("/control/fault?{query}"),
        &[],
        None,
    )
    .await;
    let status = ex.status;
    (status, ex.text().await)
}

async fn fault_json(server: &tidings_devserver::Server, query: &str) -> serde_json::Value {
    let (status, body) = fault(server, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    serde_json::from_str(&body).expect("json")
}

/// Reads frames until at least one complete event arrived; returns the text so far.
async fn first_event(ex: &mut Exchange) -> String {
    ex.read_until("\n\n").await
}

#[tokio::test]
async fn lab_ticks_resume_and_record() {
    let server = start().await;
    let mut ex = get(&server, "/sse/lab?session=l1&count=3&interval_ms=5").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    assert_eq!(ex.header("x-tidings-session"), "l1");
    assert_eq!(ex.header("x-tidings-connection"), "0");
    assert_eq!(ids(&ex.text().await), vec![0, 1, 2]);

    let mut ex = send(
        &server,
        "GET",
        "/sse/lab?session=l1&count=3&interval_ms=5",
        &[("last-event-id", "0")],
        None,
    )
    .await;
    assert_eq!(ex.header("x-tidings-resume-from"), "1");
    assert_eq!(ids(&ex.text().await), vec![1, 2]);

    // Complete: 204, like every ticks endpoint.
    let ex = send(
        &server,
        "GET",
        "/sse/lab?session=l1&count=3",
        &[("last-event-id", "2")],
        None,
    )
    .await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);

    let s = stats(&server, "l1").await;
    assert_eq!(s["total"], 3);
    assert_eq!(s["requests"][0]["path"], "/sse/lab");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn drop_cuts_the_open_stream_of_that_session_only() {
    let server = start().await;
    let mut a = get(&server, "/sse/lab?session=la&interval_ms=20").await;
    let mut b = get(&server, "/sse/lab?session=lb&interval_ms=20").await;
    first_event(&mut a).await;
    first_event(&mut b).await;

    let answer = fault_json(&server, "session=la&kind=drop").await;
    assert_eq!(answer["live"], 1);
    assert_eq!(answer["pending"], 0);
    assert_eq!(a.collect().await.ending, Next::Cut);

    // The other session keeps ticking.
    let more = b.read_until("id: 3\n").await;
    assert!(more.contains("data: {\"n\":3}"), "{more:?}");
    eventually("session la closed", || async {
        stats(&server, "la").await["open"] == 0
    })
    .await;

    // Without count, later connections are healthy again.
    let mut again = get(&server, "/sse/lab?session=la&count=2&interval_ms=5").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(ids(&again.text().await), vec![0, 1]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn status_faults_cut_the_open_stream_then_answer_the_next_connections() {
    let server = start().await;
    let mut live = get(&server, "/sse/lab?session=ls&interval_ms=20").await;
    first_event(&mut live).await;

    let answer = fault_json(&server, "session=ls&kind=503&retry_after=3&count=2").await;
    assert_eq!(answer["live"], 1);
    assert_eq!(answer["pending"], 2);
    assert_eq!(live.collect().await.ending, Next::Cut);

    for _ in 0..2 {
        let mut ex = get(&server, "/sse/lab?session=ls").await;
        assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ex.header("retry-after"), "3");
        assert!(ex.text().await.starts_with("503 Service Unavailable"));
    }
    let mut ok = get(&server, "/sse/lab?session=ls&count=1").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ids(&ok.text().await), vec![0]);

    // 429 (default count 1, no open stream to cut), then 204, queued in order.
    let answer = fault_json(&server, "session=ls&kind=429&retry_after=2").await;
    assert_eq!(answer["live"], 0);
    assert_eq!(answer["pending"], 1);
    let answer = fault_json(&server, "session=ls&kind=204").await;
    assert_eq!(answer["pending"], 2);
    let ex = get(&server, "/sse/lab?session=ls").await;
    assert_eq!(ex.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ex.header("retry-after"), "2");
    let ex = get(&server, "/sse/lab?session=ls").await;
    assert_eq!(ex.status, StatusCode::NO_CONTENT);
    assert_eq!(ex.header("retry-after"), "");

    let s = stats(&server, "ls").await;
    let statuses: Vec<u64> = s["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 503, 503, 200, 429, 204]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn stall_silences_the_open_stream() {
    let server = start().await;
    let mut live = get(&server, "/sse/lab?session=lt&interval_ms=20").await;
    first_event(&mut live).await;
    let answer = fault_json(&server, "session=lt&kind=stall").await;
    assert_eq!(answer["live"], 1);
    // At most the event already on its way, then nothing.
    let mut quiet = 0;
    loop {
        match live.next(Duration::from_millis(300)).await {
            Next::Timeout => break,
            Next::Data(_) => {
                quiet += 1;
                assert!(quiet <= 1, "still ticking after a stall");
            }
            other => panic!("stalled stream ended: {other:?}"),
        }
    }
    assert_eq!(stats(&server, "lt").await["open"], 1);
    drop(live);
    eventually(
        "the stalled stream closes when the client leaves",
        || async { stats(&server, "lt").await["open"] == 0 },
    )
    .await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn drop_and_stall_with_count_break_the_next_connections_after_one_event() {
    let server = start().await;
    let answer = fault_json(&server, "session=ln&kind=drop&count=1").await;
    assert_eq!(answer["live"], 0);
    assert_eq!(answer["pending"], 1);
    let mut ex = get(&server, "/sse/lab?session=ln&interval_ms=10").await;
    let c = ex.collect().await;
    assert_eq!(c.ending, Next::Cut);
    assert_eq!(ids(&c.text()), vec![0]);

    fault_json(&server, "session=ln&kind=stall&count=1").await;
    let mut ex = send(
        &server,
        "GET",
        "/sse/lab?session=ln&interval_ms=10",
        &[("last-event-id", "0")],
        None,
    )
    .await;
    assert_eq!(ids(&first_event(&mut ex).await), vec![1]);
    assert_eq!(ex.next(Duration::from_millis(300)).await, Next::Timeout);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn clear_reset_and_bad_requests() {
    let server = start().await;
    let answer = fault_json(&server, "session=lc&kind=500&count=5").await;
    assert_eq!(answer["pending"], 5);
    let answer = fault_json(&server, "session=lc&kind=clear").await;
    assert_eq!(answer["cleared"], 5);
    let ex = get(&server, "/sse/lab?session=lc&count=1").await;
    assert_eq!(ex.status, StatusCode::OK);

    // /control/reset forgets queued faults too.
    fault_json(&server, "session=lc&kind=503&count=3").await;
    get_json(&server, "/control/reset?session=lc").await;
    let ex = get(&server, "/sse/lab?session=lc&count=1").await;
    assert_eq!(ex.status, StatusCode::OK);

    for query in [
        "session=lc&kind=explode",
        "session=lc&kind=302",
        "session=lc&kind=200",
        "session=lc",
        "session=lc&kind=503&retry_after=%0A",
    ] {
        let (status, body) = fault(&server, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }
    // Faults are POST only, so a prefetch cannot break a stream.
    let ex = get(&server, "/control/fault?session=lc&kind=drop").await;
    assert_eq!(ex.status, StatusCode::METHOD_NOT_ALLOWED);
    server.shutdown().await.unwrap();
}
