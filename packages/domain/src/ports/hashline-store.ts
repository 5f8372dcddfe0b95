import type { VpdqSignal } from '../signals/vpdq.js';
import type { ApiKey } from '../access/api-key.js';
import type { BankAuditEvent } from '../banks/bank-actor.js';
import type {
  ActiveSignal,
  ActivePdqVariants,
  Bank,
  BankChange,
  BankEntry,
  BankPatch,
  EntryPatch,
  NewBank,
  NewEntry,
  Provenance,
} from '../banks/bank.js';
import type { MatchRecord, MatchRecordQuery, NewMatchRecord } from '../matching/match-record.js';
import type {
  DeliveryOutcome,
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookDeliveryStats,
} from '../matching/webhook-delivery.js';
import type { SignalType } from '../vocabulary.js';

/** The outcome of adding entries: what was created, and what was already in the bank. */
export interface AddEntriesResult {
  readonly created: readonly BankEntry[];
  /** Entries whose signal type and value were already in the bank (returned, not duplicated). */
  readonly existing: readonly BankEntry[];
  /** The change-log sequence number after the commit (matchers at or past it can match them). */
  readonly seq: number;
}

/**
 * How {@link BankStore.findEntries} names entries: by hash, or by a source's identifier. A source
 * whose identifiers are unique only per member (NCMEC: each member numbers its own entries) names
 * the member too; a lookup without `member` matches any member.
 */
export type EntryLookup =
  | { readonly signalType: SignalType; readonly value: string }
  | { readonly source: string; readonly externalId: string; readonly member?: string | null };

/** One record of an import, in file order. */
export type ImportOperation =
  | { readonly kind: 'upsert'; readonly entry: NewEntry }
  | { readonly kind: 'withdraw'; readonly withdrawn: EntryLookup };

/**
 * Where a large import's upserts wait, in file order, until they are applied in (signal type,
 * value) order, one part after another: the store folds repeats and loads new entries in its
 * unique index's order (one pass over it) instead of probing it at random in every batch (see
 * {@link BankStore.openImportStage}). Nothing staged is visible, committed or durable: a crash
 * loses the stage, and a resumed import reads those records again.
 */
export interface ImportStage {
  /** Upserts staged and not yet applied. */
  readonly size: number;
  /** Stages upserts, in file order (only between whole applications: not while parts remain). */
  add(entries: readonly NewEntry[]): Promise<void>;
  /**
   * Applies the next part of what is staged as one transaction, with the outcome of applying the
   * staged upserts one by one in file order (as {@link BankStore.applyImport} would); undefined
   * once everything staged is applied (the stage is then empty and takes more).
   */
  applyNext(): Promise<ImportBatchResult | undefined>;
  /** Frees the stage (its temporary file); idempotent. */
  close(): Promise<void>;
}

/**
 * What one {@link BankStore.applyImport} batch changed. The batch is applied as its net effect
 * (see import-plan.ts): an entry added and withdrawn in the same batch is never written.
 */
export interface ImportBatchResult {
  /** New entries. */
  readonly created: number;
  /** Existing entries whose classification the batch changed (each logged as `entry_upsert`). */
  readonly updated: number;
  /** Upserts that wrote nothing: already there and identical, repeated, or withdrawn later in the batch. */
  readonly unchanged: number;
  /** Entries deleted by withdrawals (each logged as `entry_delete`). */
  readonly withdrawn: number;
  /** Withdrawals that named nothing live when they were read. */
  readonly withdrawalsUnmatched: number;
  /** The change-log seq after the commit. */
  readonly seq: number;
}

/** Filters for listing the entries of a bank, in id order. */
export interface EntryQuery {
  readonly signalType?: SignalType;
  /** Entries with id above this (keyset pagination). */
  readonly afterId?: number;
  readonly limit: number;
  readonly includeDisabled?: boolean;
}

/**
 * The audit row of one bank change, for a store that writes it in the change's transaction
 * ({@link BankStore.writesBankAudit}): built from the change's result, so the row holds its counts;
 * null records nothing (a withdrawal that withdrew nothing). If writing it fails, the change is
 * rolled back with it: a committed change always has its audit row. The row's time is the
 * store's clock, as the change log's is.
 */
