// Controlled vocabularies (DOMAIN.md §1.3, §2.1, §3.6, §8.7). Identifiers follow the Luxembourg
// Terminology Guidelines: "csam" (child sexual abuse material), never other terms.

/** What a bank holds; it decides who may read it and how matches are treated. */
export const BANK_KINDS = [
  /** Hashes of material assessed as child sexual abuse material. */
  'known_csam',
  /** Hashes a young person submitted of their own images (Take It Down pattern). */
  'self_submitted_minors',
  /** Hashes an adult submitted of their own intimate images (StopNCII pattern). */
  'ncii_adults',
  /** Known false positives: a match here suppresses matches of the same query elsewhere. */
  'allow_list',
  /** For integration tests and demos; benign images only. */
  'test',
] as const;
export type BankKind = (typeof BANK_KINDS)[number];

/**
 * The signal (hash algorithm) of an entry. `vpdq` is a video: its frames' PDQ hashes, kept beside
 * the entry (`BankEntry.value` is then the SHA-256 of the frame list, see `vpdqSignalKey`).
 */
export const SIGNAL_TYPES = ['pdq', 'md5', 'sha1', 'sha256', 'vpdq'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** Cryptographic signals, matched exactly. */
export type ExactSignalType = Exclude<SignalType, 'pdq' | 'vpdq'>;

/**
 * Industry classification used by NCMEC hash sharing and the Tech Coalition: A = prepubescent,
 * B = pubescent; 1 = sex act, 2 = lascivious exhibition.
 */
export const INDUSTRY_CLASSIFICATIONS = ['A1', 'A2', 'B1', 'B2'] as const;
export type IndustryClassification = (typeof INDUSTRY_CLASSIFICATIONS)[number];

/** UK Sentencing Council categories as graded by IWF: A (most severe), B, C. */
export const UK_CATEGORIES = ['A', 'B', 'C'] as const;
export type UkCategory = (typeof UK_CATEGORIES)[number];

/** What a platform is advised to do on a match; advisory, the platform decides. */
export const BANK_ACTIONS = ['block', 'review', 'report_ncmec', 'notify'] as const;
export type BankAction = (typeof BANK_ACTIONS)[number];

/** Feedback on an entry from a platform that reviewed a match (NCMEC v2 style). */
export const ENTRY_FEEDBACK = ['affirmative', 'negative'] as const;
export type EntryFeedback = (typeof ENTRY_FEEDBACK)[number];

/** Classification of a bank entry; every part optional, as exchanges carry different parts. */
export interface Classification {
  readonly industry?: IndustryClassification;
  readonly uk?: UkCategory;
  /** Meets INTERPOL's Baseline ("worst of") criteria: illegal in every country. */
  readonly baseline?: boolean;
}
