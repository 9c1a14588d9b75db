//! The tab-sharing handover protocol: one connection for every tab of an app, as a
//! deterministic, sans-IO state machine.
//!
//! Each tab runs one [`Tab`]. The driver (tidings-web) elects one leader per key with a lock
//! (the Web Locks API), carries [`Wire`] messages between tabs (a `BroadcastChannel`), and runs
//! the real connection in the leader tab. This module decides everything else:
//!
//! - **Fencing.** Every leader-scoped message carries the leader's [`Epoch`] (a term, bumped per
//!   election, plus the leader's tab id as a tie-break). Messages from an older epoch are
//!   dropped, so a leader that was frozen or lost its lock and comes back ("zombie") cannot
//!   inject stale events; a leader that sees a newer epoch steps down ([`Command::StepDown`]).
//! - **Sequence.** Every event of the logical stream has a position `seq` that continues across
//!   terms: a new leader numbers the events it receives from where it stands. A tab delivers
//!   event `seq` only after `seq - 1`: older ones are duplicates and dropped, newer ones wait
//!   while the tab asks for the missing ones ([`Wire::Resync`]).
//! - **Resume point.** A tab that gains the lock first announces itself ([`Wire::Claim`] with its
//!   position) and waits [`ShareConfig::claim_window_ms`]. Tabs that are ahead of it (they saw
//!   events it did not) answer with those events ([`Wire::Replay`]); the new leader delivers them
//!   and then connects from the last event ID any tab has seen ([`Command::Connect`]). With server
//!   event IDs the server replays the rest, so no event is lost or duplicated across a handover.
//! - **Catch-up.** Every tab keeps its last [`ShareConfig::history`] events. A tab that was
//!   frozen, restored from the back/forward cache, or just joined sends [`Wire::Resync`]; the
//!   leader answers from its history ([`Wire::Replay`]) or, when the history does not reach back
//!   that far, with its position ([`Wire::Position`]): the tab then reports the events it missed
//!   ([`Delivery::Gap`]) and goes on from there.
//!
//! Like the reconnect policy it reads no clock and draws no entropy: `now` comes in as
//! milliseconds, the tab id from the driver. Inputs are `handle_*`, outputs `poll_*`; extra
//! calls are harmless and no input sequence panics.
//!
//! Without event IDs the server cannot replay, so a new leader connects afresh: events sent
//! while nobody was connected are lost, and events the server repeats on a new connection are
//! delivered again (they get new positions).
//!
//! ```
//! use tidings_core::share::{Command, Delivery, ShareConfig, Tab};
//!
//! let config = ShareConfig::default();
//! let (mut leader, mut follower) = (Tab::new(config, 1), Tab::new(config, 2));
//! // Tab 1 got the lock: it claims leadership and, after the claim window, connects.
//! leader.handle_lock_acquired(0);
//! let claim = leader.poll_transmit().unwrap();
//! follower.handle_message(0, claim);
//! leader.handle_timeout(config.claim_window_ms);
//! assert!(matches!(leader.poll_command(), Some(Command::Role(_))));
//! assert_eq!(leader.poll_command(), Some(Command::Connect { last_event_id: None }));
//! // The leader's connection delivers an event: it is stamped and broadcast (after the
//! // heartbeat that announces where the leader's numbering starts).
//! leader.handle_own_event("message", "hello", "1");
//! let mut wire = None;
//! while let Some(next) = leader.poll_transmit() {
//!     follower.handle_message(10, next.clone());
//!     wire = Some(next);
//! }
//! let wire = wire.unwrap();
//! let Some(Delivery::Event(event)) = follower.poll_delivery() else { panic!() };
//! assert_eq!((event.seq, event.data.as_str(), event.id.as_str()), (1, "hello", "1"));
//! // The same message again (a duplicate) is dropped.
//! follower.handle_message(11, wire);
//! assert_eq!(follower.poll_delivery(), None);
//! ```

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

/// A leadership: the election term and the leader's tab id. Ordered by term, then id, so two
/// leaders that picked the same term (only possible with a zombie) still rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Epoch {
    /// Bumped by every new leader: one more than the highest it has seen.
    pub term: u64,
    /// The leader's tab id (see [`Tab::new`]).
    pub leader: u32,
}

