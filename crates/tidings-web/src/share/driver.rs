//! The browser driver of tab sharing (cargo feature `share`): election with Web Locks, fan-out
//! over `BroadcastChannel`, page lifecycle. The protocol itself is
//! [`tidings_core::share::Tab`]; the types every build has ([`Share`], [`Role`],
//! [`share_key`]) are in the parent module.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};

use tidings_core::share::{Command, Delivery, Role as CoreRole, ShareConfig, Tab};

use super::lock::LockRequest;
use super::wire;
use super::{Role, share_key};
use crate::client::{
    self, Note, OpenInfo, Shared, Status, defer_drop, deliver, new_policy, now_ms, pump,
    set_last_event_id,
};
use crate::error::{ClientError, ErrorKind, push_decimal};
use crate::host::{self, Resource, report, with_host};
use crate::messages::MessageBatch;

/// Whether this context can share: Web Locks (secure contexts only) and BroadcastChannel.
/// `canShare()` in `npm/src/client-wasm.ts` makes the same test before choosing the module.
fn supported() -> bool {
    with_host(|host| host.can_share()).unwrap_or(false)
}

/// The tab's sharing state, owned by the client's `Shared`. Dropping it closes the channel,
/// leaves the election and removes the page-lifecycle listeners.
pub(crate) struct Coordinator {
    tab: Tab,
    name: String,
    /// The `BroadcastChannel` (in the host).
    channel: Resource,
    /// Queued for or holding the lock; `None` while the page is away.
    lock: Option<LockRequest>,
    /// pagehide/pageshow/freeze/resume (in the host).
    _lifecycle: Resource,
    timer: Option<Resource>,
    /// The page is hidden for good or frozen: out of the election until it comes back.
    away: bool,
}

/// Starts sharing for a new (or reopened) client, if it asked for it. Bad options end in a
/// typed error and a closed client, reported in a microtask so listeners added right after
/// `connect` see it.
pub(crate) fn attach(shared: &Rc<Shared>) {
    // Bound first: a borrow in the `match` scrutinee would live through the arms.
    let key = share_key(&shared.state.borrow().options);
    let key = match key {
        Ok(None) => return,
        Ok(Some(key)) => key,
        Err(kind) => {
            let weak = Rc::downgrade(shared);
            shared.state.borrow_mut().held = true;
            crate::client::in_microtask(Box::new(move || {
                if let Some(shared) = weak.upgrade() {
                    deliver(
                        &shared,
                        vec![Note::Error(ClientError {
                            kind,
                            will_retry: false,
                            attempt: 0,
                            delay_ms: None,
                        })],
                    );
                    shared.state.borrow_mut().policy.handle_close();
                    pump(&shared);
                }
            }));
            return;
        }
    };
    if !supported() {
        let mut state = shared.state.borrow_mut();
        state.role = Role::Solo;
        state.held = false;
        return;
    }
    // v2: the wire format is text (`wire.rs`); tabs running v1 of the package neither hear
    // nor lock with this one.
    let name = ["tidings:share:v2:", &key].concat();
    let weak = Rc::downgrade(shared);
    let channel = Resource::new(move |what, _, text| {
        if what == report::MESSAGE
            && let (Some(shared), Some(wire)) =
                (weak.upgrade(), text.as_deref().and_then(wire::decode))
        {
            on_wire(&shared, wire);
        }
        0
    });
    if with_host(|host| host.channel(channel.id(), &name)) != Some(true) {
        return;
    }
    let id = (host::random() * 4_294_967_295.0) as u32;
    let mut tab = Tab::new(ShareConfig::default(), id);
    tab.handle_resume(now_ms());
    {
        let mut state = shared.state.borrow_mut();
        state.held = true;
        state.role = Role::Follower;
        // The last event ID the app gave (`initial_last_event_id`) is not a position in the
        // shared stream; the tab adopts the leader's.
    }
    *shared.share.borrow_mut() = Some(Coordinator {
        tab,
        lock: request_lock(shared, &name, false),
        name,
        channel,
        _lifecycle: lifecycle_listeners(shared),
        timer: None,
        away: false,
    });
    drive(shared);
}

/// Stops sharing: leaves the election (a leader's lock goes to the next tab), closes the
/// channel, removes the listeners. The client goes on as if alone (the caller closes it).
pub(crate) fn detach(shared: &Rc<Shared>) {
    let Some(coordinator) = shared.share.borrow_mut().take() else {
        return;
    };
    // In a microtask: this may run inside the channel's or a timer's own callback.
    defer_drop(coordinator);
}

