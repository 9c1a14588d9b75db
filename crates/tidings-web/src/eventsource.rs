//! The native EventSource transport: the JS host opens the EventSource and reports its
//! events (`crate::host`); this side turns them into transport updates.

use crate::prelude::*;
use tidings_core::{Event, Frame};

use crate::ErrorKind;
use crate::host::{Resource, report, with_host};
use crate::transport::{Sink, TransportUpdate};

/// One native EventSource with its listeners. Dropping it closes the EventSource and removes
/// every listener.
pub(crate) struct EventSourceConnection {
    _resource: Resource,
}

impl EventSourceConnection {
    pub(crate) fn start(
        url: &str,
        with_credentials: bool,
        event_types: &[String],
        resume_id: Option<String>,
        sink: Sink,
    ) -> Result<EventSourceConnection, ErrorKind> {
        // `message` is always listened to; the host numbers the types in this order, after it.
        // A type with a line break can never arrive (event types are read from one line).
        let mut types: Vec<&str> = Vec::with_capacity(event_types.len() + 1);
        types.push("message");
        let mut joined = String::new();
        for event_type in event_types {
            if !event_type.is_empty()
                && event_type != "message"
                && !event_type.bytes().any(|b| b == b'\n')
            {
                if !joined.is_empty() {
                    joined.push('\n');
                }
                joined.push_str(event_type);
                types.push(event_type);
            }
        }
        let types: Vec<String> = types.into_iter().map(str::to_string).collect();
        // A new EventSource starts with an empty `lastEventId` even when tidings resumed it
        // from an ID (sent in the URL). Until the server sends an ID of its own, events carry
        // the ID we resumed from, as on the fetch transport (the ID persists across events and
        // connections); otherwise the first event without `id:` would erase the resume point.
        let resume_id = resume_id.unwrap_or_default();
        let server_sent_id = core::cell::Cell::new(false);
        let resource = Resource::new(move |what, n, text| {
            match what {
                report::ES_OPEN => {
                    sink(TransportUpdate::Opened);
                }
                // CONNECTING: the browser reconnects by itself. CLOSED: it gave up (non-200,
                // wrong Content-Type, or a failed first connection) and tidings takes over.
                report::ES_ERROR if n == 1.0 => {
                    sink(TransportUpdate::BrowserRetrying);
                }
                report::ES_ERROR => {
                    sink(TransportUpdate::Failed(ErrorKind::Network {
                        message: "EventSource connection failed".to_string(),
                    }));
                }
                report::ES_MESSAGE => {
                    let text = text.unwrap_or_default();
                    let (id, data) = crate::host::first_line(&text);
                    let mut last_event_id = String::from(id);
                    if !id.is_empty() {
                        server_sent_id.set(true);
                    } else if !server_sent_id.get() {
                        last_event_id.push_str(&resume_id);
                    }
                    let event_type = types.get(n as usize).map_or("message", String::as_str);
                    if sink(TransportUpdate::Bytes(data.len())) {
                        sink(TransportUpdate::Frame(Frame::Event(Event {
                            event_type,
                            data,
                            last_event_id: &last_event_id,
                        })));
                    }
                    sink(TransportUpdate::ChunkEnd);
                }
                _ => {}
            }
            0
        });
        let failed =
            with_host(|host| host.event_source(resource.id(), url, with_credentials, &joined))
                .flatten();
        match failed {
            Some(message) => Err(ErrorKind::Network { message }),
            None => Ok(EventSourceConnection {
                _resource: resource,
            }),
        }
    }
}
