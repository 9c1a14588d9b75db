// Dedicated module worker for tests/e2e/eventsource.test.mjs: runs the checks, posts the result.
import { runChecks } from './worker-checks.mjs';

self.onmessage = async (e) => {
  try {
    self.postMessage(await runChecks(e.data));
  } catch (error) {
    self.postMessage({ failed: String(error?.stack ?? error) });
  }
};
