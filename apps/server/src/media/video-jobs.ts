import { randomBytes } from 'node:crypto';
import { DomainError } from '@hashline/domain';

/** What a video job does: hash only (`POST /v1/hash`) or hash and match (`POST /v1/match/media`). */
export type VideoJobKind = 'hash' | 'match';

/** A job's state as its caller sees it (`GET /v1/media-jobs/{id}`). */
export interface VideoJobView {
  readonly id: string;
  readonly kind: VideoJobKind;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** The answer the request would have given inline (succeeded jobs). */
  readonly result?: unknown;
  /** Why it failed (failed jobs): the error, for the route to render as problem+json. */
  readonly error?: unknown;
}

interface Job {
  readonly id: string;
  readonly owner: string;
  readonly kind: VideoJobKind;
  readonly createdAt: Date;
  finishedAt: Date | null;
  status: VideoJobView['status'];
  result?: unknown;
  error?: unknown;
}

/** Options of {@link VideoJobs}. */
export interface VideoJobsOptions {
  /** How long a finished job stays readable. */
  readonly resultMinutes: number;
  /** Most running jobs; another is refused with `MEDIA_BUSY`. */
  readonly maxJobs: number;
  readonly now?: () => Date;
}

/**
 * Video uploads too long to answer in their request run here, in this process, and their caller
 * polls for the result. Jobs live in memory: they hold hashes, never media (the upload's file is
 * deleted by the work itself), and a job lost to a restart is just hashed again by its caller
 * (nothing was acknowledged as stored). A finished job is kept for `resultMinutes`, then dropped.
 */
export class VideoJobs {
  readonly #jobs = new Map<string, Job>();
  readonly #options: VideoJobsOptions;
  readonly #running = new Set<Promise<void>>();

  constructor(options: VideoJobsOptions) {
    this.#options = options;
  }

  /**
   * Starts `work` as a job of `owner` (an API key id) and returns its view at once.
   * @throws {DomainError} `MEDIA_BUSY` when `maxJobs` jobs are running
   */
  start(owner: string, kind: VideoJobKind, work: () => Promise<unknown>): VideoJobView {
    this.#expire();
    const running = [...this.#jobs.values()].filter((j) => j.status === 'running').length;
    if (running >= this.#options.maxJobs) {
      throw new DomainError(
        'MEDIA_BUSY',
        `This server is hashing ${running} videos already (HASHLINE_VIDEO_MAX_JOBS); retry later.`,
      );
    }
    const job: Job = {
      id: randomBytes(16).toString('base64url'),
      owner,
      kind,
      createdAt: this.#now(),
      finishedAt: null,
      status: 'running',
    };
    this.#jobs.set(job.id, job);
    const settled = work().then(
      (result) => {
        job.status = 'succeeded';
        job.result = result;
      },
      (error: unknown) => {
        job.status = 'failed';
        job.error = error;
      },
    );
    const tracked = settled.finally(() => {
      job.finishedAt = this.#now();
      this.#running.delete(tracked);
    });
    this.#running.add(tracked);
    return view(job);
  }

  /**
   * The job `id` if `owner` started it.
   * @throws {DomainError} `MEDIA_JOB_NOT_FOUND` for an unknown, expired or someone else's job
   */
  get(id: string, owner: string): VideoJobView {
    this.#expire();
    const job = this.#jobs.get(id);
    if (job === undefined || job.owner !== owner) throw new DomainError('MEDIA_JOB_NOT_FOUND');
    return view(job);
  }

  /** Resolves when every running job has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #expire(): void {
    const cutoff = this.#now().getTime() - this.#options.resultMinutes * 60_000;
    for (const [id, job] of this.#jobs) {
      if (job.finishedAt !== null && job.finishedAt.getTime() < cutoff) this.#jobs.delete(id);
    }
  }
}

function view(job: Job): VideoJobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    ...(job.status === 'succeeded' ? { result: job.result } : {}),
    ...(job.status === 'failed' ? { error: job.error } : {}),
  };
}