export interface BankChangeAudit<R> {
  readonly event: (result: R) => BankAuditEvent | null;
}

/**
 * Banks, entries and their change log. Every mutation commits its change-log rows in the same
 * transaction as the data, so a replica following the log never misses a committed change, and
 * a change is acknowledged only after it is durably committed.
 *
 * Errors: `BANK_NOT_FOUND`, `BANK_NAME_TAKEN`, `ENTRY_NOT_FOUND` as {@link DomainError}s.
 */
export interface BankStore {
  /**
   * Whether the store writes a bank change's audit row (the `audit` argument of its mutations) in
   * the change's own transaction (issue 15): the SQL stores, whose audit chain is on the same
   * database. Absent: the caller records the change after its commit.
   */
  readonly writesBankAudit?: boolean;
  createBank(bank: NewBank, audit?: BankChangeAudit<Bank>): Promise<Bank>;
  getBank(id: number): Promise<Bank | undefined>;
  getBankByName(name: string): Promise<Bank | undefined>;
  /** In id (creation) order. */
  listBanks(): Promise<Bank[]>;
  updateBank(id: number, patch: BankPatch, audit?: BankChangeAudit<Bank>): Promise<Bank>;
  /** Deletes the bank and all its entries (each logged as `entry_delete`), then `bank_delete`. */
  deleteBank(id: number, audit?: BankChangeAudit<void>): Promise<void>;
  /**
   * The webhook secret of a bank (kept out of {@link Bank} so it is never serialised by accident).
   * Stores keep the secret they are given and never generate one. Throws `BANK_NOT_FOUND`.
   */
  getWebhookSecret(bankId: number): Promise<string | null>;

  /** Adds entries to a bank in one transaction; same signal type and value as an existing entry = existing. */
  addEntries(
    bankId: number,
    entries: readonly NewEntry[],
    addedBy: string,
    audit?: BankChangeAudit<AddEntriesResult>,
  ): Promise<AddEntriesResult>;
  /**
   * Applies a batch of import records in one transaction, with the outcome of applying them one
   * by one in file order (see `planImportBatch` for the rules: duplicates folded, classification
   * updated, first provenance kept, a disabled entry stays disabled, withdrawals in order).
   * Change-log rows of the batch are appended in entry-id order. Throws `BANK_NOT_FOUND`.
   */
  applyImport(
    bankId: number,
    operations: readonly ImportOperation[],
    addedBy: string,
    audit?: BankChangeAudit<ImportBatchResult>,
  ): Promise<ImportBatchResult>;
  /** Brings the query planner's statistics up to date after a bulk load (ANALYZE). */
  refreshStatistics(): Promise<void>;
  /**
   * A staging area for a large import's upserts (see {@link ImportStage}), where the engine gains
   * from loading in index order (SQLite); absent where it does not.
   */
  openImportStage?(
    bankId: number,
    addedBy: string,
    audit?: BankChangeAudit<ImportBatchResult>,
  ): Promise<ImportStage>;
  getEntry(id: number): Promise<BankEntry | undefined>;
  getEntries(ids: readonly number[]): Promise<BankEntry[]>;
  /** Empty for an unknown bank (callers check the bank first). */
  listEntries(bankId: number, query: EntryQuery): Promise<BankEntry[]>;
  /** All entries of the bank, disabled ones included; 0 for an unknown bank. */
  countEntries(bankId: number): Promise<number>;
  /**
   * Entries of a bank with this signal type and value, or with this provenance source and
   * external id (how NCMEC deletions name entries). At most a few rows; indexed lookups.
   */
  findEntries(bankId: number, by: EntryLookup): Promise<BankEntry[]>;
  /**
   * The sources that vouch for entries besides their first provenance (see
   * `ImportPlan.sourceAdds`), by entry id; entries with none are absent.
   */
  getEntrySources(entryIds: readonly number[]): Promise<Map<number, Provenance[]>>;
  /** Logs an `entry_upsert` (whatever the patch changed) with `active` = !disabled && bank enabled. */
  updateEntry(id: number, patch: EntryPatch, audit?: BankChangeAudit<BankEntry>): Promise<BankEntry>;
  deleteEntry(id: number, audit?: BankChangeAudit<void>): Promise<void>;

