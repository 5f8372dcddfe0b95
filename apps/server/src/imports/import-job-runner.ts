import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  importHashList,
  isDomainError,
  systemClock,
  type BankService,
  type Clock,
  type ImportJob,
  type ImportJobCounts,
  type ImportJobProgress,
  type ImportJobStore,
  type ImportSummary,
} from '@hashline/domain';
import { isStoreUnavailableError } from '@hashline/storage';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { deleteSpoolFile, readSpool, spoolFile, strayFiles, type SpoolReadProgress } from './import-spool.js';

/** Problems a job keeps (the first ones), like the domain's summary. */
const MAX_JOB_PROBLEMS = 200;
/**
 * A spool file is stray only once it is this old: a sibling process on this host (same spool
 * directory) may be receiving an upload, or may have just committed a job this start did not list.
 */
const STRAY_AGE_MS = 10 * 60_000;
/** Wait before running a job again after the store went away under it. */
const STORE_RETRY_MS = 5_000;

/** Options of {@link ImportJobRunner}. */
export interface ImportJobRunnerOptions {
  readonly jobs: ImportJobStore;
  readonly banks: BankService;
  /** Where uploaded files wait (config `imports.spoolDir`). */
  readonly spoolDir: string;
  /** Entries per committed batch. */
  readonly batchSize: number;
  readonly logger: FastifyBaseLogger;
  readonly clock?: Clock;
  /** Registers `hashline_imports_running` and `hashline_import_records_total` here. */
  readonly registry?: Registry;
}

/** Thrown into a running import by {@link ImportJobRunner.stop}, between two reads of the file. */
class ImportStopped extends Error {
  constructor() {
    super('import stopped by shutdown');
    this.name = 'ImportStopped';
  }
}

/**
 * The owner of a spool directory: the jobs whose files are there. `<host name>:<directory>`, so
 * another host never claims them, and a restarted process on this host finds them again.
 */
export function spoolOwner(spoolDir: string): string {
  return `${hostname()}:${spoolDir}`;
}

/**
 * Runs this process's import jobs, one at a time, in the background: queued jobs in creation
 * order, and on start the jobs a previous run of this process left running (crash) or queued
 * (shutdown), each resumed after its last committed record. Progress is written after each
 * committed batch (at most one write in flight, coalesced, never per row); {@link stop} ends the
 * job between two reads of its file and puts it back in the queue.
 *
 * A job is claimed atomically in the store; a job still claimed by a live process on this host (a
 * sibling sharing the spool directory) is left to it, one claimed by a dead process is taken over.
 */
