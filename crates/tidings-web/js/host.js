// The browser side of tidings-web's client: the raw calls to fetch, the body reader,
// EventSource, timers, DOM listeners and sessionStorage, behind one small object. Rust decides
// everything (when to connect, what to send, whether to read on, when to give up); this file
// only makes the calls and reports what happened, through one `dispatch` function.
//
// Why a hand-written host instead of web-sys and futures: every web-sys method is an import
// with a glue function of its own, and every `async` step a copy of the futures executor's
// code. A handful of imports and one callback keep the client module and its glue a fraction
// of their size (tests/bench/findings.md, "Lean client").
//
// Protocol. Rust names each resource it asks for with a number (`id`), and every report about
// it arrives as `dispatch(id, what, n, text)`; `command(RELEASE, id)` frees the resource, after
// which nothing more is reported about it. The `what` codes are `host::report` in
// `src/host.rs`; keep the two lists in step.

const HEAD = 1; // n: status, text: status text, then `name\nvalue\n` per response header
const CHUNK = 2; // n: byte length; returns the address in wasm memory to copy the bytes to
const FED = 3; // n: byte length (the bytes are in place); returns 1 to read on, 0 to stop
const END = 4; // the body ended
const FAIL = 5; // text: what failed (the resource is dead)
const TIMER = 6; // the timer fired
const ONLINE = 7;
const OFFLINE = 8;
const VISIBILITY = 9; // n: 1 when the document is hidden
const ABORT = 10; // the caller's AbortSignal fired
const ES_OPEN = 11;
const ES_ERROR = 12; // n: 1 while the browser reconnects by itself (CONNECTING), 0 when it gave up
const ES_MESSAGE = 13; // n: index of the event type, text: `lastEventId\ndata`
const HEADERS = 14; // text: `name\nvalue\n` per header the caller's function produced
const MICROTASK = 15; // id 0: run the queued microtasks
// Tab sharing (src/share):
const LOCK = 16; // the Web Lock was granted
const LOST = 17; // another tab stole the lock
const MESSAGE = 18; // text: a BroadcastChannel message
const LEAVE = 19; // pagehide or freeze
const RETURN = 20; // pageshow or resume

// What `command` does (`command` in `src/host.rs`; keep the two lists in step).
const RELEASE = 1; // free resource `id`: nothing more is reported about it
const SET_TIMER = 2; // start timer `id`, to fire in `n` ms (TIMER)
const READ_BODY = 3; // read the body of fetch `id` (CHUNK, FED, then END or FAIL)
const QUEUE_MICROTASK = 4; // report MICROTASK with id 0 from a microtask (once until it ran)
const LIVE_COUNT = 5; // answers the live count of counter `id` (below)

// Indexes of the live-handle counters (`LiveHandles` in `src/handles.rs`).
const EVENT_SOURCES = 0;
const ABORT_CONTROLLERS = 1;
const READERS = 2;
const TIMERS = 3;
const DOM_LISTENERS = 4;
const LOCKS = 5;
const CHANNELS = 6;

// What a record in `createHost`'s `slots` is.
const PENDING_TIMER = 0;
const FIRED_TIMER = 1;
const FETCH = 2;

const ignore = () => {};

// The clock and the dice, imported by the module as they are (no glue function).
export const now = Date.now;
export const random = Math.random;

function message(error, fallback) {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : fallback;
}

/** `name\nvalue\n` per pair of an iterable of pairs (a `Headers`, or an array of pairs). */
function joinPairs(pairs) {
  let text = '';
  for (const [name, value] of pairs) {
    if (typeof name === 'string' && typeof value === 'string') text += name + '\n' + value + '\n';
  }
  return text;
}

/**
 * The host for one wasm module: `dispatch` is the module's one callback, `memory` its memory
 * (chunks are copied into it at the address Rust gives).
 */
