import { sql } from 'kysely';
import type { StoreDialect } from '../store-dialect.js';

/**
 * PostgreSQL: native booleans, `timestamptz` (Dates bound directly), `jsonb`.
 *
 * The change-log problem: `bank_changes.seq` comes from a sequence, and sequence values are
 * taken when a row is inserted, not when its transaction commits. Two concurrent writers can
 * take 10 and 11, and 11 can commit first; a replica reading `changesSince(9)` then sees 11,
 * moves its cursor to 11, and never sees 10.
 *
 * The fix chosen: every transaction that appends to the log first takes a transaction-level
 * advisory lock (`pg_advisory_xact_lock`), released only when it commits or rolls back. Seqs are
 * therefore taken by one transaction at a time and each commits before the next can take its
 * first seq: commit order = seq order, so a cursor can never pass an uncommitted lower seq. A
 * rolled-back transaction leaves a gap, which is harmless (nothing can ever fill it).
 *
 * Why this over the alternative (returning only changes below the oldest in-flight seq, read
 * from `pg_stat_activity`/`txid_current_snapshot` bookkeeping): bank writes are rare next to
 * matches, imports are batched into one transaction each, and readers (`changesSince`,
 * `activeSignals`, matching) take no lock at all, so serialising writers costs little and keeps
 * `changesSince` a plain indexed range scan. Taking the lock first in the transaction, before
 * any row lock, also means writers can never deadlock on it.
 *
 * The key is derived from the `bank_changes` table's OID, so stores in different schemas (or
 * databases) of one server do not serialise each other.
 */
export const postgresStoreDialect: StoreDialect = {
  engine: 'postgres',
  bool: (value) => value,
  date: (value) => value,
  // A bare parameter in a SELECT list is typed text; INSERT … SELECT into timestamptz needs the cast.
  dateExpression: (value) => sql<Date>`cast(${value} as timestamptz)`,
  lockChangeLog: async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(CHANGE_LOG_LOCK_CLASS)}::bigint << 32 | 'bank_changes'::regclass::oid::bigint)`.execute(
      trx,
    );
  },
  // PostgreSQL queues a NOTIFY with the transaction and delivers it only after the commit, so a
  // listener that wakes and reads the log always finds the change (see postgres-change-listener.ts).
  notifyChangeLog: async (trx) => {
    await sql`select pg_notify(${sql.raw(CHANGE_CHANNEL_SQL)}, '')`.execute(trx);
  },
  // The same scheme for the hotline's audit chain, under its own key (audit-chain.ts in the domain):
  // the appender reads the head, computes seq + 1 and the hash, inserts and moves the head, and no
  // other appender may read the head in between. The primary key on seq backs this up: a second
  // row with the same seq could never commit.
  lockAuditLog: async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_LOG_LOCK_CLASS)}::bigint << 32 | 'audit_events'::regclass::oid::bigint)`.execute(
      trx,
    );
  },
  lockForUpdate: (query) => query.forUpdate(),
  // Concurrent workers each take different due rows instead of waiting on each other's.
  lockForClaim: (query) => query.forUpdate().skipLocked(),
  isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
};

/**
 * The NOTIFY channel of this store's change log, as SQL: `hashline_changes_<oid of bank_changes>`,
 * so stores in different schemas of one database (tests, several deployments) do not wake each
 * other, as with the advisory-lock key. Evaluated with the store's search_path.
 */
export const CHANGE_CHANNEL_SQL = `'hashline_changes_' || 'bank_changes'::regclass::oid::bigint`;

/** High 32 bits of the advisory-lock key: "HSHL", so the key is recognisable in `pg_locks`. */
export const CHANGE_LOG_LOCK_CLASS = 0x4853484c;

/** High 32 bits of the audit log's advisory-lock key: "HSAU" (a class of its own). */
export const AUDIT_LOG_LOCK_CLASS = 0x48534155;
