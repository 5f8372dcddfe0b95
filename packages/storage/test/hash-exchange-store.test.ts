// The hash exchange store (migration 0016) on SQLite and PostgreSQL: configuration and sealed
// credentials, claims and leases, the page commit conditional on lease and checkpoint, status.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashExchangeStore, HashlineStore, NewHashExchange } from '@hashline/domain';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPostgresStore, openStore } from '../src/open-store.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

const schema = freshSchemaName();
afterAll(() => dropSchema(schema));

const ENGINES = [
  {
    name: 'sqlite',
    open: () => openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-hx-')), 'store.db')}`),
  },
  {
    name: 'postgres',
    open: async () => {
      await requirePostgres();
      return openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, maxConnections: 4 });
    },
  },
];

const T0 = new Date('2026-12-07T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe.each(ENGINES)('hash exchange store on $name', ({ open }) => {
  let store: HashlineStore;
  let exchanges: HashExchangeStore;
  let bankId: number;
  beforeAll(async () => {
    store = await open();
    exchanges = (store as unknown as { hashExchanges: HashExchangeStore }).hashExchanges;
    bankId = (await store.createBank({ name: `hx-${store.engine}`, kind: 'known_csam' })).id;
  });
  afterAll(() => store?.close());

  const fresh = (name: string, extra: Partial<NewHashExchange> = {}): NewHashExchange => ({
    name,
    bankId,
    type: 'feed',
    endpointUrl: 'https://example.org/list.csv',
    intervalSeconds: 60,
    options: { format: 'csv' },
    upload: false,
    feedback: false,
    sealedCredentials: 'sealed-value',
    createdBy: 'api-key:test',
    createdAt: T0,
    ...extra,
  });

  test('keeps the configuration; credentials only through getSealedCredentials; names are unique', async () => {
    const created = await exchanges.createExchange(fresh('one'));
    expect(created).toMatchObject({ name: 'one', hasCredentials: true, paused: false, checkpoint: null });
    expect(created.options).toEqual({ format: 'csv' });
    expect(JSON.stringify(created)).not.toContain('sealed-value');
    expect(await exchanges.getSealedCredentials(created.id)).toBe('sealed-value');
    await expect(exchanges.createExchange(fresh('one'))).rejects.toMatchObject({
      code: 'HASH_EXCHANGE_NAME_TAKEN',
    });
    expect((await exchanges.getExchangeByName('one'))!.id).toBe(created.id);
    const updated = await exchanges.updateExchange(created.id, {
      sealedCredentials: null,
      intervalSeconds: 120,
      at: at(1),
    });
    expect(updated).toMatchObject({ hasCredentials: false, intervalSeconds: 120 });
    await exchanges.deleteExchange(created.id);
    expect(await exchanges.getExchange(created.id)).toBeUndefined();
    await expect(exchanges.deleteExchange(created.id)).rejects.toMatchObject({
      code: 'HASH_EXCHANGE_NOT_FOUND',
    });
  });

  test('one claimant at a time; an expired lease is taken over and the old holder can no longer commit', async () => {
    const ex = await exchanges.createExchange(fresh('claimed'));
    const a = await exchanges.claimExchange({ claimant: 'a', now: at(0), leaseUntil: at(60), id: ex.id });
    expect(a).toMatchObject({ leasedBy: 'a' });
    expect(
      await exchanges.claimExchange({ claimant: 'b', now: at(10), leaseUntil: at(70), id: ex.id }),
    ).toBeUndefined();
    expect(await exchanges.renewLease(ex.id, 'a', at(90))).toBe(true);
    expect(
      await exchanges.claimExchange({ claimant: 'b', now: at(80), leaseUntil: at(140), id: ex.id }),
    ).toBeUndefined();
    // a stalls past its lease: b takes over.
    const b = await exchanges.claimExchange({ claimant: 'b', now: at(100), leaseUntil: at(160), id: ex.id });
    expect(b).toMatchObject({ leasedBy: 'b' });
    expect(await exchanges.renewLease(ex.id, 'a', at(200))).toBe(false);
    const page = {
      exchangeId: ex.id,
      fromCheckpoint: null,
      toCheckpoint: 'p1',
      bankId,
      operations: [
        {
          kind: 'upsert' as const,
          entry: {
            signalType: 'md5' as const,
            value: 'a'.repeat(32),
            provenance: { source: 'exchange:claimed', externalId: '1' },
          },
        },
      ],
      addedBy: 'exchange:claimed',
      extra: { pages: 1, skipped: 2, errors: 1 },
      at: at(101),
    };
    await expect(exchanges.commitPage({ ...page, claimant: 'a' })).rejects.toMatchObject({
      code: 'HASH_EXCHANGE_LEASE_LOST',
    });
    expect(await store.countEntries(bankId)).toBe(0);
    const committed = await exchanges.commitPage({ ...page, claimant: 'b' });
    expect(committed.created).toBe(1);
    // The same page again from the old checkpoint: refused, nothing written twice.
    await expect(exchanges.commitPage({ ...page, claimant: 'b' })).rejects.toMatchObject({
      code: 'HASH_EXCHANGE_LEASE_LOST',
    });
    const after = (await exchanges.getExchange(ex.id))!;
    expect(after).toMatchObject({ checkpoint: 'p1' });
    expect(after.counts).toMatchObject({ pages: 1, added: 1, skipped: 2, errors: 1 });
    // A batch that is not its page's last leaves the checkpoint where it is.
    await exchanges.commitPage({
      ...page,
      claimant: 'b',
      fromCheckpoint: 'p1',
      toCheckpoint: null,
      operations: [],
    });
    expect((await exchanges.getExchange(ex.id))!.checkpoint).toBe('p1');
    // finishRun only by the holder.
    await exchanges.finishRun(ex.id, 'a', { at: at(102), nextRunAt: at(999), error: null });
    expect((await exchanges.getExchange(ex.id))!.leasedBy).toBe('b');
    await exchanges.finishRun(ex.id, 'b', { at: at(102), nextRunAt: at(162), error: null });
    expect(await exchanges.getExchange(ex.id)).toMatchObject({
      leasedBy: null,
      lastSuccessAt: at(102),
      nextRunAt: at(162),
    });
  });

  test('due claims skip paused and future exchanges; failures count up, pause, and a resume makes it due', async () => {
    // Only this test's exchanges compete for the claims.
    for (const other of await exchanges.listExchanges()) await exchanges.deleteExchange(other.id);
    await exchanges.createExchange(fresh('due-later', { createdAt: at(1_000) }));
    const due = await exchanges.createExchange(fresh('due-now', { createdAt: at(500) }));
    const paused = await exchanges.createExchange(fresh('due-paused', { createdAt: at(500) }));
    await exchanges.updateExchange(paused.id, { paused: { reason: 'paused by test' }, at: at(500) });
    const claimed = await exchanges.claimExchange({ claimant: 'c', now: at(600), leaseUntil: at(660) });
    expect(claimed?.name).toBe('due-now');
    expect(
      await exchanges.claimExchange({ claimant: 'd', now: at(600), leaseUntil: at(660) }),
    ).toBeUndefined();
    await exchanges.finishRun(due.id, 'c', {
      at: at(601),
      nextRunAt: at(700),
      error: { kind: 'unauthorized', message: 'refused' },
      pause: { reason: 'unauthorized: refused' },
    });
    expect(await exchanges.getExchange(due.id)).toMatchObject({
      paused: true,
      pausedReason: 'unauthorized: refused',
      lastErrorKind: 'unauthorized',
      consecutiveFailures: 1,
    });
    const resumed = await exchanges.updateExchange(due.id, { paused: null, at: at(800) });
    expect(resumed).toMatchObject({ paused: false, consecutiveFailures: 0, nextRunAt: at(800) });
    expect((await exchanges.claimExchange({ claimant: 'c', now: at(800), leaseUntil: at(860) }))?.name).toBe(
      'due-now',
    );
  });

  test('lists every provenance of a source in a bank, first ones and further sources', async () => {
    const value = 'b'.repeat(32);
    await store.applyImport(
      bankId,
      [
        {
          kind: 'upsert',
          entry: {
            signalType: 'md5',
            value,
            provenance: { source: 'feed-x', externalId: 'one', member: 'm' },
          },
        },
        {
          kind: 'upsert',
          entry: { signalType: 'md5', value, provenance: { source: 'feed-x', externalId: 'two' } },
        },
        {
          kind: 'upsert',
          entry: { signalType: 'md5', value: 'c'.repeat(32), provenance: { source: 'other' } },
        },
      ],
      'test',
    );
    const listed = await exchanges.listSourceProvenances(bankId, 'feed-x');
    expect(listed).toEqual(
      expect.arrayContaining([
        { externalId: 'one', member: 'm' },
        { externalId: 'two', member: null },
      ]),
    );
    expect(listed).toHaveLength(2);
  });
});
