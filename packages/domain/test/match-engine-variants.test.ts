import { describe, expect, test } from 'vitest';
import {
  MatchEngine,
  PDQ_VARIANT_KINDS,
  formatPdqVariants,
  parsePdqVariants,
  type EngineSnapshot,
} from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { flipBits, randomPdq, seeded, setup } from './support.js';

const next = seeded(2118);
const CROP = PDQ_VARIANT_KINDS.find((k) => k.startsWith('crop-'))!;

/** A PDQ entry with a `trim` and a crop variant, all unrelated random hashes. */
function entryWithVariants() {
  const value = randomPdq(next);
  const trim = randomPdq(next);
  const crop = randomPdq(next);
  return {
    value,
    trim,
    crop,
    input: {
      signalType: 'pdq',
      value,
      pdqVariants: [
        { kind: CROP, value: crop.toUpperCase() },
        { kind: 'trim', value: trim },
      ],
    },
  };
}

describe('MatchEngine: robust variants of bank entries', () => {
  test('a query near a variant matches the entry, naming the variant and the distance to it', async () => {
    const { banks, engine, store } = await setup();
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const e = entryWithVariants();
    const { created } = await banks.addEntries('known', [e.input], 'test');
    const entry = created[0]!;
    // Stored in canonical order, lower-case.
    expect(entry.pdqVariants).toEqual([
      { kind: 'trim', value: e.trim },
      { kind: CROP, value: e.crop },
    ]);
    expect((await store.getEntry(entry.id))!.pdqVariants).toEqual(entry.pdqVariants);
    expect(engine.status()).toMatchObject({ pdqEntries: 1, variantEntries: 1, variantHashes: 2 });

    const nearCrop = flipBits(e.crop, 12, next);
    expect(engine.query({ signalType: 'pdq', value: nearCrop }).matches).toEqual([
      { entryId: entry.id, bankId: entry.bankId, distance: 12, bankVariant: CROP },
    ]);
    // The primary wins when it is as close or closer.
    expect(engine.query({ signalType: 'pdq', value: flipBits(e.value, 3, next) }).matches).toEqual([
      { entryId: entry.id, bankId: entry.bankId, distance: 3 },
    ]);
    // A query's trim probes the variants; its rotations do not (ADR 0021).
    const nearTrim = flipBits(e.trim, 20, next);
    const other = randomPdq(next);
    expect(
      engine.query({ signalType: 'pdq', value: other, variants: [{ name: 'trim', value: nearTrim }] })
        .matches,
    ).toEqual([
      { entryId: entry.id, bankId: entry.bankId, distance: 20, variant: 'trim', bankVariant: 'trim' },
    ]);
    // So do its frame and screen (the picture inside its outermost border, between a screenshot's bars).
    for (const name of ['frame', 'screen'])
      expect(
        engine.query({ signalType: 'pdq', value: other, variants: [{ name, value: nearTrim }] }).matches,
      ).toEqual([
        { entryId: entry.id, bankId: entry.bankId, distance: 20, variant: name, bankVariant: 'trim' },
      ]);
    expect(
      engine.query({ signalType: 'pdq', value: other, variants: [{ name: 'rot90', value: nearTrim }] })
        .matches,
    ).toEqual([]);
    // The bank's threshold applies to variants as to primaries.
    await banks.updateBank('known', { pdqThreshold: 10 });
    expect(engine.query({ signalType: 'pdq', value: nearCrop }).matches).toEqual([]);
    await banks.updateBank('known', { pdqThreshold: 31 });
    expect(engine.query({ signalType: 'pdq', value: flipBits(e.crop, 32, next) }).matches).toEqual([]);
  });

  test('the change log carries an entry’s variants; disabling, deleting and a snapshot agree with a cold load', async () => {
    const store = createMemoryStore();
    const { banks, engine } = await setup(store);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const a = entryWithVariants();
    const b = entryWithVariants();
    const plain = randomPdq(next);
    const { created } = await banks.addEntries(
      'known',
      [a.input, b.input, { signalType: 'pdq', value: plain }],
      'test',
    );
    const changes = await store.changesSince(0, 100);
    const upserts = changes.filter((c) => c.op === 'entry_upsert');
    expect(upserts.map((c) => c.op === 'entry_upsert' && c.pdqVariants?.map((v) => v.kind))).toEqual([
      ['trim', CROP],
      ['trim', CROP],
      undefined,
    ]);

    await banks.updateEntry(created[1]!.id, { disabled: true });
    expect(engine.query({ signalType: 'pdq', value: b.crop }).matches).toEqual([]);
    await banks.updateEntry(created[1]!.id, { disabled: false });
    expect(engine.query({ signalType: 'pdq', value: b.crop }).matches[0]).toMatchObject({
      entryId: created[1]!.id,
      bankVariant: CROP,
    });

    let saved: EngineSnapshot | null = null;
    const port = {
      read: async () => (saved ? { snapshot: saved } : { problem: 'none saved' }),
      write: async (snapshot: EngineSnapshot) => {
        saved = snapshot;
      },
    };
    const cold = new MatchEngine(store, { snapshots: port });
    await cold.load();
    expect(cold.status().source).toBe('store');
    await cold.saveSnapshot();
    expect(saved!.variantKindMasks!.length).toBe(2);
    const fromSnapshot = new MatchEngine(store, { snapshots: port });
    await fromSnapshot.load();
    expect(fromSnapshot.status().source).toBe('snapshot');
    for (const value of [a.trim, a.crop, b.trim, b.crop, plain, flipBits(a.crop, 9, next)]) {
      const live = engine.query({ signalType: 'pdq', value });
      expect(live.matches).toHaveLength(1);
      expect(cold.query({ signalType: 'pdq', value })).toEqual(live);
      expect(fromSnapshot.query({ signalType: 'pdq', value })).toEqual(live);
    }

    // A bank disabled and enabled again: its entries are re-read with their variants.
    await banks.updateBank('known', { enabled: false });
    expect(engine.query({ signalType: 'pdq', value: a.crop }).matches).toEqual([]);
    await banks.updateBank('known', { enabled: true });
    expect(engine.query({ signalType: 'pdq', value: a.crop }).matches[0]).toMatchObject({
      entryId: created[0]!.id,
      bankVariant: CROP,
    });

    await banks.deleteEntry(created[0]!.id);
    await fromSnapshot.catchUp();
    for (const e of [engine, fromSnapshot]) {
      expect(e.query({ signalType: 'pdq', value: a.crop }).matches).toEqual([]);
      expect(e.status()).toMatchObject({ variantEntries: 1, variantHashes: 2 });
    }
  });

  test('variants are validated: PDQ entries only, known kinds once each, well-formed hashes', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const value = randomPdq(next);
    const bad = [
      { signalType: 'md5', value: 'a'.repeat(32), pdqVariants: [{ kind: 'trim', value }] },
      { signalType: 'pdq', value, pdqVariants: [{ kind: 'crop-x1', value }] },
      {
        signalType: 'pdq',
        value,
        pdqVariants: [
          { kind: 'trim', value },
          { kind: 'trim', value },
        ],
      },
      { signalType: 'pdq', value, pdqVariants: [{ kind: 'trim', value: '0'.repeat(64) }] },
      { signalType: 'pdq', value, pdqVariants: 'trim' },
    ];
    for (const entry of bad) {
      await expect(banks.addEntries('known', [entry], 'test')).rejects.toMatchObject({
        details: [expect.objectContaining({ at: expect.stringContaining('/pdqVariants') })],
      });
    }
  });

  test('the stored text form reads back exactly', () => {
    const variants = [
      { kind: 'trim' as const, value: randomPdq(next) },
      { kind: CROP, value: randomPdq(next) },
    ];
    const text = formatPdqVariants([...variants].reverse())!;
    expect(text).toBe(`trim:${variants[0]!.value} ${CROP}:${variants[1]!.value}`);
    expect(parsePdqVariants(text)).toEqual(variants);
    expect(formatPdqVariants([])).toBeNull();
    expect(() => parsePdqVariants('trim:zz')).toThrow();
  });
});
