//! Tab sharing: one connection for every tab of the app that uses the same key.
//!
//! The protocol (terms, positions, dedupe, resume point, catch-up) is
//! [`tidings_core::share::Tab`]; this module is its browser driver:
//!
//! - **Election**: each tab queues for the Web Lock `tidings:share:v2:<key>`; the holder leads.
//! - **Fan-out**: a `BroadcastChannel` of the same name carries events, status, errors, as
//!   text (`wire.rs`).
//! - **Page lifecycle**: `pagehide` and `freeze` give the lock up (a frozen leader must not sit
//!   on it), `pageshow` and `resume` queue again and catch up. No `unload` listener (it would
//!   keep the page out of the back/forward cache).
//! - **Solo** where Web Locks or BroadcastChannel are missing (insecure contexts too): the
//!   client then has its own connection, as without sharing.
//!
//! The seam with the client is narrow: the client calls `attach`, `detach` and the two
//! delivery hooks; the driver (`driver.rs`) calls back `hold`/`lead` and the client's
//! `deliver`. Without the `share` feature those four do nothing, and a client that asks for
//! [`ClientOptions::share`] runs [`Role::Solo`], with its own connection.

use crate::prelude::*;
// The driver and its parts are compiled only with the `share` feature (on by default): the npm
// package builds its everyday client module without them and loads a second module, with
// them, only for `share` streams (measured: about a quarter of the client module).
#[cfg(feature = "share")]
mod driver;
#[cfg(feature = "share")]
mod lock;
#[cfg(feature = "share")]
mod wire;

#[cfg(feature = "share")]
pub(crate) use driver::{Coordinator, attach, detach, on_local_messages, on_local_note};
#[cfg(not(feature = "share"))]
pub(crate) use without_driver::{Coordinator, attach, detach, on_local_messages, on_local_note};

use crate::error::ErrorKind;
use crate::options::{Body, ClientOptions, Credentials, Transport};

/// How the tabs of an app share one connection ([`ClientOptions::share`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Share {
    /// The key is derived from the method, the absolute URL, the body and the transport. Not
    /// allowed with request headers or credentials (see [`Share::Key`]).
    Auto,
    /// An explicit key. Required when the request has headers (static or from a callback) or
    /// credentials (`include`, `withCredentials`): the key decides which tabs read the same
    /// stream, and only the app knows whose it is (e.g. `"notifications:" + user_id`).
    Key(String),
}

/// This tab's part in a shared connection ([`Client::role`](crate::Client::role)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// This tab holds the connection and broadcasts what it receives.
    Leader,
    /// Another tab holds the connection; this one receives its broadcasts.
    Follower,
    /// Not shared: this tab has its own connection.
    Solo,
}

impl Role {
    /// `"leader"`, `"follower"` or `"solo"`, as the npm package reports it.
    ///
    /// ```
    /// assert_eq!(tidings_web::Role::Follower.as_str(), "follower");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Solo => "solo",
        }
    }
}

/// The sharing key of `options`, or `None` without [`ClientOptions::share`].
///
/// [`Share::Auto`] with request headers or credentials is an error
/// ([`ErrorKind::ShareKeyRequired`]): two users' streams must never mix. The key never contains
/// header values. A relative URL is resolved against the page, so `/sse` and its absolute form
/// share.
///
/// ```
/// use tidings_web::{ClientOptions, ErrorKind, Share, share_key};
/// let plain = ClientOptions::new("https://example.com/sse").share(Share::Auto);
/// assert!(share_key(&plain).unwrap().unwrap().contains("GET https://example.com/sse"));
/// let with_token = plain.clone().header("Authorization", "Bearer t0k3n");
/// assert_eq!(share_key(&with_token), Err(ErrorKind::ShareKeyRequired));
/// let keyed = with_token.share(Share::Key("inbox:alice".into()));
/// assert_eq!(share_key(&keyed).unwrap().as_deref(), Some("key:inbox:alice"));
/// ```
pub fn share_key(options: &ClientOptions) -> Result<Option<String>, ErrorKind> {
    let Some(share) = &options.share else {
        return Ok(None);
    };
    if let Share::Key(key) = share {
        return Ok(Some(["key:", key].concat()));
    }
    if !options.headers.is_empty()
        || options.header_callback.is_some()
        || options.credentials == Credentials::Include
        || options.with_credentials
    {
        return Err(ErrorKind::ShareKeyRequired);
    }
    let mut key = String::from("auto:");
    key.push_str(match options.transport {
        Transport::Fetch => "fetch ",
        Transport::EventSource => "eventsource ",
    });
    key.push_str(&options.method.to_ascii_uppercase());
    key.push(' ');
    key.push_str(&absolute_url(&options.url));
    // EventSource clients only see the event types they listen for (fetch sees them all).
    if options.transport == Transport::EventSource {
        for event_type in &options.event_types {
            key.push_str("\nevent:");
            key.push_str(event_type);
        }
    }
    match &options.body {
        None => {}
        Some(Body::Text(text) | Body::Json(text)) => {
            key.push_str("\nbody:");
            key.push_str(text);
        }
        Some(Body::Bytes(bytes)) => {
            key.push_str("\nbytes:");
            key.push_str(&String::from_utf8_lossy(bytes));
        }
    }
    Ok(Some(key))
}

fn absolute_url(url: &str) -> String {
    if cfg!(not(target_arch = "wasm32")) {
        // No page to resolve against (native builds, doc tests).
        return url.to_owned();
    }
    crate::host::with_host(|host| host.absolute(url)).unwrap_or_else(|| url.to_owned())
}

/// The seam without the driver (feature `share` off): every client is solo.
#[cfg(not(feature = "share"))]
mod without_driver {
    use alloc::rc::Rc;

    use crate::client::{Note, Shared};
    use crate::messages::MessageBatch;

    /// Never built: without the driver no client holds a share.
    pub(crate) enum Coordinator {}

    pub(crate) fn attach(_shared: &Rc<Shared>) {}

    pub(crate) fn detach(_shared: &Rc<Shared>) {}

    pub(crate) fn on_local_messages(_shared: &Rc<Shared>, _messages: &MessageBatch) {}

    pub(crate) fn on_local_note(_shared: &Rc<Shared>, _note: &Note) {}
}
