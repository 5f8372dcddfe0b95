import { randomBytes } from 'node:crypto';
import { SIGNAL_TYPES, isEmptyClassification, type NewEntry } from '@hashline/domain';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { UNKNOWN_PROVENANCE_SOURCE, type BulkImportStage } from '../bulk-import.js';
import type { Database } from '../schema.js';
import { COPY_FROM_STDIN } from './postgres-copy.js';

/**
 * Ranges of hash values the stage is split into, each an UNLOGGED partition of its own and
 * applied as one part (one transaction): the first six bits of the value (its first hex digit and
 * a half), so a part's rows are one contiguous range of the bank's unique index, written in order,
 * and a 10M-row file makes parts of about 160,000 rows (a few seconds each, far below the 60 s
 * statement timeout; the 1M-row bench's parts are ~16,000).
 */
const RANGES = 64;

/** Lines per COPY chunk: a few hundred KB, written as the socket drains. */
const COPY_CHUNK_LINES = 1000;

/** The classification's parts as `sameClassification` compares them (absent and JSON null equal). */
const parts = (c: string): string =>
  `(nullif(${c}->'industry', 'null'::jsonb), nullif(${c}->'uk', 'null'::jsonb), nullif(${c}->'baseline', 'null'::jsonb))`;

/**
 * PostgreSQL's stage for large imports: a table partitioned by range of hash value, each of its
 * {@link RANGES} partitions UNLOGGED (no WAL: a crash loses nothing committed, only the stage).
 * Upserts are streamed in with `COPY … FROM STDIN` in file order, numbered; nothing is sorted
 * until a part is applied. Each part, in the store's change-log transaction, folds its range
 * with one sort (window functions: the first upsert's fields, the last stated classification,
 * as `planImportBatch` and the SQLite stage fold), then updates the reclassified entries and
 * inserts the new ones in hash order: the updates logged from `RETURNING` in id order, the
 * creations as one ranged change-log row (ADR 0028). The stage is an ordinary table (any pooled
 * connection applies a part) with a random name, dropped when the stage closes.
 */
