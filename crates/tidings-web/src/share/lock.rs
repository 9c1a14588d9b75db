//! One exclusive [Web Lock](https://developer.mozilla.org/docs/Web/API/Web_Locks_API) request,
//! held until released.
//!
//! The JS host makes the request (`lock` in `js/host.js`): the lock is held by answering the
//! browser with a promise that settles only when the request is released ([`LockRequest`]
//! drop); the browser also releases it when the request's signal aborts while still queued, or
//! when the page goes away.

use core::cell::Cell;

use crate::host::{Resource, report, with_host};

/// A queued or held lock. Dropping it releases the lock (or leaves the queue).
pub(crate) struct LockRequest {
    _resource: Resource,
}

impl LockRequest {
    /// Queues for the exclusive lock `name` (or, with `steal`, takes it from its holder at
    /// once); `on_granted` runs when this tab gets it (not if the request was dropped before),
    /// `on_lost` when another tab steals it from us. `None` where there are no Web Locks.
    pub(crate) fn new(
        name: &str,
        steal: bool,
        on_granted: impl FnOnce() + 'static,
        on_lost: impl FnOnce() + 'static,
    ) -> Option<LockRequest> {
        let on_granted = Cell::new(Some(on_granted));
        let on_lost = Cell::new(Some(on_lost));
        let resource = Resource::new(move |what, _, _| {
            // The host reports a grant from a microtask, never from inside the browser's
            // callback, so the driver may drop this request in its answer.
            if what == report::LOCK {
                if let Some(callback) = on_granted.take() {
                    callback();
                }
            } else if what == report::LOST
                && let Some(callback) = on_lost.take()
            {
                callback();
            }
            0
        });
        let requested = with_host(|host| host.lock(resource.id(), name, steal))?;
        requested.then_some(LockRequest {
            _resource: resource,
        })
    }
}
