// createParser when the parser wasm cannot be loaded: a typed error through onError (or thrown
// by the next feed), never an unhandled rejection, never chunks silently dropped. Its own file:
// a module that failed to load stays failed for the rest of the module graph.
import { afterEach, beforeEach, expect, test } from 'vitest';

import { createParser, init, TidingsError } from '../../src/index.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets the load's rejection and any unhandled-rejection report run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('a parser module that is not wasm: init rejects, and the parser reports kind network', async () => {
  // Bytes that are not a wasm module: the load (the same one createParser waits for) fails.
  await expect(init({ client: false, parser: new Uint8Array([0x3c, 0x68, 0x74, 0x6d]) })).rejects.toThrow();

  const errors: TidingsError[] = [];
  const events: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e.data), onError: (error) => errors.push(error) });
  parser.feed('data: queued before the load failed\n\n');
  parser.reset();
  expect(errors).toEqual([]); // the failure arrives asynchronously, like the load
  await settle();
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(TidingsError);
  expect(errors[0]!.kind).toBe('network');
  expect(errors[0]!.message).toMatch(/could not load the tidings parser wasm module/);
  expect(errors[0]!.cause).toBeInstanceOf(Error);

  // Later feeds report it again, synchronously; nothing is parsed.
  parser.feed('data: later\n\n');
  expect(errors).toHaveLength(2);
  expect(errors[1]).toBe(errors[0]);
  expect(events).toEqual([]);
  expect(unhandled).toEqual([]);
});

test('without onError: no unhandled rejection, and the next feed throws the typed error', async () => {
  const parser = createParser({ onEvent: () => {} });
  parser.feed('data: queued\n\n');
  await settle();
  expect(unhandled).toEqual([]);
  let thrown: unknown;
  try {
    parser.feed('data: x\n\n');
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TidingsError);
  expect((thrown as TidingsError).kind).toBe('network');
  expect(() => parser.reset()).not.toThrow();
});