fn request_lock(shared: &Rc<Shared>, name: &str, steal: bool) -> Option<LockRequest> {
    let granted = Rc::downgrade(shared);
    let lost = Rc::downgrade(shared);
    LockRequest::new(
        name,
        steal,
        move || {
            if let Some(shared) = granted.upgrade() {
                if let Some(co) = shared.share.borrow_mut().as_mut() {
                    co.tab.handle_lock_acquired(now_ms());
                }
                drive(&shared);
            }
        },
        move || {
            if let Some(shared) = lost.upgrade() {
                if let Some(co) = shared.share.borrow_mut().as_mut() {
                    co.tab.handle_lock_lost(now_ms());
                }
                drive(&shared);
            }
        },
    )
}

/// pagehide/freeze (leave) and pageshow/resume (come back), on pages (the host adds none
/// elsewhere).
fn lifecycle_listeners(shared: &Rc<Shared>) -> Resource {
    let weak: Weak<Shared> = Rc::downgrade(shared);
    let listeners = Resource::new(move |what, _, _| {
        if let Some(shared) = weak.upgrade() {
            match what {
                report::LEAVE => go_away(&shared),
                report::RETURN => come_back(&shared),
                _ => {}
            }
        }
        0
    });
    with_host(|host| host.watch(listeners.id(), false, false, None, true));
    listeners
}

/// `pagehide` / `freeze`: give the lock up now (synchronously: a frozen page runs nothing
/// later) and drop the connection if leading.
fn go_away(shared: &Rc<Shared>) {
    {
        let mut share = shared.share.borrow_mut();
        let Some(co) = share.as_mut() else { return };
        co.away = true;
        co.lock = None;
        co.tab.handle_release();
    }
    drive(shared);
}

/// `pageshow` / `resume`: catch up on what was missed and queue for the lock again.
fn come_back(shared: &Rc<Shared>) {
    {
        let mut share = shared.share.borrow_mut();
        let Some(co) = share.as_mut() else { return };
        if !co.away {
            return;
        }
        co.away = false;
        co.tab.handle_resume(now_ms());
    }
    let name = shared.share.borrow().as_ref().map(|co| co.name.clone());
    if let Some(name) = name {
        let lock = request_lock(shared, &name, false);
        if let Some(co) = shared.share.borrow_mut().as_mut() {
            co.lock = lock;
        }
    }
    drive(shared);
}

fn on_wire(shared: &Rc<Shared>, wire: tidings_core::share::Wire) {
    // A tab that joined, came back or stepped down: tell it the status too (it only hears
    // changes otherwise).
    let joined = matches!(wire, tidings_core::share::Wire::Resync { .. });
    {
        let mut share = shared.share.borrow_mut();
        let Some(co) = share.as_mut() else { return };
        co.tab.handle_message(now_ms(), wire);
        if joined && co.tab.is_streaming() {
            let status = shared.state.borrow().status;
            co.tab.handle_own_notice(&status_notice(status));
        }
    }
    drive(shared);
}

/// Runs the protocol's outputs until it has nothing more: broadcasts, then commands and
/// deliveries with no borrow held (they call into the client, which calls the hooks below).
fn drive(shared: &Rc<Shared>) {
    // Bounded: every round consumes outputs, and the client's reactions produce few.
    for _ in 0..32 {
        let mut commands = Vec::new();
        let mut deliveries = Vec::new();
        {
            let mut share = shared.share.borrow_mut();
            let Some(co) = share.as_mut() else { return };
            flush(co);
            while let Some(command) = co.tab.poll_command() {
                commands.push(command);
            }
            while let Some(delivery) = co.tab.poll_delivery() {
                deliveries.push(delivery);
            }
            arm_timer(shared, co);
        }
        if commands.is_empty() && deliveries.is_empty() {
            return;
        }
        for command in commands {
            run_command(shared, command);
        }
        if !deliveries.is_empty() {
            deliver_remote(shared, deliveries);
        }
    }
}

fn flush(co: &mut Coordinator) {
    while let Some(wire) = co.tab.poll_transmit() {
        let text = wire::encode(&wire);
        with_host(|host| host.post(co.channel.id(), &text));
    }
}

