//! The reconnect lab: `/sse/lab` serves ticks that a page can break on purpose through
//! `/control/fault`, so the demo shows what a client does when the server misbehaves.
//!
//! Faults are filed under the `session` query parameter, like request records, so two
//! browser tabs (or two tests) never break each other's streams. A fault acts on the
//! session's open lab streams at once and/or on its next connections:
//!
//! | `kind` | open `/sse/lab` streams | next `count` connections (default) |
//! |---|---|---|
//! | `drop` | cut (no clean end: a network error) | one event, then cut (0) |
//! | `stall` | go silent: no bytes until the client leaves | one event, then silence (0) |
//! | `204`, `4xx`, `5xx` | cut | answer that status, with `Retry-After: retry_after` when given (1) |
//! | `clear` | untouched | forgets the queued faults |

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use crate::record::ConnInfo;
use crate::sse::{self, ByteStream, TickParams, TickPlan};
use crate::state::{AppState, DEFAULT_SESSION};

/// Default `interval_ms` of `/sse/lab`: lively enough to watch, slow enough to read.
pub const DEFAULT_LAB_INTERVAL_MS: u64 = 500;

/// Most faults a session may queue for its next connections.
const MAX_PENDING: usize = 1000;

/// Sessions kept before idle ones (no open stream, nothing queued) are forgotten.
const MAX_IDLE_SESSIONS: usize = 4096;

/// What happens to a stream that is already open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveAction {
    /// The body is cut without a clean end.
    Cut,
    /// The body goes silent until the client leaves.
    Stall,
}

/// A fault queued for one of the session's next connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// One event, then a cut.
    Drop,
    /// One event, then silence.
    Stall,
    /// This status instead of a stream, with an optional `Retry-After` value.
    Status {
        /// 204, 4xx or 5xx.
        code: u16,
        /// Passed through as the `Retry-After` header.
        retry_after: Option<String>,
    },
}

/// Per-session lab state.
struct LabSession {
    /// Every open lab stream of the session listens here.
    live: broadcast::Sender<LiveAction>,
    /// Faults for the next connections, oldest first.
    pending: VecDeque<Fault>,
}

impl LabSession {
    fn new() -> Self {
        LabSession {
            live: broadcast::channel(16).0,
            pending: VecDeque::new(),
        }
    }

    fn idle(&self) -> bool {
        self.live.receiver_count() == 0 && self.pending.is_empty()
    }
}

/// The lab sessions of a server (lives in [`AppState`]).
#[derive(Default)]
pub struct Labs {
    sessions: Mutex<HashMap<String, LabSession>>,
}

/// What [`Labs::inject`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injected {
    /// Open streams that received the live action.
    pub live: usize,
    /// Faults now queued for the next connections.
    pub pending: usize,
}

impl Labs {
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, LabSession>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn session<'a>(map: &'a mut HashMap<String, LabSession>, name: &str) -> &'a mut LabSession {
        if !map.contains_key(name) && map.len() >= MAX_IDLE_SESSIONS {
            map.retain(|_, s| !s.idle());
        }
        map.entry(name.to_owned()).or_insert_with(LabSession::new)
    }

    /// Subscribes a new stream to the session's live actions and takes the fault queued
    /// for it, if any (subscribing first means a fault sent right after is not missed).
    pub fn open(&self, session: &str) -> (broadcast::Receiver<LiveAction>, Option<Fault>) {
        let mut map = self.sessions();
        let s = Self::session(&mut map, session);
        (s.live.subscribe(), s.pending.pop_front())
    }

    /// Applies `live` to the open streams (if any) and queues `next` for the next `count`
    /// connections.
    pub fn inject(
        &self,
        session: &str,
        live: Option<LiveAction>,
        next: Option<Fault>,
        count: u64,
    ) -> Injected {
        let mut map = self.sessions();
        let s = Self::session(&mut map, session);
        let live = live.map_or(0, |a| s.live.send(a).unwrap_or(0));
        if let Some(fault) = next {
            for _ in 0..count {
                if s.pending.len() >= MAX_PENDING {
                    break;
                }
                s.pending.push_back(fault.clone());
            }
        }
        Injected {
            live,
            pending: s.pending.len(),
        }
    }

    /// Forgets the faults queued for a session; returns how many there were.
    pub fn clear(&self, session: &str) -> usize {
        self.sessions()
            .get_mut(session)
            .map_or(0, |s| std::mem::take(&mut s.pending).len())
    }

    /// Forgets every queued fault.
    pub fn clear_all(&self) {
        for s in self.sessions().values_mut() {
            s.pending.clear();
        }
    }
}

