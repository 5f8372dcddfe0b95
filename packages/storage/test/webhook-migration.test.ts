import { sql } from 'kysely';
import { expect } from 'vitest';
import type { HashlineStoreWithHotline } from '../src/index.js';
import type { StoreDatabase } from '../src/store-dialect.js';
import { describeMigrationOnExistingData } from './support/migration-on-existing-data.js';

// Migration 0007 on an outbox written before it: rows are numbered per bank in id order, bodies
// gain that seq, pending rows that failed before become `retrying`, and new deliveries continue
// each bank's sequence.

const T0 = new Date(Date.UTC(2025, 0, 1));

async function writeOldOutbox(database: StoreDatabase): Promise<void> {
  const at = database.dialect.date(T0);
  const rows: [number, string, string, string | null][] = [
    [1, 'match-1-1', 'delivered', null],
    [2, 'match-1-2', 'pending', null],
    [1, 'match-2-1', 'pending', 'HTTP 500'],
    [1, 'match-3-1', 'failed', 'HTTP 500'],
  ];
  for (const [bankId, key, status, error] of rows) {
    const body = JSON.stringify({ type: 'match', id: key, recordId: 7 });
    await sql`insert into webhook_deliveries
      (bank_id, url, body, idempotency_key, attempts, next_attempt_at, status, last_error, created_at)
      values (${bankId}, 'https://hooks.example.org/in', ${body}, ${key}, 1, ${at}, ${status}, ${error}, ${at})`.execute(
      database.db,
    );
  }
}

async function check(store: HashlineStoreWithHotline): Promise<void> {
  const rows = (await store.listDeliveries({ limit: 10 })).reverse();
  expect(rows.map((d) => [d.idempotencyKey, d.bankId, d.seq, d.status, d.queuedAt])).toEqual([
    ['match-1-1', 1, 1, 'delivered', T0],
    ['match-1-2', 2, 1, 'pending', T0],
    ['match-2-1', 1, 2, 'retrying', T0],
    ['match-3-1', 1, 3, 'failed', T0],
  ]);
  expect(JSON.parse(rows[2]!.body)).toEqual({ type: 'match', id: 'match-2-1', seq: 2, recordId: 7 });
  expect(rows[2]!.body.startsWith('{"type":"match","id":"match-2-1","seq":2,')).toBe(true);
  await store.enqueueDeliveries([
    {
      bankId: 1,
      url: 'https://hooks.example.org/in',
      payload: { type: 'match', id: 'match-4-1' },
      idempotencyKey: 'match-4-1',
    },
    {
      bankId: 3,
      url: 'https://hooks.example.org/in',
      payload: { type: 'match', id: 'match-4-3' },
      idempotencyKey: 'match-4-3',
    },
  ]);
  const [newest, before] = await store.listDeliveries({ limit: 2 });
  expect([before!.idempotencyKey, before!.seq, newest!.idempotencyKey, newest!.seq]).toEqual([
    'match-4-1',
    4,
    'match-4-3',
    1,
  ]);
  expect(await store.webhookDeliveryStats()).toEqual({
    pending: 3,
    retrying: 1,
    failed: 1,
    oldestQueuedAt: T0,
  });
}

describeMigrationOnExistingData(
  'migration 0007 (webhook order) on an existing outbox',
  '0006_exchange',
  writeOldOutbox,
  check,
);