/// Tuning of a [`Tab`].
///
/// ```
/// use tidings_core::share::ShareConfig;
/// let config = ShareConfig::default().with_history(64);
/// assert_eq!((config.history, config.claim_window_ms), (64, 100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShareConfig {
    /// How long a new leader waits for tabs ahead of it before it connects. Default `100` ms:
    /// a `BroadcastChannel` round trip between live tabs takes well under 10 ms, and the wait
    /// only happens on a handover.
    pub claim_window_ms: u64,
    /// Events every tab keeps for catch-up. Default `256`.
    pub history: usize,
    /// How long a tab waits for the events it asked for before it reports a gap and goes on.
    /// Default `1_000` ms.
    pub resync_timeout_ms: u64,
    /// Events a tab holds back while waiting for missing ones; more are a gap. Default `1_024`.
    pub max_pending: usize,
    /// A streaming leader says it is alive this often ([`Wire::Heartbeat`]). Default `1_000` ms.
    pub heartbeat_ms: u64,
    /// A follower that hears nothing from the leader for this long (plus up to 1 s of per-tab
    /// spread, so followers do not all act at once) takes the lock over ([`Command::Steal`]):
    /// a frozen page keeps its lock, and not every browser says it freezes. Not if its own
    /// timer fired that much late: then this tab was the one suspended. Default `3_000` ms.
    pub leader_timeout_ms: u64,
}

impl Default for ShareConfig {
    fn default() -> Self {
        ShareConfig {
            claim_window_ms: 100,
            history: 256,
            resync_timeout_ms: 1_000,
            max_pending: 1_024,
            heartbeat_ms: 1_000,
            leader_timeout_ms: 3_000,
        }
    }
}

impl ShareConfig {
    /// Sets [`claim_window_ms`](Self::claim_window_ms).
    #[must_use]
    pub const fn with_claim_window_ms(mut self, ms: u64) -> Self {
        self.claim_window_ms = ms;
        self
    }
    /// Sets [`history`](Self::history).
    #[must_use]
    pub const fn with_history(mut self, events: usize) -> Self {
        self.history = events;
        self
    }
    /// Sets [`leader_timeout_ms`](Self::leader_timeout_ms).
    #[must_use]
    pub const fn with_leader_timeout_ms(mut self, ms: u64) -> Self {
        self.leader_timeout_ms = ms;
        self
    }
    /// Sets [`resync_timeout_ms`](Self::resync_timeout_ms).
    #[must_use]
    pub const fn with_resync_timeout_ms(mut self, ms: u64) -> Self {
        self.resync_timeout_ms = ms;
        self
    }
}

/// One event of the shared logical stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedEvent {
    /// Position in the logical stream (1 for the first event any leader received).
    pub seq: u64,
    /// The event type.
    pub event_type: String,
    /// The data.
    pub data: String,
    /// The last event ID in force for this event (empty without server IDs).
    pub id: String,
}

/// A message between tabs. The driver encodes it for the channel; it never carries request
/// headers or credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wire {
    /// A tab got the lock and is about to connect from `seq` / `last_id`.
    Claim {
        /// The new leadership.
        epoch: Epoch,
        /// The claimant's position.
        seq: u64,
        /// The event ID at that position.
        last_id: String,
    },
    /// An event the leader received.
    Event {
        /// The sender's leadership.
        epoch: Epoch,
        /// The event.
        event: SharedEvent,
    },
    /// Events re-sent from a tab's history, in order: to a claimant that is behind, or to a tab
    /// that asked with [`Wire::Resync`].
    Replay {
        /// The leadership this answers to.
        epoch: Epoch,
        /// The events, ascending `seq`.
        events: Vec<SharedEvent>,
    },
    /// A tab asks the leader for the events after `after` (`None`: it just joined and only
    /// needs the current position).
    Resync {
        /// The asker's position, if it has one.
        after: Option<u64>,
    },
    /// The leader's position, when it cannot (or need not) replay. Only leaders send it.
    Position {
        /// The leader's leadership.
        epoch: Epoch,
        /// The leader's position.
        seq: u64,
        /// The event ID at that position.
        last_id: String,
        /// The `after` of the [`Wire::Resync`] this answers.
        answers: Option<u64>,
    },
    /// A tab's answer to a [`Wire::Claim`] from behind it, when its history does not reach back
    /// to the claimant's position: the claimant resumes from here instead.
    Ahead {
        /// The claim's leadership.
        epoch: Epoch,
        /// The answering tab's position.
        seq: u64,
        /// The event ID at that position.
        last_id: String,
    },
    /// The leader is alive and at `seq` (a follower behind it asks for the rest). Also sent
    /// when a leader starts streaming: the base of its numbering.
    Heartbeat {
        /// The leader's leadership.
        epoch: Epoch,
        /// The leader's position.
        seq: u64,
        /// The event ID at that position.
        last_id: String,
    },
    /// Something else the leader reports (status, errors), opaque to the protocol.
    Notice {
        /// The sender's leadership.
        epoch: Epoch,
        /// The driver's encoding of the notice.
        body: String,
    },
}

