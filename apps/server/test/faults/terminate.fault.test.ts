// pg_terminate_backend of every connection the servers hold, twice (the report: the second
// termination crashed a process in 2 of 2 runs). Two servers on PostgreSQL directly, under load;
// the database stays up, so readiness need not flip, but nothing may crash or be lost.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FaultCase, SMOKE } from './support/fault-case.js';
import { killAllServers } from './support/server-process.js';
import { runStoreFaults, type StoreFault } from './support/store-faults.js';

afterEach(() => killAllServers());
afterAll(() => killAllServers());

describe('pg_terminate_backend (postgres)', () => {
  it("terminates the servers' backends twice under load", async () => {
    const c = await FaultCase.open({ fault: 'pg_terminate_backend ×2', engine: 'postgres', servers: 2 });
    await c.run(async () => {
      const terminated: number[] = [];
      const terminate = (): StoreFault => ({
        apply: async () => void terminated.push(await c.db.terminateServerBackends()),
        heal: async () => undefined,
        holdMs: 0,
        mustFlip: false,
      });
      await runStoreFaults(
        c,
        [terminate(), terminate()],
        SMOKE ? { reports: 80, batches: 8, batchSize: 100 } : { reports: 240, batches: 24, batchSize: 100 },
      );
      c.result.notes.push(`backends terminated: ${terminated.join(', ')}`);
      // Each time the servers held connections, or the case proved nothing.
      for (const count of terminated) expect(count).toBeGreaterThan(0);
    });
  });
});