export class ImportJobRunner {
  /** This process, as recorded on the jobs it runs: `<pid>@<host>#<random>`. */
  readonly claimant = `${process.pid}@${hostname()}#${randomBytes(4).toString('hex')}`;
  readonly owner: string;
  readonly #options: ImportJobRunnerOptions;
  readonly #clock: Clock;
  readonly #log: FastifyBaseLogger;
  readonly #running: Gauge | undefined;
  readonly #records: Counter | undefined;
  #stopping = false;
  #drain: Promise<void> | undefined;
  #again = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: ImportJobRunnerOptions) {
    this.#options = options;
    this.owner = spoolOwner(options.spoolDir);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger;
    if (options.registry) {
      const registers = [options.registry];
      this.#running = new Gauge({
        name: 'hashline_imports_running',
        help: 'Import jobs running in this process (0 or 1).',
        registers,
      });
      this.#records = new Counter({
        name: 'hashline_import_records_total',
        help: 'Records of uploaded hash lists committed by import jobs in this process.',
        registers,
      });
    }
  }

  /** Deletes stray spool files, then runs (or resumes) this owner's unfinished jobs. */
  start(): void {
    this.#drain = this.#cleanSpool()
      .catch((error: unknown) => this.#log.warn({ err: error }, 'import spool: cleaning up failed'))
      .then(() => this.#drainLoop());
  }

  /** A job was queued: run it once the jobs before it are done. */
  wake(): void {
    if (this.#stopping) return;
    if (this.#drain) {
      this.#again = true;
      return;
    }
    this.#drain = this.#drainLoop();
  }

  /** Stops between two batches of the running job (it stays queued, and resumes at the next start). */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    await this.#drain;
  }

  async #cleanSpool(): Promise<void> {
    const unfinished = await this.#options.jobs.listUnfinishedImportJobs(this.owner);
    const keep = new Set(unfinished.map((j) => j.id));
    for (const path of await strayFiles(this.#options.spoolDir, keep, Date.now() - STRAY_AGE_MS)) {
      await rm(path, { force: true });
    }
  }

  async #drainLoop(): Promise<void> {
    try {
      do {
        this.#again = false;
        const jobs = await this.#options.jobs.listUnfinishedImportJobs(this.owner);
        for (const job of jobs) {
          if (this.#stopping) return;
          let takeOver: string | null = null;
          if (job.status === 'running') {
            // Claimed by this process, it is not running (one job at a time, and none now): a
            // run whose ending could not be recorded (the store went away). Else ask the kernel.
            if (job.claimedBy !== null && job.claimedBy !== this.claimant && claimantAlive(job.claimedBy)) {
              continue;
            }
            takeOver = job.claimedBy;
          }
          const claimed = await this.#options.jobs.claimImportJob(
            job.id,
            this.claimant,
            this.#clock.now(),
            takeOver,
          );
          if (claimed && !(await this.#run(claimed))) return;
        }
      } while (this.#again && !this.#stopping);
    } catch (error) {
      this.#log.error({ err: error }, 'import jobs: reading the queue failed; retrying');
      this.#retryLater();
    } finally {
      this.#drain = undefined;
    }
  }

  #retryLater(): void {
    if (this.#stopping) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.wake(), STORE_RETRY_MS);
    this.#retryTimer.unref();
  }

  /** Runs one claimed job to its end; false when the queue must wait (shutdown, store away). */
  async #run(job: ImportJob): Promise<boolean> {
    const { jobs, banks, spoolDir, batchSize } = this.#options;
    const path = spoolFile(spoolDir, job.id);
    const started = Date.now();
    if (!existsSync(path)) {
      await jobs.finishImportJob(job.id, {
        status: 'failed',
        error: {
          code: 'INTERNAL',
          detail: 'The uploaded file is gone from the spool directory; upload it again.',
        },
        at: this.#clock.now(),
      });
      this.#log.error({ job: job.id }, 'import job: its spool file is missing; marked failed');
      return true;
    }
    this.#running?.inc();
    const resumeAfter = job.recordsCommitted;
    this.#log.info(
      { job: job.id, bank: job.bankId, resumeAfter, bytes: job.totalBytes },
      resumeAfter > 0 ? 'import job resumed' : 'import job started',
    );
    const writer = new ProgressWriter(jobs, job.id, (error) =>
      this.#log.warn({ err: error, job: job.id }, 'import job: recording progress failed'),
    );
    let passes = 0;
    let read: SpoolReadProgress = { bytes: 0 };
    const checking = (): boolean => job.onError === 'abort' && passes === 1;
    let committedRecords = resumeAfter;
    const snapshot = (summary: ImportSummary, bytes: number): ImportJobProgress => ({
      // Records up to here are committed; `read` may be a batch ahead (the next one is read while
      // the previous one commits), so a resumed job starts after the committed ones only.
      recordsCommitted: summary.committedRecords,
      bytesProcessed: Math.min(job.totalBytes, bytes),
      counts: addCounts(job.counts, summary),
      problems: [...job.problems, ...summary.problems].slice(0, MAX_JOB_PROBLEMS),
      at: this.#clock.now(),
    });
    try {
      const summary = await importHashList(
        banks,
        job.bankId,
        () => {
          passes++;
          read = { bytes: 0 };
          return readSpool(path, read, () => {
            if (this.#stopping) throw new ImportStopped();
          });
        },
        {
          format: job.format,
          onError: job.onError,
          origin: job.origin,
          // The job acts for the key that started it (its bank list was checked then).
          addedBy: { via: 'api-key', id: job.createdBy },
          batchSize,
          // The matcher follows the batches without holding them up; the job ends once it has
          // applied them all (a succeeded import matches).
          matcher: 'background',
          resumeAfterRecord: resumeAfter,
          onProgress: (progress) => {
            // The check pass of `abort` commits nothing: its counts are not progress.
            if (checking()) return;
            this.#records?.inc(Math.max(0, progress.committedRecords - committedRecords));
            committedRecords = progress.committedRecords;
            writer.push(snapshot(progress, read.bytes));
          },
        },
      );
      await writer.flush();
      const final = snapshot(summary, job.totalBytes);
      await jobs.recordImportProgress(job.id, summary.aborted ? { ...final, recordsCommitted: 0 } : final);
      const status = summary.aborted ? 'aborted' : 'succeeded';
      await jobs.finishImportJob(job.id, { status, at: this.#clock.now() });
      await deleteSpoolFile(spoolDir, job.id);
      this.#log.info(
        {
          job: job.id,
          bank: job.bankId,
          status,
          read: summary.read,
          added: summary.added,
          errors: summary.errors,
          ms: Date.now() - started,
        },
        'import job ended',
      );
      return true;
    } catch (error) {
      await writer.flush().catch(() => undefined);
      if (error instanceof ImportStopped || isStoreUnavailableError(error)) {
        // Resumable: back in the queue with its file; a shutdown resumes at the next start, a
        // store outage after a pause.
        await jobs
          .finishImportJob(job.id, { status: 'queued', at: this.#clock.now() })
          .catch((e: unknown) => this.#log.warn({ err: e, job: job.id }, 'import job: requeue failed'));
        this.#log.info(
          { job: job.id, reason: error instanceof ImportStopped ? 'shutdown' : 'store unavailable' },
          'import job interrupted; it resumes after its last committed batch',
        );
        if (!(error instanceof ImportStopped)) this.#retryLater();
        return false;
      }
      const detail = isDomainError(error)
        ? { code: error.code, detail: error.message }
        : { code: 'INTERNAL', detail: 'The import failed unexpectedly; it has been logged.' };
      if (!isDomainError(error)) this.#log.error({ err: error, job: job.id }, 'import job failed');
      await jobs.finishImportJob(job.id, { status: 'failed', error: detail, at: this.#clock.now() });
      await deleteSpoolFile(spoolDir, job.id);
      return true;
    } finally {
      this.#running?.dec();
    }
  }
}

/**
 * Writes a job's progress in the background: at most one write in flight; pushes while one is
 * in flight replace each other, so a slow store costs writes, never memory or import speed.
 */
class ProgressWriter {
  #pending: ImportJobProgress | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly jobs: ImportJobStore,
    private readonly id: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(progress: ImportJobProgress): void {
    this.#pending = progress;
    this.#inFlight ??= this.#loop();
  }

  /** Resolves when everything pushed is written. */
  async flush(): Promise<void> {
    await this.#inFlight;
  }

  async #loop(): Promise<void> {
    try {
      while (this.#pending) {
        const next = this.#pending;
        this.#pending = undefined;
        await this.jobs.recordImportProgress(this.id, next).catch(this.onError);
      }
    } finally {
      this.#inFlight = undefined;
    }
  }
}

function addCounts(base: ImportJobCounts, summary: ImportSummary): ImportJobCounts {
  return {
    read: summary.read,
    added: base.added + summary.added,
    existing: base.existing + summary.existing,
    updated: base.updated + summary.updated,
    withdrawalsApplied: base.withdrawalsApplied + summary.withdrawalsApplied,
    withdrawalsUnmatched: base.withdrawalsUnmatched + summary.withdrawalsUnmatched,
    skipped: base.skipped + summary.skipped,
    errors: base.errors + summary.errors,
  };
}

/**
 * Whether the process that claimed a job may still be running it. Claimants are
 * `<pid>@<host>#<random>`: on another host, assume yes (its owner's files are not here anyway);
 * this very pid with another random part is this process's previous life (a container restarts
 * as pid 1), so no; otherwise ask the kernel whether the pid exists.
 */
export function claimantAlive(claimedBy: string): boolean {
  const match = /^(\d+)@(.*)#[0-9a-f]+$/.exec(claimedBy);
  if (!match) return false;
  const pid = Number(match[1]);
  if (match[2] !== hostname()) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
