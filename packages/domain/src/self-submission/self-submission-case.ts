import type { BankKind } from '../vocabulary.js';

/**
 * Who the images show: `minor` (the person was under 18 when the image was taken, Take It Down
 * pattern) or `adult` (an adult's own intimate images, StopNCII pattern).
 */
export const SELF_SUBMISSION_CASE_TYPES = ['minor', 'adult'] as const;
export type SelfSubmissionCaseType = (typeof SELF_SUBMISSION_CASE_TYPES)[number];

/**
 * A case is active until the person withdraws it (withdrawal deletes its hashes from the bank,
 * except those another active case still holds).
 */
export type SelfSubmissionStatus = 'active' | 'withdrawn';

/** The bank each case type feeds: its kind and the name it is created under on first use. */
export const SELF_SUBMISSION_BANKS: Readonly<
  Record<SelfSubmissionCaseType, { readonly name: string; readonly kind: BankKind }>
> = {
  minor: { name: 'self-submitted-minors', kind: 'self_submitted_minors' },
  adult: { name: 'ncii-adults', kind: 'ncii_adults' },
};

/** The provenance source of every entry a self-submission adds (the external id is the case number). */
export const SELF_SUBMISSION_SOURCE = 'self-submission';

/**
 * A stored self-submission case. Deliberately minimal (SECURITY.md §3.3): no file names, sizes,
 * dimensions, EXIF, IP addresses or timestamps finer than a day.
 */
export interface SelfSubmissionCase {
  /** 13 digits (12 random + a Luhn check digit); unguessable, shown once with the PIN. */
  readonly caseNumber: string;
  /** A slow hash of the PIN (the PIN itself is never stored). */
  readonly pinHash: string;
  readonly caseType: SelfSubmissionCaseType;
  readonly status: SelfSubmissionStatus;
  /** How many images the case holds (each as PDQ + MD5 + SHA-256). */
  readonly imageCount: number;
  /** `YYYY-MM-DD` (UTC): the day granularity is on purpose. */
  readonly createdDay: string;
  /**
   * PIN attempts since the last right one (each counted before its PIN is checked, so concurrent
   * guesses cannot overtake the count); reset by a right PIN.
   */
  readonly failedPinAttempts: number;
  /** While set and in the future, the case refuses every PIN. */
  readonly lockedUntil: Date | null;
}

/**
 * When a case locks: every `every` attempts without a right PIN, until `lockUntil[k - 1]` for the
 * k-th lock (the last entry for every later one): a back-off, computed by the caller from now.
 */
export interface PinLockPolicy {
  readonly every: number;
  readonly lockUntil: readonly Date[];
}

/**
 * Where cases live. Implementations: a memory store for tests (`@hashline/domain/testing`); SQL
 * stores in `@hashline/storage` follow the same contract.
 */
export interface SelfSubmissionStore {
  /** Throws `CONFLICT` if the case number exists (the service then draws another). */
  createCase(newCase: SelfSubmissionCase): Promise<SelfSubmissionCase>;
  getCase(caseNumber: string): Promise<SelfSubmissionCase | undefined>;
  /**
   * Counts one PIN attempt in one atomic step, before the PIN is checked: the case's attempt
   * counter goes up by one unless the case is locked at `now`, and the attempt that reaches a
   * multiple of `policy.every` also locks it ({@link PinLockPolicy}). Returns the case as counted,
   * or undefined when it is unknown or locked (the caller answers both alike). Concurrent claims
   * are serialised: of any number of simultaneous attempts at most `policy.every` are counted.
   */
  claimPinAttempt(
    caseNumber: string,
    now: Date,
    policy: PinLockPolicy,
  ): Promise<SelfSubmissionCase | undefined>;
  /** Updates the status and attempt counters; throws `NOT_FOUND` for an unknown case. */
  updateCase(
    caseNumber: string,
    patch: Partial<Pick<SelfSubmissionCase, 'status' | 'failedPinAttempts' | 'lockedUntil'>>,
  ): Promise<SelfSubmissionCase>;
  /**
   * Records that a case holds these bank entries (the ones its submission created and the
   * self-submitted ones already in the bank). Idempotent: a link made twice is kept once.
   */
  linkEntries(caseNumber: string, entryIds: readonly number[]): Promise<void>;
  /**
   * The entries the case holds that no OTHER active case holds, in id order: the ones its
   * withdrawal must delete. Links of withdrawn cases never count, so a withdrawal interrupted
   * after the case was marked withdrawn cannot keep an entry alive.
   */
  entriesToRelease(caseNumber: string): Promise<number[]>;
  /** Drops every link of the case (once its entries are dealt with). Unknown cases are a no-op. */
  unlinkCase(caseNumber: string): Promise<void>;
}

/**
 * Slow, salted PIN hashing (scrypt in the server). A port because the domain is isomorphic and
 * has no key-derivation function of its own.
 */
export interface PinHasher {
  hash(pin: string): Promise<string>;
  /** Constant-time comparison of `pin` against a stored hash. */
  verify(pin: string, stored: string): Promise<boolean>;
}

/** Cryptographically secure random bytes (node:crypto in the server, WebCrypto in a browser). */
export type RandomBytes = (length: number) => Uint8Array;
