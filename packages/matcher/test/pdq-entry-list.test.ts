import { describe, expect, it } from 'vitest';
import { MatcherError, PdqEntryList, PdqIndex, pdqHashToWords, wordsToPdqHash } from '../src/index.js';
import { bruteForce, randomHash, rng, toHex } from './oracle.js';

describe('PdqEntryList', () => {
  it('packs entries past its initial capacity; the index built from it answers like brute force', () => {
    const next = rng(21);
    const list = new PdqEntryList(2);
    const entries: [number, Uint8Array][] = [];
    for (let i = 0; i < 5000; i++) {
      const h = randomHash(next);
      entries.push([i * 3, h]);
      if (i % 3 === 0) list.push(i * 3, toHex(h));
      else if (i % 3 === 1) list.push(i * 3, h);
      else list.pushWords(i * 3, pdqHashToWords(h), 0);
    }
    expect(list.length).toBe(5000);
    const { ids, hashes } = list.finish();
    expect(ids.length).toBe(5000);
    expect(hashes.length).toBe(40000);
    expect(toHex(wordsToPdqHash(hashes, 8 * 17))).toBe(toHex(entries[17]![1]));
    const index = PdqIndex.build(ids, hashes);
    expect(index.strategy).toBe('mih');
    for (const i of [0, 1, 2, 4999]) {
      expect(index.query(entries[i]![1], 31)).toEqual(bruteForce(entries, entries[i]![1], 31));
    }
  });

  it('validates ids and hashes', () => {
    const list = new PdqEntryList();
    expect(() => list.push(-1, new Uint8Array(32))).toThrow(MatcherError);
    expect(() => list.push(1, new Uint8Array(16))).toThrow(MatcherError);
    expect(() => list.push(1, 'x'.repeat(64))).toThrow(MatcherError);
    expect(list.length).toBe(0);
  });
});