/// Something to show the tab's own listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The next event, in order.
    Event(SharedEvent),
    /// A [`Wire::Notice`] from the current leader.
    Notice(String),
    /// This many events were missed and cannot be recovered (the tab was away for longer than
    /// the leader's history).
    Gap {
        /// Events missed.
        missed: u64,
    },
}

/// This tab's part in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Another tab holds the connection; this one delivers what it broadcasts.
    Follower,
    /// This tab holds the connection.
    Leader,
}

/// What the driver must do, from [`Tab::poll_command`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// The role changed: tell the app.
    Role(Role),
    /// Open the connection (this tab now leads), resuming from this ID.
    Connect {
        /// Send as `Last-Event-ID`; `None` when no tab has seen an ID.
        last_event_id: Option<String>,
    },
    /// Drop the connection: this tab stopped leading because the driver said so
    /// ([`Tab::handle_release`]).
    Disconnect,
    /// Drop the connection, release the lock and queue for it again: a newer leader exists.
    StepDown,
    /// The leader went silent: take the lock over (Web Locks `steal: true`), then call
    /// [`Tab::handle_lock_acquired`] as for any grant.
    Steal,
}

/// Where a leader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    /// Not leading.
    No,
    /// Claimed; waiting for tabs ahead until this deadline.
    Claiming { until: u64 },
    /// Connected (or connecting): numbering and broadcasting what the connection delivers.
    Streaming,
}

/// One tab's protocol state. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Tab {
    config: ShareConfig,
    /// Random per tab (driver-supplied): the tie-break inside an [`Epoch`].
    id: u32,
    /// The newest leadership seen; messages from older ones are stale.
    epoch: Option<Epoch>,
    lead: Lead,
    /// Whether `seq`/`last_id` mean anything yet: a tab that just joined adopts the first
    /// position it hears instead of treating everything before it as missed.
    has_position: bool,
    /// This tab claimed leadership without a position: a position reported by a tab ahead is
    /// adopted silently instead of being reported as missed events.
    fresh_claim: bool,
    /// Position of the last event delivered here.
    seq: u64,
    /// The event ID in force at `seq`: where a connection from this tab resumes.
    last_id: String,
    /// The last delivered events, for [`Wire::Replay`].
    history: VecDeque<SharedEvent>,
    /// Events past a gap, ascending `seq`, held until the gap is filled or given up on.
    pending: VecDeque<SharedEvent>,
    /// When an outstanding [`Wire::Resync`] is given up on.
    resync_deadline: Option<u64>,
    /// The `after` of that [`Wire::Resync`], to recognise the leader's answer.
    resync_after: Option<u64>,
    /// A follower's last sign of life from the leader (or when it started listening): the
    /// origin of [`ShareConfig::leader_timeout_ms`]. `None` while leading or away.
    last_heard: Option<u64>,
    /// Between [`Tab::handle_resume`] and [`Tab::handle_release`]: the page runs, so it may
    /// judge the leader's silence.
    present: bool,
    /// While claiming: the furthest position a tab ahead reported without replaying.
    ahead: Option<(u64, String)>,
    /// The [`Wire::Resync`] asked of this tab while it was claiming, answered once it streams.
    deferred_resync: Option<Option<u64>>,
    /// When a streaming leader sends its next [`Wire::Heartbeat`].
    next_heartbeat: Option<u64>,
    transmit: VecDeque<Wire>,
    deliveries: VecDeque<Delivery>,
    commands: VecDeque<Command>,
}

impl Tab {
    /// A follower with no position yet. `id` should be random per tab (collisions only matter
    /// if two tabs lead at once, which the lock prevents).
    pub fn new(config: ShareConfig, id: u32) -> Self {
        Tab {
            config,
            id,
            epoch: None,
            lead: Lead::No,
            has_position: false,
            fresh_claim: false,
            seq: 0,
            last_id: String::new(),
            history: VecDeque::new(),
            pending: VecDeque::new(),
            resync_deadline: None,
            resync_after: None,
            last_heard: None,
            present: false,
            deferred_resync: None,
            ahead: None,
            next_heartbeat: None,
            transmit: VecDeque::new(),
            deliveries: VecDeque::new(),
            commands: VecDeque::new(),
        }
    }

