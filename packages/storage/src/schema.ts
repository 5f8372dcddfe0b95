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
  vpdq_match_percent: ColumnType<number, number | undefined, number>;
  vpdq_query_match_percent: ColumnType<number, number | undefined, number>;
  enabled: DbBool;
  /** Migration 0013: only the four-eyes path changes the bank. */
  four_eyes: ColumnType<DbBool, DbBool | undefined, DbBool>;
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
  /** Robust PDQ variants, `kind:hex` pairs (migration 0017); null when the entry has none. */
  pdq_variants: ColumnType<string | null, string | null | undefined, never>;
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
  /**
   * A ranged row (migration 0022, ADR 0028): the creation of this many entries, ids `entry_id` …
   * `entry_id + entry_count - 1`, at seqs `seq` … `seq + entry_count - 1`; `active` is then the
   * bank's state (each entry's own `disabled` is read from it). Null on every other row.
   */
  entry_count: number | null;
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
  /** Migration 0013: a JSON array of bank names, or null for every bank. */
  banks: ColumnType<unknown, string | null | undefined, string | null>;
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
  delivered_at: DbDate | null;
  /** The bank's notification number (migration 0007); `pg` returns bigint as a string. */
  seq: number | string;
  /** When queued or requeued; null only for rows written before 0007 ran (then created_at). */
  queued_at: DbDate | null;
  /** Set while an attempt is under way. */
  leased_until: DbDate | null;
}