  /** Changes with seq > `afterSeq`, in seq order, at most `limit`. */
  changesSince(afterSeq: number, limit: number): Promise<BankChange[]>;
  /** The highest committed seq (0 when the log is empty). */
  latestSeq(): Promise<number>;
  /**
   * Active entries (entry and bank enabled) with id > `afterId`, in id order, at most `limit`:
   * pages for loading the index at startup, with the seq they are consistent with.
   */
  activeSignals(afterId: number, limit: number): Promise<ActiveSignal[]>;
  /**
   * The robust variants of active PDQ entries that have some (entry and bank enabled), with id >
   * `afterId`, in id order, at most `limit` entries: the matcher's variant index at startup.
   */
  activePdqVariants(afterId: number, limit: number): Promise<ActivePdqVariants[]>;
  /**
   * The frames (and file digests) of `vpdq` entries, by entry id; ids that are not (or no longer)
   * vpdq entries are absent from the answer. Active or not: the caller decides.
   */
  getVideoSignals(entryIds: readonly number[]): Promise<Map<number, VpdqSignal>>;
}

/** Stored match records. */
export interface MatchRecordStore {
  /**
   * Stores a match record and, in the same transaction, the webhook notifications that
   * `notifications` makes for it (they name the record's id, known only inside the transaction):
   * the record and its notifications commit together or not at all, so an answer that names a
   * record never has notifications that were lost.
   */
  recordMatch(
    record: NewMatchRecord,
    notifications?: (record: MatchRecord) => readonly NewWebhookDelivery[],
  ): Promise<MatchRecord>;
  /**
   * Stores several match records, each with the notifications its factory makes, in ONE
   * transaction (one durable commit: group commit, see MatchRecorder). Records get ids in the
   * order given, and each bank's notifications take their `seq` numbers in that order too. All
   * commit or none does: a throwing factory or a failed insert fails the whole call.
   * @returns the stored records, in the order of `items`
   */
  recordMatches(items: readonly MatchRecordItem[]): Promise<MatchRecord[]>;
  getMatchRecord(id: number): Promise<MatchRecord | undefined>;
  /** Newest first; `since` is inclusive, `until` exclusive. */
  listMatchRecords(query: MatchRecordQuery): Promise<MatchRecord[]>;
  /**
   * Retention of match records (they hold queried hashes: sensitive data). Deletes at most
   * `limit` records created before `before` (oldest first), and at most `limit` webhook
   * deliveries that are finished (`delivered` or `failed`) and were queued and last scheduled
   * before `before`. Pending and retrying deliveries are never deleted: they carry their own
   * body and do not need the record. Short statements, so a caller loops until both counts are
   * below `limit` without ever holding a long lock.
   */
  deleteMatchRecordsBefore(before: Date, limit: number): Promise<MatchRecordDeletion>;
}

/** One record for {@link MatchRecordStore.recordMatches}. */
export interface MatchRecordItem {
  readonly record: NewMatchRecord;
  /** The webhook notifications of the stored record (they name its id), as for recordMatch. */
  readonly notifications?: (record: MatchRecord) => readonly NewWebhookDelivery[];
}

/** What one {@link MatchRecordStore.deleteMatchRecordsBefore} call deleted. */
export interface MatchRecordDeletion {
  readonly records: number;
  readonly deliveries: number;
}

/** API keys (secrets stored as SHA-256 only). */
export interface ApiKeyStore {
  /** Throws `CONFLICT` when the id is taken. */
  createApiKey(key: Omit<ApiKey, 'createdAt' | 'revokedAt'>): Promise<ApiKey>;
  getApiKey(id: string): Promise<ApiKey | undefined>;
  /** In creation order. */
  listApiKeys(): Promise<ApiKey[]>;
  /** Revoking twice keeps the first revocation time. Throws `API_KEY_NOT_FOUND`. */
  revokeApiKey(id: string): Promise<ApiKey>;
  /**
   * Makes a revoked key valid again (an admin lifting a probing suspension, issue 15): clears its
   * revocation time. Throws `API_KEY_NOT_FOUND`.
   */
  reinstateApiKey(id: string): Promise<ApiKey>;
}

