import { VPDQ_SIGNAL_NAMES, vpdqThreatExchangeLine } from './vpdq-format.js';
import type { NewEntry } from '../banks/bank.js';
import { parseNewEntry, type BankService } from '../banks/bank.service.js';
import { normalizeSignal } from '../banks/signal-validation.js';
import type { ImportBatchResult, ImportOperation, ImportStage } from '../ports/hashline-store.js';
import { DomainError } from '../domain-error.js';
import { Problems } from '../validation.js';
import { delimitedHeader, delimitedLine, parseDelimited, parseDelimitedBatches } from './delimited-format.js';
import type {
  ExportFormat,
  ImportFormat,
  ImportRecord,
  ImportedHash,
  TextSource,
  Withdrawn,
} from './import-record.js';
import { parseNcmecXml } from './ncmec-xml-format.js';
import { parseStopNciiJson } from './stopncii-json-format.js';
import {
  THREATEXCHANGE_SIGNAL_NAMES,
  parseThreatExchange,
  threatExchangeLine,
} from './threatexchange-format.js';
import type { BankActorInput } from '../banks/bank-actor.js';

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

/**
 * {@link parseHashList} a batch of records at a time (CSV and TSV: the records of a chunk of
 * text, plain rows with their entries validated; other formats: the records as they come), so an
 * import loops over a batch synchronously instead of awaiting each record.
 */
