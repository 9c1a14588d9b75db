//! A small allocator for this module: power-of-two size classes with one free list each, on
//! top of `memory.grow`. It replaces std's dlmalloc (about 8 KB of code, a third of this module)
//! with a few hundred bytes.
//!
//! Why it is enough here: the module is single-threaded, and the parser's allocations are a few
//! long-lived buffers that grow by doubling plus short-lived batch vectors, so blocks of a class
//! are reused at once. The price is rounding up to a power of two and no coalescing: memory a
//! class once held stays with that class (a wasm memory never shrinks anyway).
//!
//! Rust's `GlobalAlloc` passes the layout to `dealloc` and `realloc`, so blocks carry no header:
//! a block's class follows from its layout.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

const PAGE: usize = 65536;
/// Classes 2^4 (16 bytes) to 2^31.
const MIN_CLASS: u32 = 4;
const CLASSES: usize = 28;

struct State {
    /// Head of each class's free list (0: empty); a free block's first word is the next one.
    free: [usize; CLASSES],
    /// The untouched rest of the last memory region grown.
    next: usize,
    end: usize,
}

pub struct Allocator(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without atomics is single-threaded.
unsafe impl Sync for Allocator {}

impl Allocator {
    pub const fn new() -> Allocator {
        Allocator(UnsafeCell::new(State {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

/// The class of `layout`, or `None` when it is larger than the largest class.
fn class(layout: &Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let class = size
        .next_power_of_two()
        .trailing_zeros()
        .checked_sub(MIN_CLASS)? as usize;
    (class < CLASSES && size <= 1 << 31).then_some(class)
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class(&layout) else {
            return ptr::null_mut();
        };
        // SAFETY: single-threaded, and no reference to the state outlives this call.
        let state = unsafe { &mut *self.0.get() };
        let head = state.free[class];
        if head != 0 && head % layout.align() == 0 {
            // SAFETY: `head` is a free block of this class; its first word links the next.
            state.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << (class as u32 + MIN_CLASS);
        let align = layout.align().max(8);
        let mut start = (state.next + align - 1) & !(align - 1);
        if start + size > state.end {
            let pages = (size + align).div_ceil(PAGE);
            let previous = wasm32::memory_grow(0, pages);
            if previous == usize::MAX {
                return ptr::null_mut();
            }
            let base = previous * PAGE;
            if base != state.end {
                state.next = base;
            }
            state.end = base + pages * PAGE;
            start = (state.next + align - 1) & !(align - 1);
        }
        state.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class(&layout) else { return };
        // SAFETY: as in `alloc`; `block` came from `alloc` with this layout, so it spans at
        // least a word and is free from now on.
        let state = unsafe { &mut *self.0.get() };
        unsafe { *(block as *mut usize) = state.free[class] };
        state.free[class] = block as usize;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` with this alignment is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class(&layout) == class(&new_layout) {
            return block;
        }
        // SAFETY: the contract of `GlobalAlloc::realloc`.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
            new
        }
    }
}
