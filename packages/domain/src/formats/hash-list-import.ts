import type { NewEntry } from '../banks/bank.js';
import { parseNewEntry, type BankService } from '../banks/bank.service.js';
import { DomainError } from '../domain-error.js';
import { Problems } from '../validation.js';
import { delimitedHeader, delimitedLine, parseDelimited } from './delimited-format.js';
import type { ExportFormat, ImportFormat, ImportRecord, TextSource, Withdrawn } from './import-record.js';
import { parseNcmecXml } from './ncmec-xml-format.js';
import { parseStopNciiJson } from './stopncii-json-format.js';
import { parseThreatExchange, threatExchangeLine } from './threatexchange-format.js';

/** Reads the records of a hash list in any supported format. `origin` becomes the entries' source. */
export function parseHashList(
  source: TextSource,
  format: ImportFormat,
  origin: string,
): AsyncGenerator<ImportRecord> {
  switch (format) {
    case 'csv':
      return parseDelimited(source, ',', origin);
    case 'tsv':
      return parseDelimited(source, '\t', origin);
    case 'threatexchange':
      return parseThreatExchange(source, origin);
    case 'ncmec-xml':
      return parseNcmecXml(source);
    case 'stopncii-json':
      return parseStopNciiJson(source);
  }
}

/** Guesses a format from a file name, or returns undefined. */
export function formatFromFileName(name: string): ImportFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.xml')) return 'ncmec-xml';
  if (lower.endsWith('.json') || lower.endsWith('.ndjson') || lower.endsWith('.jsonl'))
    return 'stopncii-json';
  if (lower.endsWith('.txt')) return 'threatexchange';
  return undefined;
}

/** Where an import's entries go: a bank through the service here, or a server through its API. */
export interface ImportSink {
  /** Commits a batch of validated entries; says how many were new and how many already there. */
  addEntries(entries: readonly NewEntry[]): Promise<{ readonly created: number; readonly existing: number }>;
  /** Applies a withdrawal: the number of entries removed, or null when this sink cannot apply one. */
  withdraw(withdrawn: Withdrawn): Promise<number | null>;
}

/** Options of {@link importHashListInto}. */
export interface ImportIntoOptions {
  readonly format: ImportFormat;
  /** `skip` reports a bad row and goes on; `abort` adds nothing if any row is bad. */
  readonly onError: 'skip' | 'abort';
  /** The entries' provenance source when the file does not say (e.g. `import:list.csv`). */
  readonly origin: string;
  /** Entries per batch (default 5,000). */
  readonly batchSize?: number;
  /** Called after each batch and at the end. */
  readonly onProgress?: (progress: ImportSummary) => void;
  /**
   * Skip the first N records of the file: a resumed job committed them already. They count in
   * `read` (so `read` stays the position in the file) and in nothing else; the other counts are
   * this run's. The check pass of `onError: 'abort'` still reads the whole file.
   */
  readonly resumeAfterRecord?: number;
}

/** Options of {@link importHashList}. */
export interface ImportOptions extends ImportIntoOptions {
  /** Recorded as the entries' `addedBy`. */
  readonly addedBy: string;
}

/** Counts of an import; problems are listed up to a limit so memory stays bounded. */
export interface ImportSummary {
  /** Records read (hashes, withdrawals, skips and errors). */
  read: number;
  added: number;
  /** Already in the bank: not duplicated. */
  existing: number;
  withdrawalsApplied: number;
  /** Withdrawals naming nothing in the bank. */
  withdrawalsUnmatched: number;
  /** Withdrawals the sink could not apply (see {@link ImportSink.withdraw}). */
  withdrawalsNotApplied: number;
  skipped: number;
  errors: number;
  /** The first problems and skips, with line numbers. */
  problems: { line: number; kind: 'error' | 'skipped'; message: string }[];
  aborted: boolean;
}

const MAX_LISTED_PROBLEMS = 200;

