import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST_BYTES, ExactIndex, type ExactAlgorithm, MatcherError } from '../src/index.js';
import { rng, toHex } from './oracle.js';

/** A stand-in digest of value n: uniform bytes, like a real digest (tests stay isomorphic). */
const digest = (algorithm: ExactAlgorithm, n: number): string => {
  const next = rng(n * 7919 + DIGEST_BYTES[algorithm]);
  return toHex(Uint8Array.from({ length: DIGEST_BYTES[algorithm] }, () => next() & 0xff));
};
const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));

describe('ExactIndex', () => {
  for (const algorithm of ['md5', 'sha1', 'sha256'] as const) {
    it(`${algorithm}: add/remove/lookup sequences equal a Map model`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.boolean(), fc.nat(300), fc.nat(60)), { maxLength: 600 }),
          fc.nat(40),
          (ops, capacity) => {
            const index = new ExactIndex(algorithm, capacity); // small capacities force growth
            const model = new Map<number, string>();
            for (const [isAdd, id, value] of ops) {
              if (isAdd) {
                index.add(id, digest(algorithm, value));
                model.set(id, digest(algorithm, value));
              } else {
                expect(index.remove(id)).toBe(model.delete(id));
              }
            }
            expect(index.size).toBe(model.size);
            for (let value = 0; value <= 60; value++) {
              const d = digest(algorithm, value);
              const expected = [...model]
                .filter(([, v]) => v === d)
                .map(([id]) => id)
                .sort((a, b) => a - b);
              expect(index.lookup(d)).toEqual(expected);
            }
            for (const [id, d] of model) expect(index.digestOf(id)).toBe(d);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it('accepts hex in either case and bytes, and rejects wrong lengths', () => {
    const index = new ExactIndex('md5');
    const d = digest('md5', 1);
    index.add(7, d.toUpperCase());
    expect(index.lookup(d)).toEqual([7]);
    expect(index.lookup(fromHex(d))).toEqual([7]);
    expect(index.lookup(digest('md5', 2))).toEqual([]);
    expect(() => index.lookup(digest('sha1', 1))).toThrow(MatcherError);
    expect(() => index.add(8, new Uint8Array(15))).toThrow(MatcherError);
    expect(() => index.add(-1, d)).toThrow(MatcherError);
    expect(() => new ExactIndex('crc32' as ExactAlgorithm)).toThrow(MatcherError);
  });

  it('holds 200,000 entries with shared digests and removals', () => {
    const index = new ExactIndex('sha256');
    for (let id = 0; id < 200_000; id++) index.add(id, digest('sha256', id % 50_000));
    expect(index.size).toBe(200_000);
    expect(index.lookup(digest('sha256', 123))).toEqual([123, 50_123, 100_123, 150_123]);
    for (let id = 0; id < 100_000; id++) expect(index.remove(id)).toBe(true);
    expect(index.remove(5)).toBe(false);
    expect(index.size).toBe(100_000);
    expect(index.lookup(digest('sha256', 123))).toEqual([100_123, 150_123]);
    expect(index.lookup(digest('sha256', 49_999))).toEqual([149_999, 199_999]);
  });
});
