/**
 * `@hashline/storage`: the domain's {@link HashlineStore} on SQLite (embedded default) and
 * PostgreSQL (production), with Kysely. Node only. Schemas are migrated on open.
 * @packageDocumentation
 */
export {
  openStore,
  openSqliteStore,
  openPostgresStore,
  type StoreOptions,
  type SqliteStoreOptions,
  type PostgresStoreOptions,
} from './open-store.js';
export { migrationsFor } from './migrations/index.js';
export type { Engine } from './store-dialect.js';
