import { describe, expect, test } from 'vitest';
import {
  DomainError,
  exportHashList,
  importHashList,
  type BankEntry,
  type ImportSummary,
} from '@hashline/domain';
import { randomPdq, seeded, setup } from './support.js';

const MD5 = '0123456789abcdef0123456789abcdef';

async function rejects(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('BankService', () => {
  test('creates banks with defaults and refuses invalid fields, listing each problem', async () => {
    const { banks } = await setup();
    const bank = await banks.createBank({ name: 'iwf-list', kind: 'known_csam' });
    expect(bank).toMatchObject({
      name: 'iwf-list',
      kind: 'known_csam',
      pdqThreshold: 31,
      enabled: true,
      defaultActions: [],
    });
    const error = await rejects(
      banks.createBank({
        name: 'Bad Name',
        kind: 'csam',
        pdqThreshold: 99,
        webhookUrl: 'ftp://x',
        colour: 'red',
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d) => d.at).sort()).toEqual([
      'colour',
      'kind',
      'name',
      'pdqThreshold',
      'webhookUrl',
    ]);
    expect((await rejects(banks.createBank({ name: 'iwf-list', kind: 'test' }))).code).toBe(
      'BANK_NAME_TAKEN',
    );
    expect((await rejects(banks.getBank('nope'))).code).toBe('BANK_NOT_FOUND');
  });

  test('adds entries all or none, naming every bad item by its position', async () => {
    const { banks } = await setup();
    const next = seeded(11);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const good = randomPdq(next);
    const error = await rejects(
      banks.addEntries(
        'known',
        [
          { signalType: 'pdq', value: good, quality: 100 },
          { signalType: 'pdq', value: randomPdq(next), quality: 30 },
          { signalType: 'pdq', value: '0'.repeat(64) },
          { signalType: 'pdq', value: 'xyz' },
          { signalType: 'md5', value: MD5, classification: { industry: 'C3' } },
        ],
        't',
      ),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d) => [d.at, d.code])).toEqual([
      ['/entries/1/value', 'LOW_QUALITY_HASH'],
      ['/entries/2/value', 'DEGENERATE_HASH'],
      ['/entries/3/value', 'INVALID_HASH'],
      ['/entries/4/classification/industry', 'VALIDATION_FAILED'],
    ]);
    expect((await banks.listEntries('known', { limit: 10 })).entries).toEqual([]);

    const first = await banks.addEntries(
      'known',
      [
        { signalType: 'pdq', value: good.toUpperCase() },
        { signalType: 'md5', value: MD5 },
      ],
      't',
    );
    expect(first.created.map((e) => e.value)).toEqual([good, MD5]);
    const again = await banks.addEntries('known', [{ signalType: 'pdq', value: good }], 't');
    expect(again.created).toEqual([]);
    expect(again.existing.map((e) => e.id)).toEqual([first.created[0]!.id]);
  });

  test('a single bad item gets its own code, and oversized batches are refused', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const single = await rejects(
      banks.addEntries('known', [{ signalType: 'pdq', value: 'f'.repeat(64) }], 't'),
    );
    expect(single.code).toBe('DEGENERATE_HASH');
    const many = Array.from({ length: 10_001 }, () => ({ signalType: 'md5', value: MD5 }));
    expect((await rejects(banks.addEntries('known', many, 't'))).code).toBe('BATCH_TOO_LARGE');
  });

  test('withdraws entries by hash or by the source identifier', async () => {
    const { banks, engine } = await setup();
    const next = seeded(12);
    const hash = randomPdq(next);
    await banks.createBank({ name: 'ncmec', kind: 'known_csam' });
    await banks.addEntries(
      'ncmec',
      [
        { signalType: 'pdq', value: hash, provenance: { source: 'ncmec', externalId: 'img-1' } },
        { signalType: 'md5', value: MD5, provenance: { source: 'ncmec', externalId: 'img-1' } },
      ],
      't',
    );
    expect(await banks.withdraw('ncmec', { source: 'ncmec', externalId: 'img-1' })).toBe(2);
    expect(engine.query({ signalType: 'pdq', value: hash }).matches).toEqual([]);
    expect(await banks.withdraw('ncmec', { signalType: 'md5', value: MD5 })).toBe(0);
  });
});

describe('hash-list import and export', () => {
  const csv = (rows: string[]) => () => [`signal_type,value,quality,industry\n${rows.join('\n')}\n`];

  test('skip mode adds the good rows and reports bad ones with line numbers', async () => {
    const { banks } = await setup();
    const next = seeded(13);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const progress: ImportSummary[] = [];
    const summary = await importHashList(
      banks,
      'known',
      csv([`pdq,${randomPdq(next)},100,A1`, `pdq,${randomPdq(next)},20,`, `md5,${MD5},,B2`, `md5,${MD5},,`]),
      {
        format: 'csv',
        onError: 'skip',
        addedBy: 'cli',
        origin: 'import:list.csv',
        batchSize: 2,
        onProgress: (p) => progress.push({ ...p }),
      },
    );
    expect(summary).toMatchObject({ read: 4, added: 2, existing: 1, errors: 1, aborted: false });
    expect(summary.problems).toEqual([
      { line: 3, kind: 'error', message: expect.stringContaining('quality 20') },
    ]);
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });

  test('abort mode adds nothing when any row is bad', async () => {
    const { banks } = await setup();
    const next = seeded(14);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const summary = await importHashList(
      banks,
      'known',
      csv([`pdq,${randomPdq(next)},100,`, `sha1,nothex,,`]),
      {
        format: 'csv',
        onError: 'abort',
        addedBy: 'cli',
        origin: 'import',
      },
    );
    expect(summary).toMatchObject({ aborted: true, added: 0, errors: 1, problems: [{ line: 3 }] });
    expect((await banks.listEntries('known', { limit: 10 })).entries).toEqual([]);
  });

  test('an export re-imports to the same entries', async () => {
    const { banks } = await setup();
    const next = seeded(15);
    await banks.createBank({ name: 'a', kind: 'known_csam' });
    await banks.createBank({ name: 'b', kind: 'known_csam' });
    await banks.addEntries(
      'a',
      [
        {
          signalType: 'pdq',
          value: randomPdq(next),
          quality: 90,
          classification: { industry: 'A2', uk: 'B', baseline: true },
          note: 'has, comma "and quotes"',
        },
        { signalType: 'md5', value: MD5, provenance: { source: 'iwf', externalId: 'X' } },
      ],
      't',
    );
    for (const format of ['csv', 'tsv'] as const) {
      let text = '';
      for await (const chunk of exportHashList(banks, 'a', format)) text += chunk;
      await importHashList(banks, 'b', () => [text], { format, onError: 'abort', addedBy: 't', origin: 'x' });
    }
    const strip = ({ id: _i, bankId: _b, createdAt: _c, updatedAt: _u, addedBy: _a, ...rest }: BankEntry) =>
      rest;
    // The same entries; an import numbers the entries of a batch in hash order, not file order.
    const byValue = (x: { value: string }, y: { value: string }) => x.value.localeCompare(y.value);
    const a = (await banks.listEntries('a', { limit: 10 })).entries.map(strip).sort(byValue);
    const b = (await banks.listEntries('b', { limit: 10 })).entries.map(strip).sort(byValue);
    expect(b).toEqual(a);
  });
});
