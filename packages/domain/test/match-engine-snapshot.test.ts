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

/**
 * A snapshot port that keeps the last snapshot in memory (the server's keeps a file). Like the
 * file, it keeps a copy: the engine's arrays are only lent to `write` until it resolves. `gate`,
 * when set, holds a write until it resolves; the copy is taken after it, so a change written into
 * the lent arrays meanwhile would show in the saved snapshot.
 */
function memoryPort(): IndexSnapshotPort & {
  saved: EngineSnapshot | null;
  /** Every snapshot written, in order. */
  history: EngineSnapshot[];
  writes: number;
  gate: Promise<void> | null;
} {
  const port = {
    saved: null as EngineSnapshot | null,
    history: [] as EngineSnapshot[],
    writes: 0,
    gate: null as Promise<void> | null,
    read: async () => (port.saved ? { snapshot: structuredClone(port.saved) } : { problem: 'none saved' }),
    write: async (snapshot: EngineSnapshot) => {
      if (port.gate) await port.gate;
      port.saved = structuredClone(snapshot);
      port.history.push(port.saved);
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

  test('changes applied while a snapshot is written are answered at once, stay out of it, and count after it', async () => {
    const next = seeded(9);
    const store = createMemoryStore();
    const banks = new BankService(store);
    await banks.createBank({ name: 'a', kind: 'known_csam' });
    const values: string[][] = [];
    const add = async (n: number, type = 'pdq') => {
      const items = Array.from({ length: n }, () => ({
        signalType: type,
        value: type === 'pdq' ? randomPdq(next) : randomPdq(next).slice(0, 32),
      }));
      values.push(...items.map((i) => [i.signalType, i.value]));
      return (await banks.addEntries('a', items, 't')).created;
    };
    const early = await add(50);
    await add(2, 'md5');
    const port = memoryPort();
    const engine = new MatchEngine(store, { snapshots: port });
    await engine.load();
    await expect.poll(() => port.writes).toBe(1);
    const savedSeq = await store.latestSeq();

    let open!: () => void;
    port.gate = new Promise<void>((resolve) => (open = resolve));
    const writing = engine.saveSnapshot();
    // While the tables are lent: entries added (ids past the tables' end among them), one
    // deleted, one disabled; the engine answers with all of it at once.
    const late = await add(3000);
    await add(1, 'md5');
    await banks.deleteEntry(early[0]!.id);
    await banks.updateEntry(early[1]!.id, { disabled: true });
    await engine.catchUp();
    const reference = new MatchEngine(store);
    await reference.load();
    for (const [signalType, value] of values) {
      const query = { signalType: signalType as 'pdq', value: value! };
      expect(engine.query(query)).toEqual(reference.query(query));
    }
    expect(engine.query({ signalType: 'pdq', value: late[2999]!.value }).matches).toHaveLength(1);
    expect(engine.query({ signalType: 'pdq', value: early[0]!.value }).matches).toHaveLength(0);

    open();
    await writing;
    // The snapshot is the state of its seq: none of the changes made while it was written (a
    // second save may follow it: the large catch-up folds the index into a new base and saves).
    const gated = port.history[1]!;
    expect(gated.seq).toBe(savedSeq);
    expect(gated.entryBanks[early[0]!.id]).not.toBe(0);
    expect(gated.entryBanks[early[1]!.id]).not.toBe(0);
    expect(gated.entryBanks[late[0]!.id] ?? 0).toBe(0);
    expect(gated.entryBanks[late[2999]!.id] ?? 0).toBe(0);
    // Folded in once it is written: the engine, a new save and a start from it agree with the store.
    await expectSameAsStore(store, engine, values);
    port.gate = null;
    await engine.saveSnapshot();
    expect(port.saved!.seq).toBe(await store.latestSeq());
    const restarted = new MatchEngine(store, { snapshots: port });
    await restarted.load();
    expect(restarted.status()).toMatchObject({ source: 'snapshot', snapshotProblem: null });
    await expectSameAsStore(store, restarted, values);
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
