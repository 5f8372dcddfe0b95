import type { NewEntry } from '../banks/bank.js';
import type { EntryLookup } from '../ports/hashline-store.js';
import type { Classification, SignalType } from '../vocabulary.js';

/** The file formats a hash list can be imported from. */
export const IMPORT_FORMATS = ['csv', 'tsv', 'threatexchange', 'ncmec-xml', 'stopncii-json'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The formats a bank can be exported to. */
export const EXPORT_FORMATS = ['csv', 'tsv', 'threatexchange'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One hash read from a file, not yet validated (the bank service validates it like any entry). */
export interface ImportedHash {
  readonly signalType: SignalType;
  readonly value: string;
  readonly quality?: number | null;
  readonly classification?: Classification;
  readonly provenance?: {
    readonly source: string;
    readonly externalId?: string | null;
    readonly member?: string | null;
  };
  readonly reviewerCount?: number;
  readonly note?: string | null;
}

/**
 * What a parser yields for each record of a file: hashes to add, a withdrawal (a source said the
 * hash must no longer be used: NCMEC `deletedImage`, StopNCII `Withdrawn`/`Deleted`), a record
 * skipped on purpose (an unsupported signal such as PhotoDNA), or a problem with the record.
 * `line` is the 1-based line where the record starts, for messages.
 */
export type ImportRecord =
  | {
      readonly kind: 'hash';
      readonly line: number;
      readonly hash: ImportedHash;
      /**
       * The hash already validated as an entry, exactly as `parseNewEntry` makes it (a parser's
       * fast path for plain rows); absent when the import must validate `hash` itself.
       */
      readonly entry?: NewEntry;
    }
  | { readonly kind: 'withdrawal'; readonly line: number; readonly withdrawn: Withdrawn }
  | { readonly kind: 'skipped'; readonly line: number; readonly reason: string }
  | {
      readonly kind: 'error';
      readonly line: number;
      readonly message: string;
      /**
       * The rest of the file cannot be read (XML that is not well-formed): the import then adds
       * nothing at all, whatever `onError` says, since "skip the bad row" cannot apply.
       */
      readonly fatal?: boolean;
    };

/** Text arriving in chunks (a file stream decoded as UTF-8, or a string). */
export type TextSource = AsyncIterable<string> | Iterable<string>;

/** What a withdrawal names: a hash, or the source's identifier of an entry (NCMEC deletions). */
export type Withdrawn = EntryLookup;
