import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isEmptyClassification, type NewEntry, type Provenance } from '@hashline/domain';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { UNKNOWN_PROVENANCE_SOURCE, type BulkImportStage } from '../bulk-import.js';
import type { Database } from '../schema.js';
import { translateStoreError } from '../store-unavailable.js';

/** The stage's schema name on the store's connection. */
const STAGE = 'hashline_import_stage';

/** Rows per multi-row INSERT into the stage (as in sqlite-bulk-import.ts). */
const INSERT_ROWS = 50;
const COLUMNS = 12;
/** Parameters of a plain staged row (see `plainRef`): signal type, value, quality, provenance number. */
const PLAIN_COLUMNS = 4;

const EMPTY_CLASSIFICATION = {};
const UNKNOWN_PROVENANCE: Provenance = { source: UNKNOWN_PROVENANCE_SOURCE };

/**
 * Distinct provenances a stage stores once each and refers to by number: a file has one, or one
 * per record when they carry external ids (then the first this many, and the rest inline; the
 * random exactness test in import-store.test.ts has 180, so both ways are tested).
 */
const MAX_PROVENANCE_REFS = 128;

/**
 * Hashes per transaction when the stage is applied: each part holds the write lock for about a
 * second (other writers wait, within their busy timeout) and touches one narrow range of the
 * unique index.
 */
const PART_ROWS = 200_000;

/**
 * The page cache while the stage is folded: SQLite's sorter sorts runs of this size in memory
 * (it follows the main database's cache size), then merges them from temporary files. Within the
 * import's memory budget (300 MB RSS for a 10M-row file).
 */
const SORT_CACHE_KIB = 64 * 1024;

/**
 * Helper threads of SQLite's sorter while the stage is folded: the machine's cores beside this
 * one (at most 3), each sorting runs of the page cache's size (the cache is divided among them,
 * so the sort's memory stays {@link SORT_CACHE_KIB}).
 */
const SORT_THREADS = Math.max(0, Math.min(3, availableParallelism() - 1));

/** The highest entry id (the schema's CHECK; the matcher keys entries by uint32). */
const MAX_ENTRY_ID = 4_294_967_295;

/** The classification as the comparison of `planImportBatch` sees it (industry, uk, baseline). */
const normalized = (json: string): string =>
  `json_array(json_extract(${json}, '$.industry'), json_extract(${json}, '$.uk'), json_extract(${json}, '$.baseline'))`;

/**
 * SQLite's stage for large imports: a temporary database ATTACHed to the store's connection.
 * Upserts are appended there without an index, journal or fsync; sealing folds them per hash in
 * one sorted pass (SQLite's external merge sort: bounded memory); each part is then applied with
 * set-based statements (`INSERT ... SELECT ... ORDER BY` hash, so the unique index is written in
 * order, and one statement logs the created entries). The rules are planImportBatch's for
 * upserts: repeats folded into the first (its provenance, note, quality kept), the last stated
 * classification wins, an existing entry only has its classification updated when an upsert
 * states a different one.
 *
 * The connection is shared with the store's Kysely instance: every use of it goes through
 * Kysely's connection lock (`db.connection()`), or runs inside the store's transaction (parts),
 * so nothing here interleaves with another transaction. ATTACH and DETACH need no transaction
 * open; staging writes touch only the stage's file, never the store's.
 */
