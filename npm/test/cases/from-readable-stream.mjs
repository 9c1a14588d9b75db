// The web-platform-tests of the proposed EventSource.fromReadableStream()
// (web-platform-tests/wpt#58550, for whatwg/html#12272), transcribed case by case: same names,
// same inputs, same assertions. Runtime-neutral, so the same cases run in Node
// (npm/test/from-readable-stream.test.mjs) and in Chromium (tests/e2e/eventsource.test.mjs,
// which loads this file from the dev server's /pkg/).
//
// Each case is `{ name, run(EventSource, env) }`; `run` resolves when the case passed and throws
// (or rejects) with the failed assertion otherwise. `env.messageUrl(body)` is the dev server's
// /sse/message URL serving `body` (the WPT resources/message.py).

function fail(message) {
  throw new Error(message);
}
function equals(actual, expected, what = 'value') {
  if (!Object.is(actual, expected)) fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
function ok(condition, what) {
  if (!condition) fail(what);
}

function streamFromString(str) {
  const bytes = new TextEncoder().encode(str);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

function streamFromChunks(chunks) {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
}

function streamThatErrors(error) {
  return new ReadableStream({
    start(controller) {
      controller.error(error);
    },
  });
}

// An async_test: `body(done, step)` calls `done()` to pass; an exception inside a handler
// wrapped in `step` fails the case; no verdict within 5 s fails it too.
function asyncTest(body) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), 5000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const step = (fn) =>
      function (...args) {
        try {
          return fn.apply(this, args);
        } catch (error) {
          clearTimeout(timer);
          reject(error);
        }
      };
    try {
      body(done, step);
    } catch (error) {
      clearTimeout(timer);
      reject(error);
    }
  });
}

