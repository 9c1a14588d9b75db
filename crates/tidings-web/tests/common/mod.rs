//! Helpers shared by the browser tests: the server address, a recorder of client
//! notifications, bounded waits, and the dev server's per-session stats.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use tidings_core::policy::{Config, Jitter};
pub use tidings_testkit::*;
use tidings_web::{
    Client, ClientError, ClientEvent, ClientOptions, ErrorKind, Listen, LiveHandles, Status,
    live_handles,
};

/// A policy that retries after exactly `ms` (no jitter, no growth), so tests are fast and
/// their schedules predictable.
pub fn fast_policy(ms: u64) -> Config {
    Config::default()
        .with_initial_delay_ms(ms)
        .with_multiplier(1)
        .with_jitter(Jitter::None)
}

/// Everything a client reported.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub opens: u32,
    pub open_statuses: Vec<Option<u16>>,
    /// (type, data, last event id)
    pub events: Vec<(String, String, String)>,
    pub errors: Vec<ClientError>,
    pub statuses: Vec<Status>,
    pub retries: Vec<u64>,
    pub comments: Vec<String>,
    pub closed: bool,
}

impl Seen {
    pub fn ids(&self) -> Vec<String> {
        self.events.iter().map(|(_, _, id)| id.clone()).collect()
    }
    /// The event ids parsed as numbers (panics on a non-number).
    pub fn numbers(&self) -> Vec<u64> {
        self.events
            .iter()
            .map(|(_, _, id)| id.parse().expect("numeric id"))
            .collect()
    }
    /// The kinds of the errors, as their short names.
    pub fn error_kinds(&self) -> Vec<&'static str> {
        self.errors.iter().map(|e| e.kind.name()).collect()
    }
    /// Whether an HTTP error with `status` was reported.
    pub fn saw_http(&self, status: u16) -> bool {
        self.errors
            .iter()
            .any(|e| matches!(e.kind, ErrorKind::Http { status: s, .. } if s == status))
    }
    pub fn data(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|(_, data, _)| data.clone())
            .collect()
    }
}

/// A client plus everything it reported.
pub struct Recorder {
    pub client: Client,
    pub seen: Rc<RefCell<Seen>>,
}

impl Recorder {
    pub fn connect(options: ClientOptions) -> Recorder {
        let client = Client::connect(options);
        let seen = Rc::new(RefCell::new(Seen::default()));
        let sink = seen.clone();
        client.on(Listen::AnyEvent, move |e| {
            if let ClientEvent::Message(m) = e {
                sink.borrow_mut().events.push((
                    m.event_type.clone(),
                    m.data.clone(),
                    m.last_event_id.clone(),
                ));
            }
        });
        for listen in [
            Listen::Open,
            Listen::Error,
            Listen::Status,
            Listen::Retry,
            Listen::Comment,
            Listen::Close,
        ] {
            let sink = seen.clone();
            client.on(listen, move |e| {
                let mut seen = sink.borrow_mut();
                match e {
                    ClientEvent::Open(info) => {
                        seen.opens += 1;
                        seen.open_statuses.push(info.status);
                    }
                    ClientEvent::Error(error) => seen.errors.push((*error).clone()),
                    ClientEvent::Status(status) => seen.statuses.push(*status),
                    ClientEvent::Retry(ms) => seen.retries.push(*ms),
                    ClientEvent::Comment(text) => seen.comments.push((*text).to_owned()),
                    ClientEvent::Close => seen.closed = true,
                    _ => {}
                }
            });
        }
        Recorder { client, seen }
    }

    pub fn seen(&self) -> Seen {
        self.seen.borrow().clone()
    }

    /// Waits (at most ~10 s) until `done` holds.
    pub async fn wait_until(&self, done: impl Fn(&Seen) -> bool) {
        self.wait_until_for(10_000, done).await
    }

    /// Waits at most about `ms` until `done` holds.
    pub async fn wait_until_for(&self, ms: u32, done: impl Fn(&Seen) -> bool) {
        for _ in 0..ms.div_ceil(25) {
            if done(&self.seen.borrow()) {
                return;
            }
            sleep(25).await;
        }
        panic!("timed out; seen: {:?}", self.seen.borrow());
    }
}

/// Waits (bounded) for deferred drops to run, until the counters are back at `before`.
pub async fn settle(before: LiveHandles) -> LiveHandles {
    for _ in 0..100 {
        if live_handles() == before {
            break;
        }
        sleep(20).await;
    }
    live_handles()
}

/// Asserts that `kind` is a stall over a limit of exactly `limit_ms`, after a silence within
/// `silence_ms`.
#[track_caller]
pub fn assert_stall(kind: &ErrorKind, limit_ms: u64, silence_ms: std::ops::Range<u64>) {
    match *kind {
        ErrorKind::Stall {
            silence_ms: silence,
            limit_ms: limit,
        } => {
            assert_eq!(limit, limit_ms);
            assert!(silence_ms.contains(&silence), "{silence}");
        }
        ref other => panic!("expected a stall, got {other:?}"),
    }
}