export async function openPostgresImportStage(db: Kysely<Database>): Promise<BulkImportStage> {
  await dropStaleStages(db);
  const opened = Math.floor(Date.now() / 1000).toString(36);
  const name = `${STAGE_PREFIX}${opened}_${randomBytes(4).toString('hex')}`;
  const stage = sql.id(name);
  await db.connection().execute(async (c) => {
    // Values compare byte by byte, as bank_entries.value does (migration 0021): the fold's sort
    // and the insert's order need no strcoll, and the join to the bank's index needs no cast.
    await sql`create table ${stage} (
        n bigint not null, bucket integer not null, signal_type text not null, value text collate "C" not null,
        quality integer, classification text not null, classification_set boolean not null,
        provenance text not null, source text not null, external_id text, reviewer_count integer not null,
        note text, disabled boolean not null
      ) partition by range (bucket)`.execute(c);
    try {
      for (let i = 0; i < RANGES; i++) {
        await sql`create unlogged table ${sql.id(`${name}_${i}`)} partition of ${stage}
          for values from (${sql.lit(i)}) to (${sql.lit(i + 1)})`.execute(c);
      }
    } catch (error) {
      await sql`drop table if exists ${stage}`.execute(c);
      throw error;
    }
  });
  // Upserts staged per range; a sealed stage applies the non-empty ranges in order.
  const counts = new Array<number>(RANGES).fill(0);
  let ranges: number[] = [];
  let size = 0;
  let closed = false;
  const open = (): void => {
    if (closed) throw new Error('the import stage is closed');
  };
  // Most files repeat one provenance and one classification: serialised once per run.
  let lastProvenance: NewEntry['provenance'] | undefined;
  let lastProvenanceText = '';
  let lastClassification: NewEntry['classification'] | undefined;
  let lastClassificationText = '';

  return {
    get size() {
      return size;
    },
    async add(entries) {
      open();
      const chunks: string[] = [];
      let chunk = '';
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        const provenance = entry.provenance ?? { source: UNKNOWN_PROVENANCE_SOURCE };
        if (provenance !== lastProvenance) {
          lastProvenance = provenance;
          lastProvenanceText = copyValue(JSON.stringify(provenance));
        }
        const classification = entry.classification ?? {};
        if (classification !== lastClassification) {
          lastClassification = classification;
          lastClassificationText = `${copyValue(JSON.stringify(classification))}\t${isEmptyClassification(classification) ? 'f' : 't'}`;
        }
        const bucket = rangeOf(entry.value);
        counts[bucket]!++;
        chunk +=
          `${size + i}\t${bucket}\t${copyValue(entry.signalType)}\t${copyValue(entry.value)}\t${entry.quality ?? '\\N'}\t` +
          `${lastClassificationText}\t${lastProvenanceText}\t${copyValue(provenance.source)}\t` +
          `${copyValue(provenance.externalId)}\t${entry.reviewerCount ?? 0}\t${copyValue(entry.note)}\t` +
          `${entry.disabled ? 't' : 'f'}\n`;
        if ((i + 1) % COPY_CHUNK_LINES === 0) {
          chunks.push(chunk);
          chunk = '';
        }
      }
      if (chunk) chunks.push(chunk);
      await db
        .connection()
        .execute((c) =>
          c.executeQuery(CompiledQuery.raw(COPY_FROM_STDIN, [`copy ${name} from stdin`, chunks])),
        );
      size += entries.length;
    },
    async seal() {
      open();
      ranges = [];
      for (let i = 0; i < RANGES; i++) if (counts[i]! > 0) ranges.push(i);
      return ranges.length;
    },
    async applyPart(trx, part, { bankId, bankEnabled, addedBy, now }) {
      open();
      const range = ranges[part];
      if (range === undefined) throw new Error(`the stage has no part ${part}`);
      const upserts = counts[range]!;
      await foldRange(trx, sql.id(`${name}_${range}`));
      const {
        rows: [folded],
      } = await sql<{ rows: number; repeated: boolean }>`
        select count(*)::integer as rows, coalesce(max(upserts), 0) > 1 as repeated
        from hashline_import_part`.execute(trx);
      // The bank holds nothing in this part's range of values (an empty bank, or a range no
      // earlier import reached): every folded hash is new. Nothing to update, no probe per row
      // before inserting, and no other sources unless the file repeats a hash. Exact: writers
      // hold the change-log lock, taken before this part began, so nothing lands meanwhile.
      const rangeIsNew = !(await rangeHasEntries(trx, bankId, range));
      // Probe the bank's unique index per row (see lookUpByIndex in postgres-bulk-import.ts): a
      // hash join would read the whole bank for every part.
      await sql`set local enable_hashjoin = off`.execute(trx);
      await sql`set local enable_mergejoin = off`.execute(trx);
      const active = sql`(not x.disabled) and ${bankEnabled}::boolean`;
      const { rows: updated } = rangeIsNew
        ? { rows: [] }
        : await sql<{ n: number }>`
        with x as (
          update bank_entries e set classification = p.classification, updated_at = ${now}::timestamptz
          from hashline_import_part p
          where p.stated > 0 and e.bank_id = ${bankId}::integer and e.signal_type = p.signal_type
            and e.value = p.value and ${sql.raw(parts('e.classification'))} is distinct from ${sql.raw(parts('p.classification'))}
          returning e.id, e.signal_type, e.value, e.disabled
        ), logged as (
          insert into bank_changes (op, bank_id, entry_id, signal_type, value, active, at)
          select 'entry_upsert', ${bankId}::integer, x.id, x.signal_type, x.value, ${active}, ${now}::timestamptz
          from x order by x.id
          returning 1
        )
        select count(*)::integer as n from logged`.execute(trx);
      // Created in hash order (ids follow it), then logged as one ranged row (ADR 0028).
      const { rows: created } = await sql<{ n: number; first: number | null; last: number | null }>`
        with x as (
          insert into bank_entries (bank_id, signal_type, value, quality, classification, provenance,
            provenance_source, provenance_external_id, reviewer_count, added_by, note, disabled, feedback,
            created_at, updated_at)
          select ${bankId}::integer, p.signal_type, p.value, p.quality, p.classification, p.provenance,
            p.source, p.external_id, p.reviewer_count, ${addedBy}::text, p.note, p.disabled, null,
            ${now}::timestamptz, ${now}::timestamptz
          from hashline_import_part p
          where ${
            rangeIsNew
              ? sql`true`
              : sql`not exists (select 1 from bank_entries e
            where e.bank_id = ${bankId}::integer and e.signal_type = p.signal_type and e.value = p.value)`
          }
          order by p.signal_type, p.value
          returning id
        )
        select count(*)::integer as n, min(id) as first, max(id) as last from x`.execute(trx);
      const c = created[0]?.n ?? 0;
      if (c > 0) await logCreated(trx, { bankId, bankEnabled, now, created: c, ...created[0]! });
      // Every source that vouches for a hash besides the entry's own provenance (a repeated hash
      // in the file, or a hash the bank holds from another source): withdrawing one source then
      // leaves the hash live for the others, as planImportBatch decides for a batch. Not logged:
      // a matcher never sees sources. An entry created here has its folded row's provenance as
      // its first, so a part that only created entries, none from a repeated hash, has none.
      if (folded!.repeated || c < folded!.rows)
        await sql`
        insert into bank_entry_sources (entry_id, bank_id, source, external_id, member, first_seen_at, last_seen_at)
        select e.id, e.bank_id, c.source, c.external_id, c.member, ${now}::timestamptz, ${now}::timestamptz
        from (
          select signal_type, value, source, external_id, member, min(first_row) as first_row from (
            select p.signal_type, p.value, p.source, p.external_id, p.provenance->>'member' as member,
              -1::bigint as first_row
            from hashline_import_part p
            union all
            select s.signal_type, s.value, s.source, s.external_id, s.provenance::jsonb->>'member', s.n
            from ${sql.id(`${name}_${range}`)} s
            join hashline_import_part p on p.upserts > 1 and p.signal_type = s.signal_type and p.value = s.value
          ) all_sources
          group by signal_type, value, source, external_id, member
        ) c
        join bank_entries e on e.bank_id = ${bankId}::integer and e.signal_type = c.signal_type and e.value = c.value
        where not (c.source = e.provenance_source and c.external_id is not distinct from e.provenance_external_id
                   and c.member is not distinct from e.provenance->>'member')
          and not exists (select 1 from bank_entry_sources x where x.entry_id = e.id and x.source = c.source
            and x.external_id is not distinct from c.external_id and x.member is not distinct from c.member)
        order by e.id, c.first_row`.execute(trx);
      const u = updated[0]?.n ?? 0;
      return { created: c, updated: u, unchanged: upserts - c - u };
    },
    async reset() {
      open();
      // Only the partitions that hold rows: truncating all 64 costs ~64 file swaps.
      const used = counts.flatMap((count, i) => (count > 0 ? [sql.id(`${name}_${i}`)] : []));
      if (used.length > 0) await sql`truncate ${sql.join(used)}`.execute(db);
      counts.fill(0);
      ranges = [];
      size = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await sql`drop table if exists ${stage}`.execute(db);
      } catch {
        // The store was closed first (an import that failed): the next stage opened on this
        // schema a day later drops it (see dropStaleStages).
      }
    },
  };
}

