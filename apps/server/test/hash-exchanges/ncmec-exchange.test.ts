// The engine and the NCMEC client together (issue 14 item 1): a bank synced from a loopback mock of
// NCMEC's hash-sharing API, on SQLite and PostgreSQL. Pages land in the bank with NCMEC's
// provenance; a sync cut off by NCMEC's errors resumes from its committed checkpoint without a
// duplicate; a later update changes the entry and a member's deletion withdraws only that member's
// entry. Hash values are digests of benign labels.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BankService,
  HashExchangeError,
  HashExchangeService,
  type HashExchangeStore,
  type HashlineStore,
} from '@hashline/domain';
import { openPostgresStore, openStore } from '@hashline/storage';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  dropSchema,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../../packages/storage/test/support/postgres.js';
import { ncmecExchangeClients } from '../../src/hash-exchanges/clients/exchange-client-factories.js';
import { startNcmecMock, type NcmecMock } from '../support/hash-exchange-mocks/ncmec-mock.js';

const digest = (algorithm: string, label: string) => createHash(algorithm).update(label).digest('hex');
const T0 = new Date(Date.UTC(2026, 0, 10, 12));
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const ENGINES = [
  {
    name: 'sqlite',
    async open(): Promise<{ store: HashlineStore; drop(): Promise<void> }> {
      const file = join(mkdtempSync(join(tmpdir(), 'hashline-ncmec-exchange-')), 'hashline.db');
      return { store: await openStore(`sqlite:${file}`), drop: async () => {} };
    },
  },
  {
    name: 'postgres',
    async open(): Promise<{ store: HashlineStore; drop(): Promise<void> }> {
      await requirePostgres();
      const schema = `hl_test_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({
        connectionString: POSTGRES_TEST_URL,
        schema,
        maxConnections: 4,
      });
      return { store, drop: () => dropSchema(schema) };
    },
  },
];

describe.each(ENGINES)('an NCMEC exchange on $name', (engine) => {
  let mock: NcmecMock;
  let opened: Awaited<ReturnType<(typeof ENGINES)[number]['open']>>;
  let clock: Date;

  beforeEach(async () => {
    mock = await startNcmecMock();
    mock.pageSize = 4;
    opened = await engine.open();
    clock = at(120);
    fetches = 0;
  });
  afterEach(async () => {
    await opened.store.close();
    await opened.drop();
    await mock.close();
  });

  function image(member: string, id: string, label: string, classification = 'A1') {
    return {
      member: { id: member, name: `Member ${member}` },
      id,
      kind: 'image' as const,
      classification,
      fingerprints: { md5: digest('md5', label), pdq: digest('sha256', label) },
    };
  }

  /** Fetches of pages so far; the third one of all fails once, as an outage between pages. */
  let fetches = 0;

  function service(banks: BankService): HashExchangeService {
    const exchangeStore = (opened.store as unknown as { hashExchanges: HashExchangeStore }).hashExchanges;
    const ncmec = ncmecExchangeClients({ allowHttpForTests: true, retryDelayMs: () => 0, now: () => clock });
    return new HashExchangeService({
      store: exchangeStore,
      banks,
      clients: {
        ncmec: {
          validate: (config) => ncmec.validate(config),
          create(context) {
            const client = ncmec.create(context);
            return {
              type: client.type,
              async fetchPage(checkpoint, signal) {
                if (++fetches === 3) throw new HashExchangeError('transient', 'NCMEC did not answer');
                return client.fetchPage(checkpoint, signal);
              },
            };
          },
        },
      },
      secrets: { sealText: (_purpose, text) => text, openText: (_purpose, text) => text },
      clock: { now: () => clock },
      claimant: 'test-process',
    });
  }

  /** The bank's live values (PDQ and MD5), each once. */
  async function liveValues(banks: BankService): Promise<string[]> {
    const { entries } = await banks.listEntries('ncmec-hashes', { limit: 10_000 });
    return entries.filter((e) => !e.disabled).map((e) => e.value);
  }

  test('pages land with provenance; a sync cut off mid-way resumes from its checkpoint; updates and deletions apply per member', async () => {
    for (let i = 0; i < 10; i++) mock.put(image('42', `image${i}`, `benign-${i}`), at(i));
    const banks = new BankService(opened.store);
    await banks.createBank({ name: 'ncmec-hashes', kind: 'known_csam' });
    const exchanges = service(banks);
    await exchanges.create(
      {
        name: 'ncmec-industry',
        bank: 'ncmec-hashes',
        type: 'ncmec',
        endpointUrl: mock.baseUrl,
        options: { startTime: T0.toISOString() },
        credentials: { username: mock.username, password: mock.password },
      },
      'test',
    );

    // The run is cut off before its third page (as a crash or an outage between two pages would):
    // the two pages it committed stay, with the checkpoint after them.
    const first = await exchanges.runNow('ncmec-industry');
    expect(first.outcome).toMatchObject({ ok: false, errorKind: 'transient', pages: 2 });
    expect(await liveValues(banks)).toHaveLength(16);
    const queriesBefore = mock.queries.length;

    // The next run resumes at the third page (no page fetched twice) and ends caught up, every
    // value in the bank once, each change logged once.
    const second = await exchanges.runNow('ncmec-industry');
    expect(second.outcome).toMatchObject({ ok: true, added: 4 });
    expect(queriesBefore).toBe(2);
    expect(mock.queries).toHaveLength(3);
    const values = await liveValues(banks);
    expect(values).toHaveLength(20);
    expect(new Set(values).size).toBe(20);
    const { entries: synced } = await banks.listEntries('ncmec-hashes', { limit: 10_000 });
    expect(synced.find((e) => e.value === digest('md5', 'benign-3'))?.provenance).toMatchObject({
      // The exchange is the source (two NCMEC environments on one bank stay apart), with NCMEC's id and member.
      source: 'exchange:ncmec-industry',
      externalId: 'image3',
      member: '42',
    });
    const upserts = (await opened.store.changesSince(0, 10_000)).filter((c) => c.op === 'entry_upsert');
    expect(upserts).toHaveLength(20);
    expect(new Set(upserts.map((c) => c.value)).size).toBe(20);

    // Member 43 has an entry with the same id; an update of 42's, then 43's deletion.
    mock.put(image('43', 'image0', 'benign-43-0'), at(150));
    clock = at(180);
    expect((await exchanges.runNow('ncmec-industry')).outcome.ok).toBe(true);
    expect(await liveValues(banks)).toHaveLength(22);
    mock.put(image('42', 'image1', 'benign-1', 'B1'), at(200));
    mock.remove('43', 'image0', at(201));
    clock = at(240);
    const third = await exchanges.runNow('ncmec-industry');
    expect(third.outcome).toMatchObject({ ok: true, withdrawn: 2 });
    const live = await liveValues(banks);
    expect(live).toHaveLength(20);
    expect(live).toContain(digest('sha256', 'benign-0'));
    expect(live).not.toContain(digest('sha256', 'benign-43-0'));
    const { entries } = await banks.listEntries('ncmec-hashes', { limit: 10_000 });
    const updated = entries.find((e) => e.value === digest('sha256', 'benign-1'));
    // NCMEC's update A1 → B1 reached the entry.
    expect(updated?.classification).toMatchObject({ industry: 'B1' });
    expect(entries.find((e) => e.value === digest('sha256', 'benign-2'))?.classification).toMatchObject({
      industry: 'A1',
    });
  });
});
