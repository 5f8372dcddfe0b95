import { DomainError } from '../domain-error.js';
import type {
  ImportJob,
  ImportJobEnd,
  ImportJobProgress,
  ImportJobStatus,
  ImportJobStore,
  NewImportJob,
} from '../ports/import-job-store.js';
import { ZERO_IMPORT_COUNTS } from '../ports/import-job-store.js';

/**
 * An in-memory {@link ImportJobStore} for route tests and a server run without a database. Same
 * semantics as the SQL store (one contract suite runs on all); each method reads and writes
 * without awaiting in between, so it is atomic as a SQL statement is. Values are copied in and out.
 */
export function createMemoryImportJobStore(): ImportJobStore {
  return new MemoryImportJobStore();
}

class MemoryImportJobStore implements ImportJobStore {
  readonly #jobs = new Map<string, ImportJob>();
  /** Insertion order stands in for the SQL store's (created_at, id) order. */
  #order: string[] = [];

  async createImportJob(job: NewImportJob): Promise<ImportJob> {
    if (this.#jobs.has(job.id))
      throw new DomainError('CONFLICT', 'An import job with this id exists already.');
    if (job.idempotencyKey !== null && this.#byKey(job.idempotencyKey)) {
      throw new DomainError('CONFLICT', 'An import job with this idempotency key exists already.');
    }
    const row: ImportJob = {
      ...job,
      status: 'queued',
      claimedBy: null,
      recordsCommitted: 0,
      bytesProcessed: 0,
      counts: ZERO_IMPORT_COUNTS,
      problems: [],
      error: null,
      startedAt: null,
      finishedAt: null,
      updatedAt: job.createdAt,
    };
    this.#jobs.set(job.id, row);
    this.#order.push(job.id);
    return copy(row);
  }

  async getImportJob(id: string): Promise<ImportJob | undefined> {
    const row = this.#jobs.get(id);
    return row && copy(row);
  }

  async findImportJobByIdempotencyKey(key: string): Promise<ImportJob | undefined> {
    const row = this.#byKey(key);
    return row && copy(row);
  }

  async findImportJobByFingerprint(
    fingerprint: string,
    statuses: readonly ImportJobStatus[],
  ): Promise<ImportJob | undefined> {
    const row = this.#newestFirst().find((j) => j.fingerprint === fingerprint && statuses.includes(j.status));
    return row && copy(row);
  }

  async listImportJobs(query: { readonly bankId?: number; readonly limit: number }): Promise<ImportJob[]> {
    return this.#newestFirst()
      .filter((j) => query.bankId === undefined || j.bankId === query.bankId)
      .slice(0, query.limit)
      .map(copy);
  }

  async listUnfinishedImportJobs(owner: string): Promise<ImportJob[]> {
    return this.#order
      .map((id) => this.#jobs.get(id)!)
      .filter((j) => j.owner === owner && (j.status === 'queued' || j.status === 'running'))
      .map(copy);
  }

  async claimImportJob(
    id: string,
    claimant: string,
    at: Date,
    takeOverFrom: string | null,
  ): Promise<ImportJob | undefined> {
    const row = this.#jobs.get(id);
    if (!row) return undefined;
    const claimable =
      row.status === 'queued' ||
      (row.status === 'running' && takeOverFrom !== null && row.claimedBy === takeOverFrom);
    if (!claimable) return undefined;
    const next: ImportJob = {
      ...row,
      status: 'running',
      claimedBy: claimant,
      startedAt: row.startedAt ?? at,
      updatedAt: at,
    };
    this.#jobs.set(id, next);
    return copy(next);
  }

  async recordImportProgress(id: string, progress: ImportJobProgress): Promise<void> {
    const row = this.#jobs.get(id);
    if (!row) throw notFound(id);
    this.#jobs.set(id, {
      ...row,
      recordsCommitted: progress.recordsCommitted,
      bytesProcessed: progress.bytesProcessed,
      counts: { ...progress.counts },
      problems: progress.problems.map((p) => ({ ...p })),
      updatedAt: progress.at,
    });
  }

  async finishImportJob(id: string, end: ImportJobEnd): Promise<ImportJob> {
    const row = this.#jobs.get(id);
    if (!row) throw notFound(id);
    const next: ImportJob = {
      ...row,
      status: end.status,
      claimedBy: null,
      error: end.error ?? null,
      finishedAt: end.status === 'queued' ? null : end.at,
      updatedAt: end.at,
    };
    this.#jobs.set(id, next);
    return copy(next);
  }

  #byKey(key: string): ImportJob | undefined {
    for (const row of this.#jobs.values()) if (row.idempotencyKey === key) return row;
    return undefined;
  }

  #newestFirst(): ImportJob[] {
    return [...this.#order].reverse().map((id) => this.#jobs.get(id)!);
  }
}

function notFound(id: string): DomainError {
  return new DomainError('IMPORT_JOB_NOT_FOUND', `No import job has the id ${id}.`);
}

function copy(job: ImportJob): ImportJob {
  return {
    ...job,
    counts: { ...job.counts },
    problems: job.problems.map((p) => ({ ...p })),
    error: job.error && { ...job.error },
  };
}
