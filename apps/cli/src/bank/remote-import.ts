import {
  MAX_ENTRIES_PER_CALL,
  importHashListInto,
  type ImportFormat,
  type ImportSummary,
  type TextSource,
} from '@hashline/domain';
import type { HashlineClient } from '../remote/hashline-client.js';

/** Options of {@link importOverHttp}. */
export interface RemoteImportOptions {
  readonly format: ImportFormat;
  readonly onError: 'skip' | 'abort';
  /** The entries' provenance source when the file does not say (e.g. `import:list.csv`). */
  readonly origin: string;
  /** Entries per request (at most the API's 10,000). */
  readonly batchSize?: number;
  readonly onProgress?: (summary: ImportSummary) => void;
}

/** The summary of a remote import: withdrawals are counted in `withdrawalsNotApplied`. */
export type RemoteImportSummary = ImportSummary;

/**
 * Imports a hash list through the HTTP API with the same reader as a local import (streaming,
 * constant memory, every hash validated as the server will, `skip` or two-pass `abort`), POSTing
 * the valid entries in batches to `POST /v1/banks/:bank/entries`. Withdrawals (NCMEC deletions,
 * StopNCII withdrawn hashes) are counted but not applied: the API has no lookup of entries by
 * hash or source id yet; import such files locally (`--data-dir`) to apply them.
 */
export function importOverHttp(
  client: HashlineClient,
  bank: string,
  open: () => TextSource,
  options: RemoteImportOptions,
): Promise<RemoteImportSummary> {
  const path = `/v1/banks/${encodeURIComponent(bank)}/entries`;
  return importHashListInto(
    {
      async apply(operations) {
        const entries = operations.flatMap((op) => (op.kind === 'upsert' ? [op.entry] : []));
        const withdrawals = operations.length - entries.length;
        if (entries.length === 0) {
          return {
            created: 0,
            updated: 0,
            unchanged: 0,
            withdrawn: 0,
            withdrawalsUnmatched: 0,
            withdrawalsNotApplied: withdrawals,
          };
        }
        const result = await client.post<{ created: unknown[]; existing: unknown[] }>(path, { entries });
        return {
          created: result.created.length,
          updated: 0,
          unchanged: result.existing.length,
          withdrawn: 0,
          withdrawalsUnmatched: 0,
          withdrawalsNotApplied: withdrawals,
        };
      },
    },
    open,
    { ...options, batchSize: Math.min(options.batchSize ?? MAX_ENTRIES_PER_CALL, MAX_ENTRIES_PER_CALL) },
  );
}