export async function* parseHashListBatches(
  source: TextSource,
  format: ImportFormat,
  origin: string,
): AsyncGenerator<readonly ImportRecord[]> {
  if (format === 'csv' || format === 'tsv') {
    yield* parseDelimitedBatches(source, format === 'csv' ? ',' : '\t', origin);
    return;
  }
  let batch: ImportRecord[] = [];
  for await (const record of parseHashList(source, format, origin)) {
    batch.push(record);
    if (batch.length >= RECORD_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Records per batch of {@link parseHashListBatches} for formats parsed record by record. */
const RECORD_BATCH = 256;

/** Names that start a ThreatExchange line or header besides the signal types we match on. */
const OTHER_TE_NAMES: ReadonlySet<string> = new Set([
  'signal_type',
  'indicator_type',
  'photodna',
  'pdna',
  'url',
  'url_md5',
  'raw_text',
  'trend_query',
  'video_tmk_pdqf',
]);

/** What {@link detectHashListFormat} chose, and why (shown to the user). */
export interface DetectedFormat {
  /** A hash-list format, or `vpdq` for video hash files (imported with their frames). */
  readonly format: ImportFormat | 'vpdq';
  readonly reason: string;
}

/**
 * Chooses the format of a file from its first few kilobytes (`head`), then from its name:
 * XML → NCMEC; JSON → StopNCII; vPDQ hasher output (`frame,quality,pdq,seconds`) or vpdq
 * ThreatExchange lines → vpdq; a `threatexchange dataset --csv` or Hashline header → CSV/TSV;
 * bare hex hashes (one per line, optionally `,quality,path`) → the hasher-output reading of CSV;
 * `signal_type signal` lines → ThreatExchange. Undefined when nothing fits.
 */
export function detectHashListFormat(fileName: string, head: string): DetectedFormat | undefined {
  const text = head.replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<'))
    return { format: 'ncmec-xml', reason: 'the file starts with XML (NCMEC hash-sharing entries)' };
  if (trimmed.startsWith('{') || trimmed.startsWith('['))
    return { format: 'stopncii-json', reason: 'the file starts with JSON (StopNCII FetchHashes pages)' };
  const first = text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (first !== undefined) {
    if (/^\d+,\d+(\.\d+)?,[0-9a-fA-F]{64},\d+(\.\d+)?$/.test(first))
      return {
        format: 'vpdq',
        reason: 'the lines are vPDQ hasher output (frame,quality,pdq,seconds): one video',
      };
    const name = /^([A-Za-z_]+)[,\s]/.exec(first)?.[1]?.toLowerCase();
    if (name && VPDQ_SIGNAL_NAMES.includes(name))
      return { format: 'vpdq', reason: 'the lines are ThreatExchange/HMA vpdq signals: one video per line' };
    const header = first.toLowerCase();
    if (/(^|[,\t])collab([,\t]|$)/.test(header) && header.includes('signal_str')) {
      return {
        format: header.includes('\t') ? 'tsv' : 'csv',
        reason: 'the header is python-threatexchange dataset --csv output',
      };
    }
    if (
      /^signal_type\t/.test(header) ||
      (header.includes('\t') && /(^|\t)(value|hash|signal)(\t|$)/.test(header))
    )
      return { format: 'tsv', reason: 'the first line is a tab-separated header' };
    if (/^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})(,.*)?$/.test(header))
      return {
        format: 'csv',
        reason:
          'the lines are bare hex hashes (64 digits read as PDQ, 32 MD5, 40 SHA-1), optionally with quality and path',
      };
    if (/^(signal_type|indicator_type)[,\s]+(signal|indicator)$/.test(header))
      return { format: 'threatexchange', reason: 'the header is "signal_type signal" (ThreatExchange/HMA)' };
    if (/^signal_type,/.test(header) || /^[a-z_]+(,[a-z_ ]+)+$/.test(header))
      return { format: 'csv', reason: 'the first line is a comma-separated header' };
    if (name && (THREATEXCHANGE_SIGNAL_NAMES[name] || OTHER_TE_NAMES.has(name)))
      return { format: 'threatexchange', reason: 'the lines are "signal_type signal" (ThreatExchange/HMA)' };
  }
  const byName = formatFromFileName(fileName);
  return byName ? { format: byName, reason: `from the file name's extension` } : undefined;
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

/** What a sink did with one batch (an {@link ImportBatchResult} without the seq). */
export interface ImportSinkResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly withdrawn: number;
  readonly withdrawalsUnmatched: number;
  /** Withdrawals the sink could not apply (a sink without a way to withdraw); 0 when absent. */
  readonly withdrawalsNotApplied?: number;
  /**
   * The sink held the batch back (staged it) instead of committing it: its records are counted
   * and committed by a later `apply` or by `complete`, so they are not yet "committed records".
   */
  readonly deferred?: boolean;
}

/** Where an import's records go: a bank through the service here, or a server through its API. */
export interface ImportSink {
  /**
   * Commits one batch of records, in file order, as one unit (see {@link BankStore.applyImport});
   * acknowledged only once committed.
   */
  apply(operations: readonly ImportOperation[]): Promise<ImportSinkResult>;
  /** Commits whatever `apply` held back ({@link ImportSinkResult.deferred}); called once after the last batch. */
  complete?(): Promise<ImportSinkResult>;
  /** Called once after the last batch of an import that changed anything (e.g. to ANALYZE). */
  finish?(summary: ImportSummary): Promise<void>;
}

/** Options of {@link importHashListInto}. */
export interface ImportIntoOptions {
  readonly format: ImportFormat;
  /** `skip` reports a bad row and goes on; `abort` adds nothing if any row is bad. */
  readonly onError: 'skip' | 'abort';
  /** The entries' provenance source when the file does not say (e.g. `import:list.csv`). */
  readonly origin: string;
  /** Records per batch (default {@link DEFAULT_IMPORT_BATCH}); each batch is one transaction. */
  readonly batchSize?: number;
  /**
   * Skips the first N records read (a resumed import whose earlier run committed them). They are
   * counted in `read` (so progress and line numbers stay those of the whole file) and not applied.
   */
  readonly resumeAfterRecord?: number;
  /** Called with the counts so far: every {@link PROGRESS_EVERY} records read, after each batch, and at the end. */
  readonly onProgress?: (progress: ImportSummary) => void;
}

/** Options of {@link importHashList}. */
export interface ImportOptions extends ImportIntoOptions {
  /** Who imports: recorded as the entries' `addedBy` and in the audit log (see {@link BankActor}). */
  readonly addedBy: BankActorInput;
  /**
   * When the service's local matcher applies the batches: `wait` (default) after each one, before
   * the next; `background` while the next one is written, the import waiting for it once at the
   * end (import jobs: the matcher's reading and indexing leave the batches' critical path).
   */
  readonly matcher?: 'wait' | 'background';
  /**
   * Once this many records went to the bank (default {@link STAGE_AFTER_RECORDS}), batches of
   * upserts are staged (see {@link ImportStage}) when the store offers a stage, and applied in
   * hash order before the next withdrawal and at the end. `Infinity` never stages.
   */
  readonly stageAfterRecords?: number;
}

/** Counts of an import; problems are listed up to a limit so memory stays bounded. */
export interface ImportSummary {
  /** Records read (hashes, withdrawals, skips and errors), resumed-over ones included. */
  read: number;
  /**
   * The first this many records are committed (or needed nothing): what a resumed import passes
   * as {@link ImportIntoOptions.resumeAfterRecord}. Behind `read` while a batch is being written.
   */
  committedRecords: number;
  added: number;
  /** Already in the bank with an equal classification, or repeated: nothing written. */
  existing: number;
  /** Already in the bank, classification changed by the file (logged as `entry_upsert`). */
  updated: number;
  withdrawalsApplied: number;
  /** Withdrawals naming nothing in the bank. */
  withdrawalsUnmatched: number;
  /** Withdrawals the sink could not apply (see {@link ImportSinkResult.withdrawalsNotApplied}). */
  withdrawalsNotApplied: number;
  skipped: number;
  errors: number;
  /** The first problems and skips, with line numbers. */
  problems: { line: number; kind: 'error' | 'skipped'; message: string }[];
  aborted: boolean;
}

/**
 * Records per batch by default. Measured with bench/import.bench.mjs (1M rows): 50,000 was no
 * faster and, with one batch in flight while the next is read, took PostgreSQL imports past 400 MB RSS.
 */
export const DEFAULT_IMPORT_BATCH = 25_000;

/**
 * Records an import applies batch by batch before it stages the rest (see
 * {@link ImportOptions.stageAfterRecords}): a small file commits batch by batch, with progress
 * a resumed import can use; a large one loads in hash order. Measured with
 * bench/import.bench.mjs (SQLite): staging pays from a few hundred thousand rows on, and costs
 * little below.
 */
export const STAGE_AFTER_RECORDS = 50_000;

/** How often (records read) {@link ImportIntoOptions.onProgress} is called between batches. */
export const PROGRESS_EVERY = 10_000;

/** An import that changed at least this many entries refreshes the planner's statistics. */
const REFRESH_STATISTICS_AFTER = 10_000;

const MAX_LISTED_PROBLEMS = 200;

/**
 * Streams a hash list into a bank in batches, with constant memory. Each hash is validated like
 * an API entry (PDQ quality ≥ 50, no degenerate hashes, vocabulary). With `onError: 'abort'` the
 * file is read twice (`open` is called twice): a first pass validates every row, so a bad row on
 * line 2,000,000 adds nothing at all. Records are applied in file order, a batch per transaction
 * ({@link BankStore.applyImport}): duplicates fold, a changed classification updates the entry,
 * withdrawals (NCMEC deletions, StopNCII withdrawn hashes) delete what they name at that point of
 * the file. After a large import the store's planner statistics are refreshed.
 */
export async function importHashList(
  service: BankService,
  bankRef: string | number,
  open: () => TextSource,
  options: ImportOptions,
): Promise<ImportSummary> {
  const bank = await service.getBank(bankRef);
  // Refused before a byte is read: a key limited to other banks, a bank of published material.
  service.assertMayChange(bank, options.addedBy);
  // The planner's statistics are refreshed as the import grows the bank (after 10,000 changes,
  // then each time the count has quadrupled: a few ANALYZEs however large the file), so the
  // lookups of later batches are planned for the bank as it now is, not as it was before.
  let changed = 0;
  let refreshAt = REFRESH_STATISTICS_AFTER;
  // What `changed` was at the last refresh: the end of the import refreshes only if more changed
  // since (a staged import's last part is usually followed at once by the end).
  let changedAtRefresh = 0;
  const refresh = async (): Promise<void> => {
    await service.refreshStatistics();
    changedAtRefresh = changed;
    refreshAt = changed * 4;
  };
  let lastSeq = 0;
  const matcher = options.matcher ?? 'wait';
  const applyNow = async (operations: readonly ImportOperation[]): Promise<ImportBatchResult> => {
    const result = await service.applyImport(bank.id, operations, options.addedBy, { matcher });
    lastSeq = result.seq;
    changed += result.created + result.updated + result.withdrawn;
    if (changed >= refreshAt) await refresh();
    return result;
  };
  // A large import's upserts wait in a stage and reach the bank sorted by hash (see ImportStage).
  // Upserts of different hashes do not interact, and each hash's repeats keep their file order,
  // so the bank ends as if they were applied in file order; a withdrawal is applied only after
  // everything staged before it, so "file order" holds across kinds too.
  const stageAfter = Math.max(0, options.stageAfterRecords ?? STAGE_AFTER_RECORDS);
  let stage: ImportStage | undefined;
  let stageTried = false;
  let recordsSeen = 0;
  const applyStage = async (): Promise<MutableSinkResult> => {
    const total = emptySinkResult();
    if (!stage || stage.size === 0) return total;
    for (let result; (result = await stage.applyNext());) {
      addSinkResult(total, result);
      changed += result.created + result.updated + result.withdrawn;
    }
    if (changed >= refreshAt) await refresh();
    return total;
  };
  const sink: ImportSink = {
    async apply(operations) {
      const before = recordsSeen;
      recordsSeen += operations.length;
      if (before >= stageAfter && operations.every((op) => op.kind === 'upsert')) {
        if (!stageTried) {
          stageTried = true;
          stage = await service.openImportStage(bank.id, options.addedBy);
        }
        if (stage) {
          await stage.add(operations.map((op) => (op as { readonly entry: NewEntry }).entry));
          return { ...emptySinkResult(), deferred: true };
        }
      }
      const total = await applyStage();
      addSinkResult(total, await applyNow(operations));
      return total;
    },
    complete: applyStage,
    async finish() {
      if (matcher === 'background') await service.awaitMatcher(lastSeq);
      if (changed >= REFRESH_STATISTICS_AFTER && changed > changedAtRefresh) await refresh();
    },
  };
  try {
    return await importHashListInto(sink, open, options);
  } finally {
    await stage?.close();
  }
}

type MutableSinkResult = { -readonly [K in keyof ImportSinkResult]-?: ImportSinkResult[K] };

function emptySinkResult(): MutableSinkResult {
  return {
    created: 0,
    updated: 0,
    unchanged: 0,
    withdrawn: 0,
    withdrawalsUnmatched: 0,
    withdrawalsNotApplied: 0,
    deferred: false,
  };
}

function addSinkResult(total: MutableSinkResult, result: ImportSinkResult): void {
  total.created += result.created;
  total.updated += result.updated;
  total.unchanged += result.unchanged;
  total.withdrawn += result.withdrawn;
  total.withdrawalsUnmatched += result.withdrawalsUnmatched;
  total.withdrawalsNotApplied += result.withdrawalsNotApplied ?? 0;
}

/** {@link importHashList} into any {@link ImportSink} (the CLI's remote import uses the HTTP API). */
export async function importHashListInto(
  sink: ImportSink,
  open: () => TextSource,
  options: ImportIntoOptions,
): Promise<ImportSummary> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_IMPORT_BATCH);
  // A first pass validates the whole file: with `abort`, so a bad row adds nothing; for formats
  // that can break beyond repair part-way (XML that is not well-formed), always, so a broken file
  // adds nothing even with `skip` (skipping a row cannot skip an unreadable rest of file).
  if (options.onError === 'abort' || MAY_BREAK.has(options.format)) {
    const fatal = { seen: false };
    const check = await readAll(open(), options, null, batchSize, fatal);
    if (check.errors > 0 && (options.onError === 'abort' || fatal.seen)) {
      return {
        ...check,
        added: 0,
        existing: 0,
        updated: 0,
        withdrawalsApplied: 0,
        withdrawalsNotApplied: 0,
        aborted: true,
      };
    }
  }
  const summary = await readAll(open(), options, sink, batchSize);
  if (summary.added + summary.updated + summary.withdrawalsApplied > 0) await sink.finish?.(summary);
  return summary;
}

