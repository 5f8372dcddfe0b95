import type { VpdqSignal } from '../signals/vpdq.js';
import type { PdqVariantHash } from './pdq-variants.js';
import type { BankAction, BankKind, Classification, EntryFeedback, SignalType } from '../vocabulary.js';

/** Default PDQ match threshold of a bank (Meta's recommendation: distance ≤ 31). */
export const DEFAULT_PDQ_THRESHOLD = 31;
/** The largest PDQ threshold a bank may set: beyond it, unrelated images start to match. */
export const MAX_PDQ_THRESHOLD = 63;

/** A named list of hashes with its matching policy. */
export interface Bank {
  readonly id: number;
  /** Unique, URL-safe: lower-case letters, digits, `-` and `_`, 1–64 characters. */
  readonly name: string;
  readonly description: string;
  readonly kind: BankKind;
  /** Advised actions on a match, sent with match results and webhooks. */
  readonly defaultActions: readonly BankAction[];
  /** Largest PDQ distance counted as a match in this bank (0–63, default 31). */
  readonly pdqThreshold: number;
  /**
   * A query video matches a banked video of this bank when at least this share (0–100) of the
   * banked video's usable frames has a query frame within `pdqThreshold` (default 80, vPDQ's).
   */
  readonly vpdqMatchPercent: number;
  /** ... and at least this share of the query's usable frames matches the banked video (default 0). */
  readonly vpdqQueryMatchPercent: number;
  /** A disabled bank is kept but matches nothing. */
  readonly enabled: boolean;
  /**
   * The bank holds published material (issue 15): its entries change only through the
   * workbench's four-eyes publication, never through an API key, the CLI or an import. The
   * hotline's own bank is always so, whatever this says; admins mark other banks.
   */
  readonly fourEyes: boolean;
  /** Where match notifications for this bank are POSTed, if anywhere. */
  readonly webhookUrl: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Fields of a new bank; unset ones take defaults. */
export interface NewBank {
  readonly name: string;
  readonly description?: string;
  readonly kind: BankKind;
  readonly defaultActions?: readonly BankAction[];
  readonly pdqThreshold?: number;
  readonly vpdqMatchPercent?: number;
  readonly vpdqQueryMatchPercent?: number;
  readonly enabled?: boolean;
  /** See {@link Bank.fourEyes} (default false; only admins may set it). */
  readonly fourEyes?: boolean;
  readonly webhookUrl?: string | null;
  /** Secret for the webhook signature (the HTTP API generates one, shown once, when a URL is set without one). */
  readonly webhookSecret?: string | null;
}

/** A partial update of a bank. */
export type BankPatch = Partial<Omit<NewBank, 'kind'>> & { readonly kind?: BankKind };

/** Where an entry came from. */
export interface Provenance {
  /** The exchange or process: `hotline-assessment`, `ncmec`, `stopncii`, `import:file.csv`, `api`. */
  readonly source: string;
  /** The identifier the source gave it (NCMEC entry id, StopNCII case, report id). */
  readonly externalId?: string | null;
  /** The contributing member or organisation at the source, if any. */
  readonly member?: string | null;
}

/** One hash in a bank. */
export interface BankEntry {
  /** Numeric id, unique across banks; the matcher indexes entries by it. */
  readonly id: number;
  readonly bankId: number;
  readonly signalType: SignalType;
  /** Lower-case hex. */
  readonly value: string;
  /** PDQ quality when known (0–100); null for cryptographic hashes or unknown. */
  readonly quality: number | null;
  readonly classification: Classification;
  readonly provenance: Provenance;
  /** How many analysts assessed the material before the hash was added. */
  readonly reviewerCount: number;
  /** Who added it: an API key id, a user, or a process name. */
  readonly addedBy: string;
  readonly note: string | null;
  /** A disabled entry is kept (for feedback and audit) but matches nothing. */
  readonly disabled: boolean;
  readonly feedback: EntryFeedback | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * PDQ entries added from media (or sent with them): robust variants of the banked image, in
   * canonical kind order (ADR 0021). Absent when the entry has none. Set once, when the entry is
   * created; never changed after.
   */
  readonly pdqVariants?: readonly PdqVariantHash[];
}

/** Fields of a new entry, after validation (the value is normalised lower-case hex). */
export interface NewEntry {
  readonly signalType: SignalType;
  /** For `vpdq`: the key of `video` (`vpdqSignalKey(video.frames)`). */
  readonly value: string;
  /** For `vpdq` only, and required there: the video's frames and file digests. */
  readonly video?: VpdqSignal;
  readonly quality?: number | null;
  readonly classification?: Classification;
  readonly provenance?: Provenance;
  readonly reviewerCount?: number;
  readonly note?: string | null;
  readonly disabled?: boolean;
  /** For `pdq` only: the image's robust variants (validated, canonical order). */
  readonly pdqVariants?: readonly PdqVariantHash[];
}

/** A partial update of an entry. */
export interface EntryPatch {
  readonly disabled?: boolean;
  readonly classification?: Classification;
  readonly note?: string | null;
  readonly feedback?: EntryFeedback | null;
  readonly reviewerCount?: number;
  /**
   * Who set `feedback` (an API key id or an analyst's actor name, never a secret): a SQL store
   * records the vote in the exchanges' feedback outbox in the same transaction (issue 14).
   */
  readonly feedbackBy?: string;
}

/**
 * One committed change to the banks, numbered by a gap-free-per-commit, strictly increasing
 * sequence. Every matcher replica applies the log in order from its last applied `seq`, so a
 * change is matchable as soon as a replica has caught up with it.
 */
export type BankChange =
  | {
      readonly seq: number;
      readonly op: 'entry_upsert';
      readonly entryId: number;
      readonly bankId: number;
      readonly signalType: SignalType;
      readonly value: string;
      /** Whether the entry takes part in matching after this change. */
      readonly active: boolean;
      readonly at: Date;
      /**
       * The entry's robust PDQ variants (absent when it has none). They are the entry's own, set
       * when it was created and never changed, so every upsert of the entry carries the same ones.
       */
      readonly pdqVariants?: readonly PdqVariantHash[];
    }
  | {
      readonly seq: number;
      readonly op: 'entry_delete';
      readonly entryId: number;
      readonly bankId: number;
      readonly signalType: SignalType;
      readonly value: string;
      readonly at: Date;
    }
  | {
      readonly seq: number;
      /** Bank settings changed (threshold, enabled, kind...): replicas reload the bank. */
      readonly op: 'bank_upsert' | 'bank_delete';
      readonly bankId: number;
      readonly at: Date;
    };

/** The robust variants of one active PDQ entry, as the matcher loads them at startup. */
export interface ActivePdqVariants {
  readonly entryId: number;
  readonly bankId: number;
  readonly variants: readonly PdqVariantHash[];
}

/** An entry as the matcher loads it at startup. */
export interface ActiveSignal {
  readonly entryId: number;
  readonly bankId: number;
  readonly signalType: SignalType;
  readonly value: string;
}
