import { createHash, randomBytes } from 'node:crypto';
import {
  apiKeyActor,
  ACTIVE_IMPORT_STATUSES,
  DomainError,
  ERROR_CATALOGUE,
  IMPORT_FORMATS,
  IMPORT_JOB_STATUSES,
  isDomainError,
  type ErrorCode,
  type ImportFormat,
  type ImportJob,
  type ImportJobStore,
} from '@hashline/domain';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app.js';
import { problemOf } from '../http-errors.js';
import { bankParams, problems } from '../http/schemas.js';
import type { ImportJobRunner } from '../imports/import-job-runner.js';
import { commitUpload, discardUpload, receiveUpload, type SpooledUpload } from '../imports/import-spool.js';

/** Most jobs one listing returns. */
export const MAX_IMPORT_JOBS_PAGE = 100;

/** The hash-list format each accepted content type names (parameters such as charset ignored). */
export const IMPORT_CONTENT_TYPES: Readonly<Record<string, ImportFormat>> = {
  'text/csv': 'csv',
  'text/tab-separated-values': 'tsv',
  'text/plain': 'threatexchange',
  'application/xml': 'ncmec-xml',
  'text/xml': 'ncmec-xml',
  'application/json': 'stopncii-json',
  'application/x-ndjson': 'stopncii-json',
};

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const count = { type: 'integer', minimum: 0 } as const;

/** Schemas of the import routes (registered with the shared ones). */
export const IMPORT_SCHEMAS = [
  {
    $id: 'ImportJob',
    type: 'object',
    description:
      'A bulk import of an uploaded hash list: its status, progress (for a progress bar), counts so far, the first ' +
      'problems with their line numbers, and why it failed. Counts and progress are updated after every committed batch.',
    required: [
      'id',
      'bank',
      'bankId',
      'status',
      'format',
      'onError',
      'origin',
      'fileSha256',
      'progress',
      'counts',
    ],
    properties: {
      id: { type: 'string' },
      bank: { type: ['string', 'null'], description: 'The bank name (null once the bank is deleted).' },
      bankId: { type: 'integer' },
      status: {
        type: 'string',
        enum: [...IMPORT_JOB_STATUSES],
        description:
          '`queued`, `running`, then `succeeded`, `failed` (see `error`) or `aborted` (`onError=abort` and a bad row: ' +
          'nothing was added). An interrupted job (shutdown, crash) goes back to `queued` and resumes after its last ' +
          'committed batch.',
      },
      format: { type: 'string', enum: [...IMPORT_FORMATS] },
      onError: { type: 'string', enum: ['skip', 'abort'] },
      origin: {
        type: 'string',
        description: "The entries' provenance source when the file does not name one.",
      },
      fileSha256: { type: 'string', description: 'SHA-256 of the uploaded bytes, hex.' },
      reused: {
        type: 'boolean',
        description:
          'True when this upload joined an existing job for the same file (no second job was made).',
      },
      progress: {
        type: 'object',
        required: ['recordsCommitted', 'bytesProcessed', 'totalBytes', 'fraction'],
        properties: {
          recordsCommitted: { ...count, description: 'Records of the file committed (the resume point).' },
          bytesProcessed: count,
          totalBytes: count,
          fraction: { type: 'number', minimum: 0, maximum: 1, description: 'bytesProcessed / totalBytes.' },
        },
      },
      counts: {
        type: 'object',
        required: [
          'read',
          'added',
          'existing',
          'updated',
          'withdrawalsApplied',
          'withdrawalsUnmatched',
          'skipped',
          'errors',
        ],
        properties: {
          read: { ...count, description: 'Records read: hashes, withdrawals, skipped and bad rows.' },
          added: count,
          existing: {
            ...count,
            description: 'Already in the bank (same signal type and value): not duplicated.',
          },
          updated: count,
          withdrawalsApplied: { ...count, description: 'Entries deleted by withdrawals in the file.' },
          withdrawalsUnmatched: { ...count, description: 'Withdrawals that named nothing in the bank.' },
          skipped: {
            ...count,
            description: 'Rows of signal types Hashline does not match on (e.g. PhotoDNA).',
          },
          errors: { ...count, description: 'Bad rows (skipped with onError=skip).' },
        },
      },
      problems: {
        type: 'array',
        description: 'The first 200 bad or skipped rows.',
        items: {
          type: 'object',
          required: ['at', 'line', 'kind', 'message'],
          properties: {
            at: { type: 'string', description: '`line <n>`.' },
            line: { type: 'integer' },
            kind: { type: 'string', enum: ['error', 'skipped'] },
            message: { type: 'string' },
          },
        },
      },
      error: {
        type: ['object', 'null'],
        description: 'Why the job failed, as problem details with a stable code; null otherwise.',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
        },
      },
      owner: {
        type: 'string',
        description:
          'The host and spool directory holding the file: only a process there runs or resumes the job.',
      },
      createdAt: dateTime,
      startedAt: nullableDateTime,
      finishedAt: nullableDateTime,
      updatedAt: dateTime,
    },
  },
] as const;

