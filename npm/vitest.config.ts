import { defineConfig } from 'vitest/config';

// Unit tests of the TypeScript layer (Node). The node:test files in test/*.test.mjs exercise
// the built package against the dev server and run after these (see `npm test`).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
