// A server process for the durability test's capture part: exactly what src/main.ts runs
// (runServer, configured from the environment), with a clock that runs
// HASHLINE_TEST_CLOCK_OFFSET_MS ahead. A server restarted after a kill -9 takes the jobs the killed
// capture worker had leased only once their lease (2 minutes) has run out; running the restarted
// server's clock ahead stands for that wait, so the test need not sleep through it.
// Run with: node --import packages/node-worker/src/register-source-hooks.mjs <this file>
import { ConfigError } from '../../../src/config.js';
import { runServer } from '../../../src/run-server.js';

const offsetMs = Number(process.env.HASHLINE_TEST_CLOCK_OFFSET_MS ?? '0');
if (!Number.isInteger(offsetMs) || offsetMs < 0) {
  console.error(`HASHLINE_TEST_CLOCK_OFFSET_MS must be a whole number of milliseconds, got ${offsetMs}`);
  process.exit(1);
}

try {
  await runServer({ clock: { now: () => new Date(Date.now() + offsetMs) } });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
