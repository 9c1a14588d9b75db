//! # tidings-wasm
//!
//! The client WebAssembly module of the `tidings` npm package: the `#[wasm_bindgen]` surface
//! that the npm `connect` and `stream` wrap, over the [`tidings_web`] client. It lives in its
//! own cdylib crate so that `tidings-web` stays a plain Rust library (Leptos apps do not
//! compile this glue) and so that this module alone chooses what suits a JS package: its
//! allocator and build settings.
//!
//! Deliberately low-level: the TypeScript layer builds the objects its users see. Events cross
//! the boundary in batches ([`tidings_core::batch`]): one call per chunk of the stream, not one
//! per event, because in Chromium each call and each decoded string costs more than parsing a
//! small event. Options arrive as numbers and strings, laid out by TS, and everything the
//! client reports leaves through one JS function as numbers and strings: no JS object is read
//! or made here, so the everyday module links neither js-sys nor web-sys.
//!
//! - [`client`]: `Client`, behind the npm `connect` and `stream`.
//!
//! Built twice by `npm/scripts/build.mjs`: as it is, the everyday client module
//! (`tidings_wasm`), and with the `share` feature, the module for streams that share one
//! connection between tabs (`tidings_wasm_share`), which only apps that share download.
//!
//! The npm `createParser` uses a separate, much smaller module (`tidings-parser-wasm`), so an
//! app that only parses does not download the client.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;
// Every build but the npm package's everyday module links std (and its panic handler).
#[cfg(not(feature = "no-std"))]
extern crate std;

/// With `no-std` nothing links std, so this module supplies the panic handler: trap. (The
/// client does not panic on any input; this keeps the formatting of panic messages out.)
#[cfg(all(feature = "no-std", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// A small free-list allocator instead of std's dlmalloc, as in the parser module: freed
/// blocks are reused and neighbours merged, which suits the client's few long-lived buffers
/// and per-chunk batches. Only this cdylib can choose it: a library crate (tidings-web) must
/// leave the allocator to the application.
///
/// Out of memory traps here instead of returning null: alloc's null checks then see a pointer
/// that cannot be null and drop their calls to `handle_alloc_error`, whose default panics with
/// a formatted message ("memory allocation of N bytes failed"): the last user of `core::fmt`.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: TrapOnNull = TrapOnNull(
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs on a single thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) },
);

#[cfg(target_arch = "wasm32")]
struct TrapOnNull(lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator>);

#[cfg(target_arch = "wasm32")]
fn non_null(pointer: *mut u8) -> *mut u8 {
    if pointer.is_null() {
        core::arch::wasm32::unreachable()
    }
    pointer
}

// SAFETY: forwards to lol_alloc's allocator; only a null result is turned into a trap.
#[cfg(target_arch = "wasm32")]
unsafe impl core::alloc::GlobalAlloc for TrapOnNull {
    #[inline(always)]
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        non_null(unsafe { self.0.alloc(layout) })
    }
    #[inline(always)]
    unsafe fn dealloc(&self, pointer: *mut u8, layout: core::alloc::Layout) {
        unsafe { self.0.dealloc(pointer, layout) }
    }
    #[inline(always)]
    unsafe fn realloc(
        &self,
        pointer: *mut u8,
        layout: core::alloc::Layout,
        size: usize,
    ) -> *mut u8 {
        non_null(unsafe { self.0.realloc(pointer, layout, size) })
    }
}

pub mod client;

pub use client::JsClient;
