import type { ColumnType } from 'kysely';

// Kysely table types, one source for both engines. Where the engines store a value differently,
// the column type is the union of what each returns, and rows are normalised in one place
// (row-mapping.ts); values are written through the engine's StoreDialect codecs.

/** `boolean` in PostgreSQL; `0`/`1` in SQLite. */
export type DbBool = boolean | number;
/** `timestamptz` read as a Date (PostgreSQL); ISO-8601 text `…T…Z` (SQLite), which sorts as time. */
export type DbDate = Date | string;
/** `jsonb` read already parsed (PostgreSQL); text (SQLite). Always written as JSON text. */
export type DbJson = ColumnType<unknown, string, string>;
/** An identity column the database assigns; `bigint` ones come back from `pg` as strings. */
export type DbSerial = ColumnType<number | string, never, never>;

/** Banks: one row per named list of hashes. */
export interface BanksTable {
  id: ColumnType<number, never, never>;
  name: string;
  description: string;
  kind: string;
  default_actions: DbJson;
  pdq_threshold: number;
  enabled: DbBool;
  webhook_url: string | null;
  webhook_secret: string | null;
  created_at: DbDate;
  updated_at: DbDate;
}

/** Bank entries; `(bank_id, signal_type, value)` is unique; `id` fits a uint32 (the matcher's key). */
export interface BankEntriesTable {
  id: ColumnType<number, never, never>;
  bank_id: number;
  signal_type: string;
  /** Lower-case hex. */
  value: string;
  quality: number | null;
  classification: DbJson;
  provenance: DbJson;
  /** Copies of `provenance.source` and `.externalId`, indexed for withdrawals by external id. */
  provenance_source: string;
  provenance_external_id: string | null;
  reviewer_count: number;
  added_by: string;
  note: string | null;
  disabled: DbBool;
  feedback: string | null;
  created_at: DbDate;
  updated_at: DbDate;
}

/** The append-only bank change log that matcher replicas follow. */
export interface BankChangesTable {
  seq: DbSerial;
  op: string;
  bank_id: number;
  entry_id: number | null;
  signal_type: string | null;
  value: string | null;
  /** `entry_upsert` only: whether the entry takes part in matching after the change. */
  active: DbBool | null;
  at: DbDate;
}

/** Stored match records. */
export interface MatchRecordsTable {
  id: DbSerial;
  created_at: DbDate;
  caller: string;
  source: string;
  signal_type: string;
  value: string;
  matches: DbJson;
  content_ref: string | null;
}

/** Which banks each match record matched: lets records be listed by bank through an index. */
export interface MatchRecordBanksTable {
  match_record_id: number | string;
  bank_id: number;
}

/** API keys: only the SHA-256 of the secret is stored. */
export interface ApiKeysTable {
  id: string;
  name: string;
  scopes: DbJson;
  secret_hash: string;
  rate_limit_per_second: number | null;
  created_at: DbDate;
  revoked_at: DbDate | null;
}

/** The webhook outbox. */
export interface WebhookDeliveriesTable {
  id: DbSerial;
  bank_id: number;
  url: string;
  body: string;
  idempotency_key: string;
  attempts: number;
  next_attempt_at: DbDate;
  status: string;
  last_error: string | null;
  created_at: DbDate;
  /** When it was delivered (audit only; not part of the domain entity). */
  delivered_at: DbDate | null;
}

/** Self-submission cases (see migration 0002): no file metadata, day granularity. */
export interface SelfSubmissionCasesTable {
  case_number: string;
  pin_hash: string;
  case_type: string;
  status: string;
  image_count: number;
  created_day: string;
  failed_pin_attempts: number;
  locked_until: DbDate | null;
}

/** Which bank entries each self-submission case holds (see migration 0002). */
export interface SelfSubmissionCaseEntriesTable {
  case_number: string;
  entry_id: number;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  self_submission_cases: SelfSubmissionCasesTable;
  self_submission_case_entries: SelfSubmissionCaseEntriesTable;
  banks: BanksTable;
  bank_entries: BankEntriesTable;
  bank_changes: BankChangesTable;
  match_records: MatchRecordsTable;
  match_record_banks: MatchRecordBanksTable;
  api_keys: ApiKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
