import { randomBytes } from 'node:crypto';
import { DomainError, type ImportJobStore, type NewImportJob } from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A fresh import job store (the PostgreSQL run may share one schema: every test uses its own ids). */
export interface ImportJobContractStore {
  readonly jobs: ImportJobStore;
  readonly cleanup: () => Promise<void>;
}

const T0 = new Date(Date.UTC(2026, 11, 7, 4, 0, 0));
const SECOND = 1000;

/** A new job; unique ids, owner and fingerprint per call unless given. */
function newJob(extra: Partial<NewImportJob> = {}): NewImportJob {
  const id = `imp_${randomBytes(8).toString('hex')}`;
  return {
    id,
    bankId: 7,
    format: 'csv',
    onError: 'skip',
    origin: 'import:list.csv',
    fileSha256: randomBytes(32).toString('hex'),
    totalBytes: 5_000_000_000, // beyond 32 bits: stored as bigint
    fingerprint: `fp-${id}`,
    idempotencyKey: null,
    owner: `host:${id}`,
    createdBy: 'key1',
    createdAt: T0,
    ...extra,
  };
}

const COUNTS = {
  read: 20_000,
  added: 19_000,
  existing: 900,
  updated: 3,
  withdrawalsApplied: 50,
  withdrawalsUnmatched: 2,
  skipped: 40,
  errors: 8,
};

