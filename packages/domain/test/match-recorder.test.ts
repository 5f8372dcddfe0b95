// Group commit of match records (issue 12 part 3). A store whose commits can be held open lets the
// tests queue records behind a commit in flight without relying on timing: whatever arrives while
// a commit is held must go into the next group.
import {
  DomainError,
  MatchRecorder,
  type MatchRecord,
  type MatchRecordItem,
  type MatchRecordStore,
  type NewMatchRecord,
} from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { describe, expect, test } from 'vitest';

/** A store whose next `recordMatches` waits until released; records the size of every call. */
function holdingStore(inner: Pick<MatchRecordStore, 'recordMatches'> = createMemoryStore()) {
  const sizes: number[] = [];
  let held: { release: () => void; promise: Promise<void> } | null = null;
  let started: (() => void) | null = null;
  let failure: unknown = null;
  const store: Pick<MatchRecordStore, 'recordMatches'> = {
    async recordMatches(items: readonly MatchRecordItem[]): Promise<MatchRecord[]> {
      sizes.push(items.length);
      started?.();
      if (held) await held.promise;
      if (failure) throw failure;
      return inner.recordMatches(items);
    },
  };
  return {
    store,
    sizes,
    /** Holds the next commits open until `release()`; resolves once one of them has started. */
    hold(): Promise<void> {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      held = { release, promise };
      return new Promise((resolve) => (started = resolve));
    },
    release(): void {
      const current = held;
      held = null;
      started = null;
      current?.release();
    },
    failWith(error: unknown): void {
      failure = error;
    },
  };
}

const record = (n: number, over: Partial<NewMatchRecord> = {}): NewMatchRecord => ({
  createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
  caller: `key_${n}`,
  source: 'hash',
  signalType: 'md5',
  value: n.toString(16).padStart(32, '0'),
  matches: [{ entryId: n, bankId: 1, distance: 0 }],
  contentRef: `upload-${n}`,
  ...over,
});

const notify = (stored: MatchRecord) => [
  {
    bankId: 1,
    url: 'https://hooks.example.org/m',
    payload: { type: 'match', id: `match-${stored.id}`, recordId: stored.id },
    idempotencyKey: `match-${stored.id}`,
  },
];

