import type { PdqVariantHash } from '../banks/pdq-variants.js';
import type {
  Analyst,
  AnalystSession,
  Assessment,
  AssessmentInput,
  AuditEvent,
  CaptureJob,
  ContactSheet,
  HostTrace,
  KnownMatch,
  MediaItem,
  MediaStatus,
  NewAuditEvent,
  Report,
  ReportedUrl,
  SealedContact,
} from './hotline-records.js';
import type {
  AuditAction,
  MediaType,
  ReportStatus,
  SiteType,
  UrlAccessibility,
} from './hotline-vocabulary.js';
import type {
  AuditAnchor,
  CaptureAttempt,
  CaptureMethod,
  CaptureScreenshot,
  NewCaptureScreenshot,
  ScreenshotImage,
} from './capture-records.js';

/** A report to store, with its URLs, optional contact and the idempotency record of its request. */
export interface NewReportRecord {
  readonly report: Omit<Report, 'updatedAt'>;
  readonly urls: readonly {
    readonly url: string;
    readonly normalizedUrl: string;
    readonly siteType: SiteType | null;
  }[];
  readonly contact: SealedContact | null;
  /**
   * The idempotency record: SHA-256 of the client's key, SHA-256 of the canonical body, and the
   * receipt code sealed with the server's key, so a retry gets the same receipt back.
   */
  readonly idempotency: {
    readonly keyHash: string;
    readonly bodyHash: string;
    readonly receiptSealed: string;
  };
}

/** What {@link HotlineStore.createReport} returns. */
export interface CreatedReport {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  /** True when the idempotency key was seen before: nothing new was written. */
  readonly replayed: boolean;
  /** The stored idempotency record's body hash (the caller refuses a reused key with a different body). */
  readonly bodyHash: string;
  readonly receiptSealed: string;
}

/** A media item found by the capture, with its derived images. */
export interface NewMediaItem {
  readonly sourceUrl: string;
  readonly mediaType: MediaType;
  readonly md5: string;
  readonly sha256: string;
  readonly pdq: string | null;
  readonly pdqQuality: number | null;
  /** Bank-side robust variants of the image (see `MediaItem.pdqVariants`). */
  readonly pdqVariants?: readonly PdqVariantHash[];
  readonly width: number | null;
  readonly height: number | null;
  readonly byteLength: number;
  readonly knownMatch: KnownMatch | null;
  /** A small (≤ 256 px) greyscale, blurred JPEG made by the server; never the original bytes. */
  readonly thumbnail: Uint8Array;
  /** A size-capped preview re-encoded by the server, sealed (AES-256-GCM); only when media is kept. */
  readonly previewSealed: Uint8Array | null;
  /** A video's contact sheet layout (then `thumbnail` and `previewSealed` are the sheet). */
  readonly contactSheet?: ContactSheet | null;
}

/** The outcome of capturing one URL. */
export interface CaptureOutcome {
  readonly accessibility: UrlAccessibility;
  readonly capturedAt: Date;
  readonly captureError: string | null;
  readonly trace: HostTrace | null;
  readonly media: readonly NewMediaItem[];
  /** How the page was fetched (absent: plain HTTP). */
  readonly method?: CaptureMethod;
  /** Why a browser capture ran over plain HTTP (a fixed sentence, never page content). */
  readonly note?: string | null;
  /** The browser capture's full-page screenshot. */
  readonly screenshot?: NewCaptureScreenshot | null;
}

/** A queue row: a report with what the workbench lists about it. */
export interface QueueItem {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  readonly mediaCount: number;
  readonly pendingMediaCount: number;
  readonly previouslyAssessedCount: number;
}

/** One reveal, as the exposure page counts it. */
export interface RevealRecord {
  readonly actor: string;
  readonly at: Date;
  /** Whether an analyst (any) has assessed the revealed item illegal. */
  readonly illegal: boolean;
}

/** Filters of the audit browser. */
export interface AuditQuery {
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly actor?: string;
  readonly action?: AuditAction;
  /** Only rows about this subject (e.g. a media item's id). */
  readonly subjectId?: string;
  readonly limit: number;
}

/** A closed report due for the retention job, and what personal data it still holds (issue 5 part 6). */
export interface RetentionCandidate {
  readonly reportId: string;
  readonly closedAt: Date;
  /** The reporter's contact is still stored. */
  readonly contact: boolean;
  /** The free-text description is still stored. */
  readonly description: boolean;
  /** Kept (sealed) media previews. */
  readonly previews: number;
  /** Blurred thumbnails. */
  readonly thumbnails: number;
  /** Assessments with free-text notes. */
  readonly assessmentNotes: number;
}

