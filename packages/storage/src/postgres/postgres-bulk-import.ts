import type { Classification, ImportExistingEntry, NewEntry, SignalType } from '@hashline/domain';
import { CompiledQuery, sql, type Transaction } from 'kysely';
import { UNKNOWN_PROVENANCE_SOURCE, type BulkImporter } from '../bulk-import.js';
import type { Database } from '../schema.js';
import { COPY_FROM_STDIN } from './postgres-copy.js';
import { openPostgresImportStage } from './postgres-import-stage.js';

/**
 * Rows per set-based statement: 20,000 rows keep each statement to about a second on a busy
 * machine, far below the 60 s statement timeout, whatever the batch size. (50,000, a default batch
 * in one COPY, took a 1M-row import's peak RSS from ~280 to 294–310 MB, past the 300 MB bound.)
 */
const STATEMENT_ROWS = 20_000;

/** See {@link lookUpByIndex}. */
const INDEX_LOOKUP_RATIO = 4;

interface ExistingRow {
  id: number;
  signal_type: string;
  value: string;
  classification: Classification;
  provenance_source: string;
  provenance_external_id: string | null;
  provenance_member: string | null;
  disabled: boolean;
}

/**
 * PostgreSQL's bulk path. New entries and lookup keys are streamed with `COPY … FROM STDIN` into
 * temporary staging tables on the transaction's own connection (postgres-copy.ts), then moved by
 * set-based statements joined through the unique index: `INSERT … SELECT … ORDER BY` whose
 * `RETURNING` rows feed the change log in the same statement (a data-modifying CTE), so ids
 * follow the plan's (hash) order and seqs the ids. The few deletes and updates (withdrawals,
 * reclassifications) and lookups by provenance pass their columns as arrays (`unnest`). Passing
 * the new rows as arrays instead cost ~1 s per 50,000 rows in array encoding alone; COPY ~0.1 s.
 */