/** How {@link WebhookOutbox.claimDueDeliveries} picks deliveries. */
export interface ClaimOptions {
  /**
   * Only the oldest undelivered (pending or retrying) delivery of each endpoint (URL), and none
   * for an endpoint with a delivery in flight: deliveries to one endpoint go out one at a time,
   * in order, and a later one waits while an earlier one is retried. Default true; false claims
   * any due deliveries (parallel, unordered).
   */
  readonly ordered?: boolean;
  /**
   * Ordered only: with each endpoint's head, also claim the deliveries that follow it to the same
   * endpoint (id order), up to this many in all, stopping at the first that is not due. They are
   * leased together and sent one after another, so a busy endpoint costs two commits (this claim
   * and {@link WebhookOutbox.settleDeliveries}) per run rather than two per delivery. Default 1.
   */
  readonly runLength?: number;
}

/**
 * The webhook outbox. Deliveries are claimed with a lease so that several workers never send the
 * same delivery at once, and a crashed worker's claims expire and are retried. Each bank numbers
 * its notifications (`seq`: 1, 2, 3…, no gaps, in commit order).
 */
export interface WebhookOutbox {
  /**
   * Queues notifications, numbering each bank's in the order given (after the ones already
   * committed) and rendering each body with its `seq` (`renderWebhookBody`). Idempotent: a
   * delivery whose idempotency key is already in the outbox is ignored and takes no number.
   */
  enqueueDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void>;
  /**
   * Pending or retrying deliveries due at `now` (oldest due first), leased until `now + leaseMs`
   * (their nextAttemptAt moves there). Claiming counts the attempt (`attempts` + 1), so a delivery
   * that crashes its worker still counts its attempts. Ordered by default (see {@link ClaimOptions}).
   */
  claimDueDeliveries(
    now: Date,
    limit: number,
    leaseMs: number,
    options?: ClaimOptions,
  ): Promise<WebhookDelivery[]>;
  /** Ends the lease. Throws `WEBHOOK_DELIVERY_NOT_FOUND` for an unknown id. */
  markDelivered(id: number, at: Date): Promise<void>;
  /**
   * Records a failed attempt and ends the lease: `retrying` until `retryAt`, or, with `retryAt`
   * null, failed for good. Throws `WEBHOOK_DELIVERY_NOT_FOUND` for an unknown id.
   */
  markAttemptFailed(id: number, error: string, retryAt: Date | null): Promise<void>;
  /**
   * Records the outcomes of claimed deliveries in one commit: `delivered` and `failed` as
   * {@link markDelivered} and {@link markAttemptFailed}; `released` ends the lease of a delivery
   * that was claimed but not attempted (the rest of a run after a failure), uncounting its attempt
   * and making it due at `at`. Ids no longer in the outbox are skipped. Like the other outbox
   * bookkeeping it may commit without waiting for the disk: losing it only sends a delivery again.
   */
  settleDeliveries(outcomes: readonly DeliveryOutcome[]): Promise<void>;
  getDelivery(id: number): Promise<WebhookDelivery | undefined>;
  /** Newest first (id descending). */
  listDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]>;
  /**
   * Queues a delivery again at `now`, whatever its status (failed, delivered, or waiting for a
   * retry): attempts back to 0, the retry horizon restarting at `now`, addressed to its bank's
   * current webhook URL when the bank still has one. Same id, seq, body and idempotency key.
   * Throws `WEBHOOK_DELIVERY_NOT_FOUND`, or `WEBHOOK_DELIVERY_IN_FLIGHT` while an attempt is
   * under way (its lease has not ended).
   */
  redeliver(id: number, now: Date): Promise<WebhookDelivery>;
  /**
   * {@link redeliver} for every delivery of the bank with `seq >= sinceSeq` that is not in flight
   * (those in flight are being sent anyway). Returns how many were queued again.
   */
  redeliverSince(bankId: number, sinceSeq: number, now: Date): Promise<number>;
  /** Counts by status and the oldest queued time, for `/metrics`. */
  webhookDeliveryStats(): Promise<WebhookDeliveryStats>;
}

/** Everything Hashline persists, behind one object an app wires to SQLite or PostgreSQL. */
export interface HashlineStore extends BankStore, MatchRecordStore, ApiKeyStore, WebhookOutbox {
  /** Which engine, for health output. */
  readonly engine: 'sqlite' | 'postgres' | 'memory';
  close(): Promise<void>;
}