/**
 * Streams a hash list into a bank in batches, with constant memory. Each hash is validated like
 * an API entry (PDQ quality ≥ 50, no degenerate hashes, vocabulary). With `onError: 'abort'` the
 * file is read twice (`open` is called twice): a first pass validates every row, so a bad row on
 * line 2,000,000 adds nothing at all. Withdrawals (NCMEC deletions, StopNCII withdrawn hashes)
 * delete the entries they name.
 */
export async function importHashList(
  service: BankService,
  bankRef: string | number,
  open: () => TextSource,
  options: ImportOptions,
): Promise<ImportSummary> {
  const bank = await service.getBank(bankRef);
  const sink: ImportSink = {
    async addEntries(entries) {
      const result = await service.addEntries(bank.id, entries, options.addedBy);
      return { created: result.created.length, existing: result.existing.length };
    },
    withdraw: (withdrawn) => service.withdraw(bank.id, withdrawn),
  };
  return importHashListInto(sink, open, options);
}

/** {@link importHashList} into any {@link ImportSink} (the CLI's remote import uses the HTTP API). */
export async function importHashListInto(
  sink: ImportSink,
  open: () => TextSource,
  options: ImportIntoOptions,
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 5_000;
  if (options.onError === 'abort') {
    const check = await readAll(open(), options, null, batchSize);
    if (check.errors > 0) {
      return {
        ...check,
        added: 0,
        existing: 0,
        withdrawalsApplied: 0,
        withdrawalsNotApplied: 0,
        aborted: true,
      };
    }
  }
  return readAll(open(), options, sink, batchSize);
}

async function readAll(
  source: TextSource,
  options: ImportIntoOptions,
  sink: ImportSink | null,
  batchSize: number,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
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
  const flush = async (): Promise<void> => {
    if (batch.length === 0 || !sink) return;
    const result = await sink.addEntries(batch);
    summary.added += result.created;
    summary.existing += result.existing;
    batch = [];
    options.onProgress?.(summary);
  };
  const resumeAfter = sink ? (options.resumeAfterRecord ?? 0) : 0;
  for await (const record of parseHashList(source, options.format, options.origin)) {
    summary.read++;
    if (summary.read <= resumeAfter) continue;
    switch (record.kind) {
      case 'error':
        note(record.line, 'error', record.message);
        break;
      case 'skipped':
        note(record.line, 'skipped', record.reason);
        break;
      case 'withdrawal':
        if (sink) {
          const count = await sink.withdraw(record.withdrawn);
          if (count === null) summary.withdrawalsNotApplied++;
          else if (count > 0) summary.withdrawalsApplied += count;
          else summary.withdrawalsUnmatched++;
        }
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
    if (summary.errors > 0 && options.onError === 'abort' && sink) {
      // Only reachable if the file changed between the two passes.
      throw new DomainError(
        'IMPORT_FORMAT_ERROR',
        `Line ${summary.problems.at(-1)?.line}: ${summary.problems.at(-1)?.message}`,
      );
    }
  }
  await flush();
  options.onProgress?.(summary);
  return summary;
}

/**
 * Streams a bank's entries (not disabled) as a file in `format`, a page at a time: the output is
 * re-importable by {@link importHashList}.
 */
export async function* exportHashList(
  service: BankService,
  bankRef: string | number,
  format: ExportFormat,
): AsyncGenerator<string> {
  const bank = await service.getBank(bankRef);
  const delimiter = format === 'tsv' ? '\t' : ',';
  if (format !== 'threatexchange') yield delimitedHeader(delimiter);
  let afterId = 0;
  for (;;) {
    const { entries } = await service.listEntries(bank.id, { afterId, limit: 5_000 });
    for (const entry of entries) {
      yield format === 'threatexchange' ? threatExchangeLine(entry) : delimitedLine(entry, delimiter);
    }
    if (entries.length < 5_000) return;
    afterId = entries[entries.length - 1]!.id;
  }
}