const jobRef = { $ref: 'ImportJob#' };

/** `POST /v1/banks/:bank/imports`, `GET /v1/banks/:bank/imports`, `GET /v1/imports/:id`. */
export async function importRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  imports: { readonly jobs: ImportJobStore; readonly runner: ImportJobRunner },
): Promise<void> {
  const { jobs, runner } = imports;
  const settings = ctx.config.imports;
  // The body is the file: streamed by the handler to the spool, never parsed or held in memory.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const view = async (job: ImportJob, reused = false) => {
    const bank = await ctx.store.getBank(job.bankId);
    return jobView(job, bank?.name ?? null, reused);
  };

  app.post<{
    Params: { bank: string };
    Querystring: { format?: ImportFormat; onError: 'skip' | 'abort'; origin?: string; force: boolean };
  }>(
    '/v1/banks/:bank/imports',
    {
      schema: {
        tags: ['banks'],
        summary: 'Import a hash list (the file is the body; runs in the background)',
        description:
          'Send the file itself as the body: `text/csv`, `text/tab-separated-values`, `text/plain` (ThreatExchange), ' +
          '`application/xml` (NCMEC), `application/json` or `application/x-ndjson` (StopNCII), or any type with ' +
          '`?format=`. The server streams it to disk (never into memory; at most `HASHLINE_MAX_IMPORT_BYTES`), hashes ' +
          'it, and answers 202 with the job and its `Location`; poll `GET /v1/imports/{id}`. Withdrawals in the file ' +
          '(NCMEC deletions, StopNCII withdrawn hashes) are applied. Sending the same file again (same bank, SHA-256 ' +
          'and options) while its job is queued or running, or after it succeeded, answers 200 with that job ' +
          '(`reused: true`, header `Idempotent-Replayed: true`) unless `force=true`; even then nothing changes, since ' +
          'an import adds an entry only once. An `Idempotency-Key` header returns the job first made with it.',
        params: bankParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: {
              type: 'string',
              enum: [...IMPORT_FORMATS],
              description: 'The file format (default: from the content type).',
            },
            onError: {
              type: 'string',
              enum: ['skip', 'abort'],
              default: 'skip',
              description:
                '`skip`: import the good rows and list the bad; `abort`: import nothing if a row is bad.',
            },
            origin: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description:
                "The entries' provenance source when the file does not say (default `import:api`).",
            },
            force: {
              type: 'boolean',
              default: false,
              description: 'Make a new job even if the same file was imported already.',
            },
          },
        },
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              maxLength: 200,
              description: 'Made once per upload: a retry with the same key returns the same job.',
            },
          },
        },
        consumes: Object.keys(IMPORT_CONTENT_TYPES),
        documentedBody: { type: 'string', format: 'binary', description: 'The hash-list file.' },
        response: {
          200: { ...jobRef, description: 'The same file was sent before: its job (`reused: true`).' },
          202: { ...jobRef, description: 'Accepted: the job is queued.' },
          ...problems(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const bank = await ctx.banks.getBank(request.params.bank);
      // Before the upload is read: a bank of published material takes no import (issue 15).
      ctx.banks.assertMayChange(bank, apiKeyActor(request.apiKey!));
      const format = q.format ?? formatOfContentType(request.headers['content-type']);
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > settings.maxBytes) {
        closeAfter(reply);
        throw new DomainError(
          'IMPORT_TOO_LARGE',
          `The import file is larger than ${settings.maxBytes} bytes.`,
        );
      }
      const origin = q.origin ?? 'import:api';
      const keyHeader = request.headers['idempotency-key'];
      const idempotencyKey =
        typeof keyHeader === 'string' && keyHeader !== '' ? `${request.apiKey!.id}:${keyHeader}` : null;
      const id = `imp_${randomBytes(12).toString('base64url')}`;
      let upload: SpooledUpload;
      try {
        upload = await receiveUpload(request.raw, settings.spoolDir, id, settings.maxBytes);
      } catch (error) {
        if (isDomainError(error) && error.code === 'IMPORT_TOO_LARGE') closeAfter(reply);
        throw error;
      }
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([bank.id, upload.sha256, format, q.onError, origin]))
        .digest('hex');
      // The key first (a retry of this very upload), then the file (the same import sent again).
      const existing =
        (idempotencyKey ? await jobs.findImportJobByIdempotencyKey(idempotencyKey) : undefined) ??
        (q.force
          ? undefined
          : await jobs.findImportJobByFingerprint(fingerprint, [...ACTIVE_IMPORT_STATUSES, 'succeeded']));
      if (existing) {
        await discardUpload(upload);
        return replay(reply, existing, fingerprint, view);
      }
      let job: ImportJob;
      try {
        job = await jobs.createImportJob({
          id,
          bankId: bank.id,
          format,
          onError: q.onError,
          origin,
          fileSha256: upload.sha256,
          totalBytes: upload.bytes,
          fingerprint,
          idempotencyKey,
          owner: runner.owner,
          createdBy: request.apiKey!.id,
          createdAt: ctx.clock.now(),
        });
      } catch (error) {
        await discardUpload(upload);
        // A concurrent retry with the same key won: answer with its job.
        const raced =
          isDomainError(error) && error.code === 'CONFLICT' && idempotencyKey
            ? await jobs.findImportJobByIdempotencyKey(idempotencyKey)
            : undefined;
        if (raced) return replay(reply, raced, fingerprint, view);
        throw error;
      }
      await commitUpload(upload, settings.spoolDir, id);
      runner.wake();
      void reply.code(202).header('location', `/v1/imports/${job.id}`);
      return view(job);
    },
  );

  app.get<{ Params: { bank: string }; Querystring: { limit: number } }>(
    '/v1/banks/:bank/imports',
    {
      schema: {
        tags: ['banks'],
        summary: "List a bank's recent import jobs (newest first)",
        params: bankParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_IMPORT_JOBS_PAGE, default: 20 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['imports'],
            properties: { imports: { type: 'array', items: jobRef } },
          },
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const bank = await ctx.banks.getBank(request.params.bank);
      const list = await jobs.listImportJobs({ bankId: bank.id, limit: request.query.limit });
      return { imports: list.map((job) => jobView(job, bank.name, false)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/imports/:id',
    {
      schema: {
        tags: ['banks'],
        summary: 'An import job: status, progress, counts, problems',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 200: jobRef, ...problems(401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const job = await jobs.getImportJob(request.params.id);
      if (!job)
        throw new DomainError('IMPORT_JOB_NOT_FOUND', `No import job has the id ${request.params.id}.`);
      return view(job);
    },
  );
}

/** The format a content type names, or `IMPORT_UNSUPPORTED_TYPE`. */
function formatOfContentType(header: string | undefined): ImportFormat {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  const format = IMPORT_CONTENT_TYPES[type];
  if (format) return format;
  throw new DomainError(
    'IMPORT_UNSUPPORTED_TYPE',
    type === ''
      ? 'The request has no Content-Type: send the file with its type (e.g. text/csv) or give ?format=.'
      : `Content-Type ${type} names no hash-list format: use ${Object.keys(IMPORT_CONTENT_TYPES).join(', ')}, or give ?format=.`,
  );
}

/** An answer with an existing job: the same upload (200), or a reused key with another file (422). */
async function replay(
  reply: FastifyReply,
  job: ImportJob,
  fingerprint: string,
  view: (job: ImportJob, reused: boolean) => Promise<unknown>,
): Promise<unknown> {
  if (job.fingerprint !== fingerprint) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used for another file, bank or options; make a new key for a new upload.',
    );
  }
  void reply.code(200).header('idempotent-replayed', 'true').header('location', `/v1/imports/${job.id}`);
  return view(job, true);
}

/** An oversized upload is not read to its end: the connection closes after the answer. */
function closeAfter(reply: FastifyReply): void {
  void reply.header('connection', 'close');
}

/** The API's view of a job. */
export function jobView(job: ImportJob, bank: string | null, reused: boolean) {
  const error = job.error
    ? job.error.code in ERROR_CATALOGUE
      ? problemOf(job.error.code as ErrorCode, job.error.detail)
      : { ...problemOf('INTERNAL', job.error.detail), code: job.error.code }
    : null;
  return {
    id: job.id,
    bank,
    bankId: job.bankId,
    status: job.status,
    format: job.format,
    onError: job.onError,
    origin: job.origin,
    fileSha256: job.fileSha256,
    reused,
    progress: {
      recordsCommitted: job.recordsCommitted,
      bytesProcessed: job.bytesProcessed,
      totalBytes: job.totalBytes,
      fraction: job.totalBytes > 0 ? Math.min(1, job.bytesProcessed / job.totalBytes) : 1,
    },
    counts: job.counts,
    problems: job.problems.map((p) => ({ at: `line ${p.line}`, ...p })),
    error,
    owner: job.owner,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    updatedAt: job.updatedAt.toISOString(),
  };
}
