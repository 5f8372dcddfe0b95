import type { Kysely, RawBuilder, SelectQueryBuilder, Transaction } from 'kysely';
import type { BulkImporter } from './bulk-import.js';
import type { Database, DbBool, DbDate } from './schema.js';

/** The SQL engines Hashline stores data in. */
export type Engine = 'sqlite' | 'postgres';

/**
 * What differs between the engines once the schema exists: how a boolean or a time is written,
 * how the change log is serialised, how rows are claimed, how a unique violation looks. The
 * shared store (kysely-hashline-store.ts) holds every query; each engine implements only this.
 */
export interface StoreDialect {
  readonly engine: Engine;
  /** A boolean as the engine stores it. */
  bool(value: boolean): DbBool;
  /** A time as the engine stores it. */
  date(value: Date): DbDate;
  /** A time as a typed SQL expression, for places where the engine cannot infer the type (SELECT lists). */
  dateExpression(value: Date): RawBuilder<DbDate>;
  /**
   * Called first in every transaction that appends to the change log: it must make the
   * transactions that append commit in the order of the seqs they take (see the engines).
   */
  lockChangeLog(trx: Transaction<Database>): Promise<void>;
  /**
   * Called last in every transaction that appends to the change log: tells other processes that
   * a change is coming, delivered only if and when the transaction commits (a no-op where no
   * engine-level notification exists; followers then find the change by polling).
   */
  notifyChangeLog(trx: Transaction<Database>): Promise<void>;
  /**
   * Called first in every transaction that appends to the hotline's audit log: appends must run
   * one at a time, each reading the head its predecessor committed, so the chain never forks.
   */
  lockAuditLog(trx: Transaction<Database>): Promise<void>;
  /**
   * Locks the selected rows until the transaction ends, so a concurrent transaction doing the same
   * waits and then reads what this one committed (a no-op where transactions are serial anyway).
   */
  lockForUpdate<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;
  /** Locks the selected rows for a claim so that concurrent claimers skip them. */
  lockForClaim<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;
  /** True when `error` is the engine's unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
}

/** A Kysely instance with the dialect it runs on, ready for {@link KyselyHashlineStore}. */
export interface StoreDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /**
   * Where the engine can flush its log off the event loop (SQLite: the WAL, see
   * sqlite-wal-sync.ts): makes every commit made before the call durable. A store may then commit
   * a transaction relaxed (relaxed-commit.ts) and call this before acknowledging it. Absent where
   * a durable commit does not block the event loop anyway (PostgreSQL).
   */
  readonly syncLog?: () => Promise<void>;
  /** The engine's bulk path for imports; without it `applyImport` is refused. */
  readonly bulk?: BulkImporter;
}
