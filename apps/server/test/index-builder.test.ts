import { PdqIndex, packPdqHash } from '@hashline/matcher';
import { describe, expect, test } from 'vitest';
import { BankService, MatchEngine } from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import {
  createWorkerIndexBuilder,
  createWorkerIndexRebuilder,
} from '../src/index-build/worker-index-builder.js';
import { flipBits, randomPdq } from './support/test-app.js';

describe('createWorkerIndexBuilder', () => {
  test('builds in a worker thread an index that answers like one built here', async () => {
    const n = 20_000;
    const values = Array.from({ length: n }, () => randomPdq());
    const pack = () => {
      const ids = new Uint32Array(n);
      const hashes = new Uint32Array(n * 8);
      values.forEach((value, i) => {
        ids[i] = i + 1;
        packPdqHash(value, hashes, i * 8);
      });
      return { ids, hashes };
    };
    const input = pack();
    const built = await createWorkerIndexBuilder()(input.ids, input.hashes);
    // The inputs were transferred, not copied.
    expect(input.ids.length).toBe(0);
    const reference = PdqIndex.build(pack().ids, pack().hashes);
    expect(built.size).toBe(n);
    expect(built.strategy).toBe('mih');
    for (const i of [0, 17, 9_999, 19_999]) {
      const query = flipBits(values[i]!, 25);
      expect(built.query(query, 31)).toEqual(reference.query(query, 31));
      expect(built.query(query, 31)[0]).toMatchObject({ id: i + 1, distance: 25 });
    }
  });
});

describe('createWorkerIndexRebuilder', () => {
  test('an engine on shared memory rebuilds in a worker and keeps every entry, old and new', async () => {
    const store = createMemoryStore();
    const banks = new BankService(store);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const first = Array.from({ length: 5_000 }, () => randomPdq());
    await banks.addEntries(
      'known',
      first.map((value) => ({ signalType: 'pdq', value })),
      't',
    );
    const engine = new MatchEngine(store, {
      buildIndex: createWorkerIndexBuilder(),
      rebuildIndex: createWorkerIndexRebuilder(),
      sharedMemory: true,
    });
    await engine.load();
    // The loaded base lives on shared memory, so the rebuild source is shared, not copied.
    const later = Array.from({ length: 300 }, () => randomPdq());
    const { seq } = await banks.addEntries(
      'known',
      later.map((value) => ({ signalType: 'pdq', value })),
      't',
    );
    await engine.waitFor(seq);
    expect(engine.status().pdqDeltaSize).toBe(300);
    await engine.rebuild();
    expect(engine.status()).toMatchObject({ pdqDeltaSize: 0, pdqBaseSize: 5_300, pdqEntries: 5_300 });
    for (const value of [first[0]!, first[4_999]!, later[0]!, later[299]!]) {
      expect(engine.query({ signalType: 'pdq', value: flipBits(value, 20) }).matches).toMatchObject([
        { distance: 20 },
      ]);
    }
  });
});
