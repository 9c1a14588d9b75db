//! One exclusive [Web Lock](https://developer.mozilla.org/docs/Web/API/Web_Locks_API) request,
//! held until released.
//!
//! web-sys exposes `LockManager` only under `--cfg=web_sys_unstable_apis`, which every crate
//! depending on tidings-web would have to set; the two calls needed here are declared directly.
//!
//! The lock is held by returning a promise that settles only when we resolve it
//! ([`LockRequest`] drop): the browser releases the lock when that promise settles, when the
//! request's `signal` aborts while still queued, or when the page goes away.

use crate::cell::RefCell;
use crate::prelude::*;
use alloc::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::client::defer_drop;
use crate::handles::{HandleKind, Tracked};

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    type LockManager;

    #[wasm_bindgen(method, catch, js_name = request)]
    fn request_with_options(
        this: &LockManager,
        name: &str,
        options: &Object,
        callback: &Function,
    ) -> Result<Promise, JsValue>;
}

/// `navigator.locks`, when this context has it (secure contexts only).
fn lock_manager() -> Option<LockManager> {
    let global = js_sys::global();
    let navigator = Reflect::get(&global, &"navigator".into()).ok()?;
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    let request = Reflect::get(&locks, &"request".into()).ok()?;
    (request.is_function()).then(|| locks.unchecked_into())
}

/// Whether Web Locks can be used here.
pub(crate) fn supported() -> bool {
    lock_manager().is_some()
}

/// The closures the browser may still call; kept until the request's promise settles, since
/// dropping a closure the browser then calls would throw.
type Closures = (
    Tracked<Closure<dyn FnMut(JsValue) -> JsValue>>,
    Tracked<Closure<dyn FnMut(JsValue)>>,
    Tracked<Closure<dyn FnMut(JsValue)>>,
);

/// A queued or held lock. Dropping it releases the lock (or leaves the queue).
pub(crate) struct LockRequest {
    _count: Tracked<()>,
    abort: web_sys::AbortController,
    /// `resolve` of the promise that holds the lock, once granted.
    release: Rc<RefCell<Option<Function>>>,
    /// Set when we let go, so a rejection afterwards is not mistaken for a steal.
    dropped: Rc<core::cell::Cell<bool>>,
}

impl LockRequest {
    /// Queues for the exclusive lock `name` (or, with `steal`, takes it from its holder at
    /// once); `on_granted` runs when this tab gets it (not if the request was dropped before),
    /// `on_lost` when another tab steals it from us.
    pub(crate) fn new(
        name: &str,
        steal: bool,
        on_granted: impl FnOnce() + 'static,
        on_lost: impl FnOnce() + 'static,
    ) -> Option<LockRequest> {
        let locks = lock_manager()?;
        let abort = web_sys::AbortController::new().ok()?;
        let release: Rc<RefCell<Option<Function>>> = Rc::default();
        let dropped: Rc<core::cell::Cell<bool>> = Rc::default();
        let granted_flag: Rc<core::cell::Cell<bool>> = Rc::default();
        let was_granted = granted_flag.clone();
        let closures: Rc<RefCell<Option<Closures>>> = Rc::default();
        let mut on_granted = Some(on_granted);
        let slot = release.clone();
        let signal = abort.signal();
        let granted = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |_lock: JsValue| {
            if signal.aborted() {
                // Dropped between the grant and this callback: give it back at once.
                return Promise::resolve(&JsValue::UNDEFINED).into();
            }
            was_granted.set(true);
            let mut resolve = None;
            let held = Promise::new(&mut |res, _rej| resolve = Some(res));
            *slot.borrow_mut() = resolve;
            if let Some(callback) = on_granted.take() {
                // Not from inside the browser's callback: the driver may drop this request.
                crate::client::in_microtask(Box::new(callback));
            }
            held.into()
        });
        let options = Object::new();
        if steal {
            // `steal` and `signal` cannot be combined; a steal is granted at once anyway.
            let _ = Reflect::set(&options, &"steal".into(), &JsValue::TRUE);
        } else {
            let _ = Reflect::set(&options, &"signal".into(), &abort.signal());
        }
        let promise = locks
            .request_with_options(name, &options, granted.as_ref().unchecked_ref())
            .ok()?;
        // Settled (released, or aborted while queued: an AbortError we expect): the browser
        // will not call us again.
        let keep = closures.clone();
        let released = Closure::<dyn FnMut(JsValue)>::new(move |_| defer_drop(keep.take()));
        let keep = closures.clone();
        let ours = dropped.clone();
        let mut on_lost = Some(on_lost);
        let rejected = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            // Rejected while held and not by us: another tab stole the lock.
            if granted_flag.get()
                && !ours.get()
                && let Some(callback) = on_lost.take()
            {
                callback();
            }
            defer_drop(keep.take());
        });
        let _ = promise.then2(&released, &rejected);
        *closures.borrow_mut() = Some((
            Tracked::new(HandleKind::Closure, granted),
            Tracked::new(HandleKind::Closure, released),
            Tracked::new(HandleKind::Closure, rejected),
        ));
        Some(LockRequest {
            _count: Tracked::new(HandleKind::Lock, ()),
            abort,
            release,
            dropped,
        })
    }
}

impl Drop for LockRequest {
    fn drop(&mut self) {
        self.dropped.set(true);
        // Aborting a granted request does nothing, so always do both.
        self.abort.abort();
        if let Some(resolve) = self.release.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}
