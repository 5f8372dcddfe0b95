import type { Classification } from '../../vocabulary.js';
import type { MediaType } from '../hotline-vocabulary.js';
import type { ExchangeAssessmentSummary, ExchangeUrl } from './exchange-message.js';

/** Where a case sent to a partner hotline stands. */
export const OUTGOING_EXCHANGE_STATUSES = [
  /** Recorded, not (yet) accepted by the partner. */
  'pending',
  /** The partner's API accepted it and answered with its receipt reference. */
  'delivered',
  /** The last attempt failed; sending again reuses the same exchange id (the partner deduplicates). */
  'failed',
] as const;
export type OutgoingExchangeStatus = (typeof OUTGOING_EXCHANGE_STATUSES)[number];

/**
 * One case forwarded to one partner hotline. There is at most one per (report, partner country):
 * its id is the message's `reference` and the request's idempotency key, so a resend after a
 * timeout can never create a second case at the partner.
 */
export interface OutgoingExchange {
  /** Opaque random id: the reference the partner sees (never the report id). */
  readonly id: string;
  readonly reportId: string;
  readonly partnerCountry: string;
  /** The partner's name when the case was first sent. */
  readonly partnerName: string;
  readonly status: OutgoingExchangeStatus;
  /** HTTP attempts made so far, over every send. */
  readonly attempts: number;
  /** The partner's receipt for the case, once delivered. */
  readonly receiptReference: string | null;
  /** A stable error code of the last failed attempt (never a response body). */
  readonly lastError: string | null;
  /** What the last message sent carried. */
  readonly urlCount: number;
  readonly mediaCount: number;
  readonly createdAt: Date;
  /** The analyst who first forwarded it. */
  readonly createdBy: string;
  readonly deliveredAt: Date | null;
  readonly updatedAt: Date;
}

/** An outgoing exchange to open; it starts `pending` with no attempts. */
export type NewOutgoingExchange = Pick<
  OutgoingExchange,
  'id' | 'reportId' | 'partnerCountry' | 'partnerName' | 'createdAt' | 'createdBy'
>;

/** The outcome of one send, recorded on the exchange. */
export interface OutgoingExchangeOutcome {
  readonly status: Exclude<OutgoingExchangeStatus, 'pending'>;
  /** Attempts made by this send (added to the total). */
  readonly attempts: number;
  readonly receiptReference: string | null;
  readonly lastError: string | null;
  readonly urlCount: number;
  readonly mediaCount: number;
  readonly at: Date;
}

/** One media item of a received case as the partner described it (DOMAIN.md §1.4). */
export interface PartnerAssessment {
  /** Position in the partner's message. */
  readonly index: number;
  /** Index into the received case's `urls`. */
  readonly urlIndex: number;
  readonly mediaType: MediaType;
  readonly md5: string;
  readonly sha256: string;
  readonly pdq: string | null;
  readonly pdqQuality: number | null;
  readonly classification: Classification;
  readonly knownMaterial: boolean;
  /** The partner's assessment under the partner's law; null for known material. */
  readonly summary: ExchangeAssessmentSummary | null;
}

/** A case received from a partner hotline, kept beside the report it became. */
export interface IncomingExchange {
  readonly reportId: string;
  readonly senderName: string;
  readonly senderCountry: string;
  /** The partner's reference (its exchange id). */
  readonly reference: string;
  readonly sentAt: Date;
  readonly receivedAt: Date;
  /** The API key the partner used (its id; never the secret). */
  readonly apiKeyId: string;
  /** The URLs with the partner's trace (the receiving hotline traces again on capture). */
  readonly urls: readonly ExchangeUrl[];
  readonly items: readonly PartnerAssessment[];
}

/**
 * Where exchanges live: outgoing cases per (report, partner), and what partners sent with the
 * reports they created. Implemented on SQLite and PostgreSQL (packages/storage,
 * `KyselyExchangeStore`, migration 0006) and in memory (testing/), one contract suite for all.
 */
export interface ExchangeStore {
  /**
   * Opens the outgoing exchange of a report to a partner country, or returns the existing one
   * (`created: false`, nothing changed). Safe under concurrency: one row per pair.
   */
  openOutgoing(
    exchange: NewOutgoingExchange,
  ): Promise<{ readonly exchange: OutgoingExchange; readonly created: boolean }>;
  /**
   * Records a send's outcome: status, receipt, error, counts, `attempts` added to the total,
   * `deliveredAt` set when delivered (kept from the first delivery), `updatedAt` = `at`. A
   * delivered exchange stays delivered: a later failed resend only records its error and attempts.
   * @throws {DomainError} NOT_FOUND
   */
  recordOutcome(id: string, outcome: OutgoingExchangeOutcome): Promise<OutgoingExchange>;
  /** A report's outgoing exchanges, oldest first. */
  listOutgoing(reportId: string): Promise<OutgoingExchange[]>;
  /**
   * Records what a partner sent with the report it became, with its items, in one transaction.
   * Idempotent per report: when a record exists, nothing changes and it is returned with
   * `created: false` (a resend after a crash between the report and this record heals it).
   */
  recordIncoming(
    incoming: IncomingExchange,
  ): Promise<{ readonly incoming: IncomingExchange; readonly created: boolean }>;
  /** The partner's record of a report, with its items in message order. */
  getIncoming(reportId: string): Promise<IncomingExchange | undefined>;
}
