import type { BankAuditEvent } from '../banks/bank-actor.js';
import type { BankChangeAudit, ImportBatchResult, ImportOperation } from '../ports/hashline-store.js';
import type { HashExchangeType } from './hash-exchange-source.js';

/** Why an exchange's last run failed: the client's kinds, and `internal` for our own side (store, bank). */
export const HASH_EXCHANGE_ERROR_KINDS = ['transient', 'unauthorized', 'protocol', 'internal'] as const;
/** One of {@link HASH_EXCHANGE_ERROR_KINDS}. */
export type HashExchangeStatusErrorKind = (typeof HASH_EXCHANGE_ERROR_KINDS)[number];

/** Per-type settings of an exchange (a remote bank name, a page size, …): plain values only. */
export type HashExchangeOptions = Readonly<Record<string, string | number | boolean>>;

/** What an exchange's counts hold: records of the current (or last) run, by what they did. */
export interface HashExchangeCounts {
  /** Pages applied. */
  readonly pages: number;
  readonly added: number;
  readonly updated: number;
  readonly withdrawn: number;
  /** Records the bank already had unchanged, and withdrawals naming nothing. */
  readonly unchanged: number;
  /** Records skipped on purpose (a signal we cannot match) and records we could not read. */
  readonly skipped: number;
  readonly errors: number;
}

/** Counts of a run that has not applied anything yet. */
export const ZERO_HASH_EXCHANGE_COUNTS: HashExchangeCounts = {
  pages: 0,
  added: 0,
  updated: 0,
  withdrawn: 0,
  unchanged: 0,
  skipped: 0,
  errors: 0,
};

/** An exchange as configured (credentials are never part of it: see {@link HashExchangeStore.getSealedCredentials}). */
export interface NewHashExchange {
  /** Unique, never changed: entries' provenance and the audit actor (`exchange:<name>`) carry it. */
  readonly name: string;
  /** The bank the exchange's records go to. */
  readonly bankId: number;
  readonly type: HashExchangeType;
  /** The source's base URL (the feed's file URL for `feed`). */
  readonly endpointUrl: string;
  readonly intervalSeconds: number;
  readonly options: HashExchangeOptions;
  /** Opt-in: our confirmed hashes are offered to the source (where its client takes uploads). */
  readonly upload: boolean;
  /** Opt-in: our votes on the source's hashes are sent back (where its client takes feedback). */
  readonly feedback: boolean;
  /** The credentials as sealed by the service (`SecretBox`, purpose `exchange`); null without any. */
  readonly sealedCredentials: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
}

/** What can change on an exchange. */
export interface HashExchangePatch {
  readonly endpointUrl?: string;
  readonly intervalSeconds?: number;
  readonly options?: HashExchangeOptions;
  readonly upload?: boolean;
  readonly feedback?: boolean;
  /** A new sealed value (null removes the credentials). */
  readonly sealedCredentials?: string | null;
  /** Paused (with the reason shown), or resumed (null). */
  readonly paused?: { readonly reason: string } | null;
  /** Starting over: the next run fetches from the source's beginning. */
  readonly resetCheckpoint?: boolean;
  readonly at: Date;
}

