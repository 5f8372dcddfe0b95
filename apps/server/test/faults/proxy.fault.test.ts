// Faults between the servers and PostgreSQL, made by the loopback fault proxy
// (tools/faults/tcp-proxy.ts): every connection reset; the database hung for 25 s (connections
// open, nothing answers); the open connections dead for 20 s while new ones work; the database
// gone (connections reset, new ones refused, or accepted and reset at once). Two servers go through the proxy under load; the cases assert no crash,
// /readyz 503 while the database is unreachable and 200 again after, every acknowledged write
// stored once.
import { afterAll, afterEach, describe, it } from 'vitest';
import { TcpFaultProxy } from '../../../../tools/faults/tcp-proxy.js';
import { FaultCase, SMOKE } from './support/fault-case.js';
import { POSTGRES_TEST_URL } from '../../../../packages/storage/test/support/postgres.js';
import { killAllServers } from './support/server-process.js';
import { runStoreFaults, type LoadSize, type StoreFault } from './support/store-faults.js';

afterEach(() => killAllServers());
afterAll(() => killAllServers());

const SERVERS = 2;
/** How long the database is gone in the refuse case. */
const GONE_MS = SMOKE ? 5_000 : 15_000;
const SIZE: LoadSize = SMOKE
  ? { reports: 80, batches: 8, batchSize: 100 }
  : { reports: 240, batches: 24, batchSize: 100 };

/** A case whose servers reach PostgreSQL through a fresh proxy; `faults` get the proxy. */
async function proxyCase(fault: string, faults: (proxy: TcpFaultProxy) => StoreFault[]): Promise<void> {
  let proxy: TcpFaultProxy | undefined;
  const target = new URL(POSTGRES_TEST_URL);
  const c = await FaultCase.open({
    fault,
    engine: 'postgres',
    servers: SERVERS,
    async route() {
      proxy = await TcpFaultProxy.start({
        targetHost: target.hostname,
        targetPort: Number(target.port || 5432),
      });
      return { host: proxy.host, port: proxy.port, close: () => proxy!.close() };
    },
  });
  await c.run(async () => {
    await runStoreFaults(c, faults(proxy!), SIZE);
    const stats = proxy!.stats();
    c.result.notes.push(
      `proxy: ${stats.reset} connections reset, ${stats.dropped} dropped, ${stats.accepted} accepted`,
    );
  });
}

describe('database faults through the proxy (postgres)', () => {
  it('every connection reset (twice)', async () => {
    const reset = (): StoreFault => ({
      apply: async () => void proxy.reset(),
      heal: async () => undefined,
      holdMs: 0,
      mustFlip: false,
    });
    let proxy: TcpFaultProxy;
    await proxyCase('proxy: reset all connections ×2', (p) => {
      proxy = p;
      return [reset(), reset()];
    });
  });

  it.skipIf(SMOKE)('database hung for 25 s (connections open, nothing answers)', async () => {
    await proxyCase('proxy: pause 25 s (hung database)', (proxy) => [
      { apply: async () => proxy.pause(), heal: async () => proxy.resume(), holdMs: 25_000, mustFlip: true },
    ]);
  });

  it.skipIf(SMOKE)('open connections go dead for 20 s (new ones work)', async () => {
    // A path that died under established connections (failover, lost NAT state): the pool must
    // give up on them after its timeouts and open new ones; the database itself is fine.
    await proxyCase('proxy: stall open connections 20 s', (proxy) => [
      {
        apply: async () => void proxy.stall(),
        heal: async () => proxy.resume(),
        holdMs: 20_000,
        mustFlip: false,
      },
    ]);
  });

  // In the smoke run too (shorter): the one case there where /readyz must flip to 503 and back.
  it('database gone: connections reset, new ones refused', async () => {
    await proxyCase(`proxy: reset + refuse new connections ${GONE_MS / 1000} s`, (proxy) => [
      {
        apply: async () => {
          await proxy.refuse();
          proxy.reset();
        },
        heal: () => proxy.accept(),
        holdMs: GONE_MS,
        mustFlip: true,
      },
    ]);
  });

  it.skipIf(SMOKE)('database gone for 15 s: connections reset, new ones accepted and dropped', async () => {
    await proxyCase('proxy: reset + drop new connections 15 s', (proxy) => [
      {
        apply: async () => {
          proxy.drop();
          proxy.reset();
        },
        heal: () => proxy.accept(),
        holdMs: 15_000,
        mustFlip: true,
      },
    ]);
  });
});
