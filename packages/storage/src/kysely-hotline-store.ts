import { createHash } from 'node:crypto';
import {
  AUDIT_GENESIS_HASH,
  CLOSED_REPORT_STATUSES,
  DomainError,
  formatPdqVariants,
  auditDigestInput,
  signInBlock,
  systemClock,
  type Analyst,
  type AnalystSession,
  type Assessment,
  type AssessmentInput,
  type AuditAction,
  type AuditAnchor,
  type AuditEvent,
  type CaptureAttempt,
  type CaptureMethod,
  type CaptureScreenshot,
  type ScreenshotImage,
  type AuditQuery,
  type RevealRecord,
  type CaptureJob,
  type CaptureOutcome,
  type Clock,
  type CreatedReport,
  type HotlineStore,
  type MediaItem,
  type MediaStatus,
  type NewAuditEvent,
  type NewReportRecord,
  type PersonalDataPurge,
  type RetentionCandidate,
  type QueueItem,
  type Report,
  type ReportedUrl,
  type ReportStatus,
  type SealedContact,
  type Sha256Hex,
  type SignInBackoffPolicy,
  type SignInClaim,
} from '@hashline/domain';
import { sql, type ExpressionBuilder, type Kysely, type Transaction, type Updateable } from 'kysely';
import {
  bytesParam,
  readBytes,
  toAnalyst,
  toAssessment,
  toAuditEvent,
  toCaptureJob,
  toContact,
  toMediaItem,
  toReport,
  toReportedUrl,
  toSession,
  traceJson,
} from './hotline-row-mapping.js';
import { listRetentionDue, purgePersonalData } from './kysely-retention-queries.js';
import { readDate, readId } from './row-mapping.js';
import type { AnalystsTable, CaptureScreenshotsTable, Database, ReportsTable } from './schema.js';
import type { StoreDatabase, StoreDialect } from './store-dialect.js';

/** Values per `IN (...)` list. */
const LOOKUP_CHUNK = 1000;

type Db = Kysely<Database>;
type ReportPatch = Parameters<HotlineStore['updateReport']>[1];
type AnalystPatch = Parameters<HotlineStore['updateAnalyst']>[1];

