import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type {
  ImportFormat,
  ImportJobCounts,
  ImportJobError,
  ImportJobProblem,
  ImportSummary,
} from '@hashline/domain';
import { ApiError, type HashlineClient } from '../remote/hashline-client.js';
import type { ReadProgress } from './text-file-source.js';

/** The content type the server reads each format from. */
const CONTENT_TYPES: Readonly<Record<ImportFormat, string>> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  threatexchange: 'text/plain',
  'ncmec-xml': 'application/xml',
  'stopncii-json': 'application/json',
};

/** An import job as `GET /v1/imports/{id}` shows it (the fields the CLI reads). */
export interface RemoteImportJob {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'aborted';
  readonly reused: boolean;
  readonly progress: {
    readonly recordsCommitted: number;
    readonly bytesProcessed: number;
    readonly totalBytes: number;
  };
  readonly counts: ImportJobCounts;
  readonly problems: readonly ImportJobProblem[];
  readonly error: (ImportJobError & { readonly status: number }) | null;
}

/** Options of {@link importOverHttp}. */
export interface RemoteImportOptions {
  readonly format: ImportFormat;
  readonly onError: 'skip' | 'abort';
  /** The entries' provenance source when the file does not say (e.g. `import:list.csv`). */
  readonly origin: string;
  /** Called with each state of the job read while waiting for it. */
  readonly onProgress?: (summary: ImportSummary) => void;
  /** A progress bar to follow: `uploading` (bytes sent), then `importing` (the job's progress). */
  readonly follow?: (label: string, progress: ReadProgress) => void;
  /** Called once the server has the file: the job, and whether it is one made before for the same file. */
  readonly onAccepted?: (job: RemoteImportJob) => void;
  /** Waits `ms` between polls (tests inject one). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Imports a hash list through the HTTP API: streams the file as the body of
 * `POST /v1/banks/{bank}/imports` (constant memory; the server spools and hashes it), then polls
 * the job until it ends. The server parses, validates, applies withdrawals and commits in
 * batches; a job interrupted on the server resumes there by itself. The upload carries an
 * `Idempotency-Key`, so a retried upload (rate limit) joins the job it made; the same file sent
 * again after it succeeded returns that job.
 * @throws {ApiError} for a refused upload, or with the job's problem when the job failed
 */
export async function importOverHttp(
  client: HashlineClient,
  bank: string,
  path: string,
  options: RemoteImportOptions,
): Promise<{ summary: ImportSummary; job: RemoteImportJob }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { status, body } = await client.upload<RemoteImportJob>(
    `/v1/banks/${encodeURIComponent(bank)}/imports`,
    { format: options.format, onError: options.onError, origin: options.origin },
    () => {
      const sent: ReadProgress = { bytes: 0, lines: 0 };
      options.follow?.('uploading', sent);
      return countingStream(path, sent);
    },
    { 'content-type': CONTENT_TYPES[options.format], 'idempotency-key': randomUUID() },
  );
  if (status !== 200 && status !== 202) {
    throw new ApiError(status, 'BAD_RESPONSE', `The server answered the upload with ${status}.`);
  }
  let job = body;
  options.onAccepted?.(job);
  const shown: ReadProgress = { bytes: 0, lines: 0 };
  options.follow?.('importing', shown);
  for (let wait = 100; ; wait = Math.min(1_000, wait * 2)) {
    shown.bytes = job.progress.bytesProcessed;
    shown.lines = job.counts.read;
    options.onProgress?.(summaryOf(job));
    if (job.status !== 'queued' && job.status !== 'running') break;
    await sleep(wait);
    job = await client.get<RemoteImportJob>(`/v1/imports/${encodeURIComponent(job.id)}`);
  }
  if (job.status === 'failed') {
    const error = job.error ?? { status: 500, code: 'INTERNAL', detail: 'The import job failed.' };
    throw new ApiError(error.status, error.code, `The import job ${job.id} failed: ${error.detail}`);
  }
  return { summary: summaryOf(job), job };
}

/** A job's counts as the local import's summary (so one report fits both). */
export function summaryOf(job: RemoteImportJob): ImportSummary {
  return {
    read: job.counts.read,
    committedRecords: job.progress.recordsCommitted,
    added: job.counts.added,
    existing: job.counts.existing,
    updated: job.counts.updated,
    withdrawalsApplied: job.counts.withdrawalsApplied,
    withdrawalsUnmatched: job.counts.withdrawalsUnmatched,
    // The server applies withdrawals.
    withdrawalsNotApplied: 0,
    skipped: job.counts.skipped,
    errors: job.counts.errors,
    problems: job.problems.map((p) => ({ line: p.line, kind: p.kind, message: p.message })),
    aborted: job.status === 'aborted',
  };
}

/** The file's bytes as they are read, counting bytes and lines sent. */
async function* countingStream(path: string, sent: ReadProgress): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 1 << 18 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      sent.bytes += chunk.length;
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) sent.lines++;
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
}
