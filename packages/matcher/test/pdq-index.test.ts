import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MatcherError, PdqIndex, type PdqIndexOptions, evenLayout, transferListOf } from '../src/index.js';
import {
  bruteForce,
  bruteForceMany,
  flipBits,
  pack,
  plantedBank,
  randomHash,
  rng,
  toHex,
  variantsOf,
} from './oracle.js';

const hex = toHex;

// Wide substrings mean big offset tables (m = 11: 11 tables of 2^23–2^24 slots, 700 MB), so the
// layouts used at 1M–10M entries get fewer runs than the narrow ones.
const strategies: [string, PdqIndexOptions, number][] = [
  ['scan', { strategy: 'scan' }, 12],
  ['mih m=11 (the 10M layout)', { substrings: 11 }, 1],
  ['mih m=13 (the 1M layout)', { substrings: 13 }, 3],
  ['mih m=16', { substrings: 16 }, 12],
  ['mih m=21', { substrings: 21 }, 12],
  ['mih m=32', { substrings: 32 }, 12],
  // Suffix bits: part of each substring is kept in the table entries and compared per bucket.
  ['mih m=11, 5 suffix bits (wide substrings, small offset tables)', { layout: evenLayout(11, 5) }, 3],
  ['mih m=9, 8 suffix bits (the 100M substring widths, 29/28 bits)', { layout: evenLayout(9, 8) }, 2],
  ['mih m=16, 8 suffix bits (buckets of whole substrings)', { layout: evenLayout(16, 8) }, 12],
  [
    'mih uneven substrings with gaps and mixed suffix bits',
    {
      layout: {
        widths: [30, 9, 20, 1, 26, 17, 12, 24, 27, 20, 31],
        starts: [0, 30, 40, 60, 62, 88, 105, 118, 142, 170, 200],
        suffixBits: [8, 0, 3, 0, 7, 1, 8, 2, 6, 4, 8],
      },
    },
    6,
  ],
  ['auto (mih)', { scanBelow: 0 }, 12],
];

describe('PdqIndex equals a brute-force scan', () => {
  for (const [name, options, numRuns] of strategies) {
    it(`${name}: every radius 0..31 on banks with planted near-duplicates`, () => {
      fc.assert(
        fc.property(fc.integer(), fc.integer({ min: 0, max: 400 }), (seed, extra) => {
          const next = rng(seed);
          const { entries, centres } = plantedBank(next, 2 * 34 + extra, 2);
          const { ids, hashes } = pack(entries);
          const index = PdqIndex.build(ids, hashes, options);
          for (const centre of centres) {
            for (let r = 0; r <= 31; r++) {
              const expected = bruteForce(entries, centre, r);
              expect(expected.length).toBeGreaterThanOrEqual(r + 1); // the planted ones at d ≤ r
              expect(index.query(centre, r)).toEqual(expected);
            }
          }
          // Queries that are themselves perturbed, and unrelated ones, at a few larger radii.
          const probe = flipBits(centres[0]!, next() % 20, next);
          const random = randomHash(next);
          for (const r of [31, 40, 64]) {
            expect(index.query(probe, r)).toEqual(bruteForce(entries, probe, r));
            expect(index.query(random, r)).toEqual(bruteForce(entries, random, r));
          }
        }),
        { numRuns },
      );
    });
  }

  it('auto strategy on a larger bank (5,000 entries) at radius 31', () => {
    const next = rng(12345);
    const { entries, centres } = plantedBank(next, 5000, 10);
    const { ids, hashes } = pack(entries);
    const index = PdqIndex.build(ids, hashes);
    expect(index.strategy).toBe('mih');
    for (const c of centres) expect(index.query(c, 31)).toEqual(bruteForce(entries, c, 31));
  });

  it('clustered banks (large buckets, many candidates) stay exact', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 14, max: 32 }), (seed, m) => {
        const next = rng(seed);
        const centre = randomHash(next);
        // 600 entries within distance 0..40 of one centre: every table bucket near it is crowded.
        const entries: [number, Uint8Array][] = [];
        for (let i = 0; i < 600; i++) entries.push([i, flipBits(centre, next() % 41, next)]);
        const { ids, hashes } = pack(entries);
        const index = PdqIndex.build(ids, hashes, { substrings: m });
        const q = flipBits(centre, next() % 10, next);
        for (const r of [0, 5, 17, 31]) expect(index.query(q, r)).toEqual(bruteForce(entries, q, r));
      }),
      { numRuns: 20 },
    );
  });

  it('queryMany (dihedral variants) equals brute force, and equals query for one variant', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 31 }), fc.boolean(), (seed, d, mih) => {
        const next = rng(seed);
        const { entries, centres } = plantedBank(next, 300, 3);
        const { ids, hashes } = pack(entries);
        const index = PdqIndex.build(ids, hashes, mih ? { substrings: 16 } : { strategy: 'scan' });
        const variants = variantsOf(centres[1]!, d, 8, next);
        for (const r of [d, 31]) {
          expect(index.queryMany(variants, r)).toEqual(bruteForceMany(entries, variants, r));
        }
        // Dihedral off: a single query hash gives the plain answer, all from variant 0.
        const single = index.queryMany([variants[0]!], 31);
        expect(single.map(({ id, distance }) => ({ id, distance }))).toEqual(index.query(variants[0]!, 31));
        expect(single.every((m) => m.variant === 0)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('queryMany reports the closest variant, the first one among ties', () => {
    const next = rng(7);
    const target = randomHash(next);
    const { ids, hashes } = pack([[42, target]]);
    const index = PdqIndex.build(ids, hashes);
    const far = flipBits(target, 20, next);
    const near = flipBits(target, 3, next);
    expect(index.queryMany([far, near, near], 31)).toEqual([{ id: 42, distance: 3, variant: 1 }]);
    expect(index.queryMany([], 31)).toEqual([]);
  });
});

