import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex, hammingDistance } from '@hashline/pdq';
import { BankService, MatchEngine, type BankKind } from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { flipBits, randomPdq, seeded, setup } from './support.js';

const MD5 = '0123456789abcdef0123456789abcdef';

describe('MatchEngine', () => {
  test('an entry added through the service matches on the very next query, and stops when deleted', async () => {
    const { banks, engine } = await setup();
    const next = seeded(1);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    expect(engine.query({ signalType: 'pdq', value: hash }).matches).toEqual([]);
    const { created } = await banks.addEntries(
      'known',
      [{ signalType: 'pdq', value: hash, quality: 100 }],
      'test',
    );
    const near = flipBits(hash, 7, next);
    expect(engine.query({ signalType: 'pdq', value: near }).matches).toEqual([
      { entryId: created[0]!.id, bankId: created[0]!.bankId, distance: 7 },
    ]);
    await banks.deleteEntry(created[0]!.id);
    expect(engine.query({ signalType: 'pdq', value: near }).matches).toEqual([]);
  });

  test('applies each bank its own threshold, and ignores disabled banks and entries', async () => {
    const { banks, engine } = await setup();
    const next = seeded(2);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'strict', kind: 'known_csam', pdqThreshold: 10 });
    await banks.createBank({ name: 'loose', kind: 'known_csam', pdqThreshold: 40 });
    const [strict] = (await banks.addEntries('strict', [{ signalType: 'pdq', value: hash }], 't')).created;
    const [loose] = (await banks.addEntries('loose', [{ signalType: 'pdq', value: hash }], 't')).created;
    const at20 = flipBits(hash, 20, next);
    expect(engine.query({ signalType: 'pdq', value: at20 }).matches.map((m) => m.entryId)).toEqual([
      loose!.id,
    ]);
    const at5 = flipBits(hash, 5, next);
    expect(engine.query({ signalType: 'pdq', value: at5 }).matches.map((m) => m.entryId)).toEqual([
      strict!.id,
      loose!.id,
    ]);
    expect(engine.query({ signalType: 'pdq', value: at5, bankIds: [strict!.bankId] }).matches).toHaveLength(
      1,
    );

    await banks.updateBank('loose', { enabled: false });
    expect(engine.query({ signalType: 'pdq', value: at5 }).matches.map((m) => m.entryId)).toEqual([
      strict!.id,
    ]);
    await banks.updateBank('loose', { enabled: true });
    expect(engine.query({ signalType: 'pdq', value: at5 }).matches).toHaveLength(2);

    await banks.updateEntry(strict!.id, { disabled: true });
    expect(engine.query({ signalType: 'pdq', value: at5 }).matches.map((m) => m.entryId)).toEqual([
      loose!.id,
    ]);
    await banks.updateEntry(strict!.id, { disabled: false });
    expect(engine.query({ signalType: 'pdq', value: at5 }).matches).toHaveLength(2);

    await banks.updateBank('strict', { pdqThreshold: 31 });
    expect(engine.query({ signalType: 'pdq', value: at20 }).matches).toHaveLength(2);
  });

  test('an allow-list match suppresses every other match of the query', async () => {
    const { banks, engine } = await setup();
    const next = seeded(3);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.createBank({ name: 'false-positives', kind: 'allow_list', pdqThreshold: 8 });
    await banks.addEntries('known', [{ signalType: 'pdq', value: hash }], 't');
    await banks.addEntries('false-positives', [{ signalType: 'pdq', value: hash }], 't');
    const close = engine.query({ signalType: 'pdq', value: flipBits(hash, 4, next) });
    expect(close.matches).toEqual([]);
    expect(close.suppressed).toHaveLength(1);
    expect(close.allowListed).toHaveLength(1);
    // Beyond the allow-list's own threshold, the match stands.
    const farther = engine.query({ signalType: 'pdq', value: flipBits(hash, 20, next) });
    expect(farther.matches).toHaveLength(1);
    expect(farther.allowListed).toEqual([]);
  });

  test('matches cryptographic hashes exactly', async () => {
    const { banks, engine } = await setup();
    await banks.createBank({ name: 'md5s', kind: 'known_csam' });
    await banks.addEntries('md5s', [{ signalType: 'md5', value: MD5.toUpperCase() }], 't');
    expect(engine.query({ signalType: 'md5', value: MD5 }).matches).toHaveLength(1);
    expect(engine.query({ signalType: 'md5', value: MD5.replace('0', '1') }).matches).toHaveLength(0);
    expect(engine.query({ signalType: 'sha1', value: MD5 + '00000000' }).matches).toHaveLength(0);
  });

  test('reports the dihedral variant that matched', async () => {
    const { banks, engine } = await setup();
    const next = seeded(4);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.addEntries('known', [{ signalType: 'pdq', value: hash }], 't');
    const result = engine.query({
      signalType: 'pdq',
      value: randomPdq(next),
      variants: [
        { name: 'rot90', value: randomPdq(next) },
        { name: 'flipy', value: flipBits(hash, 3, next) },
      ],
    });
    expect(result.matches).toMatchObject([{ distance: 3, variant: 'flipy' }]);
  });

  test('a second engine loads existing entries and follows later changes from the log', async () => {
    const store = createMemoryStore();
    const writer = new BankService(store);
    const next = seeded(5);
    await writer.createBank({ name: 'known', kind: 'known_csam' });
    const before = randomPdq(next);
    await writer.addEntries(
      'known',
      [
        { signalType: 'pdq', value: before },
        { signalType: 'md5', value: MD5 },
      ],
      'w',
    );
    const replica = new MatchEngine(store, { pageSize: 1 });
    await replica.load();
    expect(replica.query({ signalType: 'pdq', value: before }).matches).toHaveLength(1);
    expect(replica.query({ signalType: 'md5', value: MD5 }).matches).toHaveLength(1);

    const after = randomPdq(next);
    const { seq } = await writer.addEntries('known', [{ signalType: 'pdq', value: after }], 'w');
    expect(replica.query({ signalType: 'pdq', value: after }).matches).toHaveLength(0);
    await replica.waitFor(seq);
    expect(replica.seq).toBe(seq);
    expect(replica.query({ signalType: 'pdq', value: after }).matches).toHaveLength(1);
    await writer.deleteBank('known');
    await replica.catchUp();
    expect(replica.query({ signalType: 'pdq', value: before }).matches).toHaveLength(0);
    expect(replica.status()).toMatchObject({ loaded: true, banks: 0, pdqEntries: 0 });
  });

  test('refuses queries until loaded', () => {
    const engine = new MatchEngine(createMemoryStore());
    expect(() => engine.query({ signalType: 'md5', value: MD5 })).toThrow(
      expect.objectContaining({ code: 'INDEX_NOT_READY' }),
    );
  });

  test('a background rebuild keeps every result, including changes made while it runs', async () => {
    const { banks, engine } = await setup();
    const next = seeded(6);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const hashes = Array.from({ length: 300 }, () => randomPdq(next));
    await banks.addEntries(
      'known',
      hashes.map((value) => ({ signalType: 'pdq', value })),
      't',
    );
    const rebuilding = engine.rebuild();
    const late = randomPdq(next);
    await banks.addEntries('known', [{ signalType: 'pdq', value: late }], 't');
    await rebuilding;
    expect(engine.status().pdqDeltaSize).toBe(1);
    for (const value of [...hashes.slice(0, 20), late]) {
      expect(engine.query({ signalType: 'pdq', value }).matches).toHaveLength(1);
    }
    expect(engine.status().pdqEntries).toBe(301);
  });

  test('equals a brute-force scan over random banks with planted near-duplicates (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom<BankKind>('known_csam', 'ncii_adults', 'allow_list'),
            threshold: fc.integer({ min: 0, max: 40 }),
            enabled: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (seed, bankSpecs) => {
          const next = seeded(seed);
          const { banks, engine } = await setup();
          const query = randomPdq(next);
          const entries: { id: number; bank: number; value: string; disabled: boolean }[] = [];
          for (const [i, spec] of bankSpecs.entries()) {
            const bank = await banks.createBank({
              name: `b${i}`,
              kind: spec.kind,
              pdqThreshold: spec.threshold,
              enabled: spec.enabled,
            });
            const values = Array.from({ length: 12 }, (_, k) =>
              k < 8 ? flipBits(query, Math.floor(next() * 45), next) : randomPdq(next),
            );
            const { created } = await banks.addEntries(
              bank.id,
              [...new Set(values)].map((value) => ({ signalType: 'pdq', value, disabled: next() < 0.2 })),
              't',
            );
            for (const e of created)
              entries.push({ id: e.id, bank: bank.id, value: e.value, disabled: e.disabled });
          }
          const q = fromHex(query);
          const hits = entries
            .map((e) => ({
              ...e,
              distance: hammingDistance(q, fromHex(e.value)),
              spec: bankSpecs[e.bank - 1]!,
            }))
            .filter((e) => !e.disabled && e.spec.enabled && e.distance <= e.spec.threshold);
          const allow = hits.filter((h) => h.spec.kind === 'allow_list');
          const others = hits
            .filter((h) => h.spec.kind !== 'allow_list')
            .sort((a, b) => a.distance - b.distance || a.id - b.id)
            .map((h) => ({ entryId: h.id, bankId: h.bank, distance: h.distance }));
          const result = engine.query({ signalType: 'pdq', value: query });
          expect(result.allowListed.length).toBe(allow.length);
          expect(allow.length > 0 ? result.suppressed : result.matches).toEqual(others);
        },
      ),
      { numRuns: 40 },
    );
  });
});
