import type { ImportRecord } from '../formats/import-record.js';

/**
 * Hash exchanges: scheduled, checkpointed syncs of a bank with an outside source (NCMEC's
 * hash-sharing API, StopNCII, ThreatExchange, another Hashline instance's `/v1/changes`, a file or
 * URL feed). Named "hash exchange" to keep it apart from the hotline-to-hotline report exchange
 * (`hotline/exchange`), which moves reports, not hashes.
 *
 * This file is the seam between the sync engine (schedule, checkpoint, apply, status) and the
 * per-source clients (HTTP shapes of one foreign API). The engine knows nothing of a source's
 * paging; a client knows nothing of banks.
 */

/**
 * Cancellation as the clients receive it: a platform `AbortSignal` satisfies it (this package has no
 * DOM or Node types, so the port names only what the engine relies on).
 */
export interface HashExchangeAbortSignal {
  readonly aborted: boolean;
}

/** The kinds of source a bank can be synced with. */
export const HASH_EXCHANGE_TYPES = ['ncmec', 'stopncii', 'threatexchange', 'hashline', 'feed'] as const;
export type HashExchangeType = (typeof HASH_EXCHANGE_TYPES)[number];

/**
 * One page of a source, in the source's order. `records` reuse the import pipeline's record kinds:
 * `hash` (add, or update when the source's id is already in the bank: the newer classification
 * wins), `withdrawal` (the source deleted it), `skipped` (a signal we cannot match, counted and
 * shown) and `error` (a record the source sent that we cannot read; never fatal for a sync).
 * Provenance (`hash.provenance`: source name, the source's id, member) must be filled in by the
 * client: it is what updates and deletions are matched on.
 */
export interface HashExchangePage {
  readonly records: readonly ImportRecord[];
  /**
   * Where the next fetch starts. Opaque to the engine; stored durably together with the page's
   * changes (one transaction), so a restart resumes here and never applies a page twice.
   */
  readonly checkpoint: string;
  /** True when the source has nothing more right now: the engine waits for the next schedule. */
  readonly caughtUp: boolean;
  /**
   * Set by a source that sends its whole set each time (a feed file): the page is every record
   * of this provenance source, so whatever the bank holds from it that the page does not name is
   * withdrawn (by provenance: another source's claim on the same hash stays).
   */
  readonly replacesSource?: string;
}

/** A vote on a matched hash, sent back to the source where its API takes it (NCMEC, StopNCII). */
export interface HashExchangeFeedback {
  /** The source's own id of the entry (provenance `externalId`), and its member where the source has members. */
  readonly externalId: string;
  readonly member?: string | null;
  readonly signalType: string;
  readonly value: string;
  /** Our words; the client maps them to the API's enumeration values. */
  readonly verdict: 'confirmed' | 'false-positive';
}

/** A hash we confirmed, offered to a partner that takes uploads (another Hashline instance). */
export interface HashExchangeUpload {
  readonly signalType: string;
  readonly value: string;
  readonly classification: string;
  /** Our entry id, so the partner keeps provenance and a later withdrawal can name it. */
  readonly entryId: number;
  readonly withdrawn: boolean;
}

/**
 * One configured source's client. Errors a client gives up on are thrown as
 * {@link HashExchangeError}; everything transient (5xx, 429, reset, timeout) the client may retry
 * itself a few times, then throws a `transient` error so the engine backs off.
 */
export interface HashExchangeClient {
  readonly type: HashExchangeType;
  /** The first page when `checkpoint` is null, else the page after `checkpoint`. */
  fetchPage(checkpoint: string | null, signal: HashExchangeAbortSignal): Promise<HashExchangePage>;
  /** Present only where the source's API takes votes. */
  sendFeedback?(items: readonly HashExchangeFeedback[], signal: HashExchangeAbortSignal): Promise<void>;
  /**
   * Whether the source takes votes on hashes of this signal type (absent: every type). A vote it
   * takes none on is recorded as refused, never counted as sent.
   */
  takesFeedbackOn?(signalType: string): boolean;
  /** Present only where the source takes our hashes. */
  upload?(items: readonly HashExchangeUpload[], signal: HashExchangeAbortSignal): Promise<void>;
}

/** Why a client stopped: the engine records it in the exchange's status and decides when to retry. */
export type HashExchangeErrorKind =
  /** 5xx, timeout, reset, or rate-limited: retry later (after `retryAfterMs` when the source said). */
  | 'transient'
  /** 401/403: the credentials are wrong or revoked; the exchange pauses until they are changed. */
  | 'unauthorized'
  /** The source answered something that is not its documented shape. */
  | 'protocol';

export class HashExchangeError extends Error {
  readonly kind: HashExchangeErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    kind: HashExchangeErrorKind,
    message: string,
    options: { retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HashExchangeError';
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}