export const postgresBulkImporter: BulkImporter = {
  async findExisting(trx, bankId, lookups) {
    const keys = lookups.values.length + lookups.provenances.length;
    await lookUpByIndex(trx, keys);
    const out: ImportExistingEntry[] = [];
    const columns = sql`e.id, e.signal_type, e.value, e.classification, e.provenance_source, e.provenance_external_id, e.disabled, e.provenance->>'member' as provenance_member`;
    if (lookups.values.length > 0) {
      await stage(trx);
      await copyRows(
        trx,
        'hashline_import_keys',
        lookups.values.map((k) => `${k.signalType}\t${copyValue(k.value)}\n`),
      );
      const { rows } = await sql<ExistingRow>`
        select ${columns}
        from hashline_import_keys k
        join bank_entries e on e.bank_id = ${bankId} and e.signal_type = k.signal_type and e.value = k.value`.execute(
        trx,
      );
      for (const row of rows) out.push(existing(row));
      await sql`truncate hashline_import_keys`.execute(trx);
    }
    for (let start = 0; start < lookups.provenances.length; start += STATEMENT_ROWS) {
      const part = lookups.provenances.slice(start, start + STATEMENT_ROWS);
      const { rows } = await sql<ExistingRow>`
        select ${columns}
        from unnest(${part.map((k) => k.source)}::text[], ${part.map((k) => k.externalId)}::text[]) as k(source, external_id)
        join bank_entries e on e.bank_id = ${bankId} and e.provenance_source = k.source
          and e.provenance_external_id = k.external_id`.execute(trx);
      for (const row of rows) out.push(existing(row));
    }
    await restoreJoins(trx);
    return out;
  },

  async write(trx, plan, { bankId, bankEnabled, addedBy, now }) {
    // Deletes and updates touch existing entries, whose ids are all below the ones created now:
    // their change rows go first, sorted by id, then the creates' in id order.
    const changes: { id: number; op: string; signalType: string; value: string; active: boolean | null }[] =
      [];
    for (const row of plan.deletes) {
      changes.push({
        id: row.id,
        op: 'entry_delete',
        signalType: row.signalType,
        value: row.value,
        active: null,
      });
    }
    for (const { entry } of plan.updates) {
      changes.push({
        id: entry.id,
        op: 'entry_upsert',
        signalType: entry.signalType,
        value: entry.value,
        active: !entry.disabled && bankEnabled,
      });
    }
    changes.sort((a, b) => a.id - b.id);
    for (let start = 0; start < plan.deletes.length; start += STATEMENT_ROWS) {
      const ids = plan.deletes.slice(start, start + STATEMENT_ROWS).map((row) => row.id);
      await sql`delete from bank_entries where id = any(${ids}::integer[])`.execute(trx);
    }
    for (let start = 0; start < plan.updates.length; start += STATEMENT_ROWS) {
      const part = plan.updates.slice(start, start + STATEMENT_ROWS);
      await sql`
        update bank_entries e set classification = u.classification::jsonb, updated_at = ${now}::timestamptz
        from unnest(${part.map((u) => u.entry.id)}::integer[], ${part.map((u) => JSON.stringify(u.classification))}::text[])
          as u(id, classification)
        where e.id = u.id`.execute(trx);
    }
    for (let start = 0; start < changes.length; start += STATEMENT_ROWS) {
      const part = changes.slice(start, start + STATEMENT_ROWS);
      await sql`
        insert into bank_changes (op, bank_id, entry_id, signal_type, value, active, at)
        select c.op, ${bankId}::integer, c.entry_id, c.signal_type, c.value, c.active, ${now}::timestamptz
        from unnest(${part.map((c) => c.op)}::text[], ${part.map((c) => c.id)}::integer[],
          ${part.map((c) => c.signalType)}::text[], ${part.map((c) => c.value)}::text[],
          ${part.map((c) => c.active)}::boolean[]) with ordinality as c(op, entry_id, signal_type, value, active, n)
        order by c.n`.execute(trx);
    }
    for (let start = 0; start < plan.creates.length; start += STATEMENT_ROWS) {
      await insertCreates(
        trx,
        plan.creates.slice(start, start + STATEMENT_ROWS),
        bankId,
        bankEnabled,
        addedBy,
        now,
      );
    }
  },

  async refreshStatistics(db) {
    await sql`analyze bank_entries, bank_changes`.execute(db);
  },

  // A large import is staged whole with COPY and merged range by range in hash order
  // (postgres-import-stage.ts): batch by batch, each batch's foreign-key checks, index probes and
  // statements cost more than its rows' insertion.
  openStage: openPostgresImportStage,
};

/**
 * An import's lookups are a batch of keys probing the bank through its unique (or provenance)
 * index. Left to itself the planner, which knows nothing of the staging table and prices each
 * probe as a random read, hashes the whole table instead: a sequential scan of every entry per
 * batch (240 ms at 225,000 entries, 800 ms at 1,000,000), so a large import is quadratic. Once
 * the table holds more than {@link INDEX_LOOKUP_RATIO} times the batch's keys (as its statistics
 * say, which imports refresh as they grow it), this forbids hash and merge joins until {@link restoreJoins}:
 * a nested loop of index probes, O(keys × log entries). Below that, hashing the small table is
 * cheaper and the planner keeps its choice.
 */
async function lookUpByIndex(trx: Transaction<Database>, keys: number): Promise<void> {
  await sql`select set_config('enable_hashjoin', v.value, true), set_config('enable_mergejoin', v.value, true)
    from (select case when reltuples > ${keys * INDEX_LOOKUP_RATIO}::real then 'off' else 'on' end as value
      from pg_class where oid = 'bank_entries'::regclass) v`.execute(trx);
}

/** Ends {@link lookUpByIndex}: the session's own join settings again. */
async function restoreJoins(trx: Transaction<Database>): Promise<void> {
  await sql`select set_config(name, reset_val, true) from pg_settings
    where name in ('enable_hashjoin', 'enable_mergejoin')`.execute(trx);
}

/**
 * The session's staging tables (temporary: private to the connection, emptied at each commit), made
 * on first use by each pooled connection.
 */
