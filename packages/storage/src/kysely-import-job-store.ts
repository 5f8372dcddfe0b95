import {
  DomainError,
  type ImportFormat,
  type ImportJob,
  type ImportJobEnd,
  type ImportJobError,
  type ImportJobProblem,
  type ImportJobProgress,
  type ImportJobStatus,
  type ImportJobStore,
  type NewImportJob,
} from '@hashline/domain';
import type { Kysely, Selectable } from 'kysely';
import { readDate } from './row-mapping.js';
import type { Database, ImportJobsTable } from './schema.js';
import type { StoreDatabase, StoreDialect } from './store-dialect.js';

type Db = Kysely<Database>;

/**
 * {@link ImportJobStore} over Kysely (migration 0009): the same queries on SQLite and PostgreSQL.
 *
 * Invariants:
 * - A claim is one conditional UPDATE (queued, or running under the claimant being taken over),
 *   so two processes never both run a job.
 * - Progress is one UPDATE per committed batch, never per row.
 */
export class KyselyImportJobStore implements ImportJobStore {
  readonly #db: Db;
  readonly #dialect: StoreDialect;

  constructor({ db, dialect }: StoreDatabase) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async createImportJob(job: NewImportJob): Promise<ImportJob> {
    const d = this.#dialect;
    try {
      const row = await this.#db
        .insertInto('import_jobs')
        .values({
          id: job.id,
          bank_id: job.bankId,
          status: 'queued',
          format: job.format,
          on_error: job.onError,
          origin: job.origin,
          file_sha256: job.fileSha256,
          total_bytes: job.totalBytes,
          fingerprint: job.fingerprint,
          idempotency_key: job.idempotencyKey,
          owner: job.owner,
          claimed_by: null,
          created_by: job.createdBy,
          problems: '[]',
          error: null,
          created_at: d.date(job.createdAt),
          started_at: null,
          finished_at: null,
          updated_at: d.date(job.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toImportJob(row);
    } catch (error) {
      if (!d.isUniqueViolation(error)) throw error;
      throw new DomainError('CONFLICT', 'An import job with this id or idempotency key exists already.', [], {
        cause: error,
      });
    }
  }

  async getImportJob(id: string): Promise<ImportJob | undefined> {
    const row = await this.#db.selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toImportJob(row);
  }

  async findImportJobByIdempotencyKey(key: string): Promise<ImportJob | undefined> {
    const row = await this.#db
      .selectFrom('import_jobs')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toImportJob(row);
  }

  async findImportJobByFingerprint(
    fingerprint: string,
    statuses: readonly ImportJobStatus[],
  ): Promise<ImportJob | undefined> {
    if (statuses.length === 0) return undefined;
    const row = await this.#db
      .selectFrom('import_jobs')
      .selectAll()
      .where('fingerprint', '=', fingerprint)
      .where('status', 'in', [...statuses])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toImportJob(row);
  }

  async listImportJobs(query: { readonly bankId?: number; readonly limit: number }): Promise<ImportJob[]> {
    let select = this.#db.selectFrom('import_jobs').selectAll();
    if (query.bankId !== undefined) select = select.where('bank_id', '=', query.bankId);
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map(toImportJob);
  }

  async listUnfinishedImportJobs(owner: string): Promise<ImportJob[]> {
    const rows = await this.#db
      .selectFrom('import_jobs')
      .selectAll()
      .where('owner', '=', owner)
      .where('status', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toImportJob);
  }

  async claimImportJob(
    id: string,
    claimant: string,
    at: Date,
    takeOverFrom: string | null,
  ): Promise<ImportJob | undefined> {
    const d = this.#dialect;
    const row = await this.#db
      .updateTable('import_jobs')
      .set((eb) => ({
        status: 'running',
        claimed_by: claimant,
        started_at: eb.fn.coalesce('started_at', eb.val(d.date(at))),
        updated_at: d.date(at),
      }))
      .where('id', '=', id)
      .where((eb) =>
        takeOverFrom === null
          ? eb('status', '=', 'queued')
          : eb.or([
              eb('status', '=', 'queued'),
              eb.and([eb('status', '=', 'running'), eb('claimed_by', '=', takeOverFrom)]),
            ]),
      )
      .returningAll()
      .executeTakeFirst();
    return row && toImportJob(row);
  }

  async recordImportProgress(id: string, progress: ImportJobProgress): Promise<void> {
    const c = progress.counts;
    const result = await this.#db
      .updateTable('import_jobs')
      .set({
        records_committed: progress.recordsCommitted,
        bytes_processed: progress.bytesProcessed,
        read_count: c.read,
        added_count: c.added,
        existing_count: c.existing,
        updated_count: c.updated,
        withdrawals_applied: c.withdrawalsApplied,
        withdrawals_unmatched: c.withdrawalsUnmatched,
        skipped_count: c.skipped,
        error_count: c.errors,
        problems: JSON.stringify(progress.problems),
        updated_at: this.#dialect.date(progress.at),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(id);
  }

  async finishImportJob(id: string, end: ImportJobEnd): Promise<ImportJob> {
    const d = this.#dialect;
    const row = await this.#db
      .updateTable('import_jobs')
      .set({
        status: end.status,
        claimed_by: null,
        error: end.error ? JSON.stringify(end.error) : null,
        finished_at: end.status === 'queued' ? null : d.date(end.at),
        updated_at: d.date(end.at),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound(id);
    return toImportJob(row);
  }
}

function notFound(id: string): DomainError {
  return new DomainError('IMPORT_JOB_NOT_FOUND', `No import job has the id ${id}.`);
}

/** Maps an `import_jobs` row. */
function toImportJob(row: Selectable<ImportJobsTable>): ImportJob {
  const n = (value: number | string): number => Number(value);
  return {
    id: row.id,
    bankId: n(row.bank_id),
    status: row.status as ImportJobStatus,
    format: row.format as ImportFormat,
    onError: row.on_error as 'skip' | 'abort',
    origin: row.origin,
    fileSha256: row.file_sha256,
    totalBytes: n(row.total_bytes),
    fingerprint: row.fingerprint,
    idempotencyKey: row.idempotency_key,
    owner: row.owner,
    claimedBy: row.claimed_by,
    createdBy: row.created_by,
    recordsCommitted: n(row.records_committed),
    bytesProcessed: n(row.bytes_processed),
    counts: {
      read: n(row.read_count),
      added: n(row.added_count),
      existing: n(row.existing_count),
      updated: n(row.updated_count),
      withdrawalsApplied: n(row.withdrawals_applied),
      withdrawalsUnmatched: n(row.withdrawals_unmatched),
      skipped: n(row.skipped_count),
      errors: n(row.error_count),
    },
    problems: JSON.parse(row.problems) as ImportJobProblem[],
    error: row.error === null ? null : (JSON.parse(row.error) as ImportJobError),
    createdAt: readDate(row.created_at),
    startedAt: row.started_at === null ? null : readDate(row.started_at),
    finishedAt: row.finished_at === null ? null : readDate(row.finished_at),
    updatedAt: readDate(row.updated_at),
  };
}
