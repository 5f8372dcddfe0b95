import type { SignalType } from '../vocabulary.js';

/** One entry a query matched. */
export interface MatchedEntry {
  readonly entryId: number;
  readonly bankId: number;
  /** Hamming distance for PDQ, 0 for exact signals. */
  readonly distance: number;
  /** The dihedral variant of the query that matched (PDQ with dihedral queries only). */
  readonly variant?: string;
  /** The banked entry's robust variant that matched (`trim`, `crop-*`), when not its primary hash. */
  readonly bankVariant?: string;
  /** A video match (`vpdq`): the share (0–100) of the query's usable frames that matched this video. */
  readonly queryMatchPercent?: number;
  /** A video match (`vpdq`): the share (0–100) of the banked video's usable frames the query matched. */
  readonly comparedMatchPercent?: number;
}

/**
 * A stored record of a query that matched: what was queried, what it matched, who asked, when.
 * Queries that matched nothing are counted in metrics but not stored.
 */
export interface MatchRecord {
  readonly id: number;
  readonly createdAt: Date;
  /** The API key (or process) that asked. */
  readonly caller: string;
  /** How the hash reached us: given as a hash, or computed from uploaded media. */
  readonly source: 'hash' | 'media';
  readonly signalType: SignalType;
  /** The queried hash: sensitive data, kept for the retention period only. */
  readonly value: string;
  readonly matches: readonly MatchedEntry[];
  /** Caller's own reference for the content (e.g. their upload id), if given. */
  readonly contentRef: string | null;
}

/** A match record before storage assigns its id. */
export type NewMatchRecord = Omit<MatchRecord, 'id'>;

/** Filters for listing match records, newest first. */
export interface MatchRecordQuery {
  readonly bankId?: number;
  readonly caller?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Return records with id below this (keyset pagination). */
  readonly beforeId?: number;
  readonly limit: number;
}
