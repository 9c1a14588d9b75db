// The `share` option's synchronous key rule in `connect` (the browser behaviour is covered by
// tests/e2e/share.test.mjs), and the role a stream reports before the wasm client is ready.
import { expect, test } from 'vitest';

import { connect } from '../../src/connect.js';
import { TidingsError } from '../../src/errors.js';

test('share: true with headers or credentials throws share-key-required', () => {
  for (const options of [
    { share: true, headers: { Authorization: 'Bearer t0k3n' } },
    { share: true, headers: () => ({ Authorization: 'Bearer t0k3n' }) },
    { share: true, credentials: 'include' as const },
    { share: true, withCredentials: true },
  ]) {
    let thrown: unknown;
    try {
      connect('http://127.0.0.1:1/sse', options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TidingsError);
    expect((thrown as TidingsError).kind).toBe('share-key-required');
    expect((thrown as TidingsError).willRetry).toBe(false);
  }
});

test('an explicit key allows headers; without share the role is solo', () => {
  const keyed = connect('http://127.0.0.1:1/sse', { share: { key: 'inbox:alice' }, headers: { Authorization: 'Bearer t' } });
  expect(keyed.role).toBe('follower');
  keyed.close();
  const plain = connect('http://127.0.0.1:1/sse');
  expect(plain.role).toBe('solo');
  plain.close();
});