/**
 * Logs the entries a part just created, ids `first` … `last`. Every writer of entries holds the
 * change-log lock (taken before the part began), so nothing else takes ids or seqs meanwhile and
 * one INSERT's ids are consecutive: one ranged row stands for them all (migration 0022, ADR 0028),
 * and the seqs after its own are reserved by moving the log's sequence past them. Ids that are not
 * consecutive (never seen) get a row each, as before.
 */
async function logCreated(
  trx: Transaction<Database>,
  part: {
    bankId: number;
    bankEnabled: boolean;
    now: Date;
    created: number;
    first: number | null;
    last: number | null;
  },
): Promise<void> {
  const { bankId, bankEnabled, now, created } = part;
  const first = Number(part.first);
  const last = Number(part.last);
  if (created === 1 || last - first + 1 !== created) {
    await sql`
      insert into bank_changes (op, bank_id, entry_id, signal_type, value, active, at)
      select 'entry_upsert', e.bank_id, e.id, e.signal_type, e.value, (not e.disabled) and ${bankEnabled}::boolean,
        ${now}::timestamptz
      from bank_entries e where e.bank_id = ${bankId}::integer and e.id between ${first}::integer and ${last}::integer
      order by e.id`.execute(trx);
    return;
  }
  await sql`
    with ranged as (
      insert into bank_changes (op, bank_id, entry_id, signal_type, value, active, at, entry_count)
      values ('entry_upsert', ${bankId}::integer, ${first}::integer, null, null, ${bankEnabled}::boolean,
        ${now}::timestamptz, ${created}::integer)
      returning seq
    )
    select setval(pg_get_serial_sequence('bank_changes', 'seq'), seq + ${created}::integer - 1) from ranged`.execute(
    trx,
  );
}

