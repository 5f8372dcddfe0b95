import { sql } from 'kysely';
import type { StoreDialect } from '../store-dialect.js';

/**
 * SQLite: booleans as 0/1, times as ISO-8601 UTC text (fixed width, so text order is time order).
 *
 * The change log needs no extra lock here: every transaction this package opens on SQLite
 * begins IMMEDIATE (sqlite-database.ts), taking the database's single write lock up front, so
 * log appends, and their commits, happen one transaction at a time, in seq order. For the same
 * reason a claim needs no row locks, and audit appends are serial without another lock.
 */
export const sqliteStoreDialect: StoreDialect = {
  engine: 'sqlite',
  bool: (value) => (value ? 1 : 0),
  date: (value) => value.toISOString(),
  dateExpression: (value) => sql<string>`${value.toISOString()}`,
  lockChangeLog: async () => {},
  // Processes on one SQLite file have no notification channel: they poll the log.
  notifyChangeLog: async () => {},
  lockAuditLog: async () => {},
  lockForUpdate: (query) => query,
  lockForClaim: (query) => query,
  isUniqueViolation: (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
};