fn arm_timer(shared: &Rc<Shared>, co: &mut Coordinator) {
    defer_drop(co.timer.take());
    let Some(deadline) = co.tab.poll_timeout() else {
        return;
    };
    let delay = deadline.saturating_sub(now_ms()).min(i32::MAX as u64) as u32;
    let weak = Rc::downgrade(shared);
    // Driving replaces this very timer; a host resource may be dropped inside its own report.
    co.timer = Some(crate::host::timer(delay, move || {
        if let Some(shared) = weak.upgrade() {
            if let Some(co) = shared.share.borrow_mut().as_mut() {
                co.tab.handle_timeout(now_ms());
            }
            drive(&shared);
        }
    }));
}

fn run_command(shared: &Rc<Shared>, command: Command) {
    match command {
        Command::Role(role) => {
            let role = match role {
                CoreRole::Leader => Role::Leader,
                _ => Role::Follower,
            };
            let changed = {
                let mut state = shared.state.borrow_mut();
                core::mem::replace(&mut state.role, role) != role
            };
            if changed {
                deliver(shared, vec![Note::Role(role)]);
            }
        }
        Command::Connect { last_event_id } => {
            {
                let mut state = shared.state.borrow_mut();
                let state = &mut *state;
                if let Some(id) = &last_event_id {
                    set_last_event_id(state, id);
                }
                state.held = false;
                state.policy = new_policy(&state.options, &state.last_event_id);
                state.close_reported = false;
            }
            pump(shared);
        }
        Command::Disconnect => hold(shared),
        Command::StepDown => {
            hold(shared);
            requeue(shared, false);
        }
        // The leader went silent (frozen without a `freeze` event, or crashed while keeping
        // its lock): take the lock; the protocol's fencing makes the old holder step down.
        Command::Steal => requeue(shared, true),
        _ => {}
    }
}

/// Gives up the current lock request and makes a new one (stealing the lock with `steal`).
fn requeue(shared: &Rc<Shared>, steal: bool) {
    let name = match shared.share.borrow_mut().as_mut() {
        Some(co) if !co.away => {
            co.lock = None;
            co.name.clone()
        }
        _ => return,
    };
    let lock = request_lock(shared, &name, steal);
    if let Some(co) = shared.share.borrow_mut().as_mut() {
        co.lock = lock;
    }
}

/// Stops this tab's own connection: another tab leads (or will).
fn hold(shared: &Rc<Shared>) {
    {
        let mut state = shared.state.borrow_mut();
        let state = &mut *state;
        if state.held {
            return;
        }
        client::end_connection(state, now_ms());
        state.held = true;
        state.policy = new_policy(&state.options, &state.last_event_id);
    }
    pump(shared);
}

fn deliver_remote(shared: &Rc<Shared>, deliveries: Vec<Delivery>) {
    let mut notes = Vec::new();
    let mut close = false;
    {
        let mut state = shared.state.borrow_mut();
        let generation = state.generation;
        for delivery in deliveries {
            match delivery {
                Delivery::Event(event) => {
                    state.metrics.messages += 1;
                    state.metrics.last_event_at_ms = Some(now_ms());
                    let event = tidings_core::Event {
                        event_type: &event.event_type,
                        data: &event.data,
                        last_event_id: &event.id,
                    };
                    push_message(&mut notes, generation, &event);
                }
                Delivery::Gap { missed } => notes.push(Note::Error(ClientError {
                    kind: ErrorKind::SharedGap { missed },
                    will_retry: true,
                    attempt: 0,
                    delay_ms: None,
                })),
                Delivery::Notice(body) => match decode_notice(&body) {
                    Some(Notice::Status(status)) => {
                        state.remote_status = status;
                        if state.held && state.status != status && status != Status::Closed {
                            state.status = status;
                            notes.push(Note::Status(status));
                        }
                    }
                    Some(Notice::Note(note)) => notes.push(note),
                    Some(Notice::Close) => close = true,
                    None => {}
                },
                _ => {}
            }
        }
    }
    if !notes.is_empty() {
        deliver(shared, notes);
    }
    if close {
        // The leader's stream ended for good (204, a done sentinel, retries exhausted): every
        // tab ends with it.
        detach(shared);
        shared.state.borrow_mut().policy.handle_close();
        pump(shared);
    }
}

/// Leader hook: events this tab's own connection delivered go to the other tabs.
pub(crate) fn on_local_messages(shared: &Rc<Shared>, messages: &MessageBatch) {
    let Ok(mut share) = shared.share.try_borrow_mut() else {
        return;
    };
    let Some(co) = share.as_mut() else { return };
    if !co.tab.is_streaming() {
        return;
    }
    for m in messages {
        co.tab
            .handle_own_event(m.event_type, m.data, m.last_event_id);
    }
    flush(co);
}

