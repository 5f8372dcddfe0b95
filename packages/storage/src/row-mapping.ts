import type {
  ApiKey,
  ApiScope,
  Bank,
  BankAction,
  BankChange,
  BankEntry,
  BankKind,
  Classification,
  EntryFeedback,
  MatchedEntry,
  MatchRecord,
  Provenance,
  SelfSubmissionCase,
  SignalType,
  WebhookDelivery,
} from '@hashline/domain';
import { parsePdqVariants } from '@hashline/domain';
import type { Selectable } from 'kysely';
import type {
  ApiKeysTable,
  BankChangesTable,
  BankEntriesTable,
  BanksTable,
  DbBool,
  DbDate,
  MatchRecordsTable,
  SelfSubmissionCasesTable,
  WebhookDeliveriesTable,
} from './schema.js';

// Rows → domain objects, normalising what the engines return differently (see schema.ts).
// Values in the database were written by this package, so text columns holding vocabulary
// values are cast, not re-validated.

/** A boolean from either engine. */
export function readBool(value: DbBool): boolean {
  return value === true || value === 1;
}

/** A time from either engine. */
export function readDate(value: DbDate): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

/** An integer id; `pg` returns `bigint` columns as strings. */
export function readId(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A JSON column: parsed by `pg` for jsonb, text in SQLite. */
export function readJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Maps a `banks` row. */
export function toBank(row: Selectable<BanksTable>): Bank {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind as BankKind,
    defaultActions: readJson<BankAction[]>(row.default_actions),
    pdqThreshold: row.pdq_threshold,
    vpdqMatchPercent: Number(row.vpdq_match_percent),
    vpdqQueryMatchPercent: Number(row.vpdq_query_match_percent),
    enabled: readBool(row.enabled),
    fourEyes: readBool(row.four_eyes),
    webhookUrl: row.webhook_url,
    createdAt: readDate(row.created_at),
    updatedAt: readDate(row.updated_at),
  };
}

/** Maps a `bank_entries` row. */
export function toEntry(row: Selectable<BankEntriesTable>): BankEntry {
  return {
    id: row.id,
    bankId: row.bank_id,
    signalType: row.signal_type as SignalType,
    value: row.value,
    quality: row.quality,
    classification: readJson<Classification>(row.classification),
    provenance: readJson<Provenance>(row.provenance),
    reviewerCount: row.reviewer_count,
    addedBy: row.added_by,
    note: row.note,
    disabled: readBool(row.disabled),
    feedback: row.feedback as EntryFeedback | null,
    createdAt: readDate(row.created_at),
    updatedAt: readDate(row.updated_at),
    // Absent (not empty) without variants; a row selected without the column has none either.
    ...(row.pdq_variants ? { pdqVariants: parsePdqVariants(row.pdq_variants) } : {}),
  };
}

/** Maps a `bank_changes` row to the variant its `op` names. */
export function toChange(row: Selectable<BankChangesTable>): BankChange {
  const seq = readId(row.seq);
  const at = readDate(row.at);
  switch (row.op) {
    case 'entry_upsert':
      return {
        seq,
        op: 'entry_upsert',
        entryId: row.entry_id!,
        bankId: row.bank_id,
        signalType: row.signal_type as SignalType,
        value: row.value!,
        active: readBool(row.active!),
        at,
      };
    case 'entry_delete':
      return {
        seq,
        op: 'entry_delete',
        entryId: row.entry_id!,
        bankId: row.bank_id,
        signalType: row.signal_type as SignalType,
        value: row.value!,
        at,
      };
    case 'bank_upsert':
    case 'bank_delete':
      return { seq, op: row.op, bankId: row.bank_id, at };
    default:
      throw new Error(`Unknown bank change op ${JSON.stringify(row.op)} at seq ${seq}.`);
  }
}

/** Maps a `match_records` row. */
export function toMatchRecord(row: Selectable<MatchRecordsTable>): MatchRecord {
  return {
    id: readId(row.id),
    createdAt: readDate(row.created_at),
    caller: row.caller,
    source: row.source as MatchRecord['source'],
    signalType: row.signal_type as SignalType,
    value: row.value,
    matches: readJson<MatchedEntry[]>(row.matches),
    contentRef: row.content_ref,
  };
}

/** Maps an `api_keys` row. */
export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: readJson<ApiScope[]>(row.scopes),
    secretHash: row.secret_hash,
    rateLimitPerSecond: row.rate_limit_per_second,
    banks: row.banks === null ? null : readJson<string[]>(row.banks),
    createdAt: readDate(row.created_at),
    revokedAt: row.revoked_at === null ? null : readDate(row.revoked_at),
  };
}

/** Maps a `webhook_deliveries` row. */
export function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: readId(row.id),
    bankId: row.bank_id,
    seq: readId(row.seq),
    url: row.url,
    body: row.body,
    idempotencyKey: row.idempotency_key,
    attempts: row.attempts,
    nextAttemptAt: readDate(row.next_attempt_at),
    status: row.status as WebhookDelivery['status'],
    lastError: row.last_error,
    createdAt: readDate(row.created_at),
    queuedAt: readDate(row.queued_at ?? row.created_at),
    deliveredAt: row.delivered_at === null ? null : readDate(row.delivered_at),
  };
}

/** A self-submission case. */
export function toCase(row: Selectable<SelfSubmissionCasesTable>): SelfSubmissionCase {
  return {
    caseNumber: row.case_number,
    pinHash: row.pin_hash,
    caseType: row.case_type as SelfSubmissionCase['caseType'],
    status: row.status as SelfSubmissionCase['status'],
    imageCount: row.image_count,
    createdDay: row.created_day,
    failedPinAttempts: row.failed_pin_attempts,
    lockedUntil: row.locked_until === null ? null : readDate(row.locked_until),
  };
}
