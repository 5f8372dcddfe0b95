import { describe, expect, test } from 'vitest';
import {
  BankService,
  MatchEngine,
  type EngineEvent,
  type EngineSnapshot,
  type HashlineStore,
  type IndexSnapshotPort,
} from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { randomPdq, seeded } from './support.js';

/** A snapshot port that keeps the last snapshot in memory (the server's keeps a file). */
function memoryPort(): IndexSnapshotPort & { saved: EngineSnapshot | null; writes: number } {
  const port = {
    saved: null as EngineSnapshot | null,
    writes: 0,
    read: async () => (port.saved ? { snapshot: port.saved } : { problem: 'none saved' }),
    write: async (snapshot: EngineSnapshot) => {
      port.saved = snapshot;
      port.writes++;
    },
  };
  return port;
}

/** Every entry ever added, queried on `engine` and on a fresh engine loaded from the store. */
async function expectSameAsStore(
  store: HashlineStore,
  engine: MatchEngine,
  values: string[][],
): Promise<void> {
  await engine.catchUp();
  const reference = new MatchEngine(store);
  await reference.load();
  expect(engine.seq).toBe(reference.seq);
  for (const [signalType, value] of values) {
    const query = { signalType: signalType as 'pdq', value: value! };
    expect(engine.query(query)).toEqual(reference.query(query));
  }
}

describe('MatchEngine snapshots', () => {
  test('loads from the store and saves; a later engine starts from the save and replays what followed', async () => {
    const next = seeded(7);
    const store = createMemoryStore();
    const banks = new BankService(store);
    const values: string[][] = [];
    const add = async (bank: string, n: number, type = 'pdq') => {
      const items = Array.from({ length: n }, () => ({
        signalType: type,
        value: type === 'pdq' ? randomPdq(next) : randomPdq(next).slice(0, 32),
      }));
      values.push(...items.map((i) => [i.signalType, i.value]));
      return (await banks.addEntries(bank, items, 't')).created;
    };
    await banks.createBank({ name: 'a', kind: 'known_csam' });
    await banks.createBank({ name: 'b', kind: 'known_csam' });
    await add('a', 200);
    await add('a', 3, 'md5');
    await add('b', 20);
    const port = memoryPort();
    const events: EngineEvent[] = [];
    const first = new MatchEngine(store, { snapshots: port, onEvent: (e) => events.push(e) });
    await first.load();
    expect(first.status().source).toBe('store');
    await expect.poll(() => port.writes).toBe(1);
    expect(port.saved!.seq).toBe(await store.latestSeq());
    expect(events.map((e) => e.type)).toEqual(['snapshot-rejected', 'loaded', 'snapshot-written']);

    // After the save: adds, a delete, a disabled entry, a bank off.
    const late = await add('a', 5);
    await add('b', 1, 'md5');
    await banks.deleteEntry(late[0]!.id);
    await banks.updateEntry(late[1]!.id, { disabled: true });
    await banks.updateBank('b', { enabled: false });

    const second = new MatchEngine(store, { snapshots: port });
    await second.load();
    expect(second.status()).toMatchObject({ source: 'snapshot', snapshotProblem: null, pdqEntries: 223 });
    await expectSameAsStore(store, second, values);

    // Saved with bank b off; b on again after: its entries come back on replay.
    await first.catchUp();
    await first.saveSnapshot();
    expect(port.saved!.banks.find((b) => b.name === 'b')!.enabled).toBe(false);
    await banks.updateBank('b', { enabled: true });
    const third = new MatchEngine(store, { snapshots: port });
    await third.load();
    expect(third.status().source).toBe('snapshot');
    await expectSameAsStore(store, third, values);
  });

  test('a save waits for a change being applied: its state is exactly that of its seq', async () => {
    const next = seeded(8);
    const store = createMemoryStore();
    const banks = new BankService(store);
    await banks.createBank({ name: 'a', kind: 'known_csam' });
    await banks.addEntries('a', [{ signalType: 'pdq', value: randomPdq(next) }], 't');
    const port = memoryPort();
    const engine = new MatchEngine(store, { snapshots: port });
    await engine.load();
    await expect.poll(() => port.writes).toBe(1);
    await banks.updateBank('a', { enabled: false });
    await banks.addEntries('a', [{ signalType: 'pdq', value: randomPdq(next) }], 't');
    await banks.updateBank('a', { enabled: true }); // replayed with a reload of the bank's entries
    const catchingUp = engine.catchUp();
    const saved = engine.saveSnapshot();
    await Promise.all([catchingUp, saved]);
    expect(port.saved!.seq).toBe(await store.latestSeq());
    expect(port.saved!.banks[0]!.enabled).toBe(true);
  });

  test('a snapshot of another index format, or ahead of the store, is not used', async () => {
    const store = createMemoryStore();
    const banks = new BankService(store);
    await banks.createBank({ name: 'a', kind: 'known_csam' });
    const port = memoryPort();
    await new MatchEngine(store, { snapshots: port }).load();
    await expect.poll(() => port.writes).toBe(1);
    const good = port.saved!;

    port.saved = { ...good, pdqBase: { ...good.pdqBase, version: 1 as 2 } };
    const other = new MatchEngine(store, { snapshots: port });
    await other.load();
    expect(other.status()).toMatchObject({
      source: 'store',
      snapshotProblem: expect.stringMatching(/format/),
    });

    port.saved = { ...good, seq: good.seq + 1 };
    const ahead = new MatchEngine(store, { snapshots: port });
    await ahead.load();
    expect(ahead.status()).toMatchObject({
      source: 'store',
      snapshotProblem: expect.stringMatching(/newer/),
    });
  });
});
