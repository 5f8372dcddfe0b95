import { sql } from 'kysely';
import { expect } from 'vitest';
import type { HashlineStoreWithHotline } from '../src/index.js';
import type { StoreDatabase } from '../src/store-dialect.js';
import { describeMigrationOnExistingData } from './support/migration-on-existing-data.js';

// Migration 0020 on provenance written before it: what an exchange of a typed source (`ncmec`,
// `stopncii`) brought moves to the exchange's own source (`exchange:<name>`), so two exchanges of
// one type on one bank stop withdrawing each other's entries; file imports keep their source, and
// a further source two exchanges of its type could have sent stays as it was.

const T0 = new Date(Date.UTC(2025, 0, 1));

async function writeOldProvenance(database: StoreDatabase): Promise<void> {
  const d = database.dialect;
  const at = d.date(T0);
  const db = database.db;
  await sql`insert into banks (name, description, kind, default_actions, pdq_threshold, enabled, created_at, updated_at)
    values ('synced', '', 'known_csam', '[]', 31, ${d.bool(true)}, ${at}, ${at})`.execute(db);
  for (const [name, type] of [
    ['industry', 'ncmec'],
    ['test-env', 'ncmec'],
    ['stopncii-main', 'stopncii'],
  ]) {
    await sql`insert into hash_exchanges (name, bank_id, type, endpoint_url, interval_seconds, next_run_at, created_by, created_at, updated_at)
      values (${name}, 1, ${type}, 'https://source.example.org', 3600, ${at}, 'test', ${at}, ${at})`.execute(
      db,
    );
  }
  const entries: [string, string, string, string][] = [
    ['1'.repeat(64), 'ncmec', 'image1', 'exchange:industry'],
    ['2'.repeat(64), 'ncmec', 'image2', 'import:ncmec.xml'],
    ['3'.repeat(64), 'stopncii', 'case-3', 'exchange:stopncii-main'],
  ];
  for (const [value, source, id, addedBy] of entries) {
    const provenance = JSON.stringify({ source, externalId: id, member: source === 'ncmec' ? '42' : null });
    await sql`insert into bank_entries (bank_id, signal_type, value, classification, provenance, provenance_source,
        provenance_external_id, reviewer_count, added_by, disabled, created_at, updated_at)
      values (1, 'pdq', ${value}, '{}', ${provenance}, ${source}, ${id}, 0, ${addedBy}, ${d.bool(false)}, ${at}, ${at})`.execute(
      db,
    );
  }
  for (const [entryId, source, id] of [
    [1, 'ncmec', 'image9'],
    [3, 'stopncii', 'case-9'],
  ] as const) {
    await sql`insert into bank_entry_sources (entry_id, bank_id, source, external_id, member, first_seen_at, last_seen_at)
      values (${entryId}, 1, ${source}, ${id}, null, ${at}, ${at})`.execute(db);
  }
}

async function check(store: HashlineStoreWithHotline): Promise<void> {
  const entries = await store.getEntries([1, 2, 3]);
  expect(entries.map((e) => e.provenance)).toEqual([
    { source: 'exchange:industry', externalId: 'image1', member: '42' },
    { source: 'ncmec', externalId: 'image2', member: '42' },
    { source: 'exchange:stopncii-main', externalId: 'case-3', member: null },
  ]);
  const sources = await store.getEntrySources([1, 3]);
  // Two NCMEC exchanges serve the bank: the further NCMEC source cannot be attributed and stays.
  expect(sources.get(1)).toEqual([{ source: 'ncmec', externalId: 'image9', member: null }]);
  expect(sources.get(3)).toEqual([{ source: 'exchange:stopncii-main', externalId: 'case-9', member: null }]);
  // A withdrawal by the exchange's own source now finds what it brought.
  const result = await store.applyImport(
    1,
    [{ kind: 'withdraw', withdrawn: { source: 'exchange:industry', externalId: 'image1', member: '42' } }],
    'exchange:industry',
  );
  expect(result.withdrawn).toBe(0); // the further source still vouches for the hash
  expect((await store.getEntries([1]))[0]!.provenance.source).toBe('ncmec');
}

describeMigrationOnExistingData(
  'migration 0020 (per-exchange provenance) on existing entries',
  '0019_video_contact_sheets',
  writeOldProvenance,
  check,
);