    // ----- inputs -----

    /// The tab joined (or came back from a freeze, the back/forward cache, a hidden period):
    /// ask the leader for what it missed. Harmless to repeat.
    pub fn handle_resume(&mut self, now: u64) {
        if self.lead != Lead::No {
            return;
        }
        self.present = true;
        self.last_heard = Some(now);
        self.transmit.push_back(Wire::Resync {
            after: self.has_position.then_some(self.seq),
        });
        if self.has_position {
            self.resync_after = Some(self.seq);
            self.resync_deadline = Some(now.saturating_add(self.config.resync_timeout_ms));
        }
    }

    /// The lock was granted: claim leadership. The connection starts after the claim window
    /// ([`Command::Connect`]).
    pub fn handle_lock_acquired(&mut self, now: u64) {
        if self.lead != Lead::No {
            return;
        }
        let term = self.epoch.map_or(0, |e| e.term).saturating_add(1);
        let epoch = Epoch {
            term,
            leader: self.id,
        };
        self.epoch = Some(epoch);
        self.fresh_claim = !self.has_position;
        self.has_position = true;
        // Held-back events are ahead of a gap nobody can fill now; the server fills it.
        if !self.pending.is_empty() {
            self.pending.clear();
        }
        self.resync_deadline = None;
        self.last_heard = None;
        self.deferred_resync = None;
        self.ahead = None;
        self.lead = Lead::Claiming {
            until: now.saturating_add(self.config.claim_window_ms),
        };
        self.transmit.push_back(Wire::Claim {
            epoch,
            seq: self.seq,
            last_id: self.last_id.clone(),
        });
        self.commands.push_back(Command::Role(Role::Leader));
    }

    /// The lock was taken from this tab (another tab stole it, e.g. while this page was frozen
    /// without notice): stop leading, [`Command::StepDown`] to queue again.
    pub fn handle_lock_lost(&mut self, now: u64) {
        if self.lead == Lead::No {
            return;
        }
        self.lead = Lead::No;
        self.next_heartbeat = None;
        if self.present {
            self.last_heard = Some(now);
        }
        self.commands.push_back(Command::StepDown);
        self.commands.push_back(Command::Role(Role::Follower));
        self.transmit.push_back(Wire::Resync { after: None });
    }

    /// The driver gave up leadership (page frozen or hidden for good, tab closing): stop
    /// numbering events. [`Command::Disconnect`] if this tab was leading.
    pub fn handle_release(&mut self) {
        // Away (or leaving): no watching the leader until `handle_resume`.
        self.present = false;
        self.last_heard = None;
        if self.lead == Lead::No {
            return;
        }
        self.lead = Lead::No;
        self.next_heartbeat = None;
        self.commands.push_back(Command::Disconnect);
        self.commands.push_back(Command::Role(Role::Follower));
    }

    /// The leader's own connection delivered an event (the driver delivered it to its own
    /// listeners already): number it, keep it, broadcast it. Ignored unless leading.
    pub fn handle_own_event(&mut self, event_type: &str, data: &str, id: &str) {
        let Some(epoch) = self.epoch else { return };
        if self.lead == Lead::No {
            return;
        }
        let event = SharedEvent {
            seq: self.seq.saturating_add(1),
            event_type: String::from(event_type),
            data: String::from(data),
            id: String::from(id),
        };
        self.record(&event);
        self.transmit.push_back(Wire::Event { epoch, event });
    }

    /// The leader reports something else (status, error): broadcast it. Ignored unless leading.
    pub fn handle_own_notice(&mut self, body: &str) {
        if let (Some(epoch), false) = (self.epoch, self.lead == Lead::No) {
            self.transmit.push_back(Wire::Notice {
                epoch,
                body: String::from(body),
            });
        }
    }

