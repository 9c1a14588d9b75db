//! `/sse/message`: exactly the body, status and type the query asks for.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hyper::http::StatusCode;

#[tokio::test]
async fn message_serves_the_body_status_and_type_it_is_given() {
    let server = start().await;
    let mut ex = get(&server, "/sse/message").await;
    assert_eq!(ex.status, StatusCode::OK);
    assert_eq!(ex.header("content-type"), "text/event-stream");
    assert_eq!(ex.text().await, "data: data\n\n");

    // Any bytes, NUL and CR included, come back unchanged.
    let mut ex = get(
        &server,
        "/sse/message?body=id%3A%201%00%0Ddata%3A%20%E2%80%A6%0A%0A",
    )
    .await;
    assert_eq!(ex.text().await, "id: 1\0\rdata: \u{2026}\n\n");

    let ex = get(&server, "/sse/message?type=text/event-stream%3Bcharset%3Dx").await;
    assert_eq!(ex.header("content-type"), "text/event-stream;charset=x");
    let ex = get(&server, "/sse/message?type=none").await;
    assert!(ex.headers.get("content-type").is_none());
    let ex = get(&server, "/sse/message?status=503").await;
    assert_eq!(ex.status, StatusCode::SERVICE_UNAVAILABLE);
    let ex = get(&server, "/sse/message?status=99").await;
    assert_eq!(ex.status, StatusCode::BAD_REQUEST);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn message_waits_before_the_head_and_holds_after_the_body() {
    let server = start().await;
    let started = Instant::now();
    let mut ex = get(&server, "/sse/message?wait_ms=150&hold_ms=200").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(ex.text().await, "data: data\n\n");
    assert!(started.elapsed() >= Duration::from_millis(350));
    server.shutdown().await.unwrap();
}