/** What {@link HotlineStore.purgePersonalData} deleted. */
export interface PersonalDataPurge extends Omit<RetentionCandidate, 'closedAt'> {
  /** When the report was purged (the first purge's time when it was purged before). */
  readonly purgedAt: Date;
  /** True when the report was purged before: nothing was deleted now. */
  readonly alreadyPurged: boolean;
}

/**
 * Where the hotline keeps reports, captures, assessments, staff, sessions and the audit log.
 * Implemented on SQLite and PostgreSQL (packages/storage) and in memory (testing/).
 */
/**
 * The back-off of sign-in attempts for one account name: the first `free` attempts since the
 * last success pass at once; the (free + i)-th blocks the next attempt until `blockUntil[i]` (the
 * last entry for every later one). Times are computed by the caller from now.
 */
export interface SignInBackoffPolicy {
  readonly free: number;
  readonly blockUntil: readonly Date[];
}

/** Until when the `attempts`-th attempt blocks the next one under `policy` (null: it does not). */
export function signInBlock(attempts: number, policy: SignInBackoffPolicy): Date | null {
  if (attempts < policy.free || policy.blockUntil.length === 0) return null;
  return policy.blockUntil[Math.min(attempts - policy.free, policy.blockUntil.length - 1)]!;
}

/** The outcome of {@link HotlineStore.claimSignInAttempt}. */
export interface SignInClaim {
  /** False: the account name is in its back-off; nothing was counted. */
  readonly allowed: boolean;
  /** Attempts since the last success, this one included when allowed. */
  readonly attempts: number;
  /** Until when the next attempt is blocked (null: not blocked). */
  readonly blockedUntil: Date | null;
}

export interface HotlineStore {
  /**
   * Stores a report, its URLs, its sealed contact and one capture job per URL (the outbox) in
   * one durable transaction, and the idempotency record. When the key hash exists already,
   * writes nothing and returns the stored report with `replayed: true`.
   */
  createReport(record: NewReportRecord): Promise<CreatedReport>;
  getReport(id: string): Promise<Report | undefined>;
  getReportByReceiptHash(receiptHash: string): Promise<Report | undefined>;
  /** Changes a report's status (and `closedAt` for closing statuses), assignment or duplicate link. */
  updateReport(
    id: string,
    patch: {
      readonly status?: ReportStatus;
      readonly assignedAnalystId?: string | null;
      readonly duplicateOfReportId?: string | null;
      readonly contactId?: null;
      readonly closedAt?: Date | null;
    },
  ): Promise<Report>;
  /** Open reports (not closed), most urgent first (priority, then receivedAt, then id). */
  listQueue(query: {
    readonly limit: number;
    readonly statuses?: readonly ReportStatus[];
  }): Promise<QueueItem[]>;
  listUrls(reportId: string): Promise<ReportedUrl[]>;
  /** URLs with this normalized form in other reports (duplicate folding). */
  findUrlsByNormalized(normalizedUrl: string): Promise<ReportedUrl[]>;

  /** Claims due pending capture jobs (leased for `leaseMs`; a crashed worker's lease expires). */
  claimCaptureJobs(now: Date, limit: number, leaseMs: number): Promise<CaptureJob[]>;
  /**
   * Records a capture (URL accessibility, trace, media items) and marks the job done, in one
   * transaction; recording the same job twice is harmless (the second call changes nothing).
   */
  completeCapture(jobId: number, outcome: CaptureOutcome): Promise<MediaItem[]>;
  /** Records a failed attempt; `retryAt` null marks the job failed for good. */
  failCaptureJob(jobId: number, error: string, retryAt: Date | null): Promise<void>;
  /** Counts jobs by status (for /metrics and tests). */
  countCaptureJobs(): Promise<Record<CaptureJob['status'], number>>;

  // ---- recapture, screenshots, anchors (issue 16) ----

  /**
   * Queues another capture of a reported URL (a new job, due now, `requestedBy` the analyst). A
   * URL with an attempt still pending gets that one back (`created: false`): one at a time.
   * Media a recapture finds again (same SHA-256 as an earlier attempt of the URL) is not recorded twice.
   * @throws {DomainError} URL_NOT_FOUND
   */
  requestRecapture(
    urlId: number,
    requestedBy: string,
    at: Date,
  ): Promise<{ readonly job: CaptureJob; readonly created: boolean }>;
  /** Every capture attempt of a URL, oldest first, with its screenshot's facts. */
  listCaptureAttempts(urlId: number): Promise<CaptureAttempt[]>;
  /** The screenshot of one capture attempt (facts only). */
  getCaptureScreenshot(jobId: number): Promise<CaptureScreenshot | undefined>;
  /** A screenshot's thumbnail (plain, already blurred) or its sealed preview or PNG. */
  getScreenshotImage(jobId: number, image: ScreenshotImage): Promise<Uint8Array | undefined>;
  /** Records a published audit anchor (the same seq and key twice changes nothing). */
  recordAuditAnchor(anchor: AuditAnchor): Promise<void>;
  /** Recorded anchors, by seq. */
  listAuditAnchors(): Promise<AuditAnchor[]>;

