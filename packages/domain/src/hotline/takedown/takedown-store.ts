import type { ReportLanguage } from '../hotline-records.js';
import type { Takedown, TakedownCheck, TakedownStatus, TakedownVia } from './takedown-records.js';

/** A takedown to store: created `pending`, with its Message-ID fixed and the first send due. */
export interface NewTakedown {
  readonly id: string;
  readonly reportId: string;
  readonly urlId: number;
  readonly url: string;
  readonly recipient: string;
  readonly language: ReportLanguage;
  readonly via: TakedownVia;
  readonly referralReference: string | null;
  readonly messageId: string;
  readonly createdAt: Date;
  readonly createdBy: string;
  /** When the first send is due (normally now). */
  readonly nextCheckAt: Date;
  /** Leased to the creator until then, so the scheduler does not send it at the same time. */
  readonly leaseUntil: Date | null;
}

/** The outcome of a send attempt, recorded by {@link TakedownStore.finishSend}. */
export type SendOutcome =
  | {
      readonly ok: true;
      readonly sentAt: Date;
      readonly sentBy: TakedownVia;
      /** The address mailed, or null when nothing was mailed (handed to the police without an e-mail). */
      readonly sentTo: string | null;
      /** The first re-check. */
      readonly nextCheckAt: Date | null;
    }
  | {
      readonly ok: false;
      /** A stable error code (never the SMTP server's text, which may echo addresses). */
      readonly error: string;
      /** When to try again; null gives up (the takedown stays pending for an analyst to see). */
      readonly retryAt: Date | null;
    };

/** What a re-check changes besides appending the check. */
export interface CheckUpdate {
  readonly status: TakedownStatus;
  readonly removedConfirmedAt: Date | null;
  readonly nextCheckAt: Date | null;
}

/**
 * Where notice-and-takedown records live (SQLite, PostgreSQL in packages/storage; memory in
 * testing/). Takedowns are leased while a process sends or checks one, like capture jobs: a
 * crashed process's lease runs out and another takes over; two processes never act on the same
 * takedown at once.
 */
export interface TakedownStore {
  /**
   * Stores a new takedown.
   * @throws {DomainError} CONFLICT when the URL has an open takedown (pending or notice_sent) already
   */
  createTakedown(takedown: NewTakedown): Promise<Takedown>;
  getTakedown(id: string): Promise<Takedown | undefined>;
  /** A report's takedowns, oldest first. */
  listTakedowns(reportId: string): Promise<Takedown[]>;
  /** Every takedown in id order, paged (statistics, exports). */
  listAllTakedowns(query: { readonly afterId?: string; readonly limit: number }): Promise<Takedown[]>;
  /**
   * Claims up to `limit` takedowns whose next action is due (pending or notice_sent, `nextCheckAt`
   * ≤ now, no live lease), leasing each until now + `leaseMs`; soonest due first.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<Takedown[]>;
  /** Leases one takedown for an action now (a "check now"); undefined when another process holds it. */
  lease(id: string, now: Date, leaseMs: number): Promise<Takedown | undefined>;
  /** Counts a send attempt before it is made (so a repeat after a crash is known to be one). */
  startSend(id: string): Promise<Takedown>;
  /**
   * Records a send's outcome and releases the lease. A success on a takedown already recorded as
   * sent changes nothing (the first recorded send stays the notice).
   */
  finishSend(id: string, outcome: SendOutcome): Promise<Takedown>;
  /** Appends a re-check, applies its consequences and releases the lease, in one transaction. */
  recordCheck(id: string, check: TakedownCheck, update: CheckUpdate): Promise<Takedown>;
}
