import { describe, expect, test, vi } from 'vitest';
import type { DomainError } from '@hashline/domain';
import { MAX_MATCH_BATCH } from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { flipBits, randomPdq, seeded, setup } from './support.js';

const full = { id: 'key-platform', verdictOnly: false };
const verdict = { id: 'key-verdict', verdictOnly: true };

describe('MatchService', () => {
  test('answers with bank, distance, classification and actions, and records only matches', async () => {
    const { banks, matches, store } = await setup();
    const next = seeded(21);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam', defaultActions: ['block', 'report_ncmec'] });
    const { created } = await banks.addEntries(
      'known',
      [{ signalType: 'pdq', value: hash, classification: { industry: 'A1' } }],
      't',
    );
    const items = matches.parseItems([
      { signalType: 'pdq', value: flipBits(hash, 9, next), contentRef: 'upload-1' },
      { signalType: 'pdq', value: randomPdq(next) },
    ]);
    const answers = await matches.match(full, items, { source: 'hash' });
    expect(answers[0]).toMatchObject({
      matched: true,
      contentRef: 'upload-1',
      matches: [
        {
          bank: 'known',
          bankKind: 'known_csam',
          entryId: created[0]!.id,
          distance: 9,
          classification: { industry: 'A1' },
          actions: ['block', 'report_ncmec'],
        },
      ],
    });
    expect(answers[1]).toMatchObject({ matched: false, matches: [], recordId: null });
    const records = await store.listMatchRecords({ limit: 10 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      caller: 'key-platform',
      source: 'hash',
      contentRef: 'upload-1',
      matches: [{ entryId: created[0]!.id, distance: 9 }],
    });
    expect((answers[0] as { recordId: number }).recordId).toBe(records[0]!.id);
  });

  test('requests matched together read their classifications in one store read, then from memory', async () => {
    const store = createMemoryStore();
    const { banks, matches } = await setup(store);
    const next = seeded(24);
    const hashes = [randomPdq(next), randomPdq(next), randomPdq(next)];
    const industries = ['A1', 'A2', 'B1'] as const;
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const { created } = await banks.addEntries(
      'known',
      hashes.map((value, i) => ({
        signalType: 'pdq' as const,
        value,
        classification: { industry: industries[i]! },
      })),
      't',
    );
    const reads = vi.spyOn(store, 'getEntries');
    const matchEach = () =>
      Promise.all(
        hashes.map((value) =>
          matches.match(full, matches.parseItems([{ signalType: 'pdq', value }]), { source: 'hash' }),
        ),
      );
    const answers = await matchEach();
    // Three requests, each missing the cache: one read for all three.
    expect(reads).toHaveBeenCalledTimes(1);
    expect([...reads.mock.calls[0]![0]].sort((a, b) => a - b)).toEqual(
      created.map((e) => e.id).sort((a, b) => a - b),
    );
    answers.forEach(([answer], i) => {
      expect(answer).toMatchObject({
        matched: true,
        matches: [{ entryId: created[i]!.id, classification: { industry: industries[i]! } }],
      });
    });
    await matchEach();
    expect(reads).toHaveBeenCalledTimes(1);
  });

  test('a verdict-only caller learns matched yes/no and nothing else', async () => {
    const { banks, matches } = await setup();
    const next = seeded(22);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.addEntries('known', [{ signalType: 'pdq', value: hash }], 't');
    const answers = await matches.match(
      verdict,
      matches.parseItems([
        { signalType: 'pdq', value: hash },
        { signalType: 'pdq', value: randomPdq(next) },
      ]),
      { source: 'hash' },
    );
    expect(answers).toEqual([{ matched: true }, { matched: false }]);
  });

  test('queues a webhook delivery per bank that has one, without the queried hash', async () => {
    const { banks, matches, store } = await setup();
    const next = seeded(23);
    const hash = randomPdq(next);
    await banks.createBank({
      name: 'hooked',
      kind: 'known_csam',
      webhookUrl: 'https://hotline.example/hook',
    });
    await banks.createBank({ name: 'quiet', kind: 'known_csam' });
    await banks.addEntries('hooked', [{ signalType: 'pdq', value: hash }], 't');
    await banks.addEntries('quiet', [{ signalType: 'pdq', value: hash }], 't');
    await matches.match(full, matches.parseItems([{ signalType: 'pdq', value: hash }]), { source: 'media' });
    const deliveries = await store.listDeliveries({ limit: 10 });
    expect(deliveries).toHaveLength(1);
    const body = JSON.parse(deliveries[0]!.body);
    expect(body).toMatchObject({
      type: 'match',
      // The bank's first notification, answered at the change-log position of its entry.
      seq: 1,
      changeSeq: await store.latestSeq(),
      bank: { name: 'hooked' },
      caller: 'key-platform',
      matches: [{ distance: 0 }],
    });
    expect(deliveries[0]!.body).not.toContain(hash);
    expect(deliveries[0]!.idempotencyKey).toBe(body.id);
  });

  test('validates queries like inserts: quality, degenerate hashes, batch size, unknown banks', async () => {
    const { matches, banks } = await setup();
    const next = seeded(24);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as DomainError).code;
      }
      return 'none';
    };
    expect(code(() => matches.parseItems([{ signalType: 'pdq', value: randomPdq(next), quality: 49 }]))).toBe(
      'LOW_QUALITY_HASH',
    );
    expect(code(() => matches.parseItems([{ signalType: 'pdq', value: '0'.repeat(64) }]))).toBe(
      'DEGENERATE_HASH',
    );
    expect(code(() => matches.parseItems([{ signalType: 'pdq', value: 'abc' }]))).toBe('INVALID_HASH');
    expect(code(() => matches.parseItems([]))).toBe('VALIDATION_FAILED');
    const tooMany = Array.from({ length: MAX_MATCH_BATCH + 1 }, () => ({
      signalType: 'pdq',
      value: randomPdq(next),
    }));
    expect(code(() => matches.parseItems(tooMany))).toBe('BATCH_TOO_LARGE');
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await expect(
      matches.match(full, matches.parseItems([{ signalType: 'pdq', value: randomPdq(next) }]), {
        source: 'hash',
        banks: ['nope'],
      }),
    ).rejects.toMatchObject({ code: 'BANK_NOT_FOUND' });
  });
});