/** The last notification seq each bank took (migration 0007); its row lock orders enqueues. */
export interface WebhookSequencesTable {
  bank_id: number;
  last_seq: number | string;
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

// ---- the hotline (migration 0003) ----

/** `bytea` (PostgreSQL) or `blob` (SQLite); both drivers return a Buffer. Written as a Buffer. */
export type DbBytes = ColumnType<Uint8Array, Uint8Array, Uint8Array>;
/** An integer identity column the database assigns (`integer`, so both drivers return numbers). */
export type DbIntSerial = ColumnType<number, never, never>;

/** Reports: one per submission. The reporter's contact lives apart, in `reporter_contacts`. */
export interface ReportsTable {
  id: string;
  received_at: DbDate;
  channel: string;
  reporter_type: string;
  anonymous: DbBool;
  contact_id: string | null;
  consent_to_contact: DbBool;
  language: string;
  concerns: DbJson;
  description: string | null;
  seen_where: string | null;
  imminent_danger: DbBool;
  status: string;
  priority: number;
  duplicate_of_report_id: string | null;
  assigned_analyst_id: string | null;
  closed_at: DbDate | null;
  receipt_hash: string;
  partner_reference: string | null;
  updated_at: DbDate;
}

/** The idempotency record of each accepted report request, keyed by the key's SHA-256. */
export interface ReportIdempotencyTable {
  key_hash: string;
  report_id: string;
  body_hash: string;
  receipt_sealed: string;
  created_at: DbDate;
}

/** Sealed reporter contacts; no link from here to a report. */
export interface ReporterContactsTable {
  id: string;
  sealed: string;
  created_at: DbDate;
}

/** The URLs of a report and what their capture found. */
export interface ReportedUrlsTable {
  id: DbIntSerial;
  report_id: string;
  url: string;
  normalized_url: string;
  site_type: string | null;
  accessibility: string | null;
  captured_at: DbDate | null;
  capture_error: string | null;
  /** {@link HostTrace} as JSON, `tracedAt` as ISO-8601 text. */
  trace: DbJson | null;
}

/** The capture outbox: one job per reported URL, written with the report. */
export interface CaptureJobsTable {
  id: DbIntSerial;
  report_id: string;
  url_id: number;
  status: string;
  attempts: number;
  run_after: DbDate;
  lease_until: DbDate | null;
  last_error: string | null;
  created_at: DbDate;
}

/** Media items found by captures; `(capture_job_id, sha256)` is unique. */
export interface MediaItemsTable {
  id: DbIntSerial;
  report_id: string;
  url_id: number;
  capture_job_id: number;
  source_url: string;
  media_type: string;
  md5: string;
  sha256: string;
  pdq: string | null;
  pdq_quality: number | null;
  /** Bank-side robust PDQ variants, `kind:hex` pairs (migration 0017); null when none. */
  pdq_variants: ColumnType<string | null, string | null | undefined, never>;
  width: number | null;
  height: number | null;
  byte_length: number;
  known_match: DbJson | null;
  previously_assessed: DbBool;
  stored_content: DbBool;
  status: string;
  bank_entry_ids: DbJson;
  captured_at: DbDate;
  /** A video's contact sheet layout (`ContactSheet` as JSON); null for images (migration 0020). */
  contact_sheet: DbJson | null;
}

/** The derived images of a media item, apart so that listing media never reads them. */
export interface MediaBlobsTable {
  media_id: number;
  thumbnail: DbBytes;
  preview_sealed: DbBytes | null;
}

/** Assessments; `(media_id, analyst_id)` is unique. */
export interface AssessmentsTable {
  id: DbIntSerial;
  media_id: number;
  analyst_id: string;
  assessed_at: DbDate;
  international_status: string;
  national_status: string;
  jurisdiction: string;
  legal_basis: string | null;
  severity_uk: string | null;
  industry_classification: string | null;
  age_band: string;
  sex: string;
  victim_count: number | null;
  self_generated: string;
  content_origin: string;
  flags: DbJson;
  confidence: string;
  notes: string | null;
}

/** Hotline staff. */
export interface AnalystsTable {
  id: string;
  username: string;
  display_name: string;
  role: string;
  password_hash: string;
  totp_secret_sealed: string | null;
  disabled: DbBool;
  /** Migration 0015: the workbench language the analyst chose (nl, fr, de, en), null until chosen. */
  language: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: DbDate;
  updated_at: DbDate;
}

/** Signed-in sessions, keyed by the SHA-256 of the cookie's id. */
export interface AnalystSessionsTable {
  id_hash: string;
  analyst_id: string;
  csrf_token: string;
  created_at: DbDate;
  expires_at: DbDate;
}

/** Sign-in attempts and back-off per account name (migration 0010), keyed by a hash of the name. */
export interface SignInThrottleTable {
  throttle_key: string;
  attempts: number;
  blocked_until: DbDate | null;
  updated_at: DbDate;
}

/** The hash-chained audit log; `seq` is assigned by the appender (head + 1), not by the database. */
export interface AuditEventsTable {
  seq: number;
  at: DbDate;
  actor: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  details: DbJson;
  prev_hash: string;
  hash: string;
}

/** One row (`id = 1`): the last audit row's seq and hash, updated with every append. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

// ---- notice and takedown, retention (migration 0005; issue 5 parts 3 and 6) ----

/** Notice-and-takedown records, one per notice about one reported URL. */
export interface TakedownsTable {
  id: string;
  report_id: string;
  url_id: number;
  url: string;
  recipient: string;
  language: string;
  via: string;
  status: string;
  sent_by: string | null;
  sent_to: string | null;
  referral_reference: string | null;
  notice_sent_at: DbDate | null;
  message_id: string;
  send_attempts: number;
  last_error: string | null;
  removed_confirmed_at: DbDate | null;
  next_check_at: DbDate | null;
  lease_until: DbDate | null;
  created_at: DbDate;
  created_by: string;
}

/** The re-checks of a takedown's URL; `(takedown_id, seq)` is the key, seq counting from 1. */
export interface TakedownChecksTable {
  takedown_id: string;
  seq: number;
  checked_at: DbDate;
  result: string;
  detail: string | null;
}

/** Reports whose personal data the retention job deleted, with the kinds and counts deleted. */
export interface ReportPurgesTable {
  report_id: string;
  purged_at: DbDate;
  deleted: DbJson;
}

/** The frames of a `vpdq` entry (migration 0011). */
export interface VideoSignalsTable {
  entry_id: number;
  /** The reference hasher's lines, one frame each. */
  frames: string;
  frame_count: number;
  file_md5: string | null;
  file_sha256: string | null;
}

/** A source vouching for an entry besides its first provenance (migration 0012). */
export interface BankEntrySourcesTable {
  id: ColumnType<number, never, never>;
  entry_id: number;
  bank_id: number;
  source: string;
  external_id: string | null;
  member: string | null;
  first_seen_at: DbDate;
  last_seen_at: DbDate;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  bank_entry_sources: BankEntrySourcesTable;
  video_signals: VideoSignalsTable;
  self_submission_cases: SelfSubmissionCasesTable;
  self_submission_case_entries: SelfSubmissionCaseEntriesTable;
  banks: BanksTable;
  bank_entries: BankEntriesTable;
  bank_changes: BankChangesTable;
  match_records: MatchRecordsTable;
  match_record_banks: MatchRecordBanksTable;
  api_keys: ApiKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_sequences: WebhookSequencesTable;
  reports: ReportsTable;
  report_idempotency: ReportIdempotencyTable;
  reporter_contacts: ReporterContactsTable;
  reported_urls: ReportedUrlsTable;
  capture_jobs: CaptureJobsTable;
  media_items: MediaItemsTable;
  media_blobs: MediaBlobsTable;
  assessments: AssessmentsTable;
  analysts: AnalystsTable;
  analyst_sessions: AnalystSessionsTable;
  sign_in_throttle: SignInThrottleTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  takedowns: TakedownsTable;
  takedown_checks: TakedownChecksTable;
  report_purges: ReportPurgesTable;
}

// ---- Hotline-to-hotline exchange (issue 5 part 2, migration 0006) ----
// Declared as a merge into Database so this block stays apart from the other helpers' tables.

/** A case sent to a partner hotline: one row per (report, partner country). */
export interface ExchangeOutgoingTable {
  id: string;
  report_id: string;
  partner_country: string;
  partner_name: string;
  status: string;
  attempts: number;
  receipt_reference: string | null;
  last_error: string | null;
  url_count: number;
  media_count: number;
  created_at: DbDate;
  created_by: string;
  delivered_at: DbDate | null;
  updated_at: DbDate;
}

/** What a partner hotline sent with the report it became. */
export interface ExchangeIncomingTable {
  report_id: string;
  sender_name: string;
  sender_country: string;
  reference: string;
  sent_at: DbDate;
  received_at: DbDate;
  api_key_id: string;
  urls: DbJson;
}

/** One item of a received case: hashes, classification and the partner's assessment summary. */
export interface PartnerAssessmentsTable {
  report_id: string;
  item_index: number;
  url_index: number;
  media_type: string;
  md5: string;
  sha256: string;
  pdq: string | null;
  pdq_quality: number | null;
  classification: DbJson;
  known_material: DbBool;
  summary: DbJson | null;
}

// Declaration merging: adds the exchange tables to the Database interface above.
export interface Database {
  exchange_outgoing: ExchangeOutgoingTable;
  exchange_incoming: ExchangeIncomingTable;
  partner_assessments: PartnerAssessmentsTable;
}

// ---- Referrals (issue 5 part 1, migration 0004) ----
// Declared as a merge into Database so this block stays apart from the other helpers' tables.

/** Referral records (DOMAIN.md §8.5); `(report_id, target, target_country)` is unique. */
export interface ReferralsTable {
  id: string;
  report_id: string;
  target: string;
  target_name: string;
  target_country: string;
  basis: string;
  actionable: string;
  status: string;
  external_ref: string | null;
  created_at: DbDate;
  created_by: string;
  sent_at: DbDate | null;
  updated_at: DbDate;
  /** JSON array of the report's URL ids, ascending. */
  url_ids: DbJson;
}

// Declaration merging: adds the referrals table to the Database interface above.
export interface Database {
  referrals: ReferralsTable;
}

// ---- Import jobs (issue 12, migration 0009) ----

/** Bulk imports over the API: one row per uploaded file, with its progress. */
export interface ImportJobsTable {
  id: string;
  bank_id: number;
  status: string;
  format: string;
  on_error: string;
  origin: string;
  file_sha256: string;
  /** `bigint` columns come back from `pg` as strings. */
  total_bytes: number | string;
  fingerprint: string;
  idempotency_key: string | null;
  owner: string;
  claimed_by: string | null;
  created_by: string;
  records_committed: ColumnType<number | string, number | undefined, number>;
  bytes_processed: ColumnType<number | string, number | undefined, number>;
  read_count: ColumnType<number | string, number | undefined, number>;
  added_count: ColumnType<number | string, number | undefined, number>;
  existing_count: ColumnType<number | string, number | undefined, number>;
  updated_count: ColumnType<number | string, number | undefined, number>;
  withdrawals_applied: ColumnType<number | string, number | undefined, number>;
  withdrawals_unmatched: ColumnType<number | string, number | undefined, number>;
  skipped_count: ColumnType<number | string, number | undefined, number>;
  error_count: ColumnType<number | string, number | undefined, number>;
  /** JSON text: the first problems. */
  problems: ColumnType<string, string | undefined, string>;
  /** JSON text `{ code, detail }`, or null. */
  error: string | null;
  created_at: DbDate;
  started_at: DbDate | null;
  finished_at: DbDate | null;
  updated_at: DbDate;
}

// Declaration merging: adds the import jobs table to the Database interface above.
export interface Database {
  import_jobs: ImportJobsTable;
}

// ---- browser capture, recapture, audit anchors (migration 0012; issue 16) ----
// Merged into the tables above so this block stays apart from the other issues' changes.

/** A capture job is one attempt of a URL's capture: who asked, how it ran, what it found. */
export interface CaptureJobsTable {
  /** The analyst who asked for a recapture; null for the report's own capture. */
  requested_by: string | null;
  /** `browser` or `http`; null until it ran. */
  method: string | null;
  /** Why a browser capture ran over plain HTTP instead (a fixed sentence, never page content). */
  note: string | null;
  finished_at: DbDate | null;
  media_found: number | null;
}

/** A browser capture's full-page screenshot (one per job), sealed like kept media. */
export interface CaptureScreenshotsTable {
  capture_job_id: number;
  report_id: string;
  url_id: number;
  sha256: string;
  byte_length: number;
  width: number | null;
  height: number | null;
  captured_at: DbDate;
  thumbnail: DbBytes | null;
  preview_sealed: DbBytes | null;
  original_sealed: DbBytes | null;
}

/** A signed audit head the server published. */
export interface AuditAnchorsTable {
  seq: number;
  hash: string;
  signed_at: DbDate;
  key_id: string;
  signature: string;
  published_to: string;
}

export interface Database {
  capture_screenshots: CaptureScreenshotsTable;
  audit_anchors: AuditAnchorsTable;
}

// ---- scheduled hash exchanges (migration 0016; issue 14 item 1) ----

/** One configured hash exchange: configuration, sealed credentials, checkpoint, status and lease. */
export interface HashExchangesTable {
  id: ColumnType<number, never, never>;
  name: string;
  bank_id: number;
  type: string;
  endpoint_url: string;
  interval_seconds: number;
  /** JSON text: the per-type options. */
  options: string;
  upload: DbBool;
  feedback: DbBool;
  sealed_credentials: string | null;
  paused: DbBool;
  paused_reason: string | null;
  checkpoint: string | null;
  upload_checkpoint: ColumnType<number | string, number | undefined, number>;
  last_run_at: DbDate | null;
  last_success_at: DbDate | null;
  last_error_kind: string | null;
  last_error_message: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  next_run_at: DbDate;
  count_pages: ColumnType<number | string, number | undefined, number>;
  count_added: ColumnType<number | string, number | undefined, number>;
  count_updated: ColumnType<number | string, number | undefined, number>;
  count_withdrawn: ColumnType<number | string, number | undefined, number>;
  count_unchanged: ColumnType<number | string, number | undefined, number>;
  count_skipped: ColumnType<number | string, number | undefined, number>;
  count_errors: ColumnType<number | string, number | undefined, number>;
  leased_by: string | null;
  lease_until: DbDate | null;
  created_by: string;
  created_at: DbDate;
  updated_at: DbDate;
  /** Migration 0020: the last failure to send a feedback vote. */
  feedback_last_error: ColumnType<string | null, string | null | undefined, string | null>;
  feedback_last_error_at: ColumnType<DbDate | null, DbDate | null | undefined, DbDate | null>;
}

/** The latest feedback vote on an entry, to be sent to the exchanges it came from (migration 0020). */
export interface HashExchangeVotesTable {
  entry_id: number;
  bank_id: number;
  verdict: string;
  voted_by: string;
  match_record_id: number | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: DbDate;
  updated_at: DbDate;
}

/** Which version of an entry's vote an exchange sent, tried or had refused (migration 0020). */
export interface HashExchangeVoteDeliveriesTable {
  entry_id: number;
  exchange_id: number;
  version: number;
  verdict: string;
  sent_at: DbDate | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  refused: DbBool;
  updated_at: DbDate;
}

// Declaration merging: adds the hash exchanges table to the Database interface above.
export interface Database {
  hash_exchanges: HashExchangesTable;
  hash_exchange_votes: HashExchangeVotesTable;
  hash_exchange_vote_deliveries: HashExchangeVoteDeliveriesTable;
}
