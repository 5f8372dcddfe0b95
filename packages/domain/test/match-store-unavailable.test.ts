// Matching while the store is away: the verdict comes from the in-memory index, the answer says
// it was not recorded and names no record, and only STORE_UNAVAILABLE is treated so; any other
// store failure stays a failure. The memory store is wrapped so a test can make it fail.
import { DomainError, MatchService, type HashlineStore } from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { describe, expect, test } from 'vitest';
import { randomPdq, seeded, setup } from './support.js';

const full = { id: 'key-platform', verdictOnly: false };

/** The memory store, with `recordMatch`, `recordMatches` and `getEntries` failing with `failure` while it is set. */
function failingStore(): { store: HashlineStore; fail: (error: Error | null) => void; calls: () => number } {
  const inner = createMemoryStore();
  let failure: Error | null = null;
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (
        (property === 'recordMatch' || property === 'recordMatches' || property === 'getEntries') &&
        typeof value === 'function'
      ) {
        return async (...args: unknown[]) => {
          calls += 1;
          if (failure) throw failure;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { store, fail: (error) => (failure = error), calls: () => calls };
}

describe('MatchService while the store is unavailable', () => {
  test('answers the verdict from memory with recorded: false and no record id, and reports it', async () => {
    const { store, fail } = failingStore();
    const { banks, engine } = await setup(store);
    const reported: string[] = [];
    const matches = new MatchService(engine, store, undefined, {
      onStoreUnavailable: (lost) => reported.push(lost),
    });
    const hash = randomPdq(seeded(31));
    await banks.createBank({ name: 'known', kind: 'known_csam', defaultActions: ['block'] });
    await banks.addEntries(
      'known',
      [{ signalType: 'pdq', value: hash, classification: { industry: 'A1' } }],
      't',
    );

    fail(new DomainError('STORE_UNAVAILABLE', 'The database did not answer in time; retry shortly.'));
    const [answer] = await matches.match(full, matches.parseItems([{ signalType: 'pdq', value: hash }]), {
      source: 'hash',
    });
    expect(answer).toMatchObject({
      matched: true,
      recorded: false,
      recordId: null,
      matches: [{ bank: 'known', distance: 0, classification: {}, actions: ['block'] }],
    });
    expect(reported).toEqual(['record']);

    fail(null);
    expect(await store.listMatchRecords({ limit: 10 })).toHaveLength(0);
    const [recorded] = await matches.match(full, matches.parseItems([{ signalType: 'pdq', value: hash }]), {
      source: 'hash',
    });
    expect(recorded).toMatchObject({
      matched: true,
      recorded: true,
      matches: [{ classification: { industry: 'A1' } }],
    });
    const records = await store.listMatchRecords({ limit: 10 });
    expect(records.map((r) => r.id)).toEqual([(recorded as { recordId: number }).recordId]);
  });

  test('while the health check says the store is away, the store is not asked at all', async () => {
    const { store, calls } = failingStore();
    const { banks, engine } = await setup(store);
    const matches = new MatchService(engine, store, undefined, { storeAvailable: () => false });
    const hash = randomPdq(seeded(32));
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.addEntries('known', [{ signalType: 'pdq', value: hash }], 't');
    const before = calls();
    const [answer] = await matches.match(full, matches.parseItems([{ signalType: 'pdq', value: hash }]), {
      source: 'hash',
    });
    expect(answer).toMatchObject({ matched: true, recorded: false, recordId: null });
    expect(calls()).toBe(before);
  });

  test('any other store failure is not hidden', async () => {
    const { store, fail } = failingStore();
    const { banks, engine } = await setup(store);
    const matches = new MatchService(engine, store);
    const hash = randomPdq(seeded(33));
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.addEntries('known', [{ signalType: 'pdq', value: hash }], 't');
    fail(new TypeError('a bug'));
    await expect(
      matches.match(full, matches.parseItems([{ signalType: 'pdq', value: hash }]), { source: 'hash' }),
    ).rejects.toThrow('a bug');
  });
});
