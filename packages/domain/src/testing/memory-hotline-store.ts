import { DomainError } from '../domain-error.js';
import { AUDIT_GENESIS_HASH, auditDigestInput, type Sha256Hex } from '../hotline/audit-chain.js';
import type {
  Analyst,
  AnalystSession,
  Assessment,
  AssessmentInput,
  AuditEvent,
  CaptureJob,
  HostTrace,
  MediaItem,
  MediaStatus,
  NewAuditEvent,
  Report,
  ReportedUrl,
  SealedContact,
} from '../hotline/hotline-records.js';
import type {
  AuditQuery,
  RevealRecord,
  CaptureOutcome,
  CreatedReport,
  HotlineStore,
  NewReportRecord,
  PersonalDataPurge,
  QueueItem,
  RetentionCandidate,
} from '../hotline/hotline-store.js';
import type {
  AuditAnchor,
  CaptureAttempt,
  CaptureMethod,
  CaptureScreenshot,
  ScreenshotImage,
} from '../hotline/capture-records.js';
import { signInBlock, type SignInBackoffPolicy, type SignInClaim } from '../hotline/hotline-store.js';
import {
  CLOSED_REPORT_STATUSES,
  type AuditAction,
  type ReportStatus,
} from '../hotline/hotline-vocabulary.js';
import { systemClock, type Clock } from '../ports/clock.js';

/** Options of {@link createMemoryHotlineStore}. */
export interface MemoryHotlineStoreOptions {
  /** Supplies `updatedAt` and the other times the store sets itself (default: the system clock). */
  readonly clock?: Clock;
  /**
   * SHA-256 of a UTF-8 string as lower-case hex, for the audit chain. Injected because the domain
   * runs in browsers too and imports no Node module; tests and the server pass one on node:crypto.
   */
  readonly sha256Hex: Sha256Hex;
}

/**
 * An in-memory {@link HotlineStore} for service and route tests, and for a server run without a
 * database. It keeps the SQL stores' semantics exactly (packages/storage runs one contract suite on
 * all three): idempotent report creation, capture-job leases, queue order, one assessment per
 * analyst, the hash-chained audit log with its head anchor. Every method works on copies, and
 * no method awaits between reading and writing, so each call is atomic as a SQL transaction is.
 */
export function createMemoryHotlineStore(options: MemoryHotlineStoreOptions): HotlineStore {
  return new MemoryHotlineStore(options.clock ?? systemClock, options.sha256Hex);
}

interface StoredJob extends CaptureJob {
  readonly leaseUntil: Date | null;
}

interface AttemptInfo {
  readonly requestedBy: string | null;
  readonly requestedAt: Date;
  readonly finishedAt: Date | null;
  readonly method: CaptureMethod | null;
  readonly note: string | null;
  readonly mediaFound: number | null;
}

const NO_ATTEMPT_INFO: Omit<AttemptInfo, 'requestedAt'> = {
  requestedBy: null,
  finishedAt: null,
  method: null,
  note: null,
  mediaFound: null,
};

interface StoredScreenshot extends CaptureScreenshot {
  readonly thumbnail: Uint8Array | null;
  readonly previewSealed: Uint8Array | null;
  readonly originalSealed: Uint8Array | null;
}

interface StoredBlobs {
  readonly thumbnail: Uint8Array;
  readonly previewSealed: Uint8Array | null;
}

interface StoredMedia extends MediaItem {
  readonly captureJobId: number;
}

interface IdempotencyRecord {
  readonly reportId: string;
  readonly bodyHash: string;
  readonly receiptSealed: string;
}

class MemoryHotlineStore implements HotlineStore {
  readonly #clock: Clock;
  readonly #sha256Hex: Sha256Hex;
  readonly #reports = new Map<string, Report>();
  readonly #idempotency = new Map<string, IdempotencyRecord>();
  readonly #contacts = new Map<string, SealedContact>();
  // Ids only grow and Maps keep insertion order, so iterating yields ascending ids.
  readonly #urls = new Map<number, ReportedUrl>();
  readonly #jobs = new Map<number, StoredJob>();
  readonly #media = new Map<number, StoredMedia>();
  readonly #blobs = new Map<number, StoredBlobs>();
  readonly #assessments = new Map<number, Assessment>();
  readonly #analysts = new Map<string, Analyst>();
  readonly #signInThrottle = new Map<
    string,
    { attempts: number; blockedUntil: Date | null; updatedAt: Date }
  >();
  readonly #sessions = new Map<string, AnalystSession>();
  readonly #audit: AuditEvent[] = [];
  #auditHead = { seq: 0, hash: AUDIT_GENESIS_HASH };
  readonly #nextId = { url: 1, job: 1, media: 1, assessment: 1 };
  // Retention (issue 5 part 6): reports whose personal data is deleted, with what was deleted.
  readonly #purges = new Map<string, PersonalDataPurge>();
  // Capture attempts, screenshots and audit anchors (issue 16).
  readonly #attemptInfo = new Map<number, AttemptInfo>();
  readonly #screenshots = new Map<number, StoredScreenshot>();
  readonly #anchors = new Map<string, AuditAnchor>();

