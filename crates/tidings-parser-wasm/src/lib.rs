//! # tidings-parser-wasm
//!
//! The parser-only WebAssembly module of the `tidings` npm package: the sans-IO
//! [`tidings_core::Parser`] behind the npm `createParser`, and nothing else, so an app that only
//! parses does not download the client (fetch, EventSource, reconnects). The client is the
//! other module, `tidings-wasm`.
//!
//! Frames cross into JS in the batch format of [`tidings_core::batch`], one crossing per `feed`.
//! The interface is a handful of functions over a numeric handle (see `exports.rs`, wasm32
//! only), not a wasm-bindgen class: no JS object is made or held on either side.
//! Size rules for this crate: no `core::fmt` (no `format!`, `to_string()`, `Debug`, panicking
//! index or `unwrap`), so the module stays a fraction of the client's.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

/// A small free-list allocator instead of std's dlmalloc (measured: about a third of this
/// module). Freed blocks are reused and neighbours merged, which suits a parser's few growing
/// buffers and per-feed batches.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on a single thread.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// With `no-std` nothing links std, so this module supplies the panic handler: trap. (The
/// parser does not panic on any input; this keeps the formatting of panic messages out.)
#[cfg(all(feature = "no-std", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// The exports exist only on wasm32 (their handle table relies on its single thread). A native
// build (the workspace's clippy and tests) is then an empty library, which links std for its
// panic handler and allocator.
#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(not(target_arch = "wasm32"))]
extern crate std;