/** The import job store's contract: one suite for memory, SQLite and PostgreSQL. */
export function describeImportJobStoreContract(
  name: string,
  open: () => Promise<ImportJobContractStore>,
): void {
  describe(`ImportJobStore contract: ${name}`, () => {
    let store: ImportJobContractStore;
    let jobs: ImportJobStore;
    beforeEach(async () => {
      store = await open();
      jobs = store.jobs;
    });
    afterEach(async () => store.cleanup());

    it('creates a queued job with zero counts and reads it back as created', async () => {
      const job = newJob({ idempotencyKey: `key1:${randomBytes(4).toString('hex')}` });
      const created = await jobs.createImportJob(job);
      expect(created).toMatchObject({ ...job, status: 'queued', claimedBy: null, recordsCommitted: 0 });
      expect(created.counts).toEqual({
        read: 0,
        added: 0,
        existing: 0,
        updated: 0,
        withdrawalsApplied: 0,
        withdrawalsUnmatched: 0,
        skipped: 0,
        errors: 0,
      });
      expect(created.problems).toEqual([]);
      expect(created.error).toBeNull();
      expect(created.startedAt).toBeNull();
      expect(await jobs.getImportJob(job.id)).toEqual(created);
      expect(await jobs.findImportJobByIdempotencyKey(job.idempotencyKey!)).toEqual(created);
      expect(await jobs.getImportJob('imp_missing')).toBeUndefined();
    });

    it('refuses a second job with the same idempotency key (CONFLICT)', async () => {
      const key = `key1:${randomBytes(4).toString('hex')}`;
      await jobs.createImportJob(newJob({ idempotencyKey: key }));
      const error = await jobs.createImportJob(newJob({ idempotencyKey: key })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('CONFLICT');
      // Jobs without a key never collide.
      await jobs.createImportJob(newJob());
      await jobs.createImportJob(newJob());
    });

    it('finds the newest job of a fingerprint among the given statuses', async () => {
      const fingerprint = `fp-${randomBytes(6).toString('hex')}`;
      const older = await jobs.createImportJob(newJob({ fingerprint, createdAt: T0 }));
      const newer = await jobs.createImportJob(
        newJob({ fingerprint, createdAt: new Date(T0.getTime() + SECOND) }),
      );
      expect((await jobs.findImportJobByFingerprint(fingerprint, ['queued']))?.id).toBe(newer.id);
      await jobs.finishImportJob(newer.id, { status: 'failed', at: T0 });
      expect((await jobs.findImportJobByFingerprint(fingerprint, ['queued', 'succeeded']))?.id).toBe(
        older.id,
      );
      expect(await jobs.findImportJobByFingerprint(fingerprint, ['succeeded'])).toBeUndefined();
      expect(await jobs.findImportJobByFingerprint(fingerprint, [])).toBeUndefined();
    });

    it('lists jobs newest first, by bank, within the limit', async () => {
      const bankId = 100_000 + Math.floor(Math.random() * 100_000);
      const made = [];
      for (let i = 0; i < 3; i++) {
        made.push(
          await jobs.createImportJob(newJob({ bankId, createdAt: new Date(T0.getTime() + i * SECOND) })),
        );
      }
      await jobs.createImportJob(newJob({ bankId: bankId + 1 }));
      expect((await jobs.listImportJobs({ bankId, limit: 10 })).map((j) => j.id)).toEqual(
        made.map((j) => j.id).reverse(),
      );
      expect((await jobs.listImportJobs({ bankId, limit: 2 })).map((j) => j.id)).toEqual([
        made[2]!.id,
        made[1]!.id,
      ]);
      expect((await jobs.listImportJobs({ limit: 1 })).length).toBe(1);
    });

    it('claims a queued job once; a running job only by taking over its named claimant', async () => {
      const job = await jobs.createImportJob(newJob());
      const at = new Date(T0.getTime() + 5 * SECOND);
      const claimed = await jobs.claimImportJob(job.id, 'proc-a', at, null);
      expect(claimed).toMatchObject({ status: 'running', claimedBy: 'proc-a', startedAt: at });
      // A second claimer loses, also when it names the wrong claimant.
      expect(await jobs.claimImportJob(job.id, 'proc-b', at, null)).toBeUndefined();
      expect(await jobs.claimImportJob(job.id, 'proc-b', at, 'proc-x')).toBeUndefined();
      // Taking over a gone claimant keeps the first start time.
      const later = new Date(at.getTime() + SECOND);
      const taken = await jobs.claimImportJob(job.id, 'proc-b', later, 'proc-a');
      expect(taken).toMatchObject({
        status: 'running',
        claimedBy: 'proc-b',
        startedAt: at,
        updatedAt: later,
      });
      expect(await jobs.claimImportJob('imp_missing', 'proc-b', later, null)).toBeUndefined();
    });

    it('records progress and keeps it across an interruption, ends with a status and error', async () => {
      const job = await jobs.createImportJob(newJob());
      await jobs.claimImportJob(job.id, 'proc-a', T0, null);
      const problems = [
        { line: 3, kind: 'error' as const, message: 'value must be 64 hex digits' },
        { line: 9, kind: 'skipped' as const, message: 'photodna is not matched' },
      ];
      const at = new Date(T0.getTime() + SECOND);
      await jobs.recordImportProgress(job.id, {
        recordsCommitted: 20_000,
        bytesProcessed: 4_294_967_296 + 5,
        counts: COUNTS,
        problems,
        at,
      });
      const progressed = await jobs.getImportJob(job.id);
      expect(progressed).toMatchObject({
        status: 'running',
        recordsCommitted: 20_000,
        bytesProcessed: 4_294_967_301,
        counts: COUNTS,
        problems,
        updatedAt: at,
      });
      // A graceful stop puts it back in the queue, with its progress, for this owner to resume.
      const requeued = await jobs.finishImportJob(job.id, { status: 'queued', at });
      expect(requeued).toMatchObject({
        status: 'queued',
        claimedBy: null,
        finishedAt: null,
        recordsCommitted: 20_000,
      });
      expect((await jobs.listUnfinishedImportJobs(job.owner)).map((j) => j.id)).toEqual([job.id]);

      await jobs.claimImportJob(job.id, 'proc-b', at, null);
      const end = new Date(at.getTime() + SECOND);
      const failed = await jobs.finishImportJob(job.id, {
        status: 'failed',
        error: { code: 'BANK_NOT_FOUND', detail: 'No bank has the id 7.' },
        at: end,
      });
      expect(failed).toMatchObject({
        status: 'failed',
        claimedBy: null,
        finishedAt: end,
        error: { code: 'BANK_NOT_FOUND', detail: 'No bank has the id 7.' },
        counts: COUNTS,
      });
      expect(await jobs.listUnfinishedImportJobs(job.owner)).toEqual([]);
    });

    it("lists an owner's queued and running jobs oldest first, not others' or ended ones", async () => {
      const owner = `host:${randomBytes(6).toString('hex')}`;
      const a = await jobs.createImportJob(newJob({ owner, createdAt: T0 }));
      const b = await jobs.createImportJob(newJob({ owner, createdAt: new Date(T0.getTime() + SECOND) }));
      const c = await jobs.createImportJob(newJob({ owner, createdAt: new Date(T0.getTime() + 2 * SECOND) }));
      await jobs.createImportJob(newJob());
      await jobs.claimImportJob(b.id, 'proc', T0, null);
      await jobs.claimImportJob(c.id, 'proc', T0, null);
      await jobs.finishImportJob(c.id, { status: 'succeeded', at: T0 });
      expect((await jobs.listUnfinishedImportJobs(owner)).map((j) => [j.id, j.status])).toEqual([
        [a.id, 'queued'],
        [b.id, 'running'],
      ]);
    });

    it('reports an unknown job as IMPORT_JOB_NOT_FOUND', async () => {
      const progress = { recordsCommitted: 1, bytesProcessed: 1, counts: COUNTS, problems: [], at: T0 };
      for (const call of [
        () => jobs.recordImportProgress('imp_missing', progress),
        () => jobs.finishImportJob('imp_missing', { status: 'succeeded', at: T0 }),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect((error as DomainError).code).toBe('IMPORT_JOB_NOT_FOUND');
      }
    });
  });
}