  constructor(clock: Clock, sha256Hex: Sha256Hex) {
    this.#clock = clock;
    this.#sha256Hex = sha256Hex;
  }

  // ---- reports ----

  async createReport(record: NewReportRecord): Promise<CreatedReport> {
    const seen = this.#idempotency.get(record.idempotency.keyHash);
    if (seen) {
      return {
        report: copyReport(this.#reports.get(seen.reportId)!),
        urls: this.#urlsOf(seen.reportId),
        replayed: true,
        bodyHash: seen.bodyHash,
        receiptSealed: seen.receiptSealed,
      };
    }
    const { report: given } = record;
    // The unique keys the SQL stores enforce; nothing is written unless all hold.
    if (this.#reports.has(given.id))
      throw new DomainError('CONFLICT', `A report with id ${given.id} exists already.`);
    for (const other of this.#reports.values()) {
      if (other.receiptHash === given.receiptHash)
        throw new DomainError('CONFLICT', 'The receipt hash is taken.');
    }
    if (record.contact && this.#contacts.has(record.contact.id)) {
      throw new DomainError('CONFLICT', 'The contact id is taken.');
    }
    const report: Report = copyReport({ ...given, updatedAt: this.#clock.now() });
    this.#reports.set(report.id, report);
    if (record.contact) this.#contacts.set(record.contact.id, copyContact(record.contact));
    for (const url of record.urls) {
      const stored: ReportedUrl = {
        id: this.#nextId.url++,
        reportId: report.id,
        url: url.url,
        normalizedUrl: url.normalizedUrl,
        siteType: url.siteType,
        accessibility: null,
        capturedAt: null,
        captureError: null,
        trace: null,
      };
      this.#urls.set(stored.id, stored);
      const job: StoredJob = {
        id: this.#nextId.job++,
        reportId: report.id,
        urlId: stored.id,
        attempts: 0,
        status: 'pending',
        runAfter: new Date(report.receivedAt),
        lastError: null,
        leaseUntil: null,
      };
      this.#jobs.set(job.id, job);
      // As the SQL stores' created_at: when the report was stored.
      this.#attemptInfo.set(job.id, { ...NO_ATTEMPT_INFO, requestedAt: this.#clock.now() });
    }
    this.#idempotency.set(record.idempotency.keyHash, {
      reportId: report.id,
      bodyHash: record.idempotency.bodyHash,
      receiptSealed: record.idempotency.receiptSealed,
    });
    return {
      report: copyReport(report),
      urls: this.#urlsOf(report.id),
      replayed: false,
      bodyHash: record.idempotency.bodyHash,
      receiptSealed: record.idempotency.receiptSealed,
    };
  }

  async getReport(id: string): Promise<Report | undefined> {
    const report = this.#reports.get(id);
    return report && copyReport(report);
  }

  async getReportByReceiptHash(receiptHash: string): Promise<Report | undefined> {
    for (const report of this.#reports.values()) {
      if (report.receiptHash === receiptHash) return copyReport(report);
    }
    return undefined;
  }

  async updateReport(id: string, patch: Parameters<HotlineStore['updateReport']>[1]): Promise<Report> {
    const report = this.#reports.get(id);
    if (!report) throw reportNotFound(id);
    const updated: Report = {
      ...report,
      ...definedOnly({
        status: patch.status,
        assignedAnalystId: patch.assignedAnalystId,
        duplicateOfReportId: patch.duplicateOfReportId,
        contactId: patch.contactId,
      }),
      closedAt: closedAtAfter(report, patch, this.#clock),
      updatedAt: this.#clock.now(),
    };
    this.#reports.set(id, updated);
    return copyReport(updated);
  }

  async listQueue(query: {
    readonly limit: number;
    readonly statuses?: readonly ReportStatus[];
  }): Promise<QueueItem[]> {
    const { statuses } = query;
    return [...this.#reports.values()]
      .filter((r) => !CLOSED_REPORT_STATUSES.includes(r.status) && (!statuses || statuses.includes(r.status)))
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          a.receivedAt.getTime() - b.receivedAt.getTime() ||
          compareCodeUnits(a.id, b.id),
      )
      .slice(0, clampLimit(query.limit))
      .map((report) => {
        const media = [...this.#media.values()].filter((m) => m.reportId === report.id);
        return {
          report: copyReport(report),
          urls: this.#urlsOf(report.id),
          mediaCount: media.length,
          pendingMediaCount: media.filter((m) => m.status === 'pending_assessment').length,
          previouslyAssessedCount: media.filter((m) => m.previouslyAssessed).length,
        };
      });
  }

  async listUrls(reportId: string): Promise<ReportedUrl[]> {
    return this.#urlsOf(reportId);
  }

  async findUrlsByNormalized(normalizedUrl: string): Promise<ReportedUrl[]> {
    return [...this.#urls.values()].filter((u) => u.normalizedUrl === normalizedUrl).map(copyUrl);
  }

  // ---- capture jobs ----

  async claimCaptureJobs(now: Date, limit: number, leaseMs: number): Promise<CaptureJob[]> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    return [...this.#jobs.values()]
      .filter(
        (job) =>
          job.status === 'pending' &&
          job.runAfter.getTime() <= now.getTime() &&
          (job.leaseUntil === null || job.leaseUntil.getTime() < now.getTime()),
      )
      .sort((a, b) => a.runAfter.getTime() - b.runAfter.getTime() || a.id - b.id)
      .slice(0, clampLimit(limit))
      .map((job) => {
        const claimed: StoredJob = { ...job, attempts: job.attempts + 1, leaseUntil };
        this.#jobs.set(job.id, claimed);
        return copyJob(claimed);
      });
  }

  async completeCapture(jobId: number, outcome: CaptureOutcome): Promise<MediaItem[]> {
    const job = this.#job(jobId);
    if (job.status === 'done') return this.#mediaOfJob(jobId);
    const url = this.#urls.get(job.urlId)!;
    this.#urls.set(url.id, {
      ...url,
      accessibility: outcome.accessibility,
      capturedAt: new Date(outcome.capturedAt),
      captureError: outcome.captureError,
      trace: outcome.trace && copyTrace(outcome.trace),
    });
    // Media an earlier attempt of this URL recorded is not recorded again by a recapture.
    const hashes = new Set<string>(
      [...this.#media.values()].filter((m) => m.urlId === job.urlId).map((m) => m.sha256),
    );
    let found = 0;
    for (const item of outcome.media) {
      // One row per (job, SHA-256), as the SQL stores' unique key keeps it: the first one wins.
      if (hashes.has(item.sha256)) continue;
      found++;
      hashes.add(item.sha256);
      const stored: StoredMedia = {
        id: this.#nextId.media++,
        reportId: job.reportId,
        urlId: job.urlId,
        captureJobId: job.id,
        sourceUrl: item.sourceUrl,
        mediaType: item.mediaType,
        md5: item.md5,
        sha256: item.sha256,
        pdq: item.pdq,
        pdqQuality: item.pdqQuality,
        ...(item.pdqVariants?.length ? { pdqVariants: item.pdqVariants } : {}),
        width: item.width,
        height: item.height,
        byteLength: item.byteLength,
        knownMatch: item.knownMatch && cloneJson(item.knownMatch),
        previouslyAssessed: item.knownMatch !== null,
        storedContent: item.previewSealed !== null,
        status: item.knownMatch !== null ? 'previously_assessed' : 'pending_assessment',
        bankEntryIds: [],
        capturedAt: new Date(outcome.capturedAt),
        ...(item.contactSheet ? { contactSheet: cloneJson(item.contactSheet) } : {}),
      };
      this.#media.set(stored.id, stored);
      this.#blobs.set(stored.id, {
        thumbnail: new Uint8Array(item.thumbnail),
        previewSealed: item.previewSealed && new Uint8Array(item.previewSealed),
      });
    }
    this.#jobs.set(job.id, { ...job, status: 'done', leaseUntil: null, lastError: outcome.captureError });
    this.#attemptInfo.set(job.id, {
      ...this.#info(job),
      finishedAt: new Date(outcome.capturedAt),
      method: outcome.method ?? 'http',
      note: outcome.note ?? null,
      mediaFound: found,
    });
    if (outcome.screenshot) {
      const shot = outcome.screenshot;
      this.#screenshots.set(job.id, {
        jobId: job.id,
        reportId: job.reportId,
        urlId: job.urlId,
        sha256: shot.sha256,
        byteLength: shot.byteLength,
        width: shot.width,
        height: shot.height,
        capturedAt: new Date(outcome.capturedAt),
        storedContent: true,
        thumbnail: shot.thumbnail && new Uint8Array(shot.thumbnail),
        previewSealed: shot.previewSealed && new Uint8Array(shot.previewSealed),
        originalSealed: new Uint8Array(shot.originalSealed),
      });
    }
    const report = this.#reports.get(job.reportId)!;
    // Forward only: a report already past triage keeps its status.
    if (report.status === 'received') {
      this.#reports.set(report.id, { ...report, status: 'triage', updatedAt: this.#clock.now() });
    }
    return this.#mediaOfJob(jobId);
  }

  async failCaptureJob(jobId: number, error: string, retryAt: Date | null): Promise<void> {
    const job = this.#job(jobId);
    // A done job stays done: a late failure report from a worker whose lease ran out changes nothing.
    if (job.status === 'done') return;
    this.#jobs.set(
      jobId,
      retryAt
        ? { ...job, status: 'pending', lastError: error, runAfter: new Date(retryAt), leaseUntil: null }
        : { ...job, status: 'failed', lastError: error },
    );
    if (!retryAt) this.#attemptInfo.set(jobId, { ...this.#info(job), finishedAt: this.#clock.now() });
  }

  async requestRecapture(
    urlId: number,
    requestedBy: string,
    at: Date,
  ): Promise<{ readonly job: CaptureJob; readonly created: boolean }> {
    const url = this.#urls.get(urlId);
    if (!url) throw new DomainError('URL_NOT_FOUND', `No reported URL has id ${urlId}.`);
    const pending = [...this.#jobs.values()].find((j) => j.urlId === urlId && j.status === 'pending');
    if (pending) return { job: copyJob(pending), created: false };
    const job: StoredJob = {
      id: this.#nextId.job++,
      reportId: url.reportId,
      urlId,
      attempts: 0,
      status: 'pending',
      runAfter: new Date(at),
      lastError: null,
      leaseUntil: null,
    };
    this.#jobs.set(job.id, job);
    this.#attemptInfo.set(job.id, { ...NO_ATTEMPT_INFO, requestedBy, requestedAt: new Date(at) });
    return { job: copyJob(job), created: true };
  }

  async listCaptureAttempts(urlId: number): Promise<CaptureAttempt[]> {
    return [...this.#jobs.values()]
      .filter((job) => job.urlId === urlId)
      .map((job) => {
        const info = this.#info(job);
        const shot = this.#screenshots.get(job.id);
        return {
          jobId: job.id,
          reportId: job.reportId,
          urlId: job.urlId,
          status: job.status,
          tries: job.attempts,
          requestedBy: info.requestedBy,
          requestedAt: new Date(info.requestedAt),
          finishedAt: info.finishedAt && new Date(info.finishedAt),
          error: job.lastError,
          method: info.method,
          note: info.note,
          mediaFound: info.mediaFound,
          screenshot: shot ? screenshotFacts(shot) : null,
        };
      });
  }

  async getCaptureScreenshot(jobId: number): Promise<CaptureScreenshot | undefined> {
    const shot = this.#screenshots.get(jobId);
    return shot && screenshotFacts(shot);
  }

  async getScreenshotImage(jobId: number, image: ScreenshotImage): Promise<Uint8Array | undefined> {
    const shot = this.#screenshots.get(jobId);
    const bytes =
      image === 'thumbnail'
        ? shot?.thumbnail
        : image === 'preview'
          ? shot?.previewSealed
          : shot?.originalSealed;
    return bytes ? new Uint8Array(bytes) : undefined;
  }

  async recordAuditAnchor(anchor: AuditAnchor): Promise<void> {
    const key = `${anchor.seq}/${anchor.keyId}`;
    if (!this.#anchors.has(key)) this.#anchors.set(key, { ...anchor, signedAt: new Date(anchor.signedAt) });
  }

  async listAuditAnchors(): Promise<AuditAnchor[]> {
    return [...this.#anchors.values()]
      .sort((a, b) => a.seq - b.seq || a.keyId.localeCompare(b.keyId))
      .map((a) => ({ ...a, signedAt: new Date(a.signedAt) }));
  }

  #info(job: CaptureJob): AttemptInfo {
    return this.#attemptInfo.get(job.id) ?? { ...NO_ATTEMPT_INFO, requestedAt: new Date(job.runAfter) };
  }

  async countCaptureJobs(): Promise<Record<CaptureJob['status'], number>> {
    const counts: Record<CaptureJob['status'], number> = { pending: 0, done: 0, failed: 0 };
    for (const job of this.#jobs.values()) counts[job.status]++;
    return counts;
  }

  // ---- media ----

  async getMedia(id: number): Promise<MediaItem | undefined> {
    const media = this.#media.get(id);
    return media && copyMedia(media);
  }

  async listMedia(reportId: string): Promise<MediaItem[]> {
    return [...this.#media.values()].filter((m) => m.reportId === reportId).map(copyMedia);
  }

  async findMediaBySha256(sha256: string): Promise<MediaItem[]> {
    return [...this.#media.values()].filter((m) => m.sha256 === sha256).map(copyMedia);
  }

  async getThumbnail(mediaId: number): Promise<Uint8Array | undefined> {
    const blobs = this.#blobs.get(mediaId);
    return blobs && new Uint8Array(blobs.thumbnail);
  }

  async getSealedPreview(mediaId: number): Promise<Uint8Array | undefined> {
    const preview = this.#blobs.get(mediaId)?.previewSealed;
    return preview ? new Uint8Array(preview) : undefined;
  }

  async setMediaStatus(
    mediaId: number,
    status: MediaStatus,
    bankEntryIds?: readonly number[],
  ): Promise<MediaItem> {
    const media = this.#mediaItem(mediaId);
    const updated: StoredMedia = {
      ...media,
      status,
      bankEntryIds: bankEntryIds === undefined ? media.bankEntryIds : [...bankEntryIds],
    };
    this.#media.set(mediaId, updated);
    return copyMedia(updated);
  }

  async deleteSealedPreview(mediaId: number): Promise<void> {
    const media = this.#mediaItem(mediaId);
    const blobs = this.#blobs.get(mediaId)!;
    this.#blobs.set(mediaId, { thumbnail: blobs.thumbnail, previewSealed: null });
    this.#media.set(mediaId, { ...media, storedContent: false });
  }

  // ---- assessments ----

  async addAssessment(
    mediaId: number,
    analystId: string,
    input: AssessmentInput,
    at: Date,
  ): Promise<Assessment> {
    this.#mediaItem(mediaId);
    if (!this.#analysts.has(analystId)) throw analystNotFound(analystId);
    for (const other of this.#assessments.values()) {
      if (other.mediaId === mediaId && other.analystId === analystId) throw alreadyAssessed(mediaId);
    }
    const assessment: Assessment = {
      ...copyAssessmentInput(input),
      id: this.#nextId.assessment++,
      mediaId,
      analystId,
      assessedAt: new Date(at),
    };
    this.#assessments.set(assessment.id, assessment);
    return copyAssessment(assessment);
  }

  async listAssessments(mediaId: number): Promise<Assessment[]> {
    return [...this.#assessments.values()].filter((a) => a.mediaId === mediaId).map(copyAssessment);
  }

  // ---- analysts and sessions ----

  async createAnalyst(analyst: Analyst): Promise<Analyst> {
    for (const other of this.#analysts.values()) {
      if (other.username === analyst.username) throw usernameTaken(analyst.username);
    }
    if (this.#analysts.has(analyst.id))
      throw new DomainError('CONFLICT', `An analyst with id ${analyst.id} exists already.`);
    this.#analysts.set(analyst.id, copyAnalyst(analyst));
    return copyAnalyst(analyst);
  }

  async getAnalyst(id: string): Promise<Analyst | undefined> {
    const analyst = this.#analysts.get(id);
    return analyst && copyAnalyst(analyst);
  }

  async claimSignInAttempt(key: string, now: Date, policy: SignInBackoffPolicy): Promise<SignInClaim> {
    const found = this.#signInThrottle.get(key);
    if (found?.blockedUntil && found.blockedUntil > now) {
      return { allowed: false, attempts: found.attempts, blockedUntil: found.blockedUntil };
    }
    const attempts = (found?.attempts ?? 0) + 1;
    const blockedUntil = signInBlock(attempts, policy) ?? found?.blockedUntil ?? null;
    this.#signInThrottle.set(key, { attempts, blockedUntil, updatedAt: now });
    return { allowed: true, attempts, blockedUntil };
  }

  async resetSignInAttempts(key: string, pruneBefore: Date): Promise<void> {
    this.#signInThrottle.delete(key);
    for (const [other, row] of this.#signInThrottle) {
      if (row.updatedAt < pruneBefore) this.#signInThrottle.delete(other);
    }
  }

  async getAnalystByUsername(username: string): Promise<Analyst | undefined> {
    for (const analyst of this.#analysts.values()) {
      if (analyst.username === username) return copyAnalyst(analyst);
    }
    return undefined;
  }

  async updateAnalyst(
    id: string,
    patch: Partial<
      Pick<Analyst, 'displayName' | 'role' | 'passwordHash' | 'totpSecretSealed' | 'disabled' | 'language'>
    >,
  ): Promise<Analyst> {
    const analyst = this.#analysts.get(id);
    if (!analyst) throw analystNotFound(id);
    const updated: Analyst = {
      ...analyst,
      ...definedOnly({
        displayName: patch.displayName,
        role: patch.role,
        passwordHash: patch.passwordHash,
        totpSecretSealed: patch.totpSecretSealed,
        disabled: patch.disabled,
        language: patch.language,
      }),
      updatedAt: this.#clock.now(),
    };
    this.#analysts.set(id, updated);
    return copyAnalyst(updated);
  }

  async listAnalysts(): Promise<Analyst[]> {
    return [...this.#analysts.values()]
      .sort((a, b) => compareCodeUnits(a.username, b.username))
      .map(copyAnalyst);
  }

  async createSession(session: AnalystSession): Promise<void> {
    if (!this.#analysts.has(session.analystId)) throw analystNotFound(session.analystId);
    if (this.#sessions.has(session.idHash)) throw new DomainError('CONFLICT', 'The session id is taken.');
    this.#sessions.set(session.idHash, copySession(session));
  }

  async getSession(idHash: string): Promise<AnalystSession | undefined> {
    const session = this.#sessions.get(idHash);
    return session && copySession(session);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#sessions.delete(idHash);
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    let deleted = 0;
    for (const [idHash, session] of this.#sessions) {
      if (session.expiresAt.getTime() <= now.getTime()) {
        this.#sessions.delete(idHash);
        deleted++;
      }
    }
    return deleted;
  }

  // ---- contacts ----

  async getContact(id: string): Promise<SealedContact | undefined> {
    const contact = this.#contacts.get(id);
    return contact && copyContact(contact);
  }

  async deleteContact(id: string): Promise<void> {
    if (!this.#contacts.delete(id)) return;
    const now = this.#clock.now();
    for (const report of this.#reports.values()) {
      if (report.contactId === id)
        this.#reports.set(report.id, { ...report, contactId: null, updatedAt: now });
    }
  }

  // ---- audit ----

  async appendAudit(event: NewAuditEvent, at: Date): Promise<AuditEvent> {
    const content: Omit<AuditEvent, 'hash'> = {
      seq: this.#auditHead.seq + 1,
      at: new Date(at.getTime()),
      actor: event.actor,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      // As stored by the SQL engines (JSON), so the hash covers exactly what is read back.
      details: cloneJson(event.details),
      prevHash: this.#auditHead.hash,
    };
    const row: AuditEvent = { ...content, hash: this.#sha256Hex(auditDigestInput(content)) };
    this.#audit.push(row);
    this.#auditHead = { seq: row.seq, hash: row.hash };
    return copyAudit(row);
  }

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    return this.#audit
      .filter(
        (row) =>
          (query.afterSeq === undefined || row.seq > query.afterSeq) &&
          (query.beforeSeq === undefined || row.seq < query.beforeSeq) &&
          (query.actor === undefined || row.actor === query.actor) &&
          (query.action === undefined || row.action === query.action) &&
          (query.subjectId === undefined || row.subjectId === query.subjectId),
      )
      .slice(0, clampAuditLimit(query.limit))
      .map(copyAudit);
  }

  async countAudit(actor: string, action: AuditAction, since: Date): Promise<number> {
    return this.#audit.filter(
      (row) => row.actor === actor && row.action === action && row.at.getTime() >= since.getTime(),
    ).length;
  }

  async listReveals(since: Date): Promise<RevealRecord[]> {
    return this.#audit
      .filter(
        (row) => row.action === 'media_revealed' && row.actor !== null && row.at.getTime() >= since.getTime(),
      )
      .map((row) => ({
        actor: row.actor!,
        at: new Date(row.at.getTime()),
        illegal:
          row.subjectType === 'media' &&
          [...this.#assessments.values()].some(
            (a) => String(a.mediaId) === row.subjectId && a.nationalStatus === 'illegal',
          ),
      }));
  }

  async auditHead(): Promise<{ readonly seq: number; readonly hash: string }> {
    return { ...this.#auditHead };
  }

  // ---- retention (issue 5 part 6) ----

  async listRetentionDue(closedBefore: Date, limit: number): Promise<RetentionCandidate[]> {
    return [...this.#reports.values()]
      .filter(
        (r) =>
          r.closedAt !== null &&
          r.closedAt.getTime() < closedBefore.getTime() &&
          CLOSED_REPORT_STATUSES.includes(r.status) &&
          !this.#purges.has(r.id),
      )
      .sort((a, b) => a.closedAt!.getTime() - b.closedAt!.getTime() || compareCodeUnits(a.id, b.id))
      .slice(0, clampLimit(limit))
      .map((r) => ({ reportId: r.id, closedAt: new Date(r.closedAt!), ...this.#personalDataOf(r) }));
  }

  async purgePersonalData(reportId: string, at: Date): Promise<PersonalDataPurge> {
    const report = this.#reports.get(reportId);
    if (!report) throw reportNotFound(reportId);
    const before = this.#purges.get(reportId);
    if (before) return { ...before, purgedAt: new Date(before.purgedAt), alreadyPurged: true };
    const held = this.#personalDataOf(report);
    if (report.contactId !== null) this.#contacts.delete(report.contactId);
    this.#reports.set(reportId, {
      ...report,
      contactId: null,
      description: null,
      updatedAt: this.#clock.now(),
    });
    for (const media of this.#media.values()) {
      if (media.reportId !== reportId) continue;
      this.#blobs.delete(media.id);
      this.#media.set(media.id, { ...media, storedContent: false });
      for (const a of this.#assessments.values()) {
        if (a.mediaId === media.id && a.notes !== null) this.#assessments.set(a.id, { ...a, notes: null });
      }
    }
    for (const shot of this.#screenshots.values()) {
      if (shot.reportId !== reportId) continue;
      this.#screenshots.set(shot.jobId, {
        ...shot,
        storedContent: false,
        thumbnail: null,
        previewSealed: null,
        originalSealed: null,
      });
    }
    const purge: PersonalDataPurge = { reportId, ...held, purgedAt: new Date(at), alreadyPurged: false };
    this.#purges.set(reportId, purge);
    return { ...purge, purgedAt: new Date(at) };
  }

  #personalDataOf(report: Report): Omit<RetentionCandidate, 'reportId' | 'closedAt'> {
    const media = [...this.#media.values()].filter((m) => m.reportId === report.id);
    const mediaIds = new Set(media.map((m) => m.id));
    return {
      contact: report.contactId !== null,
      description: report.description !== null,
      previews: media.filter((m) => (this.#blobs.get(m.id)?.previewSealed ?? null) !== null).length,
      thumbnails: media.filter((m) => this.#blobs.has(m.id)).length,
      assessmentNotes: [...this.#assessments.values()].filter(
        (a) => mediaIds.has(a.mediaId) && a.notes !== null,
      ).length,
    };
  }

  // ---- helpers ----

  #urlsOf(reportId: string): ReportedUrl[] {
    return [...this.#urls.values()].filter((u) => u.reportId === reportId).map(copyUrl);
  }

  #mediaOfJob(jobId: number): MediaItem[] {
    return [...this.#media.values()].filter((m) => m.captureJobId === jobId).map(copyMedia);
  }

  #job(id: number): StoredJob {
    const job = this.#jobs.get(id);
    if (!job) throw new DomainError('NOT_FOUND', `No capture job has id ${id}.`);
    return job;
  }

  #mediaItem(id: number): StoredMedia {
    const media = this.#media.get(id);
    if (!media) throw new DomainError('MEDIA_ITEM_NOT_FOUND', `No media item has id ${id}.`);
    return media;
  }
}

/**
 * The `closedAt` a report has after `patch`: as given when given; otherwise set to now when the
 * report enters a closed status, cleared when it leaves one, kept when the status stays.
 * (Shared semantics with the SQL stores, which implement the same rule.)
 */
function closedAtAfter(
  report: Report,
  patch: { readonly status?: ReportStatus; readonly closedAt?: Date | null },
  clock: Clock,
): Date | null {
  if (patch.closedAt !== undefined) return patch.closedAt && new Date(patch.closedAt);
  if (patch.status === undefined) return report.closedAt;
  if (!CLOSED_REPORT_STATUSES.includes(patch.status)) return null;
  return report.closedAt ?? clock.now();
}

/** Drops `undefined` members, so a patch only overwrites what it names. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** SQL `LIMIT` semantics for any number: negative or NaN means none. */
function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** The audit browser's page size: 1 to 1000. */
function clampAuditLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.min(1000, Math.max(1, Math.floor(limit))) : 1;
}

/** Binary string order, as the SQL stores sort text (`COLLATE "C"` in PostgreSQL). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy through JSON, as the SQL stores keep these fields. */
function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function reportNotFound(id: string): DomainError {
  return new DomainError('REPORT_NOT_FOUND', `No report has id ${id}.`);
}

function analystNotFound(id: string): DomainError {
  return new DomainError('ANALYST_NOT_FOUND', `No analyst has id ${id}.`);
}

function usernameTaken(username: string): DomainError {
  return new DomainError('USERNAME_TAKEN', `An analyst named ${JSON.stringify(username)} exists already.`);
}

function alreadyAssessed(mediaId: number): DomainError {
  return new DomainError('ALREADY_ASSESSED', `This analyst has assessed media item ${mediaId} already.`);
}

// The copies name every field, so a caller's extra properties are not kept (the SQL stores keep
// only their columns either).

function copyReport(report: Report): Report {
  return {
    id: report.id,
    receivedAt: new Date(report.receivedAt),
    channel: report.channel,
    reporterType: report.reporterType,
    anonymous: report.anonymous,
    contactId: report.contactId,
    consentToContact: report.consentToContact,
    language: report.language,
    concerns: [...report.concerns],
    description: report.description,
    seenWhere: report.seenWhere,
    imminentDanger: report.imminentDanger,
    status: report.status,
    priority: report.priority,
    duplicateOfReportId: report.duplicateOfReportId,
    assignedAnalystId: report.assignedAnalystId,
    closedAt: report.closedAt && new Date(report.closedAt),
    receiptHash: report.receiptHash,
    partnerReference: report.partnerReference,
    updatedAt: new Date(report.updatedAt),
  };
}

function copyTrace(trace: HostTrace): HostTrace {
  return {
    host: trace.host,
    ipAddress: trace.ipAddress,
    country: trace.country,
    asn: trace.asn,
    network: trace.network,
    dataset: trace.dataset,
    datasetDate: trace.datasetDate,
    tracedAt: new Date(trace.tracedAt),
  };
}

function copyUrl(url: ReportedUrl): ReportedUrl {
  return {
    ...url,
    capturedAt: url.capturedAt && new Date(url.capturedAt),
    trace: url.trace && copyTrace(url.trace),
  };
}

function screenshotFacts(shot: StoredScreenshot): CaptureScreenshot {
  const { thumbnail: _t, previewSealed: _p, originalSealed: _o, ...facts } = shot;
  return { ...facts, capturedAt: new Date(shot.capturedAt) };
}

function copyJob(job: StoredJob): CaptureJob {
  const { leaseUntil: _lease, ...rest } = job;
  return { ...rest, runAfter: new Date(job.runAfter) };
}

function copyMedia(media: StoredMedia): MediaItem {
  const { captureJobId: _job, ...rest } = media;
  return {
    ...rest,
    knownMatch: media.knownMatch && cloneJson(media.knownMatch),
    bankEntryIds: [...media.bankEntryIds],
    capturedAt: new Date(media.capturedAt),
  };
}

function copyAssessmentInput(input: AssessmentInput): AssessmentInput {
  return {
    internationalStatus: input.internationalStatus,
    nationalStatus: input.nationalStatus,
    jurisdiction: input.jurisdiction,
    legalBasis: input.legalBasis,
    severityUk: input.severityUk,
    industryClassification: input.industryClassification,
    ageBand: input.ageBand,
    sex: input.sex,
    victimCount: input.victimCount,
    selfGenerated: input.selfGenerated,
    contentOrigin: input.contentOrigin,
    flags: [...input.flags],
    confidence: input.confidence,
    notes: input.notes,
  };
}

function copyAssessment(assessment: Assessment): Assessment {
  return {
    ...copyAssessmentInput(assessment),
    id: assessment.id,
    mediaId: assessment.mediaId,
    analystId: assessment.analystId,
    assessedAt: new Date(assessment.assessedAt),
  };
}

function copyAnalyst(analyst: Analyst): Analyst {
  return {
    id: analyst.id,
    username: analyst.username,
    displayName: analyst.displayName,
    role: analyst.role,
    passwordHash: analyst.passwordHash,
    totpSecretSealed: analyst.totpSecretSealed,
    disabled: analyst.disabled,
    language: analyst.language ?? null,
    createdAt: new Date(analyst.createdAt),
    updatedAt: new Date(analyst.updatedAt),
  };
}

function copySession(session: AnalystSession): AnalystSession {
  return {
    idHash: session.idHash,
    analystId: session.analystId,
    csrfToken: session.csrfToken,
    createdAt: new Date(session.createdAt),
    expiresAt: new Date(session.expiresAt),
  };
}

function copyContact(contact: SealedContact): SealedContact {
  return { id: contact.id, sealed: contact.sealed, createdAt: new Date(contact.createdAt) };
}

function copyAudit(row: AuditEvent): AuditEvent {
  return { ...row, at: new Date(row.at), details: { ...row.details } };
}
