//! The native EventSource transport.

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use tidings_core::{Event, Frame};
use wasm_bindgen::JsCast;
use web_sys::{EventSource, EventSourceInit, MessageEvent};

use crate::ErrorKind;
use crate::handles::{HandleKind, Tracked};
use crate::transport::{Sink, TransportUpdate};

/// One native EventSource with its listeners. Dropping it closes the EventSource and removes
/// every listener (gloo's `EventListener` removes itself on drop).
pub(crate) struct EventSourceConnection {
    source: Tracked<EventSource>,
    _listeners: Vec<Tracked<EventListener>>,
}

impl EventSourceConnection {
    pub(crate) fn start(
        url: &str,
        with_credentials: bool,
        event_types: &[String],
        resume_id: Option<String>,
        sink: Sink,
    ) -> Result<EventSourceConnection, ErrorKind> {
        let init = EventSourceInit::new();
        init.set_with_credentials(with_credentials);
        let source = EventSource::new_with_event_source_init_dict(url, &init).map_err(|e| {
            ErrorKind::Network {
                message: e
                    .as_string()
                    .unwrap_or_else(|| "invalid EventSource URL".to_owned()),
            }
        })?;
        let source = Tracked::new(HandleKind::EventSource, source);
        let mut listeners = Vec::new();
        let listen = |name: &str, f: Box<dyn FnMut(&web_sys::Event)>| {
            Tracked::new(
                HandleKind::DomListener,
                EventListener::new(&source, name.to_owned(), f),
            )
        };

        let on_open = sink.clone();
        listeners.push(listen(
            "open",
            Box::new(move |_| {
                on_open(TransportUpdate::Opened);
            }),
        ));

        let on_error = sink.clone();
        let es = (*source).clone();
        listeners.push(listen(
            "error",
            Box::new(move |_| {
                // CONNECTING: the browser reconnects by itself. CLOSED: it gave up (non-200,
                // wrong Content-Type, or a failed first connection) and tidings takes over.
                if es.ready_state() == EventSource::CONNECTING {
                    on_error(TransportUpdate::BrowserRetrying);
                } else {
                    on_error(TransportUpdate::Failed(ErrorKind::Network {
                        message: "EventSource connection failed".to_owned(),
                    }));
                }
            }),
        ));

        // A new EventSource starts with an empty `lastEventId` even when tidings resumed it
        // from an ID (sent in the URL). Until the server sends an ID of its own, events carry
        // the ID we resumed from, as on the fetch transport (the ID persists across events and
        // connections); otherwise the first event without `id:` would erase the resume point.
        let resume_id: Rc<str> = resume_id.unwrap_or_default().into();
        let server_sent_id = Rc::new(Cell::new(false));
        let mut types: Vec<&str> = vec!["message"];
        types.extend(
            event_types
                .iter()
                .map(String::as_str)
                .filter(|t| *t != "message"),
        );
        for event_type in types {
            let on_message = sink.clone();
            let owned_type = event_type.to_owned();
            let resume_id = resume_id.clone();
            let server_sent_id = server_sent_id.clone();
            listeners.push(listen(
                event_type,
                Box::new(move |event| {
                    let Some(message) = event.dyn_ref::<MessageEvent>() else {
                        return;
                    };
                    let data = message.data().as_string().unwrap_or_default();
                    let mut last_event_id = message.last_event_id();
                    if !last_event_id.is_empty() {
                        server_sent_id.set(true);
                    } else if !server_sent_id.get() {
                        last_event_id.push_str(&resume_id);
                    }
                    if on_message(TransportUpdate::Bytes(data.len())) {
                        on_message(TransportUpdate::Frame(Frame::Event(Event {
                            event_type: &owned_type,
                            data: &data,
                            last_event_id: &last_event_id,
                        })));
                    }
                    on_message(TransportUpdate::ChunkEnd);
                }),
            ));
        }
        Ok(EventSourceConnection {
            source,
            _listeners: listeners,
        })
    }
}

impl Drop for EventSourceConnection {
    fn drop(&mut self) {
        self.source.close();
    }
}