    /// A message from another tab arrived.
    pub fn handle_message(&mut self, now: u64, wire: Wire) {
        let from_leader = match &wire {
            Wire::Claim { epoch, .. }
            | Wire::Event { epoch, .. }
            | Wire::Position { epoch, .. }
            | Wire::Heartbeat { epoch, .. }
            | Wire::Notice { epoch, .. } => Some(*epoch),
            _ => None,
        };
        self.handle_wire(now, wire);
        if self.present
            && self.lead == Lead::No
            && from_leader.is_some()
            && from_leader == self.epoch
        {
            self.last_heard = Some(now);
        }
    }

    fn handle_wire(&mut self, now: u64, wire: Wire) {
        match wire {
            Wire::Claim {
                epoch,
                seq,
                last_id,
            } => {
                if !self.adopt(epoch) {
                    return;
                }
                if !self.has_position {
                    self.set_position(seq, last_id);
                    return;
                }
                if self.seq > seq {
                    // Ahead of the new leader: give it what it lacks, or at least where to
                    // resume from when the history does not reach back that far.
                    let events = self.history_after(seq);
                    self.transmit.push_back(if events.is_empty() {
                        Wire::Ahead {
                            epoch,
                            seq: self.seq,
                            last_id: self.last_id.clone(),
                        }
                    } else {
                        Wire::Replay { epoch, events }
                    });
                }
            }
            Wire::Event { epoch, event } => {
                if self.adopt(epoch) {
                    self.accept(now, event);
                }
            }
            Wire::Replay { epoch, events } => {
                // Replays answer someone else's gap: old events, no place for a tab that has
                // no position yet to start from.
                if self.adopt(epoch) && self.has_position {
                    for event in events {
                        self.accept(now, event);
                    }
                }
            }
            Wire::Resync { after } => self.answer_resync(after),
            Wire::Position {
                epoch,
                seq,
                last_id,
                answers,
            } => {
                if !self.adopt(epoch) || self.lead != Lead::No {
                    return;
                }
                // Only the answer to this tab's own question means "cannot replay": answers to
                // other tabs (a join, another gap) say nothing about ours.
                let ours = self.resync_deadline.is_some() && answers == self.resync_after;
                if !self.has_position {
                    self.set_position(seq, last_id);
                } else if ours && seq > self.seq {
                    self.give_up_gap(seq, last_id);
                } else if ours {
                    self.resync_deadline = None;
                }
            }
            Wire::Heartbeat {
                epoch,
                seq,
                last_id,
            } => {
                if !self.adopt(epoch) || self.lead != Lead::No {
                    return;
                }
                if !self.has_position || (seq < self.seq && !self.same_numbering(seq, &last_id)) {
                    // Joined, or the leader numbers differently (it started without a
                    // position while every tab that had one was away): follow its numbering.
                    self.pending.clear();
                    self.resync_deadline = None;
                    self.set_position(seq, last_id);
                } else if seq > self.seq && self.resync_deadline.is_none() {
                    // Events went missing without a later one showing the gap.
                    self.transmit.push_back(Wire::Resync {
                        after: Some(self.seq),
                    });
                    self.resync_after = Some(self.seq);
                    self.resync_deadline = Some(now.saturating_add(self.config.resync_timeout_ms));
                }
            }
            Wire::Ahead {
                epoch,
                seq,
                last_id,
            } => {
                // A tab ahead of us that cannot replay: unless another tab replays what we lack
                // before the claim window ends, resume from the furthest such position.
                if let (Lead::Claiming { .. }, true) = (self.lead, Some(epoch) == self.epoch)
                    && self.ahead.as_ref().is_none_or(|(best, _)| seq > *best)
                {
                    self.ahead = Some((seq, last_id));
                }
            }
            Wire::Notice { epoch, body } => {
                if self.adopt(epoch) && self.lead == Lead::No {
                    self.deliveries.push_back(Delivery::Notice(body));
                }
            }
        }
    }

