// The store health check is bounded whatever the store does: a probe that never settles is
// reported within the timeout, at most MAX_PENDING_PROBES probes wait on a hung store, and the
// store's return is seen at the next check. Probes are fakes the test settles by hand.
import { DomainError } from '@hashline/domain';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_PROBES, StoreHealth, type StoreHealthState } from '../src/store-health.js';

/** A probe whose calls the test answers: each call returns a promise the test resolves or rejects. */
function manualProbe(): {
  probe: () => Promise<number>;
  calls: { resolve: (seq: number) => void; reject: (error: unknown) => void }[];
} {
  const calls: { resolve: (seq: number) => void; reject: (error: unknown) => void }[] = [];
  return {
    calls,
    probe: () => new Promise<number>((resolve, reject) => calls.push({ resolve, reject })),
  };
}

describe('StoreHealth', () => {
  it('reports a probe that never answers as unavailable within the timeout, and recovery at the next check', async () => {
    const { probe, calls } = manualProbe();
    const changes: StoreHealthState[] = [];
    const health = new StoreHealth({
      probe,
      timeoutMs: 50,
      intervalMs: 60_000,
      onChange: (s) => changes.push(s),
    });
    expect(health.available).toBe(true);

    const hung = await health.check();
    expect(hung).toMatchObject({ available: false, latestSeq: null });
    expect(hung.reason).toMatch(/did not answer within 50 ms/);
    expect(changes).toHaveLength(1);

    const back = health.check();
    calls[1]!.resolve(7);
    expect(await back).toMatchObject({ available: true, reason: null, latestSeq: 7 });
    expect(changes.map((s) => s.available)).toEqual([false, true]);
    // The abandoned first probe answering late changes nothing.
    calls[0]!.resolve(3);
    expect(health.current().latestSeq).toBe(7);
  });

  it('a STORE_UNAVAILABLE failure keeps its stable message as the reason; any other failure a generic one', async () => {
    const { probe, calls } = manualProbe();
    const health = new StoreHealth({ probe, timeoutMs: 60_000, intervalMs: 60_000 });
    const first = health.check();
    calls[0]!.reject(new DomainError('STORE_UNAVAILABLE', 'The database connection failed; retry shortly.'));
    expect(await first).toMatchObject({
      available: false,
      reason: 'The database connection failed; retry shortly.',
    });
    const second = health.check();
    calls[1]!.reject(new Error('password authentication failed for user "x" at 10.0.0.1'));
    expect(await second).toMatchObject({ available: false, reason: 'the database check failed' });
  });

  it(`never leaves more than ${MAX_PENDING_PROBES} probes waiting on a hung store`, async () => {
    const { probe, calls } = manualProbe();
    const health = new StoreHealth({ probe, timeoutMs: 20, intervalMs: 60_000 });
    for (let i = 0; i < MAX_PENDING_PROBES + 5; i++) {
      expect((await health.check()).available).toBe(false);
    }
    expect(calls).toHaveLength(MAX_PENDING_PROBES);
    expect(health.current().reason).toMatch(/has not answered for \d+ ms/);
    // Once one of them settles, the next check probes again.
    calls[0]!.reject(new Error('late'));
    await new Promise((resolve) => setImmediate(resolve));
    const again = health.check();
    calls[MAX_PENDING_PROBES]!.resolve(1);
    expect(await again).toMatchObject({ available: true });
  });

  it('concurrent checks share one probe', async () => {
    const { probe, calls } = manualProbe();
    const health = new StoreHealth({ probe, timeoutMs: 60_000, intervalMs: 60_000 });
    const a = health.check();
    const b = health.check();
    calls[0]!.resolve(5);
    expect(await a).toBe(await b);
    expect(calls).toHaveLength(1);
  });

  it('reportUnavailable checks at once instead of trusting one failed call', async () => {
    const { probe, calls } = manualProbe();
    const health = new StoreHealth({ probe, timeoutMs: 60_000, intervalMs: 60_000 });
    health.reportUnavailable(new DomainError('STORE_UNAVAILABLE'));
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(2);
    await health.check();
    expect(health.available).toBe(true);
  });
});