export function createHost(dispatch, memory) {
  // id -> what RELEASE frees: a timer's or a fetch's record (below), or, for the rarer
  // resources (listeners, EventSource, locks, channels), a cleanup function. The two that every
  // reconnect makes are records that `command` reads rather than a cleanup closure each: V8
  // compiles every distinct function a reconnect runs, and that compiled code is most of the
  // heap growth of a reconnecting client (tests/bench/findings.md, section 6).
  const slots = new Map();
  const counts = [0, 0, 0, 0, 0, 0, 0];
  // Open BroadcastChannels by id, for `post`.
  const channels = new Map();
  let microtaskQueued = false;

  const count = (kind, by) => {
    counts[kind] += by;
  };
  const report = (id, what, n, text) => {
    // Nothing is reported about a released resource.
    return slots.has(id) ? dispatch(id, what, n, text) : 0;
  };

  // A timer's callback (`slot`, `id`: the timer's) and the microtask's (no arguments): one
  // function for both, as every reconnect runs both and each function a reconnect runs is one
  // more that V8 compiles and keeps (tests/bench/findings.md, section 6).
  function fire(slot, id) {
    if (slot === undefined) {
      microtaskQueued = false;
      dispatch(0, MICROTASK, 0, undefined);
      return;
    }
    if (slots.get(id) !== slot) return;
    // A fired timer is no longer pending: it counts as released, and RELEASE clears nothing.
    slot.kind = FIRED_TIMER;
    count(TIMERS, -1);
    dispatch(id, TIMER, 0, undefined);
  }

  /**
   * The commands that carry only numbers (`command` in src/host.rs), in one function: four of
   * them run on every reconnect, and one function for them all is one glue function and one
   * function for V8 to compile, instead of one each (that compiled code is most of a
   * reconnecting client's heap growth: tests/bench/findings.md, section 6).
   */
  function command(what, id, n) {
    switch (what) {
      case RELEASE: {
        const slot = slots.get(id);
        if (slot === undefined) return 0;
        slots.delete(id);
        if (typeof slot === 'function') {
          slot();
        } else if (slot.kind === PENDING_TIMER) {
          clearTimeout(slot.handle);
          count(TIMERS, -1);
        } else if (slot.kind === FETCH) {
          if (slot.controller) {
            count(ABORT_CONTROLLERS, -1);
            slot.controller.abort();
          }
          if (slot.reader) {
            count(READERS, -1);
            // Awaited by nobody: a cancel that rejects (the body already errored) must not
            // reach the console as an unhandled rejection.
            slot.reader.cancel().catch(ignore);
            slot.reader = undefined;
          }
          slot.response = undefined;
        }
        return 0;
      }
      case SET_TIMER: {
        count(TIMERS, 1);
        const slot = { kind: PENDING_TIMER, handle: undefined };
        slot.handle = setTimeout(fire, n, slot, id);
        slots.set(id, slot);
        return 0;
      }
      case READ_BODY:
        read(id);
        return 0;
      case QUEUE_MICROTASK:
        if (!microtaskQueued) {
          microtaskQueued = true;
          queueMicrotask(fire);
        }
        return 0;
      case LIVE_COUNT:
        return counts[id];
    }
    return 0;
  }

  /**
   * DOM listeners: online/offline, visibility, the caller's abort signal, and with `lifecycle`
   * the page's pagehide/pageshow/freeze/resume (tab sharing).
   */
  function watch(id, online, visibility, signal, lifecycle) {
    const removers = [];
    const listen = (target, name, what, n) => {
      const listener = () => report(id, what, typeof n === 'function' ? n() : n, undefined);
      target.addEventListener(name, listener);
      count(DOM_LISTENERS, 1);
      removers.push(() => {
        target.removeEventListener(name, listener);
        count(DOM_LISTENERS, -1);
      });
    };
    const g = globalThis;
    // online/offline fire on a window or a worker's global scope; not in Node or edge runtimes.
    const scope =
      (typeof g.Window === 'function' && g instanceof g.Window) ||
      (typeof g.WorkerGlobalScope === 'function' && g instanceof g.WorkerGlobalScope);
    if (online && scope) {
      listen(g, 'offline', OFFLINE, 0);
      listen(g, 'online', ONLINE, 0);
    }
    const document = typeof g.Window === 'function' && g instanceof g.Window ? g.document : undefined;
    if (visibility && document) {
      listen(document, 'visibilitychange', VISIBILITY, () => (document.hidden ? 1 : 0));
    }
    if (signal) {
      if (signal.aborted) queueMicrotask(() => report(id, ABORT, 0, undefined));
      else listen(signal, 'abort', ABORT, 0);
    }
    if (lifecycle && document) {
      listen(g, 'pagehide', LEAVE, 0);
      listen(g, 'pageshow', RETURN, 0);
      listen(document, 'freeze', LEAVE, 0);
      listen(document, 'resume', RETURN, 0);
    }
    slots.set(id, () => {
      for (const remove of removers) remove();
    });
  }

  /** Calls the caller's header function; reports its headers (HEADERS) or why not (FAIL). */
  function headers(id, produce) {
    slots.set(id, ignore);
    // Called from a microtask, never inside the Rust call that asked for it: the caller's
    // function may use the client.
    Promise.resolve()
      .then(produce)
      .then(
      (value) => {
        let pairs = value ?? [];
        if (!(typeof Headers === 'function' && pairs instanceof Headers) && !Array.isArray(pairs)) {
          pairs = Object.entries(pairs);
        }
        report(id, HEADERS, 0, joinPairs(pairs));
      },
      (error) => report(id, FAIL, 0, 'header callback failed: ' + message(error, 'error')),
    );
  }

  /**
   * Starts a fetch. `headerList` is `name\nvalue\n` per header (Rust checked the values);
   * `bodyKind` 0: none, 1: `bodyText`, 2: `bodyBytes`; `credentials` 0: omit, 1: same-origin
   * (left unset: some runtimes reject the field), 2: include. Reports HEAD or FAIL, from a
   * microtask at the earliest: a custom fetch function may use the client, so it is never
   * called inside the Rust call that asked for the fetch.
   */
  async function fetchStart(id, url, method, headerList, bodyKind, bodyText, bodyBytes, credentials, fetchFunction) {
    let controller;
    try {
      controller = new AbortController();
    } catch {
      controller = undefined;
    }
    if (controller) count(ABORT_CONTROLLERS, 1);
    const slot = { kind: FETCH, controller, reader: undefined, response: undefined };
    slots.set(id, slot);
    let response;
    try {
      // The request is made now: `bodyBytes` is a view of wasm memory, valid only until Rust
      // runs again.
      const requestHeaders = new Headers();
      const parts = headerList.split('\n');
      for (let i = 0; i + 1 < parts.length; i += 2) requestHeaders.set(parts[i], parts[i + 1]);
      const init = { method, headers: requestHeaders, cache: 'no-store' };
      if (controller) init.signal = controller.signal;
      if (credentials === 0) init.credentials = 'omit';
      else if (credentials === 2) init.credentials = 'include';
      if (bodyKind === 1) init.body = bodyText;
      else if (bodyKind === 2) init.body = bodyBytes.slice();
      let request;
      try {
        request = new Request(url, init);
      } catch {
        // Runtimes without cache modes (older Cloudflare workerd) throw on the `cache` field;
        // they have no HTTP cache to skip either.
        delete init.cache;
        request = new Request(url, init);
      }
      await undefined;
      response = await (fetchFunction ? fetchFunction(request) : fetch(request));
    } catch (error) {
      // (A request that could not be made lands here before the first `await`.)
      await undefined;
      report(id, FAIL, 0, message(error, 'fetch failed'));
      return;
    }
    if (!slots.has(id)) return;
    // A custom fetch may return anything; only something shaped like a Response is read.
    if (typeof response?.status !== 'number') {
      report(id, FAIL, 0, 'the fetch function did not return a Response');
      return;
    }
    slot.response = response;
    let head = typeof response.statusText === 'string' ? response.statusText : '';
    head += '\n';
    if (response.headers) head += joinPairs(response.headers);
    report(id, HEAD, response.status, head);
  }

  /**
   * Reads the body of fetch `id` chunk by chunk: CHUNK asks where to copy each chunk, FED hands
   * it over and answers whether to go on; END or FAIL at the end. Rust stops it by answering
   * 0 or by releasing the fetch.
   */
  async function read(id) {
    const slot = slots.get(id);
    const body = slot?.response?.body;
    let reader;
    try {
      if (!body) {
        await undefined;
        report(id, END, 0, undefined);
        return;
      }
      reader = body.getReader();
    } catch (error) {
      await undefined;
      report(id, FAIL, 0, message(error, 'body unreadable'));
      return;
    }
    // Read once: the response is not needed any more.
    slot.response = undefined;
    slot.reader = reader;
    count(READERS, 1);
    for (;;) {
      let result;
      try {
        result = await reader.read();
      } catch (error) {
        if (slot.reader) {
          slot.reader = undefined;
          count(READERS, -1);
        }
        report(id, FAIL, 0, message(error, 'network error'));
        return;
      }
      if (!slots.has(id) || !slot.reader) return;
      if (result.done) {
        slot.reader = undefined;
        count(READERS, -1);
        report(id, END, 0, undefined);
        return;
      }
      const chunk = result.value;
      const length = chunk?.length ?? 0;
      if (length === 0) continue;
      const at = report(id, CHUNK, length, undefined);
      if (!slots.has(id)) return;
      if (at) new Uint8Array(memory.buffer, at, length).set(chunk);
      if (!report(id, FED, at ? length : 0, undefined) || !slots.has(id)) {
        // Rust stopped reading (or released the fetch, which cancelled the reader already).
        if (slot.reader) {
          slot.reader = undefined;
          count(READERS, -1);
          reader.cancel().catch(ignore);
        }
        return;
      }
    }
  }

  /**
   * Opens an EventSource listening to `message` and the `\n`-separated `types`. Returns why
   * it could not be made (an invalid URL), or undefined.
   */
  function eventSource(id, url, withCredentials, types) {
    let source;
    try {
      source = new EventSource(url, { withCredentials });
    } catch (error) {
      return message(error, 'invalid EventSource URL');
    }
    count(EVENT_SOURCES, 1);
    const listeners = [
      ['open', () => report(id, ES_OPEN, 0, undefined)],
      // CONNECTING: the browser reconnects by itself. CLOSED: it gave up.
      ['error', () => report(id, ES_ERROR, source.readyState === EventSource.CONNECTING ? 1 : 0, undefined)],
    ];
    ['message', ...(types ? types.split('\n') : [])].forEach((type, index) => {
      listeners.push([
        type,
        (event) => {
          if (typeof event.data === 'string') report(id, ES_MESSAGE, index, event.lastEventId + '\n' + event.data);
        },
      ]);
    });
    for (const [name, listener] of listeners) source.addEventListener(name, listener);
    count(DOM_LISTENERS, listeners.length);
    slots.set(id, () => {
      for (const [name, listener] of listeners) source.removeEventListener(name, listener);
      count(DOM_LISTENERS, -listeners.length);
      source.close();
      count(EVENT_SOURCES, -1);
    });
    return undefined;
  }

  /** Whether tabs can share here: BroadcastChannel and Web Locks (secure contexts only). */
  function canShare() {
    return typeof BroadcastChannel === 'function' && typeof globalThis.navigator?.locks?.request === 'function';
  }

  /**
   * Queues for the exclusive Web Lock `name` (with `steal`, takes it from its holder at once).
   * Reports LOCK when granted and LOST if another tab steals it; it is held until released
   * (the promise the browser waits on settles then). False where there are no Web Locks.
   */
  function lock(id, name, steal) {
    const locks = globalThis.navigator?.locks;
    if (typeof locks?.request !== 'function') return false;
    const abort = new AbortController();
    let release;
    let granted = false;
    let dropped = false;
    count(LOCKS, 1);
    // `steal` and `signal` cannot be combined; a steal is granted at once anyway.
    locks.request(name, steal ? { steal } : { signal: abort.signal }, () => {
      // Released between the grant and this callback: give the lock back at once.
      if (dropped) return undefined;
      granted = true;
      // Not from inside the browser's callback: Rust may release the lock in its answer.
      queueMicrotask(() => report(id, LOCK, 0, undefined));
      return new Promise((resolve) => (release = resolve));
    }).then(
      () => {},
      // Rejected while held and not by us: stolen. (Aborted while queued: expected.)
      () => granted && !dropped && report(id, LOST, 0, undefined),
    );
    slots.set(id, () => {
      dropped = true;
      count(LOCKS, -1);
      // Aborting a granted request does nothing, so always do both.
      abort.abort();
      release?.();
    });
    return true;
  }

  /** Opens the BroadcastChannel `name`; each string message is reported (MESSAGE). */
  function channel(id, name) {
    if (typeof BroadcastChannel !== 'function') return false;
    const opened = new BroadcastChannel(name);
    opened.onmessage = (event) => {
      if (typeof event.data === 'string') report(id, MESSAGE, 0, event.data);
    };
    channels.set(id, opened);
    count(CHANNELS, 1);
    slots.set(id, () => {
      opened.onmessage = null;
      opened.close();
      channels.delete(id);
      count(CHANNELS, -1);
    });
    return true;
  }

  /** Broadcasts `text` on channel `id` (to every other tab). */
  function post(id, text) {
    try {
      channels.get(id)?.postMessage(text);
    } catch {
      // A closed channel throws; the tab is leaving anyway.
    }
  }

  /** sessionStorage: `op` 0 reads `key`, 1 stores `value`, 2 removes. Never throws. */
  function storage(op, key, value) {
    try {
      const store = globalThis.sessionStorage;
      if (!store) return undefined;
      if (op === 0) return store.getItem(key) ?? undefined;
      if (op === 1) store.setItem(key, value);
      else store.removeItem(key);
    } catch {
      // Privacy modes and full quotas throw: the stream simply goes on without storage.
    }
    return undefined;
  }

  /** `url` resolved against the page's or worker's location (as it is where there is none). */
  function absolute(url) {
    try {
      return new URL(url, globalThis.location?.href).href;
    } catch {
      return url;
    }
  }

  return {
    absolute,
    canShare,
    lock,
    channel,
    post,
    command,
    watch,
    headers,
    fetch: fetchStart,
    eventSource,
    storage,
  };
}
