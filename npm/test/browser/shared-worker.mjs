// Shared module worker for tests/e2e/eventsource.test.mjs: runs the checks for each port.
import { runChecks } from './worker-checks.mjs';

self.onconnect = (connection) => {
  const port = connection.ports[0];
  port.onmessage = async (e) => {
    try {
      port.postMessage(await runChecks(e.data));
    } catch (error) {
      port.postMessage({ failed: String(error?.stack ?? error) });
    }
  };
};