export async function openSqliteImportStage(
  database: BetterSqlite3.Database,
  db: Kysely<Database>,
): Promise<BulkImportStage> {
  const exclusive = <T>(work: () => T): Promise<T> =>
    db.connection().execute(async () => {
      try {
        return work();
      } catch (error) {
        throw translateStoreError(error);
      }
    });
  const parent = stageParent(database);
  removeStagesOfDeadProcesses(parent);
  const dir = mkdtempSync(join(parent, `${STAGE_DIR_PREFIX}${process.pid}-`));
  let statements: ReturnType<typeof prepare> | undefined;
  try {
    statements = await exclusive(() => {
      database.prepare(`attach database ? as ${STAGE}`).run(join(dir, 'stage.db'));
      database.pragma(`${STAGE}.journal_mode = off`);
      database.pragma(`${STAGE}.synchronous = off`);
      // Narrow rows (a third of the bytes, a quarter less sorting CPU, measured): the value as
      // its 32 (or 16, 20) bytes, which sort as its lower-case hex does, and a file's few distinct
      // provenances once each in \`provenances\`, referred to by number.
      database.exec(`create table ${STAGE}.provenances (
          id integer primary key, provenance text not null, source text not null);
        create table ${STAGE}.staged (
          signal_type text not null, value blob not null, quality integer, classification text not null,
          classification_set integer not null, provenance_ref integer, provenance text, provenance_source text,
          provenance_external_id text, reviewer_count integer not null, note text, disabled integer not null)`);
      return prepare(database);
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const s = statements;
  const params = new Array<unknown>(COLUMNS * INSERT_ROWS);
  const plainParams = new Array<unknown>(PLAIN_COLUMNS * INSERT_ROWS);
  // Most files repeat one provenance and one classification object shape: serialised once.
  const classificationJson = new JsonCache();
  const provenanceJson = new JsonCache();
  const provenanceRefs = new Map<string, number>();
  const provenanceRef = (provenance: Provenance, json: string): number | undefined => {
    let ref = provenanceRefs.get(json);
    if (ref === undefined && provenanceRefs.size < MAX_PROVENANCE_REFS) {
      ref = provenanceRefs.size + 1;
      s.insertProvenance.run(ref, json, provenance.source);
      provenanceRefs.set(json, ref);
    }
    return ref;
  };
  /**
   * The provenance number of a plain upsert (no classification, note, external id, reviewers or
   * `disabled`, a provenance stored by number: a bare list or a `signal_type,value,quality` CSV),
   * or 0 when the upsert is not plain. A plain row binds 4 parameters instead of 12, and the
   * statement fills in the rest (measured: a third of the stage's insert CPU).
   */
  const plainRef = (entry: NewEntry): number => {
    if (entry.note != null || entry.disabled || (entry.reviewerCount ?? 0) !== 0) return 0;
    const provenance = entry.provenance ?? UNKNOWN_PROVENANCE;
    if (provenance.externalId != null) return 0;
    if (classificationJson.of(entry.classification ?? EMPTY_CLASSIFICATION) !== '{}') return 0;
    return provenanceRef(provenance, provenanceJson.of(provenance)) ?? 0;
  };
  const bind = (out: unknown[], o: number, entry: NewEntry): void => {
    const classification = entry.classification ?? EMPTY_CLASSIFICATION;
    const provenance = entry.provenance ?? UNKNOWN_PROVENANCE;
    const json = provenanceJson.of(provenance);
    const ref = provenanceRef(provenance, json);
    out[o] = entry.signalType;
    out[o + 1] = entry.value;
    out[o + 2] = entry.quality ?? null;
    out[o + 3] = classificationJson.of(classification);
    out[o + 4] = isEmptyClassification(classification) ? 0 : 1;
    out[o + 5] = ref ?? null;
    out[o + 6] = ref === undefined ? json : null;
    out[o + 7] = ref === undefined ? provenance.source : null;
    out[o + 8] = provenance.externalId ?? null;
    out[o + 9] = entry.reviewerCount ?? 0;
    out[o + 10] = entry.note ?? null;
    out[o + 11] = entry.disabled ? 1 : 0;
  };
  /** Binds rows [i, i + INSERT_ROWS) as plain rows if they all are; false (nothing run) if not. */
  const insertPlain = (entries: readonly NewEntry[], i: number): boolean => {
    for (let j = 0; j < INSERT_ROWS; j++) {
      const entry = entries[i + j]!;
      const ref = plainRef(entry);
      if (ref === 0) return false;
      const o = j * PLAIN_COLUMNS;
      plainParams[o] = entry.signalType;
      plainParams[o + 1] = entry.value;
      plainParams[o + 2] = entry.quality ?? null;
      plainParams[o + 3] = ref;
    }
    s.insertPlain.run(plainParams);
    return true;
  };
  let size = 0;
  let closed = false;
  // Set by seal: how many hashes the stage folds to, and whether any hash came more than once
  // (only then can a created entry have sources besides its first provenance).
  let foldedRows = 0;
  let anyRepeated = false;
  const open = (): void => {
    if (closed) throw new Error('the import stage is closed');
  };

  return {
    get size() {
      return size;
    },
    async add(entries) {
      open();
      await exclusive(() => {
        // A transaction on the stage's file only: the store's database is neither read nor locked.
        database.exec('begin');
        try {
          let i = 0;
          for (; i + INSERT_ROWS <= entries.length; i += INSERT_ROWS) {
            if (insertPlain(entries, i)) continue;
            for (let j = 0; j < INSERT_ROWS; j++) bind(params, j * COLUMNS, entries[i + j]!);
            s.insertMany.run(params);
          }
          const one = new Array<unknown>(COLUMNS);
          for (; i < entries.length; i++) {
            bind(one, 0, entries[i]!);
            s.insertOne.run(one);
          }
          database.exec('commit');
        } catch (error) {
          if (database.inTransaction) database.exec('rollback');
          throw error;
        }
      });
      size += entries.length;
    },
    async seal() {
      open();
      return exclusive(() => {
        const cacheSize = database.pragma('cache_size', { simple: true }) as number;
        const threads = database.pragma('threads', { simple: true }) as number;
        // Each sorting thread holds a run of the cache's size: the same memory in all.
        database.pragma(`cache_size = -${Math.floor(SORT_CACHE_KIB / (SORT_THREADS + 1))}`);
        // The sorter sorts its runs in helper threads while this one reads and merges.
        database.pragma(`threads = ${SORT_THREADS}`);
        try {
          database.exec(`drop table if exists ${STAGE}.folded`);
          // One row per hash: the first upsert's fields (SQLite takes the bare columns of an
          // aggregate query with a single min() from the row holding the minimum), how many
          // upserts it folds and how many state a classification. GROUP BY sorts the stage once
          // (half the CPU of window functions, measured) and leaves the rows in hash order, so
          // rowid is the rank (only speed depends on that order, never the outcome).
          database.exec(`drop table if exists ${STAGE}.restated; create table ${STAGE}.folded as
            select signal_type, value, min(rowid) as first_upsert, count(*) as upserts,
              sum(classification_set) as stated, quality, provenance_ref, provenance, provenance_source,
              provenance_external_id, reviewer_count, note, disabled, classification
            from ${STAGE}.staged group by signal_type, value`);
          // A hash repeated with a classification ends with the last one stated: found in one
          // more pass over the stage, only when the file has such repeats (most have none).
          const repeats = s.foldedRestated().get() as [number] | undefined;
          if (repeats) {
            database.exec(`create table ${STAGE}.restated (folded_id integer primary key, classification text not null);
              create table ${STAGE}.repeated as
                select rowid as folded_id, signal_type, value from ${STAGE}.folded where upserts > 1 and stated > 0;
              create index ${STAGE}.repeated_key on repeated (signal_type, value);
              insert into ${STAGE}.restated
                select folded_id, classification from (
                  select r.folded_id, s.classification, max(s.rowid)
                  from ${STAGE}.staged s
                  join ${STAGE}.repeated r on r.signal_type = s.signal_type and r.value = s.value
                  where s.classification_set
                  group by r.folded_id);
              update ${STAGE}.folded
                set classification = (select classification from ${STAGE}.restated where folded_id = folded.rowid)
                where rowid in (select folded_id from ${STAGE}.restated);
              drop table ${STAGE}.repeated;`);
          }
          // Every source of a repeated hash (beyond the one folded into the entry), so that
          // withdrawing one source leaves the hash live for the others (planImportBatch's rule).
          database.exec(`drop table if exists ${STAGE}.sources;
            create table ${STAGE}.sources (folded_id integer not null, source text not null,
              external_id text, member text, first_row integer not null)`);
          anyRepeated = s.foldedRepeated().get() !== undefined;
          if (anyRepeated) {
            database.exec(`create table ${STAGE}.repeated_any as
                select rowid as folded_id, signal_type, value from ${STAGE}.folded where upserts > 1;
              create index ${STAGE}.repeated_any_key on repeated_any (signal_type, value);
              insert into ${STAGE}.sources
                select r.folded_id, coalesce(s.provenance_source, p.source), s.provenance_external_id,
                  json_extract(coalesce(s.provenance, p.provenance), '$.member'), min(s.rowid)
                from ${STAGE}.staged s
                join ${STAGE}.repeated_any r on r.signal_type = s.signal_type and r.value = s.value
                left join ${STAGE}.provenances p on p.id = s.provenance_ref
                group by r.folded_id, coalesce(s.provenance_source, p.source), s.provenance_external_id,
                  json_extract(coalesce(s.provenance, p.provenance), '$.member');
              create index ${STAGE}.sources_folded on sources (folded_id);
              drop table ${STAGE}.repeated_any;`);
          }
        } finally {
          database.pragma(`cache_size = ${cacheSize}`);
          database.pragma(`threads = ${threads}`);
        }
        foldedRows = (s.foldedRows().get() as [number | null])[0] ?? 0;
        return Math.ceil(foldedRows / PART_ROWS);
      });
    },
    async applyPart(_trx, part, { bankId, bankEnabled, addedBy, now }) {
      open();
      try {
        const from = part * PART_ROWS + 1;
        const to = (part + 1) * PART_ROWS;
        const at = now.toISOString();
        // Existing entries whose classification an upsert states differently, in id order.
        const updates = s.partUpdates().all(bankId, from, to) as [number, string, string, number, string][];
        for (const [id, , , , classification] of updates) s.updateEntry().run(classification, at, id);
        for (const [id, signalType, value, disabled] of updates) {
          s.insertChange().run(bankId, id, signalType, value, disabled === 0 && bankEnabled ? 1 : 0, at);
        }
        const lastId = (s.lastEntryId().get() as [number | null])[0] ?? 0;
        // Entries already in the bank are skipped by the unique index itself (INSERT OR IGNORE:
        // one probe a row instead of a NOT EXISTS probe and the insert's own, 45% of the
        // statement's CPU, measured). OR IGNORE would also skip a row past the id bound (CHECK),
        // so near it the statement that fails instead is used.
        const created =
          lastId + (to - from + 1) <= MAX_ENTRY_ID
            ? s.insertNew().run(bankId, addedBy, at, at, from, to).changes
            : s.insertCreated().run(bankId, addedBy, at, at, from, to, bankId).changes;
        if (created > 0) logCreated(s, { bankId, bankEnabled, at, lastId, created });
        // Sources besides each entry's first provenance (not logged: a matcher never sees them).
        // An entry created here has the folded row's provenance as its first, so when the whole
        // part was created and no hash came twice there is nothing to record, and the statement
        // (an index probe per row, a fifth of a 1M-row import's time, measured) is skipped.
        const partRows = Math.max(0, Math.min(to, foldedRows) - from + 1);
        if (anyRepeated || created < partRows) s.insertSources().run(at, at, from, to, from, to, bankId);
        const upserts = (s.partUpserts().get(from, to) as [number | null])[0] ?? 0;
        return { created, updated: updates.length, unchanged: upserts - created - updates.length };
      } catch (error) {
        throw translateStoreError(error);
      }
    },
    async reset() {
      open();
      await exclusive(() => {
        database.exec(
          `drop table if exists ${STAGE}.folded; drop table if exists ${STAGE}.restated;
           drop table if exists ${STAGE}.sources; delete from ${STAGE}.staged`,
        );
      });
      size = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await exclusive(() => {
          if (database.open) database.exec(`detach database ${STAGE}`);
        });
      } catch {
        // The store was closed first (an import that failed): its connection detached the stage.
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A stage's folder: the prefix, the owner's pid, a random suffix. */
const STAGE_DIR_PREFIX = '.hashline-import-stage-';

/**
 * Where stages go: beside the database file, on the disk that already holds the bank (a stage is
 * about 120 bytes a row, staged and folded, over 1 GB for 10M rows: too much for a temporary folder that is often
 * RAM-backed), or the temporary folder for an in-memory database.
 */
function stageParent(database: BetterSqlite3.Database): string {
  return database.memory || database.name === '' ? tmpdir() : dirname(resolve(database.name));
}

/**
 * Removes the stages that killed imports left behind (gigabytes for a large file): those whose
 * owner process is gone. A live owner's stage is never touched.
 */
function removeStagesOfDeadProcesses(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(STAGE_DIR_PREFIX)) continue;
    const pid = Number(name.slice(STAGE_DIR_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Statements on the stage; those reading `folded` are prepared when used (it exists once sealed). */
function prepare(database: BetterSqlite3.Database) {
  const insertRows = (rows: number): string =>
    `insert into ${STAGE}.staged values ${new Array<string>(rows).fill('(?, unhex(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
  const lazy = (sql: string, raw = true): (() => BetterSqlite3.Statement) => {
    let statement: BetterSqlite3.Statement | undefined;
    return () => {
      statement ??= raw ? database.prepare(sql).raw() : database.prepare(sql);
      return statement;
    };
  };
  return {
    insertMany: database.prepare(insertRows(INSERT_ROWS)),
    insertPlain: database.prepare(
      `insert into ${STAGE}.staged values ${new Array<string>(INSERT_ROWS).fill("(?, unhex(?), ?, '{}', 0, ?, null, null, null, 0, null, 0)").join(', ')}`,
    ),
    insertProvenance: database.prepare(`insert into ${STAGE}.provenances values (?, ?, ?)`),
    insertOne: database.prepare(insertRows(1)),
    foldedRows: lazy(`select max(rowid) from ${STAGE}.folded`),
    foldedRestated: lazy(`select 1 from ${STAGE}.folded where upserts > 1 and stated > 0 limit 1`),
    foldedRepeated: lazy(`select 1 from ${STAGE}.folded where upserts > 1 limit 1`),
    insertSources: lazy(
      `insert into main.bank_entry_sources
         (entry_id, bank_id, source, external_id, member, first_seen_at, last_seen_at)
       select e.id, e.bank_id, c.source, c.external_id, c.member, ?, ?
       from (select f0.rowid as folded_id, coalesce(f0.provenance_source, p0.source) as source,
               f0.provenance_external_id as external_id,
               json_extract(coalesce(f0.provenance, p0.provenance), '$.member') as member, f0.first_upsert as first_row
             from ${STAGE}.folded f0 left join ${STAGE}.provenances p0 on p0.id = f0.provenance_ref
             where f0.rowid between ? and ?
             union
             select folded_id, source, external_id, member, first_row from ${STAGE}.sources
             where folded_id between ? and ?) c
       join ${STAGE}.folded f on f.rowid = c.folded_id
       join main.bank_entries e on e.bank_id = ? and e.signal_type = f.signal_type and e.value = lower(hex(f.value))
       where not (c.source = e.provenance_source and c.external_id is e.provenance_external_id
                  and c.member is json_extract(e.provenance, '$.member'))
         and not exists (select 1 from main.bank_entry_sources x where x.entry_id = e.id
           and x.source = c.source and x.external_id is c.external_id and x.member is c.member)
       order by c.first_row`,
      false,
    ),
    partUpserts: lazy(`select sum(upserts) from ${STAGE}.folded where rowid between ? and ?`),
    partUpdates: lazy(
      `select e.id, e.signal_type, e.value, e.disabled, f.classification
       from ${STAGE}.folded f
       join main.bank_entries e on e.bank_id = ? and e.signal_type = f.signal_type and e.value = lower(hex(f.value))
       where f.rowid between ? and ? and f.stated > 0
         and ${normalized('f.classification')} is not ${normalized('e.classification')}
       order by e.id`,
    ),
    updateEntry: lazy('update main.bank_entries set classification = ?, updated_at = ? where id = ?', false),
    insertChange: lazy(
      `insert into main.bank_changes (op, bank_id, entry_id, signal_type, value, active, at)
       values ('entry_upsert', ?, ?, ?, ?, ?, ?)`,
      false,
    ),
    lastEntryId: lazy('select max(id) from main.bank_entries'),
    insertCreated: lazy(
      `insert into main.bank_entries (bank_id, signal_type, value, quality, classification, provenance,
         provenance_source, provenance_external_id, reviewer_count, added_by, note, disabled, feedback,
         created_at, updated_at)
       select ?, f.signal_type, lower(hex(f.value)), f.quality, f.classification,
         coalesce(f.provenance, p.provenance), coalesce(f.provenance_source, p.source),
         f.provenance_external_id, f.reviewer_count, ?, f.note, f.disabled, null, ?, ?
       from ${STAGE}.folded f left join ${STAGE}.provenances p on p.id = f.provenance_ref
       where f.rowid between ? and ?
         and not exists (select 1 from main.bank_entries e
           where e.bank_id = ? and e.signal_type = f.signal_type and e.value = lower(hex(f.value)))
       order by f.rowid`,
      false,
    ),
    insertNew: lazy(
      `insert or ignore into main.bank_entries (bank_id, signal_type, value, quality, classification,
         provenance, provenance_source, provenance_external_id, reviewer_count, added_by, note, disabled,
         feedback, created_at, updated_at)
       select ?, f.signal_type, lower(hex(f.value)), f.quality, f.classification,
         coalesce(f.provenance, p.provenance), coalesce(f.provenance_source, p.source),
         f.provenance_external_id, f.reviewer_count, ?, f.note, f.disabled, null, ?, ?
       from ${STAGE}.folded f left join ${STAGE}.provenances p on p.id = f.provenance_ref
       where f.rowid between ? and ?
       order by f.rowid`,
      false,
    ),
    logCreated: lazy(
      `insert into main.bank_changes (op, bank_id, entry_id, signal_type, value, active, at)
       select 'entry_upsert', bank_id, id, signal_type, value, disabled = 0 and ?, ?
       from main.bank_entries where bank_id = ? and id > ? order by id`,
      false,
    ),
    createdIds: lazy('select min(id), max(id) from main.bank_entries where bank_id = ? and id > ?'),
    insertRange: lazy(
      `insert into main.bank_changes (op, bank_id, entry_id, signal_type, value, active, at, entry_count)
       values ('entry_upsert', ?, ?, null, null, ?, ?, ?)`,
      false,
    ),
    reserveSeqs: lazy(`update main.sqlite_sequence set seq = ? where name = 'bank_changes'`, false),
  };
}

/**
 * Logs the entries a part just created (ids above `lastId`; nothing else writes meanwhile). One
 * INSERT gives them consecutive ids, so one ranged row stands for them all (migration 0022, ADR
 * 0028): the seqs after its own are reserved by moving the table's AUTOINCREMENT counter past
 * them, and readers expand it into one change per entry. A row per entry instead cost about 12%
 * of a 1M-row import (10.75 s against 9.45 s, measured) and ~120 bytes per entry on disk. Ids
 * that are not consecutive (never seen) get a row each, as before.
 */
function logCreated(
  s: ReturnType<typeof prepare>,
  part: { bankId: number; bankEnabled: boolean; at: string; lastId: number; created: number },
): void {
  const { bankId, bankEnabled, at, lastId, created } = part;
  const [firstId, lastCreatedId] = s.createdIds().get(bankId, lastId) as [number, number];
  if (created === 1 || lastCreatedId - firstId + 1 !== created) {
    s.logCreated().run(bankEnabled ? 1 : 0, at, bankId, lastId);
    return;
  }
  const { lastInsertRowid } = s.insertRange().run(bankId, firstId, bankEnabled ? 1 : 0, at, created);
  s.reserveSeqs().run(Number(lastInsertRowid) + created - 1);
}

/**
 * The JSON of the last object serialised, reused while the next is the same object or has the
 * same text: a file's rows mostly share one provenance and one classification, and a repeated
 * string is one allocation instead of one per row.
 */
class JsonCache {
  #object: unknown;
  #json = '';

  of(value: object): string {
    if (value === this.#object) return this.#json;
    const json = JSON.stringify(value);
    this.#object = value;
    if (json !== this.#json) this.#json = json;
    return this.#json;
  }
}
