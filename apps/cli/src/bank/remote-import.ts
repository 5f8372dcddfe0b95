import {
  MAX_ENTRIES_PER_CALL,
  Problems,
  parseHashList,
  parseNewEntry,
  type ImportFormat,
  type ImportSummary,
  type NewEntry,
  type TextSource,
} from '@hashline/domain';
import type { HashlineClient } from '../remote/hashline-client.js';

/** Problems listed in a summary at most (the counts stay exact), so memory stays bounded. */
const MAX_LISTED_PROBLEMS = 200;

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

/** An {@link ImportSummary} of a remote import, which cannot apply withdrawals (see below). */
export interface RemoteImportSummary extends ImportSummary {
  /** Withdrawals read but not applied: the API has no lookup of entries by hash or source id. */
  withdrawalsNotApplied: number;
}

/**
 * Imports a hash list through the HTTP API: parses the file locally (streaming, constant memory),
 * validates every hash as the server will (so one bad row cannot sink a whole request), and POSTs
 * the valid ones in batches to `POST /v1/banks/:bank/entries`. Same rules as the local import:
 * `skip` reports bad rows by line and goes on; `abort` reads the file twice and sends nothing if
 * any row is bad. Withdrawals (NCMEC deletions, StopNCII withdrawn hashes) are counted but not
 * applied: import such files locally (`--data-dir`) to apply them.
 */
export async function importOverHttp(
  client: HashlineClient,
  bank: string,
  open: () => TextSource,
  options: RemoteImportOptions,
): Promise<RemoteImportSummary> {
  const batchSize = Math.min(options.batchSize ?? MAX_ENTRIES_PER_CALL, MAX_ENTRIES_PER_CALL);
  if (options.onError === 'abort') {
    const check = await readAll(open(), options, null, bank, batchSize);
    if (check.errors > 0) return { ...check, added: 0, existing: 0, aborted: true };
  }
  return readAll(open(), options, client, bank, batchSize);
}

async function readAll(
  source: TextSource,
  options: RemoteImportOptions,
  client: HashlineClient | null,
  bank: string,
  batchSize: number,
): Promise<RemoteImportSummary> {
  const summary: RemoteImportSummary = {
    read: 0,
    added: 0,
    existing: 0,
    withdrawalsApplied: 0,
    withdrawalsUnmatched: 0,
    withdrawalsNotApplied: 0,
    skipped: 0,
    errors: 0,
    problems: [],
    aborted: false,
  };
  const note = (line: number, kind: 'error' | 'skipped', message: string): void => {
    if (kind === 'error') summary.errors++;
    else summary.skipped++;
    if (summary.problems.length < MAX_LISTED_PROBLEMS) summary.problems.push({ line, kind, message });
  };
  let batch: NewEntry[] = [];
  const path = `/v1/banks/${encodeURIComponent(bank)}/entries`;
  const flush = async (): Promise<void> => {
    if (batch.length === 0 || !client) return;
    const result = await client.post<{ created: unknown[]; existing: unknown[] }>(path, { entries: batch });
    summary.added += result.created.length;
    summary.existing += result.existing.length;
    batch = [];
    options.onProgress?.(summary);
  };
  for await (const record of parseHashList(source, options.format, options.origin)) {
    summary.read++;
    switch (record.kind) {
      case 'error':
        note(record.line, 'error', record.message);
        break;
      case 'skipped':
        note(record.line, 'skipped', record.reason);
        break;
      case 'withdrawal':
        summary.withdrawalsNotApplied++;
        break;
      case 'hash': {
        const problems = new Problems();
        const entry = parseNewEntry(record.hash, `line ${record.line}`, problems);
        if (!entry || problems.list.length > 0) {
          for (const p of problems.list) note(record.line, 'error', p.message);
        } else {
          batch.push(entry);
          if (batch.length >= batchSize) await flush();
        }
        break;
      }
    }
  }
  await flush();
  options.onProgress?.(summary);
  return summary;
}