/** SHA-256 of a UTF-8 string as lower-case hex, with node:crypto. */
export const nodeSha256Hex: Sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * {@link HotlineStore} over Kysely on the same database as the bank store (migration 0003):
 * every query written once for SQLite and PostgreSQL, the differences in the {@link StoreDialect}.
 *
 * Invariants:
 * - A report, its contact, URLs, capture jobs (the outbox) and idempotency record commit in one
 *   transaction; a request replayed with the same key writes nothing, even when both arrive at
 *   once (the key's primary key makes the second transaction fail, and it then reads the first).
 * - A capture is recorded once: the job row is locked while it is checked and marked done, and
 *   `(capture_job_id, sha256)` is unique.
 * - Audit appends are serialised (the dialect's audit lock; IMMEDIATE transactions in SQLite),
 *   so each reads the head its predecessor committed and the chain never forks.
 * - Times the store sets come from the injected clock; callers' times are stored as given.
 */
export class KyselyHotlineStore implements HotlineStore {
  readonly #db: Db;
  readonly #dialect: StoreDialect;
  readonly #clock: Clock;
  readonly #sha256Hex: Sha256Hex;

  constructor(
    { db, dialect }: StoreDatabase,
    clock: Clock = systemClock,
    sha256Hex: Sha256Hex = nodeSha256Hex,
  ) {
    this.#db = db;
    this.#dialect = dialect;
    this.#clock = clock;
    this.#sha256Hex = sha256Hex;
  }

  // ---- reports ----

  async createReport(record: NewReportRecord): Promise<CreatedReport> {
    const d = this.#dialect;
    const { report, idempotency } = record;
    try {
      return await this.#db.transaction().execute(async (trx): Promise<CreatedReport> => {
        const replayed = await replay(trx, idempotency.keyHash);
        if (replayed) return replayed;
        const now = d.date(this.#clock.now());
        if (record.contact) {
          await trx
            .insertInto('reporter_contacts')
            .values({
              id: record.contact.id,
              sealed: record.contact.sealed,
              created_at: d.date(record.contact.createdAt),
            })
            .execute();
        }
        const row = await trx
          .insertInto('reports')
          .values({
            id: report.id,
            received_at: d.date(report.receivedAt),
            channel: report.channel,
            reporter_type: report.reporterType,
            anonymous: d.bool(report.anonymous),
            contact_id: report.contactId,
            consent_to_contact: d.bool(report.consentToContact),
            language: report.language,
            concerns: JSON.stringify(report.concerns),
            description: report.description,
            seen_where: report.seenWhere,
            imminent_danger: d.bool(report.imminentDanger),
            status: report.status,
            priority: report.priority,
            duplicate_of_report_id: report.duplicateOfReportId,
            assigned_analyst_id: report.assignedAnalystId,
            closed_at: report.closedAt && d.date(report.closedAt),
            receipt_hash: report.receiptHash,
            partner_reference: report.partnerReference,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const urls: ReportedUrl[] = [];
        // One by one: a report has a handful of URLs, and each job needs its URL's id.
        for (const url of record.urls) {
          const urlRow = await trx
            .insertInto('reported_urls')
            .values({
              report_id: report.id,
              url: url.url,
              normalized_url: url.normalizedUrl,
              site_type: url.siteType,
              accessibility: null,
              captured_at: null,
              capture_error: null,
              trace: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          urls.push(toReportedUrl(urlRow));
          await trx
            .insertInto('capture_jobs')
            .values({
              report_id: report.id,
              url_id: urlRow.id,
              status: 'pending',
              attempts: 0,
              run_after: d.date(report.receivedAt),
              lease_until: null,
              last_error: null,
              created_at: now,
            })
            .execute();
        }
        // Last: a concurrent request with the same key waits here until this one commits.
        await trx
          .insertInto('report_idempotency')
          .values({
            key_hash: idempotency.keyHash,
            report_id: report.id,
            body_hash: idempotency.bodyHash,
            receipt_sealed: idempotency.receiptSealed,
            created_at: now,
          })
          .execute();
        return {
          report: toReport(row),
          urls,
          replayed: false,
          bodyHash: idempotency.bodyHash,
          receiptSealed: idempotency.receiptSealed,
        };
      });
    } catch (error) {
      if (!d.isUniqueViolation(error)) throw error;
      // The same key committed by a concurrent request in between: answer as a replay.
      const replayed = await replay(this.#db, idempotency.keyHash);
      if (replayed) return replayed;
      throw new DomainError('CONFLICT', 'A report with this id, receipt or contact id exists already.');
    }
  }

  async getReport(id: string): Promise<Report | undefined> {
    const row = await this.#db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toReport(row);
  }

  async getReportByReceiptHash(receiptHash: string): Promise<Report | undefined> {
    const row = await this.#db
      .selectFrom('reports')
      .selectAll()
      .where('receipt_hash', '=', receiptHash)
      .executeTakeFirst();
    return row && toReport(row);
  }

  async updateReport(id: string, patch: ReportPatch): Promise<Report> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const current = await d
        .lockForUpdate(trx.selectFrom('reports').selectAll().where('id', '=', id))
        .executeTakeFirst();
      if (!current) throw reportNotFound(id);
      const closedAt = closedAtAfter(toReport(current), patch, this.#clock);
      const set: Updateable<ReportsTable> = {
        closed_at: closedAt && d.date(closedAt),
        updated_at: d.date(this.#clock.now()),
      };
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.assignedAnalystId !== undefined) set.assigned_analyst_id = patch.assignedAnalystId;
      if (patch.duplicateOfReportId !== undefined) set.duplicate_of_report_id = patch.duplicateOfReportId;
      if (patch.contactId !== undefined) set.contact_id = patch.contactId;
      const row = await trx
        .updateTable('reports')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toReport(row);
    });
  }

  async listQueue(query: {
    readonly limit: number;
    readonly statuses?: readonly ReportStatus[];
  }): Promise<QueueItem[]> {
    const d = this.#dialect;
    const { statuses } = query;
    if (statuses?.length === 0) return [];
    let q = this.#db
      .selectFrom('reports')
      .selectAll()
      .where('status', 'not in', CLOSED_REPORT_STATUSES)
      .orderBy('priority')
      .orderBy('received_at')
      .orderBy('id')
      .limit(clampLimit(query.limit));
    if (statuses) q = q.where('status', 'in', statuses);
    const reports = await q.execute();
    const urls = new Map<string, ReportedUrl[]>();
    const counts = new Map<string, { media: number; pending: number; known: number }>();
    for (const ids of chunks(
      reports.map((r) => r.id),
      LOOKUP_CHUNK,
    )) {
      const urlRows = await this.#db
        .selectFrom('reported_urls')
        .selectAll()
        .where('report_id', 'in', ids)
        .orderBy('id')
        .execute();
      for (const row of urlRows) {
        const list = urls.get(row.report_id) ?? [];
        list.push(toReportedUrl(row));
        urls.set(row.report_id, list);
      }
      const countRows = await this.#db
        .selectFrom('media_items')
        .select([
          'report_id',
          sql<number | string>`count(*)`.as('media'),
          sql<number | string>`sum(case when status = 'pending_assessment' then 1 else 0 end)`.as('pending'),
          sql<number | string>`sum(case when previously_assessed = ${d.bool(true)} then 1 else 0 end)`.as(
            'known',
          ),
        ])
        .where('report_id', 'in', ids)
        .groupBy('report_id')
        .execute();
      for (const row of countRows) {
        counts.set(row.report_id, {
          media: readId(row.media),
          pending: readId(row.pending),
          known: readId(row.known),
        });
      }
    }
    return reports.map((row) => {
      const count = counts.get(row.id);
      return {
        report: toReport(row),
        urls: urls.get(row.id) ?? [],
        mediaCount: count?.media ?? 0,
        pendingMediaCount: count?.pending ?? 0,
        previouslyAssessedCount: count?.known ?? 0,
      };
    });
  }

  async listUrls(reportId: string): Promise<ReportedUrl[]> {
    return listUrls(this.#db, reportId);
  }

  async findUrlsByNormalized(normalizedUrl: string): Promise<ReportedUrl[]> {
    const rows = await this.#db
      .selectFrom('reported_urls')
      .selectAll()
      .where('normalized_url', '=', normalizedUrl)
      .orderBy('id')
      .execute();
    return rows.map(toReportedUrl);
  }

  // ---- capture jobs ----

  async claimCaptureJobs(now: Date, limit: number, leaseMs: number): Promise<CaptureJob[]> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const due = await d
        .lockForClaim(
          trx
            .selectFrom('capture_jobs')
            .select('id')
            .where('status', '=', 'pending')
            .where('run_after', '<=', d.date(now))
            // A lease that ran out is a crashed (or stuck) worker's: the job is due again.
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', d.date(now))]))
            .orderBy('run_after')
            .orderBy('id')
            .limit(clampLimit(limit)),
        )
        .execute();
      if (due.length === 0) return [];
      const ids = due.map((row) => row.id);
      const rows = await trx
        .updateTable('capture_jobs')
        .set((eb) => ({
          lease_until: d.date(new Date(now.getTime() + leaseMs)),
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      // In claim order (due time, then id), which RETURNING does not promise.
      const order = new Map(ids.map((id, index) => [id, index]));
      return rows.map(toCaptureJob).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    });
  }

  async completeCapture(jobId: number, outcome: CaptureOutcome): Promise<MediaItem[]> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      // Locked, so a second worker completing the same job waits and then sees it done.
      const job = await d
        .lockForUpdate(trx.selectFrom('capture_jobs').selectAll().where('id', '=', jobId))
        .executeTakeFirst();
      if (!job) throw jobNotFound(jobId);
      if (job.status === 'done') return mediaOfJob(trx, jobId);
      await trx
        .updateTable('reported_urls')
        .set({
          accessibility: outcome.accessibility,
          captured_at: d.date(outcome.capturedAt),
          capture_error: outcome.captureError,
          trace: outcome.trace && traceJson(outcome.trace),
        })
        .where('id', '=', job.url_id)
        .execute();
      // Media an earlier attempt of this URL recorded is not recorded again by a recapture.
      const earlier = new Set(
        (
          await trx
            .selectFrom('media_items')
            .select('sha256')
            .where('url_id', '=', job.url_id)
            .where('capture_job_id', '<>', jobId)
            .execute()
        ).map((row) => row.sha256),
      );
      let found = 0;
      for (const item of outcome.media) {
        if (earlier.has(item.sha256)) continue;
        const known = item.knownMatch !== null;
        const inserted = await trx
          .insertInto('media_items')
          .values({
            report_id: job.report_id,
            url_id: job.url_id,
            capture_job_id: job.id,
            source_url: item.sourceUrl,
            media_type: item.mediaType,
            md5: item.md5,
            sha256: item.sha256,
            pdq: item.pdq,
            pdq_quality: item.pdqQuality,
            pdq_variants: formatPdqVariants(item.pdqVariants),
            width: item.width,
            height: item.height,
            byte_length: item.byteLength,
            known_match: item.knownMatch && JSON.stringify(item.knownMatch),
            previously_assessed: d.bool(known),
            stored_content: d.bool(item.previewSealed !== null),
            status: known ? 'previously_assessed' : 'pending_assessment',
            bank_entry_ids: '[]',
            captured_at: d.date(outcome.capturedAt),
            contact_sheet: item.contactSheet ? JSON.stringify(item.contactSheet) : null,
          })
          // The same bytes twice in one capture (e.g. an img and its og:image) are one item.
          .onConflict((oc) => oc.columns(['capture_job_id', 'sha256']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) continue;
        found++;
        await trx
          .insertInto('media_blobs')
          .values({
            media_id: inserted.id,
            thumbnail: bytesParam(item.thumbnail),
            preview_sealed: item.previewSealed && bytesParam(item.previewSealed),
          })
          .execute();
      }
      if (outcome.screenshot) {
        const shot = outcome.screenshot;
        await trx
          .insertInto('capture_screenshots')
          .values({
            capture_job_id: jobId,
            report_id: job.report_id,
            url_id: job.url_id,
            sha256: shot.sha256,
            byte_length: shot.byteLength,
            width: shot.width,
            height: shot.height,
            captured_at: d.date(outcome.capturedAt),
            thumbnail: shot.thumbnail && bytesParam(shot.thumbnail),
            preview_sealed: shot.previewSealed && bytesParam(shot.previewSealed),
            original_sealed: bytesParam(shot.originalSealed),
          })
          .execute();
      }
      await trx
        .updateTable('capture_jobs')
        .set({
          status: 'done',
          lease_until: null,
          finished_at: d.date(outcome.capturedAt),
          method: outcome.method ?? 'http',
          note: outcome.note ?? null,
          media_found: found,
          // The attempt's result: the outcome's error code (a refusal), null when it captured.
          last_error: outcome.captureError,
        })
        .where('id', '=', jobId)
        .execute();
      // Forward only: a report already past triage keeps its status.
      await trx
        .updateTable('reports')
        .set({ status: 'triage', updated_at: d.date(this.#clock.now()) })
        .where('id', '=', job.report_id)
        .where('status', '=', 'received')
        .execute();
      return mediaOfJob(trx, jobId);
    });
  }

  async failCaptureJob(jobId: number, error: string, retryAt: Date | null): Promise<void> {
    const d = this.#dialect;
    const result = await this.#db
      .updateTable('capture_jobs')
      .set(
        retryAt
          ? { status: 'pending', last_error: error, run_after: d.date(retryAt), lease_until: null }
          : { status: 'failed', last_error: error, finished_at: d.date(this.#clock.now()) },
      )
      .where('id', '=', jobId)
      // A done job stays done: a late failure from a worker whose lease ran out changes nothing.
      .where('status', '<>', 'done')
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const exists = await this.#db
      .selectFrom('capture_jobs')
      .select('id')
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!exists) throw jobNotFound(jobId);
  }

  async countCaptureJobs(): Promise<Record<CaptureJob['status'], number>> {
    const rows = await this.#db
      .selectFrom('capture_jobs')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy('status')
      .execute();
    const counts: Record<CaptureJob['status'], number> = { pending: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.status as CaptureJob['status']] = readId(row.count);
    return counts;
  }

  // ---- recapture, screenshots, anchors (issue 16) ----

  async requestRecapture(
    urlId: number,
    requestedBy: string,
    at: Date,
  ): Promise<{ readonly job: CaptureJob; readonly created: boolean }> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      // The URL row locked: two analysts asking at once queue one attempt, not two.
      const url = await d
        .lockForUpdate(trx.selectFrom('reported_urls').select(['id', 'report_id']).where('id', '=', urlId))
        .executeTakeFirst();
      if (!url) throw new DomainError('URL_NOT_FOUND', `No reported URL has id ${urlId}.`);
      const pending = await trx
        .selectFrom('capture_jobs')
        .selectAll()
        .where('url_id', '=', urlId)
        .where('status', '=', 'pending')
        .orderBy('id')
        .executeTakeFirst();
      if (pending) return { job: toCaptureJob(pending), created: false };
      const row = await trx
        .insertInto('capture_jobs')
        .values({
          report_id: url.report_id,
          url_id: urlId,
          status: 'pending',
          attempts: 0,
          run_after: d.date(at),
          created_at: d.date(at),
          requested_by: requestedBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { job: toCaptureJob(row), created: true };
    });
  }

  async listCaptureAttempts(urlId: number): Promise<CaptureAttempt[]> {
    const rows = await this.#db
      .selectFrom('capture_jobs')
      .selectAll()
      .where('url_id', '=', urlId)
      .orderBy('id')
      .execute();
    const shots = await this.#db
      .selectFrom('capture_screenshots')
      .select(SCREENSHOT_FACTS)
      .where('url_id', '=', urlId)
      .execute();
    const byJob = new Map(shots.map((shot) => [shot.capture_job_id, toScreenshot(shot)]));
    return rows.map((row) => ({
      jobId: row.id,
      reportId: row.report_id,
      urlId: row.url_id,
      status: row.status as CaptureAttempt['status'],
      tries: row.attempts,
      requestedBy: row.requested_by,
      requestedAt: readDate(row.created_at),
      finishedAt: row.finished_at === null ? null : readDate(row.finished_at),
      error: row.last_error,
      method: row.method as CaptureMethod | null,
      note: row.note,
      mediaFound: row.media_found,
      screenshot: byJob.get(row.id) ?? null,
    }));
  }

  async getCaptureScreenshot(jobId: number): Promise<CaptureScreenshot | undefined> {
    const row = await this.#db
      .selectFrom('capture_screenshots')
      .select(SCREENSHOT_FACTS)
      .where('capture_job_id', '=', jobId)
      .executeTakeFirst();
    return row && toScreenshot(row);
  }

  async getScreenshotImage(jobId: number, image: ScreenshotImage): Promise<Uint8Array | undefined> {
    const column = (
      { thumbnail: 'thumbnail', preview: 'preview_sealed', original: 'original_sealed' } as const
    )[image];
    const row = await this.#db
      .selectFrom('capture_screenshots')
      .select(column)
      .where('capture_job_id', '=', jobId)
      .executeTakeFirst();
    const bytes = row?.[column as keyof typeof row] as Uint8Array | null | undefined;
    return bytes ? readBytes(bytes) : undefined;
  }

  async recordAuditAnchor(anchor: AuditAnchor): Promise<void> {
    await this.#db
      .insertInto('audit_anchors')
      .values({
        seq: anchor.seq,
        hash: anchor.hash,
        signed_at: this.#dialect.date(anchor.signedAt),
        key_id: anchor.keyId,
        signature: anchor.signature,
        published_to: anchor.publishedTo,
      })
      .onConflict((oc) => oc.columns(['seq', 'key_id']).doNothing())
      .execute();
  }

  async listAuditAnchors(): Promise<AuditAnchor[]> {
    const rows = await this.#db
      .selectFrom('audit_anchors')
      .selectAll()
      .orderBy('seq')
      .orderBy('key_id')
      .execute();
    return rows.map((row) => ({
      seq: row.seq,
      hash: row.hash,
      signedAt: readDate(row.signed_at),
      keyId: row.key_id,
      signature: row.signature,
      publishedTo: row.published_to,
    }));
  }

  // ---- media ----

  async getMedia(id: number): Promise<MediaItem | undefined> {
    const row = await this.#db.selectFrom('media_items').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMediaItem(row);
  }

  async listMedia(reportId: string): Promise<MediaItem[]> {
    const rows = await this.#db
      .selectFrom('media_items')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('id')
      .execute();
    return rows.map(toMediaItem);
  }

  async findMediaBySha256(sha256: string): Promise<MediaItem[]> {
    const rows = await this.#db
      .selectFrom('media_items')
      .selectAll()
      .where('sha256', '=', sha256)
      .orderBy('id')
      .execute();
    return rows.map(toMediaItem);
  }

  async getThumbnail(mediaId: number): Promise<Uint8Array | undefined> {
    const row = await this.#db
      .selectFrom('media_blobs')
      .select('thumbnail')
      .where('media_id', '=', mediaId)
      .executeTakeFirst();
    return row && readBytes(row.thumbnail);
  }

  async getSealedPreview(mediaId: number): Promise<Uint8Array | undefined> {
    const row = await this.#db
      .selectFrom('media_blobs')
      .select('preview_sealed')
      .where('media_id', '=', mediaId)
      .executeTakeFirst();
    return row?.preview_sealed ? readBytes(row.preview_sealed) : undefined;
  }

  async setMediaStatus(
    mediaId: number,
    status: MediaStatus,
    bankEntryIds?: readonly number[],
  ): Promise<MediaItem> {
    const row = await this.#db
      .updateTable('media_items')
      .set(bankEntryIds === undefined ? { status } : { status, bank_entry_ids: JSON.stringify(bankEntryIds) })
      .where('id', '=', mediaId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw mediaNotFound(mediaId);
    return toMediaItem(row);
  }

  async deleteSealedPreview(mediaId: number): Promise<void> {
    const d = this.#dialect;
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('media_items')
        .set({ stored_content: d.bool(false) })
        .where('id', '=', mediaId)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw mediaNotFound(mediaId);
      await trx
        .updateTable('media_blobs')
        .set({ preview_sealed: null })
        .where('media_id', '=', mediaId)
        .execute();
    });
  }

  // ---- assessments ----

  async addAssessment(
    mediaId: number,
    analystId: string,
    input: AssessmentInput,
    at: Date,
  ): Promise<Assessment> {
    const d = this.#dialect;
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const media = await trx
          .selectFrom('media_items')
          .select('id')
          .where('id', '=', mediaId)
          .executeTakeFirst();
        if (!media) throw mediaNotFound(mediaId);
        const analyst = await trx
          .selectFrom('analysts')
          .select('id')
          .where('id', '=', analystId)
          .executeTakeFirst();
        if (!analyst) throw analystNotFound(analystId);
        const row = await trx
          .insertInto('assessments')
          .values({
            media_id: mediaId,
            analyst_id: analystId,
            assessed_at: d.date(at),
            international_status: input.internationalStatus,
            national_status: input.nationalStatus,
            jurisdiction: input.jurisdiction,
            legal_basis: input.legalBasis,
            severity_uk: input.severityUk,
            industry_classification: input.industryClassification,
            age_band: input.ageBand,
            sex: input.sex,
            victim_count: input.victimCount,
            self_generated: input.selfGenerated,
            content_origin: input.contentOrigin,
            flags: JSON.stringify(input.flags),
            confidence: input.confidence,
            notes: input.notes,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toAssessment(row);
      });
    } catch (error) {
      if (d.isUniqueViolation(error)) {
        throw new DomainError('ALREADY_ASSESSED', `This analyst has assessed media item ${mediaId} already.`);
      }
      throw error;
    }
  }

  async listAssessments(mediaId: number): Promise<Assessment[]> {
    const rows = await this.#db
      .selectFrom('assessments')
      .selectAll()
      .where('media_id', '=', mediaId)
      .orderBy('id')
      .execute();
    return rows.map(toAssessment);
  }

  // ---- analysts and sessions ----

  async createAnalyst(analyst: Analyst): Promise<Analyst> {
    const d = this.#dialect;
    try {
      const row = await this.#db
        .insertInto('analysts')
        .values({
          id: analyst.id,
          username: analyst.username,
          display_name: analyst.displayName,
          role: analyst.role,
          password_hash: analyst.passwordHash,
          totp_secret_sealed: analyst.totpSecretSealed,
          disabled: d.bool(analyst.disabled),
          language: analyst.language ?? null,
          created_at: d.date(analyst.createdAt),
          updated_at: d.date(analyst.updatedAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAnalyst(row);
    } catch (error) {
      if (!d.isUniqueViolation(error)) throw error;
      if (await this.getAnalystByUsername(analyst.username)) {
        throw new DomainError(
          'USERNAME_TAKEN',
          `An analyst named ${JSON.stringify(analyst.username)} exists already.`,
        );
      }
      throw new DomainError('CONFLICT', `An analyst with id ${analyst.id} exists already.`);
    }
  }

  async getAnalyst(id: string): Promise<Analyst | undefined> {
    const row = await this.#db.selectFrom('analysts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAnalyst(row);
  }

  async getAnalystByUsername(username: string): Promise<Analyst | undefined> {
    const row = await this.#db
      .selectFrom('analysts')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row && toAnalyst(row);
  }

  async updateAnalyst(id: string, patch: AnalystPatch): Promise<Analyst> {
    const d = this.#dialect;
    const set: Updateable<AnalystsTable> = { updated_at: d.date(this.#clock.now()) };
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.totpSecretSealed !== undefined) set.totp_secret_sealed = patch.totpSecretSealed;
    if (patch.disabled !== undefined) set.disabled = d.bool(patch.disabled);
    if (patch.language !== undefined) set.language = patch.language;
    const row = await this.#db
      .updateTable('analysts')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw analystNotFound(id);
    return toAnalyst(row);
  }

  async listAnalysts(): Promise<Analyst[]> {
    const rows = await this.#db.selectFrom('analysts').selectAll().orderBy('username').execute();
    return rows.map(toAnalyst);
  }

  async createSession(session: AnalystSession): Promise<void> {
    const d = this.#dialect;
    try {
      await this.#db.transaction().execute(async (trx) => {
        const analyst = await trx
          .selectFrom('analysts')
          .select('id')
          .where('id', '=', session.analystId)
          .executeTakeFirst();
        if (!analyst) throw analystNotFound(session.analystId);
        await trx
          .insertInto('analyst_sessions')
          .values({
            id_hash: session.idHash,
            analyst_id: session.analystId,
            csrf_token: session.csrfToken,
            created_at: d.date(session.createdAt),
            expires_at: d.date(session.expiresAt),
          })
          .execute();
      });
    } catch (error) {
      if (d.isUniqueViolation(error)) throw new DomainError('CONFLICT', 'The session id is taken.');
      throw error;
    }
  }

  async getSession(idHash: string): Promise<AnalystSession | undefined> {
    const row = await this.#db
      .selectFrom('analyst_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#db.deleteFrom('analyst_sessions').where('id_hash', '=', idHash).execute();
  }

  // ---- sign-in throttle ----

  async claimSignInAttempt(key: string, now: Date, policy: SignInBackoffPolicy): Promise<SignInClaim> {
    const d = this.#dialect;
    const next = sql<number>`(sign_in_throttle.attempts + 1)`;
    // The block the (next)-th attempt sets: none below `free`, then policy.blockUntil[next - free]
    // (the last entry from there on); computed in the statement from the row it locked.
    const steps = policy.blockUntil
      .slice(0, -1)
      .map((until, i) => sql`when ${next} = ${policy.free + i} then ${d.dateExpression(until)}`);
    const last = policy.blockUntil[policy.blockUntil.length - 1];
    const block =
      last === undefined
        ? sql`sign_in_throttle.blocked_until`
        : sql`case when ${next} < ${policy.free} then sign_in_throttle.blocked_until ${sql.join(steps, sql` `)} else ${d.dateExpression(last)} end`;
    const first = signInBlock(1, policy);
    // One statement: INSERT … ON CONFLICT DO UPDATE … WHERE locks the row (PostgreSQL) or runs
    // under SQLite's single writer; a blocked name updates nothing and returns no row.
    const row = await this.#db
      .insertInto('sign_in_throttle')
      .values({
        throttle_key: key,
        attempts: 1,
        blocked_until: first && d.date(first),
        updated_at: d.date(now),
      })
      .onConflict((oc) =>
        oc
          .column('throttle_key')
          .doUpdateSet({
            attempts: next,
            blocked_until: block as never,
            updated_at: d.date(now),
          })
          .where((eb) =>
            eb.or([
              eb('sign_in_throttle.blocked_until', 'is', null),
              eb('sign_in_throttle.blocked_until', '<=', d.date(now)),
            ]),
          ),
      )
      .returning(['attempts', 'blocked_until'])
      .executeTakeFirst();
    if (row) {
      return {
        allowed: true,
        attempts: Number(row.attempts),
        blockedUntil: row.blocked_until === null ? null : readDate(row.blocked_until),
      };
    }
    const blocked = await this.#db
      .selectFrom('sign_in_throttle')
      .select(['attempts', 'blocked_until'])
      .where('throttle_key', '=', key)
      .executeTakeFirst();
    return {
      allowed: false,
      attempts: Number(blocked?.attempts ?? 0),
      blockedUntil: blocked?.blocked_until ? readDate(blocked.blocked_until) : now,
    };
  }

  async resetSignInAttempts(key: string, pruneBefore: Date): Promise<void> {
    await this.#db
      .deleteFrom('sign_in_throttle')
      .where((eb) =>
        eb.or([eb('throttle_key', '=', key), eb('updated_at', '<', this.#dialect.date(pruneBefore))]),
      )
      .execute();
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('analyst_sessions')
      .where('expires_at', '<=', this.#dialect.date(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- contacts ----

  async getContact(id: string): Promise<SealedContact | undefined> {
    const row = await this.#db
      .selectFrom('reporter_contacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toContact(row);
  }

  async deleteContact(id: string): Promise<void> {
    const d = this.#dialect;
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('reporter_contacts').where('id', '=', id).executeTakeFirst();
      if (result.numDeletedRows === 0n) return;
      // The report no longer names a contact that does not exist.
      await trx
        .updateTable('reports')
        .set({ contact_id: null, updated_at: d.date(this.#clock.now()) })
        .where('contact_id', '=', id)
        .execute();
    });
  }

  // ---- audit ----

  async appendAudit(event: NewAuditEvent, at: Date): Promise<AuditEvent> {
    return this.#db
      .transaction()
      .execute((trx) => appendAuditIn(trx, this.#dialect, event, at, this.#sha256Hex));
  }

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    let q = this.#db
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('seq')
      .limit(clampAuditLimit(query.limit));
    if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
    if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    if (query.action !== undefined) q = q.where('action', '=', query.action);
    if (query.subjectId !== undefined) q = q.where('subject_id', '=', query.subjectId);
    return (await q.execute()).map(toAuditEvent);
  }

  async countAudit(actor: string, action: AuditAction, since: Date): Promise<number> {
    const row = await this.#db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('actor', '=', actor)
      .where('action', '=', action)
      .where('at', '>=', this.#dialect.date(since))
      .executeTakeFirstOrThrow();
    return readId(row.count);
  }

  async listReveals(since: Date): Promise<RevealRecord[]> {
    const rows = await this.#db
      .selectFrom('audit_events as e')
      .select(['e.actor', 'e.at'])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('assessments as s')
              .select('s.id')
              .where('s.national_status', '=', 'illegal')
              .where('e.subject_type', '=', 'media')
              // The audit row names its subject as text; the cast works on both engines.
              .where(sql<string>`cast(s.media_id as text)`, '=', eb.ref('e.subject_id')),
          )
          .as('illegal'),
      )
      .where('e.action', '=', 'media_revealed')
      .where('e.at', '>=', this.#dialect.date(since))
      .orderBy('e.seq')
      .execute();
    return rows
      .filter((row): row is typeof row & { actor: string } => row.actor !== null)
      .map((row) => ({
        actor: row.actor,
        at: readDate(row.at),
        // PostgreSQL answers a boolean, SQLite 0 or 1.
        illegal: row.illegal === true || Number(row.illegal) === 1,
      }));
  }

  async auditHead(): Promise<{ readonly seq: number; readonly hash: string }> {
    const head = await this.#db
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirst();
    return head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: AUDIT_GENESIS_HASH };
  }

  // ---- retention (issue 5 part 6; queries in kysely-retention-queries.ts) ----

  async listRetentionDue(closedBefore: Date, limit: number): Promise<RetentionCandidate[]> {
    return listRetentionDue(this.#db, this.#dialect, closedBefore, limit);
  }

  async purgePersonalData(reportId: string, at: Date): Promise<PersonalDataPurge> {
    return purgePersonalData(this.#db, this.#dialect, this.#clock, reportId, at);
  }
}

/** The stored answer to an idempotency key, or undefined when the key is new. */
async function replay(db: Db, keyHash: string): Promise<CreatedReport | undefined> {
  const seen = await db
    .selectFrom('report_idempotency as i')
    .innerJoin('reports as r', 'r.id', 'i.report_id')
    .selectAll('r')
    .select(['i.body_hash', 'i.receipt_sealed'])
    .where('i.key_hash', '=', keyHash)
    .executeTakeFirst();
  if (!seen) return undefined;
  const { body_hash: bodyHash, receipt_sealed: receiptSealed, ...report } = seen;
  return {
    report: toReport(report),
    urls: await listUrls(db, report.id),
    replayed: true,
    bodyHash,
    receiptSealed,
  };
}

async function listUrls(db: Db, reportId: string): Promise<ReportedUrl[]> {
  const rows = await db
    .selectFrom('reported_urls')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('id')
    .execute();
  return rows.map(toReportedUrl);
}

/** The facts of a screenshot row (never its bytes), with whether its bytes are still kept. */
const SCREENSHOT_FACTS = [
  'capture_job_id',
  'report_id',
  'url_id',
  'sha256',
  'byte_length',
  'width',
  'height',
  'captured_at',
  (eb: ExpressionBuilder<Database, 'capture_screenshots'>) =>
    eb.case().when('original_sealed', 'is', null).then(0).else(1).end().as('stored'),
] as const;

function toScreenshot(
  row: Pick<
    CaptureScreenshotsTable,
    'capture_job_id' | 'report_id' | 'url_id' | 'sha256' | 'byte_length' | 'width' | 'height' | 'captured_at'
  > & { stored: number | string },
): CaptureScreenshot {
  return {
    jobId: row.capture_job_id,
    reportId: row.report_id,
    urlId: row.url_id,
    sha256: row.sha256,
    byteLength: row.byte_length,
    width: row.width,
    height: row.height,
    capturedAt: readDate(row.captured_at),
    storedContent: Number(row.stored) === 1,
  };
}

async function mediaOfJob(db: Db, jobId: number): Promise<MediaItem[]> {
  const rows = await db
    .selectFrom('media_items')
    .selectAll()
    .where('capture_job_id', '=', jobId)
    .orderBy('id')
    .execute();
  return rows.map(toMediaItem);
}

/**
 * The `closedAt` a report has after `patch`: as given when given; otherwise set to now when the
 * report enters a closed status, cleared when it leaves one, kept when the status stays. The
 * memory store (domain testing) implements the same rule; the contract suite holds both to it.
 */
function closedAtAfter(report: Report, patch: ReportPatch, clock: Clock): Date | null {
  if (patch.closedAt !== undefined) return patch.closedAt;
  if (patch.status === undefined) return report.closedAt;
  if (!CLOSED_REPORT_STATUSES.includes(patch.status)) return null;
  return report.closedAt ?? clock.now();
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** SQL `LIMIT` for any number: SQLite reads a negative limit as "no limit", so clamp it to 0. */
function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** The audit browser's page size: 1 to 1000. */
function clampAuditLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.min(1000, Math.max(1, Math.floor(limit))) : 1;
}

function reportNotFound(id: string): DomainError {
  return new DomainError('REPORT_NOT_FOUND', `No report has id ${id}.`);
}

function mediaNotFound(id: number): DomainError {
  return new DomainError('MEDIA_ITEM_NOT_FOUND', `No media item has id ${id}.`);
}

function analystNotFound(id: string): DomainError {
  return new DomainError('ANALYST_NOT_FOUND', `No analyst has id ${id}.`);
}

function jobNotFound(id: number): DomainError {
  return new DomainError('NOT_FOUND', `No capture job has id ${id}.`);
}

/**
 * Appends one row to the audit chain inside `trx` (the caller's transaction: the hotline store's
 * own, or a bank change's, so the change and its row commit together or not at all). Takes the
 * audit lock, reads the head, computes seq + 1 and the hash, inserts and moves the head.
 */
export async function appendAuditIn(
  trx: Transaction<Database>,
  d: StoreDialect,
  event: NewAuditEvent,
  at: Date,
  sha256Hex: Sha256Hex = nodeSha256Hex,
): Promise<AuditEvent> {
  // As every engine reads it back from JSON, so the hash covers exactly what is stored.
  const details = JSON.parse(JSON.stringify(event.details)) as AuditEvent['details'];
  await d.lockAuditLog(trx);
  const head = await trx
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirst();
  const content: Omit<AuditEvent, 'hash'> = {
    seq: (head?.seq ?? 0) + 1,
    at: new Date(at.getTime()),
    actor: event.actor,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    details,
    prevHash: head?.hash ?? AUDIT_GENESIS_HASH,
  };
  const hash = sha256Hex(auditDigestInput(content));
  await trx
    .insertInto('audit_events')
    .values({
      seq: content.seq,
      at: d.date(content.at),
      actor: content.actor,
      action: content.action,
      subject_type: content.subjectType,
      subject_id: content.subjectId,
      details: JSON.stringify(details),
      prev_hash: content.prevHash,
      hash,
    })
    .execute();
  await trx
    .insertInto('audit_head')
    .values({ id: 1, seq: content.seq, hash })
    .onConflict((oc) => oc.column('id').doUpdateSet({ seq: content.seq, hash }))
    .execute();
  return { ...content, hash };
}