const copy0 = (index: PdqIndex): PdqIndex => PdqIndex.fromSerialized(structuredClone(index.serialize()));

describe('PdqIndex edge cases', () => {
  it('an empty index matches nothing', () => {
    const next = rng(1);
    const empty = PdqIndex.empty();
    expect(empty.size).toBe(0);
    expect(empty.query(randomHash(next), 64)).toEqual([]);
    const built = PdqIndex.build(new Uint32Array(0), new Uint32Array(0), { strategy: 'mih' });
    expect(built.query(randomHash(next), 31)).toEqual([]);
  });

  it('the same hash under different ids returns every id; a repeated id is reported once', () => {
    const next = rng(2);
    const h = randomHash(next);
    const near = flipBits(h, 4, next);
    const entries: [number, Uint8Array][] = [
      [5, h],
      [3, h],
      [9, h],
      [7, near],
      [7, h], // id 7 twice: reported at its smaller distance
    ];
    for (const options of [{ strategy: 'scan' as const }, { substrings: 16 }]) {
      const { ids, hashes } = pack(entries);
      const index = PdqIndex.build(ids, hashes, options);
      expect(index.query(h, 0)).toEqual([
        { id: 3, distance: 0 },
        { id: 5, distance: 0 },
        { id: 7, distance: 0 },
        { id: 9, distance: 0 },
      ]);
      expect(index.query(near, 4)).toEqual([
        { id: 7, distance: 0 },
        { id: 3, distance: 4 },
        { id: 5, distance: 4 },
        { id: 9, distance: 4 },
      ]);
    }
  });

  it('hasId answers membership, with ids in any order or ascending (then without a sorted copy)', () => {
    const next = rng(11);
    for (const order of [
      [9, 4, 4_000_000_000, 0, 17],
      [0, 4, 9, 17, 4_000_000_000],
    ]) {
      const entries: [number, Uint8Array][] = order.map((id) => [id, randomHash(next)]);
      const { ids, hashes } = pack(entries);
      const index = PdqIndex.build(ids, hashes);
      for (const id of order) expect(index.hasId(id)).toBe(true);
      for (const id of [1, 5, 18, 4_000_000_001]) expect(index.hasId(id)).toBe(false);
      const sorted = order[0] === 0;
      expect(index.serialize().sortedIds === null).toBe(sorted);
      expect(index.byteLength).toBe((sorted ? 0 : 20) + 20 + 5 * 32);
    }
    expect(PdqIndex.empty().hasId(0)).toBe(false);
  });

  it('accepts hex in either case and bytes alike; filter drops ids', () => {
    const next = rng(3);
    const h = randomHash(next);
    const { ids, hashes } = pack([
      [1, h],
      [2, flipBits(h, 1, next)],
    ]);
    const index = PdqIndex.build(ids, hashes, { substrings: 16 });
    expect(index.query(hex(h), 1)).toEqual(index.query(h, 1));
    expect(index.query(hex(h).toUpperCase(), 1)).toEqual(index.query(h, 1));
    expect(index.query(h, 1, { filter: (id) => id !== 1 })).toEqual([{ id: 2, distance: 1 }]);
  });

  it('rejects bad radii, hashes and inputs with stable codes', () => {
    const index = PdqIndex.empty();
    const h = new Uint8Array(32);
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof MatcherError ? e.code : 'not a MatcherError';
      }
      return undefined;
    };
    expect(code(() => index.query(h, -1))).toBe('MATCHER_INVALID_RADIUS');
    expect(code(() => index.query(h, 65))).toBe('MATCHER_INVALID_RADIUS');
    expect(code(() => index.query(h, 1.5))).toBe('MATCHER_INVALID_RADIUS');
    expect(code(() => index.query(h, 64))).toBeUndefined();
    expect(code(() => index.query(new Uint8Array(31), 3))).toBe('MATCHER_INVALID_HASH');
    expect(code(() => index.query('ab'.repeat(31), 3))).toBe('MATCHER_INVALID_HASH');
    expect(code(() => index.query('zz'.repeat(32), 3))).toBe('MATCHER_INVALID_HASH');
    expect(code(() => index.queryMany([h, new Uint8Array(33)], 3))).toBe('MATCHER_INVALID_HASH');
    expect(code(() => PdqIndex.build(new Uint32Array(2), new Uint32Array(8)))).toBe('MATCHER_INVALID_INPUT');
    expect(code(() => PdqIndex.build(new Uint32Array(0), new Uint32Array(0), { substrings: 7 }))).toBe(
      'MATCHER_INVALID_INPUT',
    );
    const bad = (layout: { widths: number[]; starts: number[]; suffixBits: number[] }): string | undefined =>
      code(() => PdqIndex.build(new Uint32Array(2), new Uint32Array(16), { layout }));
    expect(bad({ widths: [20, 20], starts: [0, 20], suffixBits: [0, 0] })).toBeUndefined();
    expect(bad({ widths: [20, 20], starts: [0, 19], suffixBits: [0, 0] })).toBe('MATCHER_INVALID_INPUT'); // overlap
    expect(bad({ widths: [29, 20], starts: [0, 40], suffixBits: [0, 0] })).toBe('MATCHER_INVALID_INPUT'); // 2^29 slots
    expect(bad({ widths: [20, 20], starts: [0, 240], suffixBits: [0, 0] })).toBe('MATCHER_INVALID_INPUT'); // past bit 255
    expect(bad({ widths: [20, 20], starts: [0, 20], suffixBits: [9, 0] })).toBe('MATCHER_INVALID_INPUT'); // > 8 bits
    expect(bad({ widths: [20], starts: [0, 20], suffixBits: [0] })).toBe('MATCHER_INVALID_INPUT');
  });

  it('serialize/fromSerialized round-trips through structured clone, with or without shared memory', () => {
    const next = rng(4);
    const { entries, centres } = plantedBank(next, 500, 2);
    // SharedArrayBuffer needs cross-origin isolation in browsers: test it where it exists.
    for (const shared of typeof SharedArrayBuffer === 'function' ? [false, true] : [false]) {
      const { ids, hashes } = pack(entries);
      const index = PdqIndex.build(ids, hashes, { substrings: 14, shared });
      const serialized = index.serialize();
      const transfer = transferListOf(serialized);
      expect(transfer.length).toBe(shared ? 2 : 3 + 2 * 14); // ids and hashes come in as plain buffers
      expect(copy0(index).hasId(entries[0]![0])).toBe(true);
      const copy = PdqIndex.fromSerialized(structuredClone(serialized));
      expect(copy.strategy).toBe('mih');
      expect(copy.byteLength).toBe(index.byteLength);
      for (const c of centres) expect(copy.query(c, 31)).toEqual(bruteForce(entries, c, 31));
    }
    expect(() => PdqIndex.fromSerialized({ ...PdqIndex.empty().serialize(), version: 1 } as never)).toThrow(
      MatcherError,
    );
  });
});
