// The shape every database fault case shares (proxy faults, pg_terminate_backend): servers under a
// steady mixed load (reports, bulk entries, matching), the fault, then the checks: no crash,
// readiness flipped where it should and came back, every acknowledged write stored once.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { checkEntries, checkReports, type Tally } from './checks.js';
import type { FaultCase } from './fault-case.js';
import {
  entryBatches,
  entryLoad,
  postJson,
  randomHex,
  reportItems,
  reportLoad,
  SteadyProbe,
} from './load.js';
import { waitFor } from './wait.js';

/** `work`, or an error naming `what` after a minute (a fault tool that hangs fails the case). */
async function bounded<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within 60 s`)), 60_000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a store fault case does between "load is flowing" and "check everything". */
export interface StoreFault {
  /** Starts the fault; returns notes for the table. */
  readonly apply: () => Promise<void>;
  /** Ends it (after the fault's own length, which the case waits). */
  readonly heal: () => Promise<void>;
  /** How long the fault lasts (ms): the fault itself, not a wait for a condition. */
  readonly holdMs: number;
  /** True when `/readyz` must answer 503 while the fault lasts (the database is unreachable). */
  readonly mustFlip: boolean;
}

/** Sizes of the load of one case. */
export interface LoadSize {
  readonly reports: number;
  readonly batches: number;
  readonly batchSize: number;
}

/**
 * Runs `faults` one after the other on `c` under load, then checks. `faults` may repeat the same
 * fault (pg_terminate_backend twice); each waits for every server to be ready and the load to
 * make progress before it starts.
 */
export async function runStoreFaults(
  c: FaultCase,
  faults: readonly StoreFault[],
  size: LoadSize,
): Promise<void> {
  const bank = `faults-${randomUUID().slice(0, 8)}`;
  await c.createBank(bank);
  const items = reportItems(size.reports);
  const batches = entryBatches(size.batches, size.batchSize);
  const servers = (): string[] => c.urls();
  const reports = reportLoad(items, { concurrency: 4, budgetMs: 400_000, servers });
  const entries = entryLoad(bank, c.token, batches, { concurrency: 1, budgetMs: 400_000, servers });
  // Matching a hash no bank holds needs no write: the answer can come from memory.
  const matching = new SteadyProbe(async () => {
    const answer = await postJson(
      `${servers()[0]}/v1/match`,
      { hashes: [{ signalType: 'sha256', value: randomHex() }] },
      { authorization: `Bearer ${c.token}` },
      10_000,
    );
    return `HTTP ${answer.status}`;
  });
  const tallies = async (): Promise<[Tally, Tally]> => {
    const found: [Tally, Tally] = [
      await checkReports(c.db, items),
      await checkEntries(c.db, bank, batches, entries.ackedAt),
    ];
    for (const tally of found) c.add(tally);
    return found;
  };
  let checked = false;
  try {
    let worstReady = 0;
    let worst503: number | null = null;
    for (const [n, fault] of faults.entries()) {
      // The load is flowing (and, after an earlier fault, flowing again) before each fault.
      const since = Date.now();
      await waitFor(
        'the load to make progress',
        () =>
          (reports.acknowledgedSince(since) >= 5 || reports.acknowledged === items.length) &&
          (entries.acknowledgedSince(since) >= 1 || entries.acknowledged === batches.length),
        { timeoutMs: 180_000 },
      );
      const start = Date.now();
      await bounded('starting the fault', fault.apply());
      await new Promise((resolve) => setTimeout(resolve, fault.holdMs));
      await bounded('ending the fault', fault.heal());
      const healed = Date.now();
      worstReady = Math.max(worstReady, await c.waitAllReady(healed));
      const flips = c.probes.map((probe) => probe.secondsTo503(start, healed));
      const ready = Date.now();
      c.result.notes.push(
        `fault ${n + 1}: /readyz until ready again ${c.probes.map((p) => p.summary(start, ready)).join(' / ')}; ` +
          `matching meanwhile ${matching.summary(start, ready)}`,
      );
      if (fault.mustFlip) {
        for (const [i, seconds] of flips.entries()) {
          expect(seconds, `server ${i + 1} answered 503 on /readyz while the fault lasted`).toBeDefined();
          worst503 = Math.max(worst503 ?? 0, seconds!);
        }
      }
    }
    c.result.secondsToReady = worstReady;
    c.result.secondsTo503 = worst503;
    await Promise.all([reports.done, entries.done]);
    c.result.notes.push(
      `report attempts failed: ${reports.failureSummary()}; entry attempts failed: ${entries.failureSummary()}`,
    );
    expect(c.crashes()).toEqual([]);
    expect(reports.acknowledged).toBe(items.length);
    expect(entries.acknowledged).toBe(batches.length);
    checked = true;
    const [reportTally, entryTally] = await tallies();
    expect(reportTally.problems).toEqual([]);
    expect(entryTally.problems).toEqual([]);
  } finally {
    await Promise.all([matching.stop(), reports.stop(), entries.stop()]);
    // A case that failed early still reports what was acknowledged so far and whether it is there.
    if (!checked) await tallies().catch(() => undefined);
  }
}
