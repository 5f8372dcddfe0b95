/**
 * `@hashline/storage`: the domain's {@link HashlineStore}, with the hotline's store as
 * `store.hotline`, on SQLite (embedded default) and PostgreSQL (production), with Kysely. Node
 * only. Schemas are migrated on open.
 * @packageDocumentation
 */
export {
  openStore,
  openSqliteStore,
  openPostgresStore,
  type StoreOptions,
  type StoreConnectionOptions,
  type SqliteStoreOptions,
  type PostgresStoreOptions,
} from './open-store.js';
export { migrationsFor } from './migrations/index.js';
export { hasHotlineStore, type HashlineStoreWithHotline } from './hotline-store-guard.js';
export { nodeSha256Hex } from './kysely-hotline-store.js';
export type { Engine } from './store-dialect.js';
export {
  StoreOpenError,
  bypassStoreGate,
  isStoreUnavailableError,
  type StoreGate,
  unavailableReason,
  type UnavailableReason,
} from './store-unavailable.js';
export { POSTGRES_DEFAULTS } from './postgres/postgres-database.js';
export {
  KyselyStatisticsStore,
  openStatisticsStore,
  type OpenedStatisticsStore,
} from './kysely-statistics-store.js';
// Hotline-to-hotline exchange (issue 5 part 2): the lead wires it on the store's database as `store.exchange`.
export { KyselyExchangeStore } from './kysely-exchange-store.js';
// Notice and takedown (issue 5 part 3): the lead wires it on the store's database as `store.takedowns`.
export { KyselyTakedownStore } from './kysely-takedown-store.js';
// Referral records (issue 5 part 1): the lead wires it on the store's database as `store.referrals`.
export { KyselyReferralStore } from './kysely-referral-store.js';
// Freshness across processes (issue 11): followers of the change log wake on PostgreSQL NOTIFY.
export {
  listenForChanges,
  type ChangeListener,
  type ChangeListenerOptions,
  type ChangeListenerStatus,
} from './postgres/postgres-change-listener.js';
// One rate limit across replicas (issue 11): API keys' token buckets in PostgreSQL.
export {
  openPostgresRateBuckets,
  type BucketTake,
  type PostgresRateBuckets,
  type PostgresRateBucketsOptions,
} from './postgres/postgres-rate-buckets.js';
// Probing detection across replicas (issue 15): verdict-only keys' recent queries in PostgreSQL.
export {
  openPostgresProbingHistory,
  type PostgresProbingHistoryOptions,
} from './postgres/postgres-probing-history.js';
// Bulk import jobs over the API (issue 12): wired on the store's database as `store.importJobs`.
export { KyselyImportJobStore } from './kysely-import-job-store.js';
// Fast start (issue 12): a server reads a SQLite store's active entries in a worker thread.
export { scanSqliteActiveSignals, type ActiveSignalVisitor } from './sqlite/sqlite-active-scan.js';
export {
  scanPostgresActiveSignals,
  type PostgresActiveScanOptions,
} from './postgres/postgres-active-scan.js';
// Scheduled hash exchanges (issue 14): wired on the store's database as `store.hashExchanges`.
export { KyselyHashExchangeStore } from './kysely-hash-exchange-store.js';