/// `GET /sse/lab`: ticks (default 500 ms apart) that obey the session's faults.
pub async fn lab(
    State(state): State<AppState>,
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let (live, fault) = state.labs().open(&info.session);
    let after_first = match fault {
        Some(Fault::Status { code, retry_after }) => {
            return status_answer(code, retry_after.as_deref());
        }
        Some(Fault::Drop) => Some(LiveAction::Cut),
        Some(Fault::Stall) => Some(LiveAction::Stall),
        None => None,
    };
    let plan = TickPlan::new(&params, &headers, DEFAULT_LAB_INTERVAL_MS);
    if plan.is_finished() {
        return sse::finished_response(&params);
    }
    let mut extra = HeaderMap::new();
    extra.insert("x-tidings-resume-from", HeaderValue::from(plan.from));
    sse::sse_response_with(StatusCode::OK, extra, lab_stream(plan, live, after_first))
}

fn status_answer(code: u16, retry_after: Option<&str>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = if status == StatusCode::NO_CONTENT {
        status.into_response()
    } else {
        sse::text_response(
            status,
            format!(
                "{} {} (tidings-devserver lab)",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ),
        )
    };
    if let Some(v) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// What woke the stream up.
enum Wake {
    Tick,
    Action(LiveAction),
    /// A lagged or closed channel: nothing to do.
    Nothing,
}

fn lab_stream(
    plan: TickPlan,
    mut live: broadcast::Receiver<LiveAction>,
    after_first: Option<LiveAction>,
) -> ByteStream {
    Box::pin(async_stream::stream! {
        if let Some(ms) = plan.retry {
            yield Ok(sse::retry_line(ms, plan.eol));
        }
        let mut i = plan.from;
        let mut sent = 0u64;
        let mut next = tokio::time::Instant::now();
        // Once the sender is gone (never, while the server runs) stop listening for actions.
        let mut listening = true;
        let mut action = None;
        while i < plan.count {
            if action.is_none() {
                let wake = tokio::select! {
                    _ = tokio::time::sleep_until(next) => Wake::Tick,
                    got = live.recv(), if listening => match got {
                        Ok(a) => Wake::Action(a),
                        Err(RecvError::Lagged(_)) => Wake::Nothing,
                        Err(RecvError::Closed) => {
                            listening = false;
                            Wake::Nothing
                        }
                    },
                };
                match wake {
                    Wake::Tick => {
                        yield Ok(sse::tick_event(i, &plan));
                        i += 1;
                        sent += 1;
                        next += plan.interval;
                        if sent == 1 {
                            action = after_first;
                        }
                    }
                    Wake::Action(a) => action = Some(a),
                    Wake::Nothing => {}
                }
            }
            match action {
                Some(LiveAction::Cut) => {
                    let mut tail = sse::abort();
                    while let Some(item) = tail.next().await {
                        yield item;
                    }
                    return;
                }
                Some(LiveAction::Stall) => {
                    // Ended by the client leaving or by shutdown (the body guard).
                    std::future::pending::<()>().await;
                }
                None => {}
            }
        }
    })
}

/// Parameters of `/control/fault`.
#[derive(Debug, Default, Deserialize)]
pub struct FaultParams {
    session: Option<String>,
    kind: Option<String>,
    retry_after: Option<String>,
    count: Option<u64>,
}

/// `POST /control/fault?session=S&kind=K&retry_after=SECS&count=N`
pub async fn fault(State(state): State<AppState>, Query(p): Query<FaultParams>) -> Response {
    let session = p
        .session
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_SESSION);
    let kind = p.kind.as_deref().unwrap_or("");
    let bad = |msg: String| sse::text_response(StatusCode::BAD_REQUEST, msg);
    if let Some(v) = &p.retry_after
        && HeaderValue::from_str(v).is_err()
    {
        return bad(format!("bad retry_after {v:?}"));
    }
    let (live, next, default_count) = match kind {
        "clear" => {
            let cleared = state.labs().clear(session);
            return Json(
                json!({ "ok": true, "session": session, "kind": kind, "cleared": cleared }),
            )
            .into_response();
        }
        "drop" => (Some(LiveAction::Cut), Fault::Drop, 0),
        "stall" => (Some(LiveAction::Stall), Fault::Stall, 0),
        code => match code.parse::<u16>() {
            Ok(code) if code == 204 || (400..=599).contains(&code) => (
                Some(LiveAction::Cut),
                Fault::Status {
                    code,
                    retry_after: p.retry_after.clone(),
                },
                1,
            ),
            _ => {
                return bad(format!(
                    "kind must be drop, stall, 204, a 4xx or 5xx status, or clear; not {kind:?}"
                ));
            }
        },
    };
    let count = p.count.unwrap_or(default_count);
    let done = state.labs().inject(session, live, Some(next), count);
    Json(json!({
        "ok": true,
        "session": session,
        "kind": kind,
        "live": done.live,
        "pending": done.pending,
    }))
    .into_response()
}