/** A stored exchange with its status. */
export interface HashExchange {
  readonly id: number;
  readonly name: string;
  readonly bankId: number;
  readonly type: HashExchangeType;
  readonly endpointUrl: string;
  readonly intervalSeconds: number;
  readonly options: HashExchangeOptions;
  readonly upload: boolean;
  readonly feedback: boolean;
  /** Whether credentials are kept (their value never leaves the store but to the service). */
  readonly hasCredentials: boolean;
  readonly paused: boolean;
  /** Why it is paused (`unauthorized: …` when the source refused the credentials, or who paused it). */
  readonly pausedReason: string | null;
  /** Where the next fetch starts; null before the first page. Opaque (the client's). */
  readonly checkpoint: string | null;
  /** Our change-log seq up to which our hashes were offered to the source (uploads). */
  readonly uploadCheckpoint: number;
  readonly lastRunAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastErrorKind: HashExchangeStatusErrorKind | null;
  /** A message safe to show: never credentials, never hash values. */
  readonly lastErrorMessage: string | null;
  /** Failed runs since the last success (the back-off grows with it). */
  readonly consecutiveFailures: number;
  readonly nextRunAt: Date;
  /** The current run's counts while running, else the last run's. */
  readonly counts: HashExchangeCounts;
  /** The process running it now (`<host>:<pid>:<random>`), while its lease holds. */
  readonly leasedBy: string | null;
  readonly leaseUntil: Date | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** How a run ended, recorded by {@link HashExchangeStore.finishRun}. */
export interface HashExchangeRunEnd {
  readonly at: Date;
  readonly nextRunAt: Date;
  /** Null when the run succeeded. */
  readonly error: { readonly kind: HashExchangeStatusErrorKind; readonly message: string } | null;
  /** Set to pause the exchange (the source refused the credentials). */
  readonly pause?: { readonly reason: string };
}

/** One page's commit: the bank's changes, the new checkpoint and the run's counts, together. */
export interface HashExchangePageCommit {
  readonly exchangeId: number;
  /** The lease holder: a commit of a process that lost its lease is refused. */
  readonly claimant: string;
  /** The checkpoint the page was fetched from: a commit after another one moved it is refused. */
  readonly fromCheckpoint: string | null;
  /** Null for a batch that is not a page's last (the checkpoint moves with the last one only). */
  readonly toCheckpoint: string | null;
  readonly bankId: number;
  readonly operations: readonly ImportOperation[];
  /** The entries' `addedBy` (`exchange:<name>`). */
  readonly addedBy: string;
  /** Counts to add to the run's (skips and errors of the page, and 1 page for its last batch). */
  readonly extra: Pick<HashExchangeCounts, 'pages' | 'skipped' | 'errors'>;
  readonly at: Date;
}

/** A vote on an entry, in our words (the clients map them to each API's enumeration values). */
export type FeedbackVerdict = 'confirmed' | 'false-positive';
/** Every {@link FeedbackVerdict}. */
export const FEEDBACK_VERDICTS: readonly FeedbackVerdict[] = ['confirmed', 'false-positive'];

/** A vote to keep in the feedback outbox (the latest vote on an entry replaces an earlier one). */
export interface FeedbackVote {
  readonly entryId: number;
  readonly verdict: FeedbackVerdict;
  /** An API key id or an analyst's actor name: never a secret. */
  readonly votedBy: string;
  /** The match record a platform voted on, when it voted on one. */
  readonly matchRecordId: number | null;
}

/** A vote not yet sent to (nor refused by) one exchange, with the entry's provenance from it. */
export interface PendingFeedback {
  readonly entryId: number;
  /** The vote's version: a delivery records the version it sent. */
  readonly version: number;
  readonly verdict: FeedbackVerdict;
  readonly signalType: string;
  readonly value: string;
  /** Every provenance of the entry from the exchange's source (NCMEC: one per member's entry). */
  readonly provenances: readonly SourceProvenance[];
}

/** What became of one pending vote in a run. */
export interface FeedbackDelivery {
  readonly entryId: number;
  readonly version: number;
  readonly verdict: FeedbackVerdict;
  /** `failed`: transient, tried again next run; `refused`: the source said no, never repeated. */
  readonly outcome: 'sent' | 'failed' | 'refused';
  /** A safe message (never hash values or credentials) for `failed` and `refused`. */
  readonly error: string | null;
}

/** Feedback as the exchange's status shows it. */
export interface HashExchangeFeedbackStatus {
  /** Votes on this exchange's entries not yet sent (nor refused). */
  readonly pending: number;
  readonly sent: number;
  readonly refused: number;
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
}

/** The provenance (external id, member) of an entry or further source of the bank, for one source. */
export interface SourceProvenance {
  readonly externalId: string | null;
  readonly member: string | null;
}

/**
 * Stored exchanges (migration 0016). Every write that races another process is one conditional
 * statement: a claim takes a free (or expired) lease, a page commit holds the lease and the
 * checkpoint it started from, so two processes never apply the same exchange's pages.
 *
 * Errors: `HASH_EXCHANGE_NAME_TAKEN` on a taken name, `HASH_EXCHANGE_NOT_FOUND` for an unknown id,
 * `HASH_EXCHANGE_LEASE_LOST` when a commit's lease or checkpoint no longer holds.
 */
export interface HashExchangeStore {
  createExchange(exchange: NewHashExchange): Promise<HashExchange>;
  getExchange(id: number): Promise<HashExchange | undefined>;
  getExchangeByName(name: string): Promise<HashExchange | undefined>;
  /** In id order. */
  listExchanges(): Promise<HashExchange[]>;
  updateExchange(id: number, patch: HashExchangePatch): Promise<HashExchange>;
  deleteExchange(id: number): Promise<void>;
  /** The sealed credentials, for the service to open when it builds a client. */
  getSealedCredentials(id: number): Promise<string | null>;
  /**
   * Claims an exchange to run, atomically: not paused, lease free or expired, and due at `now`
   * (or any time when `id` names it: run now). Leases it to `claimant` until `leaseUntil`, sets
   * the last run time and zeroes the run's counts. Undefined when nothing could be claimed.
   */
  claimExchange(claim: {
    readonly claimant: string;
    readonly now: Date;
    readonly leaseUntil: Date;
    readonly id?: number;
  }): Promise<HashExchange | undefined>;
  /** Extends a held lease; false when the claimant no longer holds it. */
  renewLease(id: number, claimant: string, leaseUntil: Date): Promise<boolean>;
  /**
   * Applies a batch of a page to the bank (as `BankStore.applyImport`, the import's rules) and,
   * in the same transaction, moves the checkpoint (when the commit names one) and adds the counts.
   * Throws `HASH_EXCHANGE_LEASE_LOST` (nothing written) when the claimant's lease or the starting
   * checkpoint no longer holds.
   */
  commitPage(
    commit: HashExchangePageCommit,
    /** The bank change's audit row, committed in the same transaction (when the store writes bank audit). */
    audit?: BankChangeAudit<ImportBatchResult>,
  ): Promise<ImportBatchResult>;
  /** Moves the upload checkpoint (the lease held); false when the lease is lost. */
  commitUpload(id: number, claimant: string, uploadCheckpoint: number, at: Date): Promise<boolean>;
  /** Ends a run: status, next run, optional pause; frees the lease (only the claimant's). */
  finishRun(id: number, claimant: string, end: HashExchangeRunEnd): Promise<void>;
  /**
   * Every provenance of `source` in the bank (entries' first provenance and further sources):
   * what a full-snapshot feed withdraws when its next snapshot no longer names it.
   */
  listSourceProvenances(bankId: number, source: string): Promise<SourceProvenance[]>;
  /** Keeps votes in the feedback outbox, durably, in one transaction (the latest vote on an entry wins). */
  recordVotes(votes: readonly FeedbackVote[], at: Date): Promise<void>;
  /**
   * Votes on entries of `bankId` whose provenance (first, or a further source) is `source`, not
   * yet sent to (nor refused by) the exchange `exchangeId` in their current version; entry order.
   */
  listPendingFeedback(
    exchangeId: number,
    bankId: number,
    source: string,
    limit: number,
  ): Promise<PendingFeedback[]>;
  /**
   * Records a run's deliveries (and the last feedback error, when one failed) in one transaction
   * with the audit row (`audit`, when the store writes bank audit); false when the lease is lost
   * (nothing written).
   */
  commitFeedback(
    exchangeId: number,
    claimant: string,
    deliveries: readonly FeedbackDelivery[],
    at: Date,
    audit?: BankAuditEvent | null,
  ): Promise<boolean>;
  feedbackStatus(exchangeId: number, bankId: number, source: string): Promise<HashExchangeFeedbackStatus>;
}