/** Formats whose parser can meet an error that makes the rest of the file unreadable. */
const MAY_BREAK: ReadonlySet<ImportFormat> = new Set(['ncmec-xml']);

async function readAll(
  source: TextSource,
  options: ImportIntoOptions,
  sink: ImportSink | null,
  batchSize: number,
  fatal: { seen: boolean } = { seen: false },
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    read: 0,
    committedRecords: 0,
    added: 0,
    existing: 0,
    updated: 0,
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
  const count = (result: ImportSinkResult): void => {
    summary.added += result.created;
    summary.updated += result.updated;
    summary.existing += result.unchanged;
    summary.withdrawalsApplied += result.withdrawn;
    summary.withdrawalsUnmatched += result.withdrawalsUnmatched;
    summary.withdrawalsNotApplied += result.withdrawalsNotApplied ?? 0;
  };
  const resumeAfter = Math.max(0, options.resumeAfterRecord ?? 0);
  const onProgress = options.onProgress;
  let batch: ImportOperation[] = [];
  // Pipelined: while the sink commits one batch, the next is parsed and validated. At most one
  // batch is in flight, so batches still commit one after the other, in file order.
  let inFlight: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    if (batch.length === 0 || !sink) return;
    const operations = batch;
    const upTo = summary.read;
    batch = [];
    if (inFlight) await inFlight;
    const applying = sink.apply(operations).then((result) => {
      if (!result.deferred) summary.committedRecords = upTo;
      count(result);
      onProgress?.(summary);
    });
    // Observed at the next flush or at the end; until then a failure must not count as unhandled.
    applying.catch(() => {});
    inFlight = applying;
  };
  const problems = new Problems();
  try {
    for await (const records of parseHashListBatches(source, options.format, options.origin)) {
      for (const record of records) {
        summary.read++;
        if (onProgress && summary.read % PROGRESS_EVERY === 0) onProgress(summary);
        if (summary.read <= resumeAfter) {
          summary.committedRecords = summary.read;
          continue;
        }
        switch (record.kind) {
          case 'error':
            note(record.line, 'error', record.message);
            if (record.fatal) {
              fatal.seen = true;
              // Only reachable if the file changed between the two passes: stop before writing more.
              if (sink)
                throw new DomainError('IMPORT_FORMAT_ERROR', `Line ${record.line}: ${record.message}`);
            }
            break;
          case 'skipped':
            note(record.line, 'skipped', record.reason);
            break;
          case 'withdrawal': {
            const withdrawn = normalizeWithdrawn(record.withdrawn);
            if (typeof withdrawn === 'string') note(record.line, 'error', withdrawn);
            else if (sink) {
              batch.push({ kind: 'withdraw', withdrawn });
              if (batch.length >= batchSize) await flush();
            }
            break;
          }
          case 'hash': {
            const entry = record.entry ?? parseImportedEntry(record.hash, record.line, problems);
            if (!entry) {
              for (const p of problems.list) note(record.line, 'error', p.message);
              problems.list.length = 0;
            } else if (sink) {
              batch.push({ kind: 'upsert', entry });
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
    }
    await flush();
    if (inFlight) await inFlight;
    if (sink?.complete) count(await sink.complete());
    summary.committedRecords = summary.read;
  } finally {
    // A reader error while a batch commits: let the commit finish before the error propagates
    // (the caller may close the store next); its own failure, if any, is the lesser news.
    if (inFlight) await inFlight.catch(() => {});
  }
  onProgress?.(summary);
  return summary;
}

/** The operations of a list of records (a page of a hash exchange), with what could not be applied. */
export interface RecordOperations {
  readonly operations: ImportOperation[];
  readonly skipped: number;
  readonly errors: number;
  /** The first problems, with the records' line (or position) numbers. */
  readonly problems: { line: number; kind: 'error' | 'skipped'; message: string }[];
}

/**
 * Turns records into import operations exactly as an import does (each hash validated as an API
 * entry, withdrawals normalised), in order; skips and errors are counted, never fatal. Videos
 * (`vpdq`) are skipped: a hash-list batch cannot carry their frames (see `BankService.applyImport`).
 */
export function importOperationsOf(records: Iterable<ImportRecord>): RecordOperations {
  const out: RecordOperations = { operations: [], skipped: 0, errors: 0, problems: [] };
  const counts = { skipped: 0, errors: 0 };
  const note = (line: number, kind: 'error' | 'skipped', message: string): void => {
    if (kind === 'error') counts.errors++;
    else counts.skipped++;
    if (out.problems.length < MAX_LISTED_PROBLEMS) out.problems.push({ line, kind, message });
  };
  const problems = new Problems();
  for (const record of records) {
    switch (record.kind) {
      case 'error':
        note(record.line, 'error', record.message);
        break;
      case 'skipped':
        note(record.line, 'skipped', record.reason);
        break;
      case 'withdrawal': {
        const withdrawn = normalizeWithdrawn(record.withdrawn);
        if (typeof withdrawn === 'string') note(record.line, 'error', withdrawn);
        else out.operations.push({ kind: 'withdraw', withdrawn });
        break;
      }
      case 'hash': {
        if (record.hash.signalType === 'vpdq') {
          note(record.line, 'skipped', 'videos (vpdq) are not applied from a hash list or exchange page');
          break;
        }
        const entry = parseImportedEntry(record.hash, record.line, problems);
        if (!entry) {
          for (const p of problems.list) note(record.line, 'error', p.message);
          problems.list.length = 0;
        } else out.operations.push({ kind: 'upsert', entry });
        break;
      }
    }
  }
  return { ...out, skipped: counts.skipped, errors: counts.errors };
}

/** A withdrawal with its hash normalised as stored (lower-case hex), or the problem with it. */
function normalizeWithdrawn(withdrawn: Withdrawn): Withdrawn | string {
  if (!('value' in withdrawn)) return withdrawn;
  try {
    return {
      signalType: withdrawn.signalType,
      value: normalizeSignal(withdrawn.signalType, withdrawn.value),
    };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * An imported hash validated as an API entry would be ({@link parseNewEntry}), or undefined with
 * the problems in `problems`.
 */
function parseImportedEntry(hash: ImportedHash, line: number, problems: Problems): NewEntry | undefined {
  const entry = parseNewEntry(hash, `line ${line}`, problems);
  return entry && problems.list.length === 0 ? entry : undefined;
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
    // Videos: ThreatExchange/HMA lines carry their frames (`vpdq,<JSON>`); a CSV row could not
    // (export them with the vpdq format instead), so CSV and TSV leave them out.
    const videoIds = entries.filter((e) => e.signalType === 'vpdq').map((e) => e.id);
    const videos =
      format === 'threatexchange' && videoIds.length > 0 ? await service.getVideoSignals(videoIds) : null;
    // Every source of a hash, so a re-import loses no provenance (CSV and TSV carry them).
    const sources =
      format === 'threatexchange' ? null : await service.getEntrySources(entries.map((e) => e.id));
    for (const entry of entries) {
      if (entry.signalType === 'vpdq') {
        const video = videos?.get(entry.id);
        if (video) yield vpdqThreatExchangeLine(video.frames);
        continue;
      }
      yield format === 'threatexchange'
        ? threatExchangeLine(entry)
        : delimitedLine(entry, delimiter, sources?.get(entry.id));
    }
    if (entries.length < 5_000) return;
    afterId = entries[entries.length - 1]!.id;
  }
}
