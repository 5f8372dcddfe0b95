// kill -9 of a server in the middle of work, on SQLite and PostgreSQL: during report intake (the
// public report form's API, retried with the same Idempotency-Key), during a bulk import (the bulk
// add API, idempotent by value), and during webhook delivery (a loopback receiver). A new process
// starts on the same database; afterwards every acknowledged write is in the tables once, and the
// seconds from the kill to the new process's /readyz 200 go in the fault table.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkEntries, checkMatchDeliveries, checkReports } from './support/checks.js';
import { FaultCase, SMOKE } from './support/fault-case.js';
import {
  BoundedLoad,
  entryBatches,
  entryLoad,
  matchLoad,
  postJson,
  randomHex,
  reportItems,
  reportLoad,
  type MatchItem,
} from './support/load.js';
import { killAllServers } from './support/server-process.js';
import { waitFor } from './support/wait.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

afterEach(() => killAllServers());
afterAll(() => killAllServers());

const ENGINES = ['sqlite', 'postgres'] as const;

/** kill -9 + restart of server 1 once `reached()` holds; returns the worst seconds to ready again. */
async function killWhen(c: FaultCase, times: number, reached: (kill: number) => boolean): Promise<number> {
  let worst = 0;
  for (let kill = 0; kill < times; kill++) {
    await waitFor(`the load to reach kill ${kill + 1}`, () => reached(kill), { timeoutMs: 300_000 });
    const { killedAt, restarted } = await c.killAndRestart(0);
    await restarted;
    worst = Math.max(worst, await c.waitReady(0, killedAt));
  }
  return worst;
}