    /// Timers: the end of the claim window and resync give-ups. Call at
    /// [`poll_timeout`](Self::poll_timeout); extra calls are harmless.
    pub fn handle_timeout(&mut self, now: u64) {
        if let Lead::Claiming { until } = self.lead
            && now >= until
        {
            if let Some((seq, last_id)) = self.ahead.take()
                && seq > self.seq
            {
                if self.fresh_claim {
                    self.set_position(seq, last_id);
                } else {
                    self.give_up_gap(seq, last_id);
                }
            }
            self.lead = Lead::Streaming;
            self.next_heartbeat = Some(now.saturating_add(self.config.heartbeat_ms));
            if let Some(epoch) = self.epoch {
                // Where this leader's numbering starts: a tab that missed the claim (it was
                // away) checks it against its own history.
                self.transmit.push_back(Wire::Heartbeat {
                    epoch,
                    seq: self.seq,
                    last_id: self.last_id.clone(),
                });
            }
            if let Some(Some(after)) = self.deferred_resync.take() {
                self.answer_resync(Some(after));
            }
            self.commands.push_back(Command::Connect {
                last_event_id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            });
        }
        if let (Lead::Streaming, Some(at), Some(epoch)) =
            (self.lead, self.next_heartbeat, self.epoch)
            && now >= at
        {
            self.next_heartbeat = Some(now.saturating_add(self.config.heartbeat_ms.max(1)));
            self.transmit.push_back(Wire::Heartbeat {
                epoch,
                seq: self.seq,
                last_id: self.last_id.clone(),
            });
        }
        if let Some(deadline) = self.silence_deadline()
            && now >= deadline
        {
            // Fired far too late: this tab's own timers were suspended (a frozen or throttled
            // page), so the silence says nothing about the leader. Listen afresh instead.
            let late = now - deadline;
            self.last_heard = Some(now);
            if late <= self.config.leader_timeout_ms {
                self.commands.push_back(Command::Steal);
            }
        }
        if self.resync_deadline.is_some_and(|at| now >= at) {
            let (seq, id) = match self.pending.front() {
                Some(first) => (first.seq.saturating_sub(1), String::new()),
                None => (self.seq, self.last_id.clone()),
            };
            self.give_up_gap(seq, id);
        }
    }

    // ----- outputs -----

    /// The next message to broadcast to the other tabs.
    pub fn poll_transmit(&mut self) -> Option<Wire> {
        self.transmit.pop_front()
    }

    /// The next thing to show this tab's listeners.
    pub fn poll_delivery(&mut self) -> Option<Delivery> {
        self.deliveries.pop_front()
    }

    /// The next thing the driver must do.
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The next deadline for [`handle_timeout`](Self::handle_timeout), if any.
    pub fn poll_timeout(&self) -> Option<u64> {
        let claim = match self.lead {
            Lead::Claiming { until } => Some(until),
            Lead::Streaming => self.next_heartbeat,
            Lead::No => None,
        };
        [claim, self.resync_deadline, self.silence_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    // ----- observable state -----

    /// The tab's role.
    pub fn role(&self) -> Role {
        if self.lead == Lead::No {
            Role::Follower
        } else {
            Role::Leader
        }
    }

    /// Whether this tab leads and its connection is live (past the claim window).
    pub fn is_streaming(&self) -> bool {
        self.lead == Lead::Streaming
    }

    /// The newest leadership seen.
    pub fn epoch(&self) -> Option<Epoch> {
        self.epoch
    }

    /// The position of the last event delivered here.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The event ID at [`seq`](Self::seq); `None` when empty.
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_id.is_empty()).then_some(self.last_id.as_str())
    }

    /// The tab id given to [`Tab::new`].
    pub fn id(&self) -> u32 {
        self.id
    }

    // ----- internals -----

    /// Whether a leader at `seq` / `last_id` numbers events as this tab does: true when this
    /// tab's history has that ID at that position, or does not reach back that far. A leader
    /// with no position at all numbers from scratch.
    fn same_numbering(&self, seq: u64, last_id: &str) -> bool {
        if seq == 0 {
            return self.seq == 0;
        }
        match self.history.iter().find(|e| e.seq == seq) {
            Some(event) => event.id == last_id,
            None => true,
        }
    }

    /// When a listening follower gives up on a silent leader.
    fn silence_deadline(&self) -> Option<u64> {
        if self.lead != Lead::No || !self.present {
            return None;
        }
        let spread = u64::from(self.id % 1_000);
        self.last_heard.map(|heard| {
            heard
                .saturating_add(self.config.leader_timeout_ms)
                .saturating_add(spread)
        })
    }

    /// Takes in a leader-scoped message's epoch: `false` when it is stale. A newer epoch makes
    /// a leading tab step down.
    fn adopt(&mut self, epoch: Epoch) -> bool {
        match self.epoch {
            Some(current) if epoch < current => false,
            Some(current) if epoch == current => true,
            _ => {
                self.epoch = Some(epoch);
                if self.lead != Lead::No {
                    self.lead = Lead::No;
                    self.next_heartbeat = None;
                    self.commands.push_back(Command::StepDown);
                    self.commands.push_back(Command::Role(Role::Follower));
                    // Learn where the new leader stands (and its status, from the driver).
                    self.transmit.push_back(Wire::Resync { after: None });
                }
                true
            }
        }
    }