describe('MatchService variants', () => {
  test('matches the rotated and mirrored variants a caller sends as one query, naming the variant', async () => {
    const { banks, matches, store } = await setup();
    const next = seeded(25);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.addEntries('known', [{ signalType: 'pdq', value: hash }], 't');
    const items = matches.parseItems([
      {
        signalType: 'pdq',
        value: randomPdq(next),
        variants: [
          { name: 'rot90', value: randomPdq(next) },
          { name: 'flipy', value: flipBits(hash, 5, next) },
        ],
      },
    ]);
    const [answer] = await matches.match(full, items, { source: 'hash' });
    expect(answer).toMatchObject({ matched: true, matches: [{ distance: 5, variant: 'flipy' }] });
    expect(await store.listMatchRecords({ limit: 10 })).toHaveLength(1);
  });

  test('refuses variants of exact hashes, unknown or repeated names, and bad hashes', () => {
    const next = seeded(26);
    return setup().then(({ matches }) => {
      const fails = (variants: unknown, signalType = 'pdq', value = randomPdq(next)) => {
        try {
          matches.parseItems([{ signalType, value, variants }]);
          return [];
        } catch (error) {
          return (error as { details: { at: string }[] }).details.map((d) => d.at);
        }
      };
      expect(
        fails([{ name: 'rot90', value: randomPdq(next) }], 'md5', '0123456789abcdef0123456789abcdef'),
      ).toEqual(['/hashes/0/variants']);
      expect(fails([{ name: 'orig', value: randomPdq(next) }])).toEqual(['/hashes/0/variants/0/name']);
      // The query's robust variants are accepted; the bank's crops are not query variants.
      expect(fails(['trim', 'frame', 'screen'].map((name) => ({ name, value: randomPdq(next) })))).toEqual(
        [],
      );
      expect(fails([{ name: 'crop-c4', value: randomPdq(next) }])).toEqual(['/hashes/0/variants/0/name']);
      expect(
        fails([
          { name: 'rot90', value: randomPdq(next) },
          { name: 'rot90', value: randomPdq(next) },
        ]),
      ).toEqual(['/hashes/0/variants/1/name']);
      expect(fails([{ name: 'rot90', value: '0'.repeat(64) }])).toEqual(['/hashes/0/variants/0/value']);
      // At most 10: the 7 rotations and mirror images, trim, frame and screen.
      expect(fails(Array.from({ length: 11 }, () => ({ name: 'rot90', value: randomPdq(next) })))).toEqual([
        '/hashes/0/variants',
      ]);
    });
  });
});