export const cases = [
  // --- Construction and initial state ---
  {
    name: 'fromReadableStream() returns an EventSource instance',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString(''));
      ok(source instanceof EventSource, 'instanceof EventSource');
      source.close();
    },
  },
  {
    name: 'readyState is CONNECTING immediately after construction',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString(''));
      equals(source.readyState, EventSource.CONNECTING, 'readyState');
      source.close();
    },
  },
  {
    name: 'url returns about:event-stream',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString(''));
      equals(source.url, 'about:event-stream', 'url');
      source.close();
    },
  },
  {
    name: 'withCredentials returns false',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString(''));
      equals(source.withCredentials, false, 'withCredentials');
      source.close();
    },
  },
  {
    name: 'lastEventId initially returns the empty string',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString(''));
      equals(source.lastEventId, '', 'lastEventId');
      source.close();
    },
  },
  {
    name: 'reconnectionTime initially returns a positive value',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString(''));
      ok(source.reconnectionTime > 0, `reconnectionTime ${source.reconnectionTime} > 0`);
      source.close();
    },
  },
  // --- Error conditions ---
  {
    name: 'throws TypeError if the stream is locked',
    run(EventSource) {
      const stream = new ReadableStream();
      stream.getReader();
      let thrown;
      try {
        EventSource.fromReadableStream(stream);
      } catch (error) {
        thrown = error;
      }
      ok(thrown instanceof TypeError, `expected a TypeError, got ${thrown}`);
    },
  },
  // --- open event ---
  {
    name: 'fires open event',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: hello\n\n'));
        source.onopen = step((e) => {
          equals(e.type, 'open', 'type');
          equals(source.readyState, EventSource.OPEN, 'readyState');
          source.close();
          done();
        });
      }),
  },
  // --- Receiving messages ---
  {
    name: 'receives a message event',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: hello\n\n'));
        source.onmessage = step((e) => {
          equals(e.data, 'hello', 'data');
          source.close();
          done();
        });
      }),
  },
  {
    name: 'handles multi-line data fields',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: hello\ndata: world\n\n'));
        source.onmessage = step((e) => {
          equals(e.data, 'hello\nworld', 'data');
          source.close();
          done();
        });
      }),
  },
  {
    name: 'receives multiple message events',
    run: (EventSource) =>
      asyncTest((done, step) => {
        let count = 0;
        const source = EventSource.fromReadableStream(streamFromString('data: first\n\ndata: second\n\n'));
        source.onmessage = step((e) => {
          if (count === 0) equals(e.data, 'first', 'first data');
          else if (count === 1) {
            equals(e.data, 'second', 'second data');
            source.close();
            done();
          }
          count++;
        });
      }),
  },
  {
    name: 'handles custom event types',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('event: custom\ndata: hello\n\n'));
        source.addEventListener(
          'custom',
          step((e) => {
            equals(e.data, 'hello', 'data');
            source.close();
            done();
          }),
        );
      }),
  },
  {
    name: 'ignores comments',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString(': this is a comment\ndata: hello\n\n'));
        source.onmessage = step((e) => {
          equals(e.data, 'hello', 'data');
          source.close();
          done();
        });
      }),
  },
  {
    name: "message event origin is 'null' (opaque origin)",
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: hello\n\n'));
        source.onmessage = step((e) => {
          equals(e.origin, 'null', 'origin');
          source.close();
          done();
        });
      }),
  },
  // --- Chunk splitting ---
  {
    name: 'handles data split across chunks',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromChunks(['da', 'ta: hel', 'lo\n\n']));
        source.onmessage = step((e) => {
          equals(e.data, 'hello', 'data');
          source.close();
          done();
        });
      }),
  },
  // --- id and retry fields ---
  {
    name: 'id field updates lastEventId',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('id: 42\ndata: hello\n\n'));
        source.onmessage = step((e) => {
          equals(e.lastEventId, '42', 'event lastEventId');
          equals(source.lastEventId, '42', 'source lastEventId');
          source.close();
          done();
        });
      }),
  },
  {
    name: 'retry field updates reconnectionTime',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('retry: 5000\ndata: hello\n\n'));
        source.onmessage = step(() => {
          equals(source.reconnectionTime, 5000, 'reconnectionTime');
          source.close();
          done();
        });
      }),
  },
  {
    name: 'retry field with non-digit value is ignored',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('retry: bogus\ndata: hello\n\n'));
        const initialTime = source.reconnectionTime;
        source.onmessage = step(() => {
          equals(source.reconnectionTime, initialTime, 'reconnectionTime');
          source.close();
          done();
        });
      }),
  },
  // --- close() ---
  {
    name: 'close() sets readyState to CLOSED',
    run(EventSource) {
      const source = EventSource.fromReadableStream(streamFromString('data: hello\n\n'));
      source.close();
      equals(source.readyState, EventSource.CLOSED, 'readyState');
    },
  },
  // --- Stream done ---
  {
    name: 'stream done fires error after dispatching complete events',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: hello\n\n'));
        let gotMessage = false;
        source.onmessage = step((e) => {
          equals(e.data, 'hello', 'data');
          gotMessage = true;
        });
        source.onerror = step(() => {
          ok(gotMessage, 'message should be received before error');
          equals(source.readyState, EventSource.CLOSED, 'readyState');
          done();
        });
      }),
  },
  {
    name: 'empty stream fires error and transitions to CLOSED',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString(''));
        source.onerror = step(() => {
          equals(source.readyState, EventSource.CLOSED, 'readyState');
          done();
        });
      }),
  },
  // --- Stream error ---
  {
    name: 'stream error fires error event and transitions to CLOSED',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamThatErrors(new Error('stream error')));
        source.onerror = step(() => {
          equals(source.readyState, EventSource.CLOSED, 'readyState');
          done();
        });
      }),
  },
  // --- No reconnection ---
  {
    name: 'no reconnection is attempted after stream done',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: hello\n\n'));
        let errorCount = 0;
        source.onerror = step(() => {
          errorCount++;
          equals(source.readyState, EventSource.CLOSED, 'readyState');
          setTimeout(
            step(() => {
              equals(errorCount, 1, 'error events');
              equals(source.readyState, EventSource.CLOSED, 'readyState later');
              done();
            }),
            200,
          );
        });
      }),
  },
  // --- Newline formats ---
  {
    name: 'handles CR, LF, and CRLF line endings',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const source = EventSource.fromReadableStream(streamFromString('data: cr\r\rdata: lf\n\ndata: crlf\r\n\r\n'));
        const messages = [];
        source.onmessage = step((e) => {
          messages.push(e.data);
          if (messages.length === 3) {
            equals(messages.join('|'), 'cr|lf|crlf', 'messages');
            source.close();
            done();
          }
        });
      }),
  },
  // --- BOM handling ---
  {
    name: 'strips leading UTF-8 BOM',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
        const data = new TextEncoder().encode('data: hello\n\n');
        const combined = new Uint8Array(bom.length + data.length);
        combined.set(bom);
        combined.set(data, bom.length);
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(combined);
            controller.close();
          },
        });
        const source = EventSource.fromReadableStream(stream);
        source.onmessage = step((e) => {
          equals(e.data, 'hello', 'data');
          source.close();
          done();
        });
      }),
  },
  // --- TransformStream reconnection pattern ---
  {
    name: 'TransformStream pattern allows multiple streams to be piped through',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const ts = new TransformStream();
        const source = EventSource.fromReadableStream(ts.readable);
        const messages = [];
        source.onmessage = step((e) => {
          messages.push(e.data);
          if (messages.length === 2) {
            equals(messages.join('|'), 'first|second', 'messages');
            // As in the WPT case; the second pipe still holds the lock (and closes the writable
            // itself), so this close is refused: its rejection is caught, not left unhandled.
            ts.writable.close().catch(() => {});
          }
        });
        source.onerror = step(() => {
          equals(messages.length, 2, 'messages before the end');
          done();
        });
        const first = streamFromString('data: first\n\n');
        const second = streamFromString('data: second\n\n');
        first.pipeTo(ts.writable, { preventClose: true }).then(() => second.pipeTo(ts.writable, { preventClose: false }));
      }),
  },
  {
    name: 'lastEventId persists across reconnections via TransformStream',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const ts = new TransformStream();
        const source = EventSource.fromReadableStream(ts.readable);
        source.onmessage = step((e) => {
          if (e.data === 'after-reconnect') {
            equals(source.lastEventId, '42', 'lastEventId');
            source.close();
            done();
          }
        });
        const first = streamFromString('id: 42\ndata: first\n\n');
        const second = streamFromString('data: after-reconnect\n\n');
        first.pipeTo(ts.writable, { preventClose: true }).then(
          step(() => {
            equals(source.lastEventId, '42', 'lastEventId between the streams');
            return second.pipeTo(ts.writable, { preventClose: true });
          }),
        );
      }),
  },
  {
    name: 'reconnectionTime persists across reconnections via TransformStream',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const ts = new TransformStream();
        const source = EventSource.fromReadableStream(ts.readable);
        source.onmessage = step((e) => {
          if (e.data === 'after-reconnect') {
            equals(source.reconnectionTime, 3000, 'reconnectionTime');
            source.close();
            done();
          }
        });
        const first = streamFromString('retry: 3000\ndata: first\n\n');
        const second = streamFromString('data: after-reconnect\n\n');
        first.pipeTo(ts.writable, { preventClose: true }).then(
          step(() => {
            equals(source.reconnectionTime, 3000, 'reconnectionTime between the streams');
            return second.pipeTo(ts.writable, { preventClose: true });
          }),
        );
      }),
  },
  // --- with fetch() (eventsource/fromreadablestream-fetch.any.js) ---
  {
    name: 'works with a fetch() response body',
    run: (EventSource, env) =>
      asyncTest((done, step) => {
        fetch(env.messageUrl('data: data\n\n')).then(
          step((response) => {
            const source = EventSource.fromReadableStream(response.body);
            source.onmessage = step((e) => {
              equals(e.data, 'data', 'data');
              source.close();
              done();
            });
          }),
        );
      }),
  },
  {
    name: 'lastEventId and reconnectionTime work with fetch() response',
    run: (EventSource, env) =>
      asyncTest((done, step) => {
        fetch(env.messageUrl('id: 42\nretry: 5000\ndata: hello\n\n')).then(
          step((response) => {
            const source = EventSource.fromReadableStream(response.body);
            source.onmessage = step((e) => {
              equals(e.data, 'hello', 'data');
              equals(source.lastEventId, '42', 'lastEventId');
              equals(source.reconnectionTime, 5000, 'reconnectionTime');
              source.close();
              done();
            });
          }),
        );
      }),
  },
  // --- reset(): named by the proposal, without a WPT case yet; what its description says ---
  {
    name: 'reset() discards a partial event, keeps lastEventId and reconnectionTime (tidings case)',
    run: (EventSource) =>
      asyncTest((done, step) => {
        const ts = new TransformStream();
        const source = EventSource.fromReadableStream(ts.readable);
        const messages = [];
        source.onmessage = step((e) => {
          messages.push(`${e.data}@${e.lastEventId}`);
          if (e.data === 'fresh') {
            equals(messages.join('|'), 'whole@7|fresh@7', 'messages');
            equals(source.reconnectionTime, 1234, 'reconnectionTime');
            source.close();
            done();
          }
        });
        const writer = ts.writable.getWriter();
        const enc = new TextEncoder();
        // The first "connection" breaks inside an event; the app resets before piping the next.
        writer
          .write(enc.encode('retry: 1234\nid: 7\ndata: whole\n\ndata: cut off mid-ev'))
          .then(() => new Promise((r) => setTimeout(r, 50)))
          .then(() => {
            source.reset();
            return writer.write(enc.encode('ent\n\ndata: fresh\n\n'));
          });
      }),
  },
];