    fn set_position(&mut self, seq: u64, last_id: String) {
        self.has_position = true;
        self.seq = seq;
        self.last_id = last_id;
    }

    /// Delivers `event` if it is the next one; drops duplicates; holds events past a gap and
    /// asks for the missing ones.
    fn accept(&mut self, now: u64, event: SharedEvent) {
        if self.lead == Lead::Streaming {
            // Only our own connection feeds a streaming leader.
            return;
        }
        if !self.has_position {
            self.set_position(event.seq.saturating_sub(1), String::new());
        }
        if event.seq <= self.seq {
            return;
        }
        if event.seq == self.seq + 1 {
            self.deliver(event);
            self.drain_pending();
            return;
        }
        // A gap: hold the event (sorted, no duplicates) and ask once.
        let at = self.pending.partition_point(|p| p.seq < event.seq);
        if self.pending.get(at).is_some_and(|p| p.seq == event.seq) {
            return;
        }
        self.pending.insert(at, event);
        if self.pending.len() > self.config.max_pending {
            let first = self.pending.front().map_or(self.seq, |p| p.seq);
            self.give_up_gap(first.saturating_sub(1), String::new());
            return;
        }
        if self.resync_deadline.is_none() && self.lead == Lead::No {
            self.transmit.push_back(Wire::Resync {
                after: Some(self.seq),
            });
            self.resync_after = Some(self.seq);
            self.resync_deadline = Some(now.saturating_add(self.config.resync_timeout_ms));
        }
    }

    fn deliver(&mut self, event: SharedEvent) {
        self.record(&event);
        self.deliveries.push_back(Delivery::Event(event));
    }

    /// Moves the position to `event` and keeps it in the history.
    fn record(&mut self, event: &SharedEvent) {
        self.seq = event.seq;
        self.last_id.clear();
        self.last_id.push_str(&event.id);
        if self.config.history > 0 {
            if self.history.len() >= self.config.history {
                self.history.pop_front();
            }
            self.history.push_back(event.clone());
        }
    }

    fn drain_pending(&mut self) {
        while let Some(next) = self.pending.front() {
            if next.seq <= self.seq {
                self.pending.pop_front();
            } else if next.seq == self.seq + 1 {
                let next = self.pending.pop_front().expect("front exists");
                self.deliver(next);
            } else {
                return;
            }
        }
        self.resync_deadline = None;
    }

    /// The events after `seq` from the history, if it reaches back that far (else none: a
    /// partial replay would leave the asker with a gap it cannot see).
    fn history_after(&self, seq: u64) -> Vec<SharedEvent> {
        match self.history.front() {
            Some(first) if first.seq <= seq.saturating_add(1) => self
                .history
                .iter()
                .filter(|e| e.seq > seq)
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn answer_resync(&mut self, after: Option<u64>) {
        let Some(epoch) = self.epoch else { return };
        match self.lead {
            Lead::No => return,
            Lead::Claiming { .. } => {
                // A claimant's position is not final until its claim window ends (tabs ahead
                // may still replay to it): it answers when it starts streaming. One answer
                // from the furthest-back position serves every asker (they drop duplicates).
                let merged = match (self.deferred_resync, after) {
                    (None, after) => after,
                    (Some(Some(a)), Some(b)) => Some(a.min(b)),
                    (Some(_), _) => None,
                };
                self.deferred_resync = Some(merged);
                return;
            }
            Lead::Streaming => {}
        }
        let events = match after {
            Some(after) if after < self.seq => self.history_after(after),
            _ => Vec::new(),
        };
        if events.is_empty() {
            self.transmit.push_back(Wire::Position {
                epoch,
                seq: self.seq,
                last_id: self.last_id.clone(),
                answers: after,
            });
        } else {
            self.transmit.push_back(Wire::Replay { epoch, events });
        }
    }

    /// Stops waiting for missing events: reports them and goes on from `seq`.
    fn give_up_gap(&mut self, seq: u64, last_id: String) {
        self.resync_deadline = None;
        if seq > self.seq {
            self.deliveries.push_back(Delivery::Gap {
                missed: seq - self.seq,
            });
            self.seq = seq;
            self.last_id = last_id;
        }
        self.drain_pending();
    }
}
