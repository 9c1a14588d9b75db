// Page-side helper of tests/e2e/eventsource.test.mjs: opens one EventSource (the browser's own
// or tidings') and records what it fires, so the two can be compared entry by entry.
// Served by the dev server at /pkg/test/browser/trace.mjs.

/**
 * Records `[type, readyState, data, lastEventId, originIsServer]` per event (data/id/origin for
 * messages only) plus the ms since the previous `error` for each `open` after one.
 * Stops (and closes) after `messages` messages, at the first error with readyState CLOSED, at
 * the `errors`-th error, or after `maxMs`.
 */
export function trace(Impl, url, { types = ['message'], messages = Infinity, errors = Infinity, maxMs = 8000, init } = {}) {
  return new Promise((resolve) => {
    const source = init ? new Impl(url, init) : new Impl(url);
    const log = [];
    const gaps = [];
    let lastError;
    let seenMessages = 0;
    let seenErrors = 0;
    const finish = (why) => {
      clearTimeout(timer);
      source.close();
      resolve({ log, gaps, why, url: source.url, readyState: source.readyState });
    };
    const timer = setTimeout(() => finish('maxMs'), maxMs);
    source.addEventListener('open', () => {
      log.push(['open', source.readyState]);
      if (lastError !== undefined) gaps.push(performance.now() - lastError);
    });
    source.addEventListener('error', () => {
      log.push(['error', source.readyState]);
      lastError = performance.now();
      if (source.readyState === 2) finish('closed');
      else if (++seenErrors >= errors) finish('errors');
    });
    for (const type of types) {
      source.addEventListener(type, (e) => {
        log.push([e.type, source.readyState, e.data, e.lastEventId, e.origin === location.origin]);
        if (++seenMessages >= messages) finish('messages');
      });
    }
  });
}
