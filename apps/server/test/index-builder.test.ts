import { PdqIndex, packPdqHash } from '@hashline/matcher';
import { describe, expect, test } from 'vitest';
import { createWorkerIndexBuilder } from '../src/index-build/worker-index-builder.js';
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
