//! [`RefCell`]: `core::cell::RefCell` whose borrow conflicts panic with a fixed message.
//!
//! A conflict would be a bug (every borrow is released before a listener runs), so the message
//! matters little; what matters is that std's `RefCell` formats its `BorrowError` into the
//! panic message, and that formatting is what keeps `core::fmt` in the npm package's module
//! (several KB). Same names, same behaviour otherwise.

use core::cell::{BorrowError, BorrowMutError, Ref, RefMut};

/// See the module documentation.
#[derive(Default)]
pub(crate) struct RefCell<T>(core::cell::RefCell<T>);

impl<T> RefCell<T> {
    pub(crate) const fn new(value: T) -> RefCell<T> {
        RefCell(core::cell::RefCell::new(value))
    }

    pub(crate) fn borrow(&self) -> Ref<'_, T> {
        self.0.try_borrow().unwrap_or_else(|_| conflict())
    }

    pub(crate) fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0.try_borrow_mut().unwrap_or_else(|_| conflict())
    }

    pub(crate) fn try_borrow(&self) -> Result<Ref<'_, T>, BorrowError> {
        self.0.try_borrow()
    }

    pub(crate) fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, BorrowMutError> {
        self.0.try_borrow_mut()
    }
}

#[cold]
#[inline(never)]
fn conflict() -> ! {
    panic!("tidings-web: state borrowed while in use")
}
