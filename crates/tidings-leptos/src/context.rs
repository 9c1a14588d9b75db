//! `provide_sse` / `expect_sse`: one connection shared by many components through context.

use leptos::prelude::*;

use crate::use_sse::{UseSseOptions, UseSseReturn, use_sse_with_options};

/// Opens a stream like [`use_sse_with_options`] and provides its [`UseSseReturn`] as context,
/// so every descendant that calls [`expect_sse`] (or [`use_sse_context`]) with the same `T`
/// reads the same signals — one connection however many components listen. The connection
/// belongs to the calling component: it closes when that component unmounts.
///
/// Contexts are keyed by type, so two shared streams need two data types (a newtype is
/// enough).
///
/// **SSR**: the context is provided as usual and holds closed signals, exactly like
/// [`use_sse_with_options`] under SSR; no browser object is created.
///
/// ```no_run
/// use leptos::prelude::*;
/// use tidings_leptos::{UseSseOptions, expect_sse, provide_sse};
///
/// #[component]
/// fn App() -> impl IntoView {
///     provide_sse("/sse/ticks", UseSseOptions::new());
///     view! { <Badge/> <Latest/> }
/// }
///
/// #[component]
/// fn Badge() -> impl IntoView {
///     let sse = expect_sse::<String>();
///     view! { <span>{move || sse.status.get().as_str()}</span> }
/// }
///
/// #[component]
/// fn Latest() -> impl IntoView {
///     let sse = expect_sse::<String>();
///     view! { <p>{move || sse.message.get().map(|m| m.data)}</p> }
/// }
/// ```
pub fn provide_sse<T>(url: impl Into<Signal<String>>, options: UseSseOptions<T>) -> UseSseReturn<T>
where
    T: Clone + Send + Sync + 'static,
{
    let sse = use_sse_with_options(url, options);
    provide_context(sse);
    sse
}

/// The stream an ancestor shared with [`provide_sse`] for data type `T`.
///
/// # Panics
///
/// When no ancestor provided one for `T` (use [`use_sse_context`] to get an `Option`).
///
/// **SSR**: returns the provided (closed) signals, like in the browser.
///
/// ```
/// use leptos::prelude::*;
/// use tidings_leptos::{UseSseOptions, expect_sse, provide_sse};
/// use tidings_web::Status;
///
/// let owner = Owner::new();
/// owner.set();
/// provide_sse("/sse/ticks", UseSseOptions::new());
/// let shared = expect_sse::<String>();
/// // Outside a browser (or with the `ssr` feature) the stream stays closed.
/// assert_eq!(shared.status.get_untracked(), Status::Closed);
/// ```
#[track_caller]
pub fn expect_sse<T: Send + Sync + 'static>() -> UseSseReturn<T> {
    expect_context::<UseSseReturn<T>>()
}

/// The stream an ancestor shared with [`provide_sse`] for data type `T`, if any.
///
/// **SSR**: as in the browser.
///
/// ```
/// use leptos::prelude::*;
/// let owner = Owner::new();
/// owner.set();
/// assert!(tidings_leptos::use_sse_context::<String>().is_none());
/// ```
pub fn use_sse_context<T: Send + Sync + 'static>() -> Option<UseSseReturn<T>> {
    use_context::<UseSseReturn<T>>()
}
