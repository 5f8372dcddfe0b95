import type { ImportFormat } from '../formats/import-record.js';

/** Where an import job is: waiting, running, or ended (succeeded, failed, or aborted by a bad row). */
export const IMPORT_JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'aborted'] as const;
/** One of {@link IMPORT_JOB_STATUSES}. */
export type ImportJobStatus = (typeof IMPORT_JOB_STATUSES)[number];

/** Statuses of a job that will still run (or runs): a resend of its file joins it. */
export const ACTIVE_IMPORT_STATUSES: readonly ImportJobStatus[] = ['queued', 'running'];

/** The counts of an import job so far (the domain's `ImportSummary` counts, as stored). */
export interface ImportJobCounts {
  /** Records read (hashes, withdrawals, skips and errors). */
  readonly read: number;
  readonly added: number;
  /** Already in the bank: not duplicated. */
  readonly existing: number;
  /** Existing entries whose fields the import changed (0 until the store reports it). */
  readonly updated: number;
  readonly withdrawalsApplied: number;
  /** Withdrawals naming nothing in the bank. */
  readonly withdrawalsUnmatched: number;
  readonly skipped: number;
  readonly errors: number;
}

/** A listed problem of an import (the first ones only, so a row stays small). */
export interface ImportJobProblem {
  readonly line: number;
  readonly kind: 'error' | 'skipped';
  readonly message: string;
}

/** Why a job failed, problem-like: a stable code and a message safe to show. */
export interface ImportJobError {
  readonly code: string;
  readonly detail: string;
}

/** A job as created: the file is already spooled and hashed. */
export interface NewImportJob {
  /** Made by the caller (unguessable; it names the spool file too). */
  readonly id: string;
  readonly bankId: number;
  readonly format: ImportFormat;
  readonly onError: 'skip' | 'abort';
  /** The entries' provenance source when the file does not say. */
  readonly origin: string;
  /** SHA-256 of the file's bytes, hex. */
  readonly fileSha256: string;
  readonly totalBytes: number;
  /**
   * What makes two uploads "the same import": the bank, the file's SHA-256 and the options that
   * change the outcome. A resend while a job with this fingerprint is queued, running or
   * succeeded joins that job.
   */
  readonly fingerprint: string;
  /** The caller's `Idempotency-Key`, scoped by the caller (e.g. `<api key id>:<key>`); unique. */
  readonly idempotencyKey: string | null;
  /**
   * Which process may run it: the spool file exists only where it was written
   * (`<host name>:<spool directory>`); another process never touches it.
   */
  readonly owner: string;
  /** The API key (or user) that created it; recorded as the entries' `addedBy`. */
  readonly createdBy: string;
  readonly createdAt: Date;
}

/** A stored import job. */
export interface ImportJob extends NewImportJob {
  readonly status: ImportJobStatus;
  /** The process running it (`<host>:<pid>:<random>`) while running; null otherwise. */
  readonly claimedBy: string | null;
  /** Records committed (the resume point: a resumed run skips this many records). */
  readonly recordsCommitted: number;
  /** Bytes of the file read by the last committed batch (for a progress bar). */
  readonly bytesProcessed: number;
  readonly counts: ImportJobCounts;
  readonly problems: readonly ImportJobProblem[];
  readonly error: ImportJobError | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly updatedAt: Date;
}

/** What a committed batch records. */
export interface ImportJobProgress {
  readonly recordsCommitted: number;
  readonly bytesProcessed: number;
  readonly counts: ImportJobCounts;
  readonly problems: readonly ImportJobProblem[];
  readonly at: Date;
}

/** How a job ended. */
export interface ImportJobEnd {
  readonly status: 'succeeded' | 'failed' | 'aborted' | 'queued';
  readonly error?: ImportJobError | null;
  readonly at: Date;
}

/** Counts of a job that has not read anything yet. */
export const ZERO_IMPORT_COUNTS: ImportJobCounts = {
  read: 0,
  added: 0,
  existing: 0,
  updated: 0,
  withdrawalsApplied: 0,
  withdrawalsUnmatched: 0,
  skipped: 0,
  errors: 0,
};

/**
 * Durable import jobs (`POST /v1/banks/{bank}/imports`). A job row is written once its file is
 * spooled; the process owning the spool file runs it, recording progress after every committed
 * batch, so a job interrupted by a shutdown or a crash resumes from its last committed record.
 *
 * Errors: `CONFLICT` when `idempotencyKey` is taken (the caller then reads the existing job).
 */
export interface ImportJobStore {
  /** Stores a queued job. Throws `CONFLICT` when its idempotency key names another job already. */
  createImportJob(job: NewImportJob): Promise<ImportJob>;
  getImportJob(id: string): Promise<ImportJob | undefined>;
  /** The job created with this idempotency key, if any. */
  findImportJobByIdempotencyKey(key: string): Promise<ImportJob | undefined>;
  /** The newest job with this fingerprint whose status is one of `statuses`. */
  findImportJobByFingerprint(
    fingerprint: string,
    statuses: readonly ImportJobStatus[],
  ): Promise<ImportJob | undefined>;
  /** Newest first; only the bank's when `bankId` is given. */
  listImportJobs(query: { readonly bankId?: number; readonly limit: number }): Promise<ImportJob[]>;
  /** Queued and running jobs of this owner, oldest first (what a starting process resumes). */
  listUnfinishedImportJobs(owner: string): Promise<ImportJob[]>;
  /**
   * Claims a job for `claimant`, atomically: a queued job, or a running one whose claimant is
   * `takeOverFrom` (a process known to be gone). Sets `running` (and `startedAt` the first time).
   * Undefined when the job was not in that state (another process claimed it first).
   */
  claimImportJob(
    id: string,
    claimant: string,
    at: Date,
    takeOverFrom: string | null,
  ): Promise<ImportJob | undefined>;
  /** Records a committed batch of a running job. */
  recordImportProgress(id: string, progress: ImportJobProgress): Promise<void>;
  /**
   * Ends a run: `succeeded`, `failed`, `aborted` (finished), or back to `queued` (interrupted by a
   * shutdown: resumed at the next start). Clears the claim.
   */
  finishImportJob(id: string, end: ImportJobEnd): Promise<ImportJob>;
}
