import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LiveIndex,
  MatcherError,
  PdqIndex,
  type PdqIndexOptions,
  type RebuildSource,
  evenLayout,
  materializeRebuild,
  rebuildIndex,
} from '../src/index.js';
import { bruteForce, bruteForceMany, flipBits, pack, randomHash, rng, toHex } from './oracle.js';

type Op =
  | { kind: 'add'; id: number; centre: number; d: number }
  | { kind: 'remove'; id: number }
  | { kind: 'query'; centre: number; d: number; radius: number }
  | { kind: 'startRebuild' }
  | { kind: 'finishRebuild'; pick: number }
  | { kind: 'replayOld'; back: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      id: fc.nat(40),
      centre: fc.nat(3),
      d: fc.nat(40),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.nat(40) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      centre: fc.nat(3),
      d: fc.nat(20),
      radius: fc.integer({ min: 0, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('startRebuild' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('finishRebuild' as const), pick: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replayOld' as const), back: fc.nat(5) }) },
);

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof MatcherError ? e.code : 'not a MatcherError';
  }
  return undefined;
};

describe('LiveIndex against a model (Map id → hash)', () => {
  for (const [name, options] of [
    ['scan bases', { strategy: 'scan' }],
    ['MIH bases', { substrings: 16 }],
    ['MIH bases with suffix bits', { layout: evenLayout(16, 8) }],
  ] as [string, PdqIndexOptions][]) {
    it(`add/remove/query/rebuild/swap sequences (${name})`, () => {
      fc.assert(
        fc.property(fc.integer(), fc.nat(30), fc.array(opArb, { maxLength: 80 }), (seed, initial, ops) => {
          const next = rng(seed);
          const centres = [0, 1, 2, 3].map(() => randomHash(next));
          const model = new Map<number, Uint8Array>();
          for (let i = 0; i < initial; i++) model.set(100 + i, flipBits(centres[i % 4]!, next() % 40, next));
          const { ids, hashes } = pack([...model]);
          const live = new LiveIndex(PdqIndex.build(ids, hashes, options), { baseVersion: 10 });
          const pending: RebuildSource[] = [];
          const history: { seq: number; op: () => boolean }[] = [];
          const check = (q: Uint8Array, radius: number): void => {
            expect(live.query(q, radius)).toEqual(bruteForce([...model], q, radius));
          };
          for (const op of ops) {
            switch (op.kind) {
              case 'add': {
                const h = flipBits(centres[op.centre]!, op.d, next);
                expect(live.add(op.id, h)).toBe(true);
                model.set(op.id, h);
                const seq = live.version;
                history.push({ seq, op: () => live.add(op.id, randomHash(next), seq) });
                // Matchable immediately, without any rebuild.
                expect(live.query(h, 0).some((m) => m.id === op.id)).toBe(true);
                break;
              }
              case 'remove': {
                expect(live.remove(op.id)).toBe(true);
                model.delete(op.id);
                const seq = live.version;
                history.push({ seq, op: () => live.remove(op.id, seq) });
                break;
              }
              case 'query':
                check(flipBits(centres[op.centre]!, op.d, next), op.radius);
                break;
              case 'startRebuild':
                pending.push(live.rebuildSource());
                break;
              case 'finishRebuild': {
                if (pending.length === 0) break;
                const [source] = pending.splice(op.pick % pending.length, 1);
                const index = rebuildIndex(source!, options);
                if (source!.version < live.baseVersion) {
                  expect(code(() => live.swapBase(index, source!.version))).toBe('MATCHER_STALE_REBUILD');
                } else {
                  live.swapBase(index, source!.version);
                  expect(live.baseVersion).toBe(source!.version);
                  expect(live.stats().pendingChanges).toBe(live.version - source!.version);
                }
                break;
              }
              case 'replayOld': {
                // Re-delivering an already applied change (same seq) must change nothing.
                const h = history[history.length - 1 - op.back];
                if (h) expect(h.op()).toBe(false);
                break;
              }
            }
          }
          for (const c of centres) check(c, 31);
          expect(live.size).toBe(model.size);
          for (let id = 0; id < 130; id++) expect(live.has(id)).toBe(model.has(id));
          // Dihedral-style multi-hash query over the live state.
          const variants = centres.map((c) => flipBits(c, 5, next));
          expect(live.queryMany(variants, 31)).toEqual(bruteForceMany([...model], variants, 31));
          // A final rebuild reproduces exactly the model.
          const src = live.rebuildSource();
          const flat = materializeRebuild(src);
          const rebuilt = new Map<number, string>();
          flat.ids.forEach((id, i) =>
            rebuilt.set(id, toHex(new Uint8Array(flat.hashes.slice(i * 8, i * 8 + 8).buffer))),
          );
          expect(rebuilt.size).toBe(flat.ids.length); // no id twice
          // The base was built in id order, so every rebuild keeps the ids ascending (no sorted copy).
          expect(flat.ids.every((id, i) => i === 0 || flat.ids[i - 1]! < id)).toBe(true);
          expect(new Map([...model].map(([id, h]) => [id, toHex(h)]))).toEqual(rebuilt);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('keeps changes applied while a rebuild was running (the swap race)', () => {
    const next = rng(99);
    const a = randomHash(next);
    const b = randomHash(next);
    const c = randomHash(next);
    const live = new LiveIndex();
    live.add(1, a);
    live.add(2, b);
    const source = live.rebuildSource(); // version 2: {1: a, 2: b}
    // Meanwhile: 1 removed, 2 replaced by c, 3 added.
    live.remove(1);
    live.add(2, c);
    live.add(3, a);
    live.swapBase(rebuildIndex(source), source.version);
    expect(live.stats()).toMatchObject({
      version: 5,
      baseVersion: 2,
      baseSize: 2,
      pendingChanges: 3,
      deltaSize: 2,
    });
    expect(live.query(a, 0)).toEqual([{ id: 3, distance: 0 }]);
    expect(live.query(b, 0)).toEqual([]);
    expect(live.query(c, 0)).toEqual([{ id: 2, distance: 0 }]);
    // A second, later rebuild folds everything in.
    const later = live.rebuildSource();
    live.swapBase(rebuildIndex(later), later.version);
    expect(live.stats()).toMatchObject({
      version: 5,
      baseVersion: 5,
      baseSize: 2,
      pendingChanges: 0,
      deltaSize: 0,
    });
    expect(live.query(a, 0)).toEqual([{ id: 3, distance: 0 }]);
    expect(live.query(c, 0)).toEqual([{ id: 2, distance: 0 }]);
    // The first snapshot is now older than the base: refused.
    expect(code(() => live.swapBase(rebuildIndex(source), source.version))).toBe('MATCHER_STALE_REBUILD');
  });

  it('uses the caller’s change-log sequence numbers and ignores changes already in the base', () => {
    const next = rng(5);
    const a = randomHash(next);
    const b = randomHash(next);
    const live = new LiveIndex(PdqIndex.empty(), { baseVersion: 100 });
    expect(live.add(1, a, 100)).toBe(false); // at or below the base version: already reflected
    expect(live.add(1, a, 101)).toBe(true);
    expect(live.add(2, b, 105)).toBe(true);
    expect(live.add(3, b, 104)).toBe(false); // out of order: ignored
    expect(live.version).toBe(105);
    // The server rebuilt from the database at seq 110, ahead of what this replica has applied.
    const { ids, hashes } = pack([
      [1, a],
      [2, b],
      [4, b],
    ]);
    live.swapBase(PdqIndex.build(ids, hashes), 110);
    expect(live.version).toBe(110);
    expect(live.remove(4, 108)).toBe(false); // late delivery of a change the base already has
    expect(live.query(b, 0).map((m) => m.id)).toEqual([2, 4]);
    expect(live.remove(4, 111)).toBe(true);
    expect(live.query(b, 0).map((m) => m.id)).toEqual([2]);
    expect(code(() => live.add(5, a, -1))).toBe('MATCHER_INVALID_SEQ');
    expect(code(() => live.add(5, a, 1.5))).toBe('MATCHER_INVALID_SEQ');
    expect(code(() => live.add(-1, a))).toBe('MATCHER_INVALID_ID');
    expect(code(() => live.add(2 ** 32, a))).toBe('MATCHER_INVALID_ID');
    expect(code(() => live.add(5, new Uint8Array(8)))).toBe('MATCHER_INVALID_HASH');
    expect(code(() => live.query(a, 65))).toBe('MATCHER_INVALID_RADIUS');
    expect(live.version).toBe(111); // rejected calls changed nothing
  });

  it('needsRebuild follows the delta size and the pending fraction', () => {
    const next = rng(6);
    const live = new LiveIndex(PdqIndex.empty(), { maxDelta: 5, minRebuild: 8 });
    for (let i = 0; i < 4; i++) live.add(i, randomHash(next));
    expect(live.needsRebuild()).toBe(false);
    live.add(4, randomHash(next));
    expect(live.needsRebuild()).toBe(true); // 5 delta entries
    const s = live.rebuildSource();
    live.swapBase(rebuildIndex(s), s.version);
    expect(live.needsRebuild()).toBe(false);
    for (let i = 0; i < 7; i++) live.remove(i);
    expect(live.needsRebuild()).toBe(false);
    live.remove(7);
    expect(live.needsRebuild()).toBe(true); // 8 pending changes
  });

  it('an allow-list filter suppresses ids, and the delta honours it too', () => {
    const next = rng(8);
    const h = randomHash(next);
    const { ids, hashes } = pack([
      [1, h],
      [2, h],
    ]);
    const live = new LiveIndex(PdqIndex.build(ids, hashes));
    live.add(3, h);
    const allowed = new Set([2, 3]);
    expect(live.query(h, 0, { filter: (id) => !allowed.has(id) })).toEqual([{ id: 1, distance: 0 }]);
  });
});
