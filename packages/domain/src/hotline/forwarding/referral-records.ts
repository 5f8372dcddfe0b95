import type {
  ReferralActionability,
  ReferralBasis,
  ReferralStatus,
  ReferralTarget,
} from './referral-vocabulary.js';

/** One forwarding event of a case (DOMAIN.md §8.5): who got it, why, and where it stands. */
export interface Referral {
  /** Sortable unique id (ULID). */
  readonly id: string;
  readonly reportId: string;
  readonly target: ReferralTarget;
  /** The recipient's name at the time of referral (the police unit, the partner hotline). */
  readonly targetName: string;
  /** ISO 3166-1 alpha-2 (see {@link ReferralPlanItem.targetCountry}). */
  readonly targetCountry: string;
  readonly basis: ReferralBasis;
  /** Derived from the data present when it was made (NCMEC's split, DOMAIN.md §3.3). */
  readonly actionable: ReferralActionability;
  readonly status: ReferralStatus;
  /** The recipient's reference: ICCAM id, NCMEC report id, police PV number. */
  readonly externalRef: string | null;
  readonly createdAt: Date;
  /** The analyst (or `system:<job>`) who recorded it. */
  readonly createdBy: string;
  /** When it was handed over; null while pending. */
  readonly sentAt: Date | null;
  readonly updatedAt: Date;
  /** The report's URLs this referral is about, ascending. */
  readonly urlIds: readonly number[];
}

/** A referral to record; it starts `pending`, without reference or send time. */
export type NewReferral = Omit<Referral, 'status' | 'externalRef' | 'sentAt' | 'updatedAt'>;

/** What may change on a referral. */
export interface ReferralPatch {
  readonly status?: ReferralStatus;
  readonly externalRef?: string | null;
  readonly sentAt?: Date | null;
}

/** Filters of {@link ReferralStore.findReferrals}. */
export interface ReferralQuery {
  readonly status?: ReferralStatus;
  readonly target?: ReferralTarget;
  /** Only referrals created at or after this time. */
  readonly since?: Date;
  readonly limit: number;
}

/**
 * Where referral records live. Implemented on SQLite and PostgreSQL (packages/storage,
 * `KyselyReferralStore`) and in memory (testing/), one contract suite for all three.
 */
export interface ReferralStore {
  /**
   * Records a referral. There is at most one per (report, target, target country): when it exists
   * already, nothing new is made; URL ids it lacks are added to it (and `updatedAt` moves to the
   * new record's `createdAt`), and it is returned with `created: false`. Safe under concurrency.
   */
  createReferral(referral: NewReferral): Promise<{ readonly referral: Referral; readonly created: boolean }>;
  getReferral(id: string): Promise<Referral | undefined>;
  /** A report's referrals, oldest first (createdAt, then id). */
  listReferrals(reportId: string): Promise<Referral[]>;
  /** Referrals across reports, oldest first (createdAt, then id): e.g. pending ones for a sender. */
  findReferrals(query: ReferralQuery): Promise<Referral[]>;
  /**
   * Changes status, reference or send time; `updatedAt` becomes `at`.
   * @throws {DomainError} REFERRAL_NOT_FOUND
   */
  updateReferral(id: string, patch: ReferralPatch, at: Date): Promise<Referral>;
}