/** A stage's table name: the prefix, the time it was opened (seconds, base 36), a random suffix. */
const STAGE_PREFIX = 'hashline_import_stage_';

/** A stage older than this was left by an import that died (no import runs for a day). */
const STALE_STAGE_SECONDS = 24 * 3600;

/**
 * Drops the stages that imports killed before closing them left in the store's schema (an
 * unlogged table of up to gigabytes): those opened more than a day ago.
 */
async function dropStaleStages(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'p'
      and c.relname like ${`${STAGE_PREFIX.replaceAll('_', '\\_')}%`}`.execute(db);
  const now = Date.now() / 1000;
  for (const { name } of rows) {
    const opened = parseInt(name.slice(STAGE_PREFIX.length).split('_')[0] ?? '', 36);
    if (!Number.isFinite(opened) || now - opened < STALE_STAGE_SECONDS) continue;
    await sql`drop table if exists ${sql.id(name)}`.execute(db);
  }
}

/**
 * Folds one range of the stage into `hashline_import_part` (a temporary table dropped at
 * commit): one row per (signal type, value) with its first upsert's fields, how many upserts it
 * folds, how many state a classification, and the last stated classification (else the first's).
 * One sort of the range serves the window and DISTINCT ON.
 */
async function foldRange(trx: Transaction<Database>, partition: ReturnType<typeof sql.id>): Promise<void> {
  await sql`create temp table hashline_import_part on commit drop as
    select signal_type, value, quality,
      coalesce(restated[cardinality(restated)], classification)::jsonb as classification,
      provenance::jsonb as provenance, source, external_id, reviewer_count, note, disabled, upserts, stated
    from (
      select distinct on (s.signal_type, s.value) s.signal_type, s.value, s.quality, s.classification,
        s.provenance, s.source, s.external_id, s.reviewer_count, s.note, s.disabled,
        count(*) over k as upserts,
        count(*) filter (where s.classification_set) over k as stated,
        array_agg(s.classification) filter (where s.classification_set) over k as restated
      from ${partition} s
      window k as (partition by s.signal_type, s.value order by s.n
        rows between unbounded preceding and unbounded following)
      order by s.signal_type, s.value, s.n
    ) f`.execute(trx);
}

/**
 * True when the bank holds an entry whose value is in range `range` (see {@link rangeOf}): one
 * probe of the unique index per signal type (every stored type is the vocabulary's: values are
 * validated before they reach a bank). Range 0 also takes values that are not hex (none are
 * stored, but it is checked without a lower bound all the same). The bounds compare in the
 * column's collation, so the index serves them: lower-case hex digits order as their bytes do in
 * every collation (no ignorable characters, digits before letters, one case).
 */
async function rangeHasEntries(trx: Transaction<Database>, bankId: number, range: number): Promise<boolean> {
  const from = range === 0 ? null : rangeStart(range);
  const to = range === RANGES - 1 ? null : rangeStart(range + 1);
  const { rows } = await sql<{ found: number }>`
    select 1 as found from bank_entries
    where bank_id = ${bankId}::integer and signal_type = any(${SIGNAL_TYPES_STORED}::text[])
      ${from === null ? sql`` : sql`and value >= ${from}::text`}
      ${to === null ? sql`` : sql`and value < ${to}::text`}
    limit 1`.execute(trx);
  return rows.length > 0;
}

/** The smallest lower-case hex value of range `range` (its first two digits, the rest implied). */
function rangeStart(range: number): string {
  return (range >> 2).toString(16) + ((range & 3) << 2).toString(16);
}

/** Signal types stored in banks (the vocabulary's), for index probes by type. */
const SIGNAL_TYPES_STORED: readonly string[] = [...SIGNAL_TYPES];

/**
 * The range of a value: its first six bits for a hex value (every signal type's), so ranges
 * follow value order; anything else in range 0 (correct in any range; only locality depends on it).
 */
function rangeOf(value: string): number {
  const high = hexDigit(value.charCodeAt(0));
  const low = hexDigit(value.charCodeAt(1));
  if (high < 0 || low < 0) return 0;
  return (high << 2) | (low >> 2);
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format (`\N` for null; backslash, tab and line breaks escaped). */
function copyValue(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}