describe.each(ENGINES)('kill -9 (%s)', (engine) => {
  // The smoke run (CI) keeps one engine per case: intake on PostgreSQL, import on SQLite.
  it.skipIf(SMOKE && engine !== 'postgres')(
    'during report intake: every receipt is stored once, retries get the same receipt',
    async () => {
      const c = await FaultCase.open({ fault: 'kill -9 during report intake', engine, servers: 1 });
      await c.run(async () => {
        const count = SMOKE ? 120 : 400;
        const kills = SMOKE ? 1 : 2;
        const items = reportItems(count);
        const load = c.track(
          reportLoad(items, { concurrency: 6, budgetMs: 300_000, servers: () => c.urls() }),
        );
        c.result.secondsToReady = await killWhen(
          c,
          kills,
          (k) => load.acknowledged >= ((k + 1) * count) / (kills + 1),
        );
        await load.done;
        // Double submits after the restarts: the same key must give the same receipt.
        const again = new BoundedLoad({
          ...load.options,
          items: items.filter((_, i) => i % 10 === 0),
        });
        await again.done;
        c.result.notes.push(`${kills} kill(s); failed attempts retried: ${load.failureSummary()}`);
        expect(c.crashes()).toEqual([]);
        expect(load.acknowledged).toBe(count);
        expect(again.acknowledged).toBe(again.options.items.length);
        const tally = await checkReports(c.db, items);
        c.add(tally);
        expect(tally.problems).toEqual([]);
        expect(tally.acknowledged).toBe(count);
      });
    },
  );

  it.skipIf(SMOKE && engine !== 'sqlite')(
    'during a bulk import: every acknowledged entry is in the bank once and matches',
    async () => {
      const c = await FaultCase.open({ fault: 'kill -9 during bulk import', engine, servers: 1 });
      await c.run(async () => {
        await c.createBank('faults-import');
        const batches = entryBatches(SMOKE ? 16 : 48, 250);
        const kills = SMOKE ? 1 : 2;
        const load = c.track(
          entryLoad('faults-import', c.token, batches, {
            concurrency: 2,
            budgetMs: 300_000,
            servers: () => c.urls(),
          }),
        );
        c.result.secondsToReady = await killWhen(
          c,
          kills,
          (k) => load.acknowledged >= ((k + 1) * batches.length) / (kills + 1),
        );
        await load.done;
        c.result.notes.push(`${kills} kill(s); failed attempts retried: ${load.failureSummary()}`);
        expect(c.crashes()).toEqual([]);
        expect(load.acknowledged).toBe(batches.length);
        const tally = await checkEntries(c.db, 'faults-import', batches, load.ackedAt);
        c.add(tally);
        expect(tally.problems).toEqual([]);
        // The restarted process loaded what was committed before the kill: a sample of it matches.
        const sample = batches.flatMap((b) => b.values.slice(0, 2));
        const answer = await postJson(
          `${c.servers[0]!.url}/v1/match`,
          { hashes: sample.slice(0, 100).map((value) => ({ signalType: 'sha256', value })) },
          { authorization: `Bearer ${c.token}` },
        );
        expect(answer.status).toBe(200);
        const results = (answer.json as { results: { matched: boolean }[] }).results;
        expect(results.filter((r) => !r.matched)).toEqual([]);
      });
    },
  );

  it.skipIf(SMOKE)(
    'during webhook delivery: every acknowledged match record reaches the receiver',
    async () => {
      const receiver = await startWebhookReceiver(200);
      const c = await FaultCase.open({
        fault: 'kill -9 during webhook delivery',
        engine,
        servers: 1,
        env: {
          HASHLINE_WEBHOOK_ALLOW_PRIVATE: '1',
          HASHLINE_WEBHOOK_POLL_MS: '100',
          HASHLINE_WEBHOOK_TIMEOUT_MS: '2000',
          HASHLINE_WEBHOOK_BASE_DELAY_MS: '200',
          HASHLINE_WEBHOOK_MAX_DELAY_MS: '2000',
        },
      });
      try {
        await c.run(async () => {
          await c.createBank('faults-hooks', { webhookUrl: receiver.url });
          const values = Array.from({ length: 120 }, () => randomHex());
          const add = await postJson(
            `${c.servers[0]!.url}/v1/banks/faults-hooks/entries`,
            { entries: values.map((value) => ({ signalType: 'sha256', value })) },
            { authorization: `Bearer ${c.token}` },
          );
          expect(add.status).toBe(201);
          const items: MatchItem[] = values.map((value) => ({ value, recordIds: [] }));
          const load = matchLoad(c.token, items, {
            concurrency: 4,
            budgetMs: 300_000,
            servers: () => c.urls(),
          });
          // Killed while the receiver holds deliveries (it answers after 200 ms).
          c.result.secondsToReady = await killWhen(c, 2, (k) => receiver.total() >= (k + 1) * 30);
          await load.done;
          expect(load.acknowledged).toBe(items.length);
          const keys = (): string[] => items.flatMap((item) => item.recordIds.map((id) => `match-${id}-`));
          // Deliveries the killed process had claimed come back when their lease ends (timeout + 30 s).
          await waitFor(
            'every acknowledged match record to reach the receiver',
            () =>
              keys().every((prefix) => [...receiver.received.keys()].some((key) => key.startsWith(prefix))),
            { timeoutMs: 240_000, intervalMs: 250 },
          );
          // ...and the outbox knows: nothing left pending (the dead process's claims were sent again).
          await waitFor(
            'the outbox to have delivered everything',
            async () =>
              Number(
                (
                  await c.db.query<{ n: number | string }>(
                    `select count(*) as n from webhook_deliveries where status <> 'delivered'`,
                  )
                )[0]!.n,
              ) === 0,
            { timeoutMs: 240_000, intervalMs: 500 },
          );
          const repeats = [...receiver.received.values()].filter((n) => n > 1).length;
          c.result.notes.push(
            `2 kills; ${receiver.total()} POSTs received for ${receiver.received.size} keys ` +
              `(${repeats} received again with the same key: at least once); failed match attempts: ${load.failureSummary()}`,
          );
          expect(c.crashes()).toEqual([]);
          const tally = await checkMatchDeliveries(c.db, items, receiver.received);
          c.add(tally);
          expect(tally.problems).toEqual([]);
          expect(tally.acknowledged).toBeGreaterThanOrEqual(items.length);
        });
      } finally {
        await receiver.close();
      }
    },
  );
});
