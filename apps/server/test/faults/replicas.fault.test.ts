// Two and three server processes on one database, the documented way to scale out: clients spread
// reports and bulk entries over every process (failing over to the next one), one process is
// killed -9 mid-load and started again. The others must stay alive and ready throughout, every
// acknowledged write is stored once, and what any process committed becomes matchable on all.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkEntries, checkReports } from './support/checks.js';
import { FaultCase, SMOKE } from './support/fault-case.js';
import type { EngineName } from './support/fault-database.js';
import { entryBatches, entryLoad, postJson, reportItems, reportLoad } from './support/load.js';
import { killAllServers } from './support/server-process.js';
import { waitFor } from './support/wait.js';

afterEach(() => killAllServers());
afterAll(() => killAllServers());

const CASES: readonly { engine: EngineName; servers: number; smoke: boolean }[] = [
  { engine: 'postgres', servers: 2, smoke: false },
  { engine: 'postgres', servers: 3, smoke: true },
  { engine: 'sqlite', servers: 2, smoke: false },
];

describe.each(CASES)('$servers servers sharing one $engine database', ({ engine, servers, smoke }) => {
  it.skipIf(SMOKE && !smoke)(
    'one is killed -9 mid-load; the others stay ready, nothing is lost',
    async () => {
      const c = await FaultCase.open({ fault: `${servers} servers, one killed -9`, engine, servers });
      await c.run(async () => {
        const bank = `faults-${randomUUID().slice(0, 8)}`;
        await c.createBank(bank);
        const items = reportItems(SMOKE ? 90 : 300);
        const batches = entryBatches(SMOKE ? 9 : 30, 100);
        const urls = (): string[] => c.urls();
        const reports = c.track(reportLoad(items, { concurrency: 6, budgetMs: 300_000, servers: urls }));
        const entries = c.track(
          entryLoad(bank, c.token, batches, { concurrency: 2, budgetMs: 300_000, servers: urls }),
        );
        await waitFor('a third of the load', () => reports.acknowledged >= items.length / 3, {
          timeoutMs: 180_000,
        });
        const victim = servers - 1;
        const { killedAt, restarted } = await c.killAndRestart(victim);
        await restarted;
        c.result.secondsToReady = await c.waitReady(victim, killedAt);
        const back = Date.now();
        await Promise.all([reports.done, entries.done]);
        c.result.notes.push(
          `server ${victim + 1} killed; the others' /readyz meanwhile: ` +
            c.probes
              .slice(0, victim)
              .map((p) => p.summary(killedAt, back))
              .join(' / ') +
            `; report attempts failed: ${reports.failureSummary()}; entry attempts failed: ${entries.failureSummary()}`,
        );
        expect(c.crashes()).toEqual([]);
        // The survivors answered ready all along.
        for (const probe of c.probes.slice(0, victim)) {
          expect(probe.between(killedAt, back).filter((s) => s.status !== 200)).toEqual([]);
        }
        expect(reports.acknowledged).toBe(items.length);
        expect(entries.acknowledged).toBe(batches.length);
        const reportTally = await checkReports(c.db, items);
        const entryTally = await checkEntries(c.db, bank, batches, entries.ackedAt);
        c.add(reportTally);
        c.add(entryTally);
        expect(reportTally.problems).toEqual([]);
        expect(entryTally.problems).toEqual([]);
        // Whatever process committed an entry, every process matches it (change-log following).
        const sample = batches.map((b) => b.values[0]!);
        for (const server of c.servers) {
          await waitFor(`${server.name} to match every process's entries`, async () => {
            const answer = await postJson(
              `${server.url}/v1/match`,
              { hashes: sample.map((value) => ({ signalType: 'sha256', value })) },
              { authorization: `Bearer ${c.token}` },
            );
            return (
              answer.status === 200 &&
              (answer.json as { results: { matched: boolean }[] }).results.every((r) => r.matched)
            );
          });
        }
      });
    },
  );
});