/// Leader hook: status, opens and errors go to the other tabs; a close for good too (a
/// user's `close()` detaches first, so it is never broadcast).
pub(crate) fn on_local_note(shared: &Rc<Shared>, note: &Note) {
    let close = {
        let Ok(mut share) = shared.share.try_borrow_mut() else {
            return;
        };
        let Some(co) = share.as_mut() else { return };
        if !co.tab.is_streaming() {
            return;
        }
        let body = match note {
            Note::Status(status) => status_notice(*status),
            Note::Open(info) => {
                let mut body = String::from("o");
                push_decimal(&mut body, u64::from(info.status.unwrap_or(0)));
                body
            }
            Note::Error(error) => encode_error(error),
            Note::Close => String::from("c"),
            _ => return,
        };
        co.tab.handle_own_notice(&body);
        flush(co);
        matches!(note, Note::Close)
    };
    if close {
        detach(shared);
    }
}

fn status_notice(status: Status) -> String {
    ["s", status.as_str()].concat()
}

enum Notice {
    Status(Status),
    Note(Note),
    Close,
}

/// Errors travel as `e<kind>\n<will_retry 0|1>\n<attempt>\n<delay or empty>\n<detail>`.
fn encode_error(error: &ClientError) -> String {
    let mut body = String::from("e");
    body.push_str(error.kind.name());
    body.push('\n');
    body.push(if error.will_retry { '1' } else { '0' });
    body.push('\n');
    push_decimal(&mut body, u64::from(error.attempt));
    body.push('\n');
    if let Some(delay) = error.delay_ms {
        push_decimal(&mut body, delay);
    }
    body.push('\n');
    match &error.kind {
        ErrorKind::Http { status, .. } => push_decimal(&mut body, u64::from(*status)),
        ErrorKind::ContentType {
            content_type: Some(ct),
        } => body.push_str(ct),
        ErrorKind::Stall {
            silence_ms,
            limit_ms,
        } => {
            push_decimal(&mut body, *silence_ms);
            body.push(' ');
            push_decimal(&mut body, *limit_ms);
        }
        _ => body.push_str(&error.message()),
    }
    body
}

fn decode_notice(body: &str) -> Option<Notice> {
    let (tag, rest) = body.split_at_checked(1)?;
    Some(match tag {
        "s" => Notice::Status(match rest {
            "connecting" => Status::Connecting,
            "open" => Status::Open,
            "reconnecting" => Status::Reconnecting,
            "closed" => Status::Closed,
            _ => return None,
        }),
        "o" => Notice::Note(Note::Open(OpenInfo {
            status: rest.parse().ok().filter(|s| *s != 0),
            headers: Vec::new(),
            attempt: 0,
        })),
        "c" => Notice::Close,
        "e" => {
            let mut parts = rest.splitn(5, '\n');
            let kind_name = parts.next()?;
            let will_retry = parts.next()? == "1";
            let attempt = parts.next()?.parse().ok()?;
            let delay_ms = parts.next()?.parse().ok();
            let detail = parts.next().unwrap_or_default().to_owned();
            let kind = match kind_name {
                "http" => ErrorKind::Http {
                    status: detail.parse().ok()?,
                    status_text: String::new(),
                    body: String::new(),
                },
                "content-type" => ErrorKind::ContentType {
                    content_type: (!detail.is_empty()).then_some(detail),
                },
                "stall" => {
                    let (silence, limit) = detail.split_once(' ')?;
                    ErrorKind::Stall {
                        silence_ms: silence.parse().ok()?,
                        limit_ms: limit.parse().ok()?,
                    }
                }
                // The leader's other failures reach followers as what they are to them: the
                // shared connection failed, with the leader's words.
                _ => ErrorKind::Network { message: detail },
            };
            Notice::Note(Note::Error(ClientError {
                kind,
                will_retry,
                attempt,
                delay_ms,
            }))
        }
        _ => return None,
    })
}

/// Adds a relayed event of connection `generation` to `notes`: to the batch at the end when it
/// is of the same connection, so that consecutive events travel as one [`Note::Messages`].
fn push_message(notes: &mut Vec<Note>, generation: u64, event: &tidings_core::Event<'_>) {
    if let Some(Note::Messages(batch, of)) = notes.last_mut()
        && *of == generation
    {
        batch.push(*event);
        return;
    }
    let mut batch = MessageBatch::default();
    batch.push(*event);
    notes.push(Note::Messages(batch, generation));
}
