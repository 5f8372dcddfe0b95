// Retention of match records (issue 12 part 3): the job deletes what is older than the setting, in
// batches until nothing due is left, keeps newer records, and does nothing at 0.
import { MatchRecordRetention, type MatchRecordStore, type NewMatchRecord } from '@hashline/domain';
import { createManualClock, createMemoryStore } from '@hashline/domain/testing';
import { describe, expect, test } from 'vitest';

const DAY = 86_400_000;

function record(createdAt: Date, n: number): NewMatchRecord {
  return {
    createdAt,
    caller: 'key_a',
    source: 'hash',
    signalType: 'md5',
    value: n.toString(16).padStart(32, '0'),
    matches: [{ entryId: n, bankId: 1, distance: 0 }],
    contentRef: null,
  };
}

describe('MatchRecordRetention', () => {
  test('deletes records older than N days in batches, keeps newer ones', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore(clock);
    const at = (days: number) => new Date(clock.now().getTime() - days * DAY);
    const old = await store.recordMatches(
      Array.from({ length: 7 }, (_, n) => ({ record: record(at(91 + n), n) })),
    );
    const kept = await store.recordMatches([{ record: record(at(89), 100) }, { record: record(at(1), 101) }]);
    const calls: number[] = [];
    const counting: Pick<MatchRecordStore, 'deleteMatchRecordsBefore'> = {
      deleteMatchRecordsBefore: async (before, limit) => {
        const done = await store.deleteMatchRecordsBefore(before, limit);
        calls.push(done.records);
        return done;
      },
    };
    const retention = new MatchRecordRetention({ store: counting, clock, retentionDays: 90, batch: 3 });
    expect(retention.cutoff()).toEqual(at(90));
    expect(await retention.runOnce()).toEqual({ records: 7, deliveries: 0 });
    expect(calls).toEqual([3, 3, 1]);
    for (const r of old) expect(await store.getMatchRecord(r.id)).toBeUndefined();
    for (const r of kept) expect(await store.getMatchRecord(r.id)).toEqual(r);

    // Two days later the 89-day-old record is due too.
    clock.advance(2 * DAY);
    expect(await retention.runOnce()).toEqual({ records: 1, deliveries: 0 });
    expect(await store.getMatchRecord(kept[1]!.id)).toEqual(kept[1]);
  });

  test('0 days keeps everything and never asks the store', async () => {
    const clock = createManualClock();
    let asked = false;
    const retention = new MatchRecordRetention({
      store: {
        deleteMatchRecordsBefore: async () => {
          asked = true;
          return { records: 0, deliveries: 0 };
        },
      },
      clock,
      retentionDays: 0,
    });
    expect(retention.enabled).toBe(false);
    expect(await retention.runOnce()).toEqual({ records: 0, deliveries: 0 });
    expect(asked).toBe(false);
    expect(() => new MatchRecordRetention({ store: createMemoryStore(), clock, retentionDays: -1 })).toThrow(
      RangeError,
    );
  });
});