async function stage(trx: Transaction<Database>): Promise<void> {
  // Values compare byte by byte, as bank_entries.value does (migration 0021).
  await sql`create temp table if not exists hashline_import_entries (
      signal_type text, value text collate "C", quality integer, classification jsonb, provenance jsonb,
      source text, external_id text, reviewer_count integer, note text, disabled boolean, n integer
    ) on commit delete rows`.execute(trx);
  await sql`create temp table if not exists hashline_import_keys (signal_type text, value text collate "C")
    on commit delete rows`.execute(trx);
}

/** Streams rows into a staging table with `COPY … FROM STDIN` on the transaction's connection. */
async function copyRows(trx: Transaction<Database>, table: string, lines: string[]): Promise<void> {
  // Chunks of ~1,000 lines: a few hundred KB each, written as the socket drains.
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += 1000) chunks.push(lines.slice(i, i + 1000).join(''));
  await trx.executeQuery(CompiledQuery.raw(COPY_FROM_STDIN, [`copy ${table} from stdin`, chunks]));
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format (`\N` for null; backslash, tab and line breaks escaped). */
function copyValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') return String(value);
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

async function insertCreates(
  trx: Transaction<Database>,
  entries: Parameters<BulkImporter['write']>[1]['creates'],
  bankId: number,
  bankEnabled: boolean,
  addedBy: string,
  now: Date,
): Promise<void> {
  await stage(trx);
  const lines = new Array<string>(entries.length);
  let lastProvenance: NewEntry['provenance'] | undefined;
  let lastProvenanceText = '';
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const provenance = entry.provenance ?? { source: UNKNOWN_PROVENANCE_SOURCE };
    // Entries of one file mostly share a provenance: serialise it once per run of equal ones.
    if (
      !lastProvenance ||
      provenance.source !== lastProvenance.source ||
      provenance.externalId !== lastProvenance.externalId ||
      provenance.member !== lastProvenance.member
    ) {
      lastProvenance = provenance;
      lastProvenanceText = copyValue(JSON.stringify(provenance));
    }
    lines[i] =
      `${entry.signalType}\t${copyValue(entry.value)}\t${copyValue(entry.quality)}\t` +
      `${copyValue(JSON.stringify(entry.classification ?? {}))}\t${lastProvenanceText}\t` +
      `${copyValue(provenance.source)}\t${copyValue(provenance.externalId)}\t${entry.reviewerCount ?? 0}\t` +
      `${copyValue(entry.note)}\t${entry.disabled ? 't' : 'f'}\t${i}\n`;
  }
  await copyRows(trx, 'hashline_import_entries', lines);
  // One statement: the rows are inserted in plan order (ids ascending) and each one's change is
  // logged from RETURNING, ordered by id, so seq order and id order agree.
  await sql`
    with inserted as (
      insert into bank_entries (bank_id, signal_type, value, quality, classification, provenance,
        provenance_source, provenance_external_id, reviewer_count, added_by, note, disabled, feedback,
        created_at, updated_at)
      select ${bankId}::integer, t.signal_type, t.value, t.quality, t.classification, t.provenance,
        t.source, t.external_id, t.reviewer_count, ${addedBy}::text, t.note, t.disabled, null,
        ${now}::timestamptz, ${now}::timestamptz
      from hashline_import_entries t
      order by t.n
      returning id, signal_type, value, disabled
    )
    insert into bank_changes (op, bank_id, entry_id, signal_type, value, active, at)
    select 'entry_upsert', ${bankId}::integer, i.id, i.signal_type, i.value, (not i.disabled) and ${bankEnabled}::boolean,
      ${now}::timestamptz
    from inserted i
    order by i.id`.execute(trx);
  await sql`truncate hashline_import_entries`.execute(trx);
}

function existing(row: ExistingRow): ImportExistingEntry {
  return {
    id: Number(row.id),
    signalType: row.signal_type as SignalType,
    value: row.value,
    classification: row.classification,
    provenanceSource: row.provenance_source,
    provenanceExternalId: row.provenance_external_id,
    disabled: row.disabled,
    provenanceMember: row.provenance_member,
  };
}