describe('MatchRecorder', () => {
  test('records arriving while a commit is in flight commit together as the next group', async () => {
    const memory = createMemoryStore();
    const held = holdingStore(memory);
    const recorder = new MatchRecorder(held.store);
    const started = held.hold();
    const first = recorder.record(record(0), notify);
    await started;
    const rest = Array.from({ length: 50 }, (_, i) => recorder.record(record(i + 1), notify));
    expect(recorder.pending).toBe(50);
    held.release();
    const stored = await Promise.all([first, ...rest]);

    // Two commits for 51 records: the lone first one at once, then everything that queued behind it.
    expect(held.sizes).toEqual([1, 50]);
    expect(recorder.stats).toEqual({ commits: 2, records: 51, retriedGroups: 0 });
    for (const [n, saved] of stored.entries()) {
      expect(saved).toEqual({ ...record(n), id: expect.any(Number) });
      expect(await memory.getMatchRecord(saved.id)).toEqual(saved);
    }
    // Each record's notification is in the outbox, and the bank's seq follows the record order.
    const deliveries = (await memory.listDeliveries({ limit: 100 })).reverse();
    expect(deliveries.map((d) => JSON.parse(d.body).recordId)).toEqual(stored.map((r) => r.id));
    expect(deliveries.map((d) => d.seq)).toEqual(stored.map((_, i) => i + 1));
  });

  test('a group holds at most maxGroupSize records; maxGroupSize 1 commits each on its own', async () => {
    const held = holdingStore();
    const recorder = new MatchRecorder(held.store, { maxGroupSize: 4 });
    const started = held.hold();
    const all = [recorder.record(record(0))];
    await started;
    for (let n = 1; n <= 10; n++) all.push(recorder.record(record(n)));
    held.release();
    await Promise.all(all);
    expect(held.sizes).toEqual([1, 4, 4, 2]);

    // 1 is the previous path: each record commits on its own at once, even while another commit
    // is in flight (no queue); close() still waits for the commits in flight.
    const single = holdingStore();
    const one = new MatchRecorder(single.store, { maxGroupSize: 1 });
    const heldOne = single.hold();
    const alone = Array.from({ length: 5 }, (_, n) => one.record(record(n)));
    await heldOne;
    expect(single.sizes).toEqual([1, 1, 1, 1, 1]);
    expect(one.pending).toBe(0);
    let closed = false;
    const closing = one.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    single.release();
    await closing;
    expect((await Promise.all(alone)).map((r) => r.caller)).toEqual([0, 1, 2, 3, 4].map((n) => `key_${n}`));
    expect(one.stats).toEqual({ commits: 5, records: 5, retriedGroups: 0 });
    expect(() => new MatchRecorder(single.store, { maxGroupSize: 0 })).toThrow(RangeError);
  });

  test('a group that fails for another reason is retried record by record: only the culprit fails', async () => {
    const memory = createMemoryStore();
    const held = holdingStore(memory);
    const recorder = new MatchRecorder(held.store);
    const started = held.hold();
    const first = recorder.record(record(0), notify);
    await started;
    const rest = [1, 2, 3, 4].map((n) =>
      recorder.record(
        record(n),
        n === 3
          ? () => {
              throw new Error('the notifications could not be built');
            }
          : notify,
      ),
    );
    held.release();
    const outcomes = await Promise.allSettled([first, ...rest]);

    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((outcomes[3] as PromiseRejectedResult).reason).toEqual(
      new Error('the notifications could not be built'),
    );
    // Group [1,2,3,4] failed, then 1, 2, 3 (fails), 4 alone.
    expect(held.sizes).toEqual([1, 4, 1, 1, 1, 1]);
    expect(recorder.stats).toEqual({ commits: 4, records: 4, retriedGroups: 1 });
    const named = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    for (const saved of named) expect(await memory.getMatchRecord(saved.id)).toEqual(saved);
    expect(await memory.listMatchRecords({ limit: 10 })).toHaveLength(4);
    expect(await memory.listDeliveries({ limit: 10 })).toHaveLength(4);
  });

  test('a group that fails with STORE_UNAVAILABLE fails all its records with it, and stores none', async () => {
    const memory = createMemoryStore();
    const held = holdingStore(memory);
    const recorder = new MatchRecorder(held.store);
    const started = held.hold();
    const first = recorder.record(record(0), notify);
    await started;
    const rest = [1, 2, 3].map((n) => recorder.record(record(n), notify));
    const unavailable = new DomainError('STORE_UNAVAILABLE', 'The database did not answer in time.');
    held.failWith(unavailable);
    held.release();
    const outcomes = await Promise.allSettled([first, ...rest]);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === unavailable)).toBe(true);
    // No retry one by one: nobody waits longer on a database that does not answer.
    expect(held.sizes).toEqual([1, 3]);
    expect(await memory.listMatchRecords({ limit: 10 })).toEqual([]);
    expect(await memory.listDeliveries({ limit: 10 })).toEqual([]);

    held.failWith(null);
    const later = await recorder.record(record(9), notify);
    expect(await memory.getMatchRecord(later.id)).toEqual(later);
  });

  test('close() waits until every queued record has committed, then refuses new ones', async () => {
    const memory = createMemoryStore();
    const held = holdingStore(memory);
    const recorder = new MatchRecorder(held.store);
    const started = held.hold();
    const queued = [recorder.record(record(0), notify)];
    await started;
    for (let n = 1; n <= 5; n++) queued.push(recorder.record(record(n), notify));
    let closed = false;
    const closing = recorder.close().then(() => (closed = true));
    // Still held: close has not resolved, and nothing was dropped.
    await Promise.resolve();
    expect(closed).toBe(false);
    expect(recorder.pending).toBe(5);
    held.release();
    await closing;
    expect(held.sizes).toEqual([1, 5]);
    const stored = await Promise.all(queued);
    expect((await memory.listMatchRecords({ limit: 10 })).map((r) => r.id).sort()).toEqual(
      stored.map((r) => r.id).sort(),
    );
    await expect(recorder.record(record(7))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await recorder.flush();
  });
});