  getMedia(id: number): Promise<MediaItem | undefined>;
  listMedia(reportId: string): Promise<MediaItem[]>;
  /** Media items with this SHA-256 in any report (identical media across reports). */
  findMediaBySha256(sha256: string): Promise<MediaItem[]>;
  getThumbnail(mediaId: number): Promise<Uint8Array | undefined>;
  getSealedPreview(mediaId: number): Promise<Uint8Array | undefined>;
  setMediaStatus(mediaId: number, status: MediaStatus, bankEntryIds?: readonly number[]): Promise<MediaItem>;
  /** Deletes kept media bytes (retention); hashes and thumbnails stay. */
  deleteSealedPreview(mediaId: number): Promise<void>;

  addAssessment(mediaId: number, analystId: string, input: AssessmentInput, at: Date): Promise<Assessment>;
  listAssessments(mediaId: number): Promise<Assessment[]>;

  createAnalyst(analyst: Analyst): Promise<Analyst>;
  getAnalyst(id: string): Promise<Analyst | undefined>;
  getAnalystByUsername(username: string): Promise<Analyst | undefined>;
  updateAnalyst(
    id: string,
    patch: Partial<
      Pick<Analyst, 'displayName' | 'role' | 'passwordHash' | 'totpSecretSealed' | 'disabled' | 'language'>
    >,
  ): Promise<Analyst>;
  listAnalysts(): Promise<Analyst[]>;

  /**
   * Counts one sign-in attempt for an account name (`key`: a hash of the name, known or not) in
   * one atomic statement, before the password is checked, unless the name is blocked at `now`:
   * concurrent attempts are serialised, so a burst cannot overtake the back-off.
   */
  claimSignInAttempt(key: string, now: Date, policy: SignInBackoffPolicy): Promise<SignInClaim>;
  /** Clears an account name's count after a successful sign-in, and drops rows idle since `pruneBefore`. */
  resetSignInAttempts(key: string, pruneBefore: Date): Promise<void>;

  createSession(session: AnalystSession): Promise<void>;
  getSession(idHash: string): Promise<AnalystSession | undefined>;
  deleteSession(idHash: string): Promise<void>;
  deleteExpiredSessions(now: Date): Promise<number>;

  getContact(id: string): Promise<SealedContact | undefined>;
  deleteContact(id: string): Promise<void>;

  /**
   * Appends to the audit log: assigns the next seq and the time, chains it to the last row
   * (`prevHash`), and stores `hash = sha256Hex(auditDigestInput(row))`. Appends are serialised
   * (one writer at a time on every engine) so the chain never forks.
   */
  appendAudit(event: NewAuditEvent, at: Date): Promise<AuditEvent>;
  listAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /** Counts audit rows of one actor and action since a time (the exposure counter). */
  countAudit(actor: string, action: AuditAction, since: Date): Promise<number>;
  /**
   * Every reveal (`media_revealed`, items and capture screenshots) since a time, in log order:
   * who, when, and whether any analyst has assessed the revealed media item illegal (the 30-day
   * exposure page).
   */
  listReveals(since: Date): Promise<RevealRecord[]>;
  /** The last row's seq and hash as recorded in the head anchor (detects a deleted tail). */
  auditHead(): Promise<{ readonly seq: number; readonly hash: string }>;

  // ---- retention (issue 5 part 6) ----

  /**
   * Reports closed before `closedBefore` and not purged yet, oldest closing first, with what
   * personal data each still holds.
   */
  listRetentionDue(closedBefore: Date, limit: number): Promise<RetentionCandidate[]>;
  /**
   * Deletes a report's personal data in one transaction: the reporter's contact (and the report's
   * link to it), the description, every media item's kept preview and thumbnail (the item and its
   * hashes stay, `storedContent` false), the assessments' free-text notes; and marks the report
   * purged at `at`. Statistics' data stays: the report row, URLs, traces, hashes, assessments.
   * Purging a purged report changes nothing (`alreadyPurged`).
   * @throws {DomainError} REPORT_NOT_FOUND
   */
  purgePersonalData(reportId: string, at: Date): Promise<PersonalDataPurge>;
}
