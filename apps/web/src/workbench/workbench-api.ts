// The workbench's only network calls: same origin, JSON, under /v1/workbench. The session lives in
// an HttpOnly cookie the page cannot read; the CSRF token is kept in memory only (never in storage),
// and sent as X-CSRF-Token on every state-changing request.
import type { Language } from '../shared/language.js';
import type {
  AgeBand,
  AnalystRole,
  AssessmentConfidence,
  AssessmentFlag,
  ContentOrigin,
  IndustryClassification,
  InternationalStatus,
  NationalStatus,
  SelfGenerated,
  UkCategory,
  VictimSex,
} from './workbench-vocabulary.js';

/** Today's reveals of the signed-in analyst against the daily limit. */
export interface Exposure {
  readonly today: number;
  readonly dailyLimit: number;
  /** From this count on, the page suggests a break. */
  readonly warnAt: number;
  /** Reveals within the last `breakWindowMinutes` (the break reminder's run). */
  readonly recent: number;
  /** A run of this many reveals within the window brings a gentle break reminder. */
  readonly breakAfterReveals: number;
  readonly breakWindowMinutes: number;
}

/** One analyst's reveals on one UTC day. */
export interface ExposureDay {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly reveals: number;
  /** Of those, reveals of items an analyst assessed illegal. */
  readonly illegal: number;
}

/** One analyst's last 30 days (`GET /v1/workbench/exposure`). */
export interface AnalystExposureHistory {
  readonly analystId: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: AnalystRole;
  /** Oldest first, one per day. */
  readonly days: readonly ExposureDay[];
  readonly reveals: number;
  readonly illegal: number;
}

/** The 30-day exposure page's figures. */
export interface ExposureHistory {
  readonly from: string;
  readonly to: string;
  readonly analysts: readonly AnalystExposureHistory[];
}

/** A member of hotline staff, as the session shows them. */
export interface SessionAnalyst {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: AnalystRole;
  readonly totpEnabled: boolean;
  /** The workbench language the analyst chose (kept on the server); null until they choose. */
  readonly language?: Language | null;
}

/** `GET|POST /v1/workbench/session`. */
export interface Session {
  readonly analyst: SessionAnalyst;
  readonly csrfToken: string;
  readonly exposure: Exposure;
  /** The law assessments default to (ISO alpha-2, the server's `HASHLINE_JURISDICTION`). */
  readonly jurisdiction?: string;
  /** The hotline's name, shown in the header. */
  readonly hotlineName?: string;
  /** The capture may fetch this machine (`HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS`): a banner says so. */
  readonly captureLoopbackForTests?: boolean;
  /** Captures render pages in the browser (else plain HTTP). */
  readonly browserCapture?: boolean;
}

/** An earlier open report this one duplicates (or a later one folded under it). */
export interface DuplicateRef {
  readonly reportId: string;
  readonly receivedAt: string;
  readonly reason: 'same_url' | 'same_media';
}

/** One URL as the queue lists it. */
export interface QueueUrl {
  readonly id: number;
  readonly url: string;
  readonly normalizedUrl: string;
  readonly accessibility: string | null;
  /** The capture's error code when it failed for good. */
  readonly captureError?: string | null;
  readonly hostingCountry: string | null;
}

/** One row of the queue (a group's report with the most to assess; the others folded under it). */
export interface QueueItem {
  readonly reportId: string;
  readonly receivedAt: string;
  readonly channel: string;
  readonly concerns: readonly string[];
  readonly imminentDanger: boolean;
  readonly status: string;
  readonly priority: number;
  readonly urls: readonly QueueUrl[];
  readonly mediaCount: number;
  readonly pendingMediaCount: number;
  readonly previouslyAssessedCount: number;
  /** URLs whose capture failed for good. */
  readonly failedCaptures: number;
  readonly duplicates: readonly QueueDuplicate[];
}

/** A duplicate folded under a queue row, with its own counts. */
export interface QueueDuplicate extends DuplicateRef {
  readonly mediaCount: number;
  readonly pendingMediaCount: number;
  readonly failedCaptures: number;
}

/** Where a host resolved and what the offline dataset says about the address. */
export interface Trace {
  readonly host: string;
  readonly ipAddress: string | null;
  readonly country: string | null;
  readonly asn: number | null;
  readonly network: string | null;
  readonly dataset: string;
  readonly datasetDate: string;
  readonly tracedAt: string;
}

/** One reported URL with its capture result. */
export interface ReportUrl {
  readonly id: number;
  readonly url: string;
  readonly normalizedUrl: string;
  readonly siteType: string | null;
  readonly accessibility: string | null;
  readonly capturedAt: string | null;
  readonly captureError: string | null;
  readonly trace: Trace | null;
  /** Every capture attempt of the URL, oldest first (issue 16). */
  readonly attempts?: readonly CaptureAttemptView[];
}

/** A capture's full-page screenshot (evidence), blurred until revealed. */
export interface ScreenshotView {
  readonly sha256: string;
  readonly byteLength: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly capturedAt: string;
  /** Null once retention deleted its bytes. */
  readonly thumbnailUrl: string | null;
}

/** One capture attempt of a URL: the report's own capture or a recapture. */
export interface CaptureAttemptView {
  readonly jobId: number;
  readonly urlId: number;
  readonly status: 'pending' | 'done' | 'failed';
  readonly tries: number;
  readonly requestedBy: string | null;
  /** The display name of the analyst who asked for it. */
  readonly requestedByName?: string | null;
  readonly requestedAt: string;
  readonly finishedAt: string | null;
  /** A stable error code; the workbench shows it as a sentence. */
  readonly error: string | null;
  readonly method: 'browser' | 'http' | null;
  readonly note: string | null;
  readonly mediaFound: number | null;
  readonly screenshot: ScreenshotView | null;
}

/** The bank entry an item matched: it was assessed before. */
export interface KnownMatch {
  readonly source: string;
  readonly bankName: string;
  readonly distance: number;
  readonly classification: {
    readonly industry?: IndustryClassification;
    readonly uk?: UkCategory;
    readonly baseline?: boolean;
  };
}

/** Another analyst's (or my) assessment, as shown beside an item. */
export interface AssessmentSummary {
  readonly analystId: string;
  readonly analystName: string;
  readonly assessedAt: string;
  readonly nationalStatus: NationalStatus;
  readonly internationalStatus: InternationalStatus;
}

/** Where a media item stands. */
export type MediaStatus = 'pending_assessment' | 'previously_assessed' | 'assessed' | 'published';

/** What a video's contact sheet shows: frames left to right, top to bottom, in time order. */
export interface ContactSheetView {
  /** The video's duration as its container declares it; null when it declares none. */
  readonly durationSeconds: number | null;
  readonly frames: number;
  readonly columns: number;
  readonly rows: number;
  /** Each frame's time in the video, in seconds. */
  readonly timestamps: readonly number[];
}

/** One captured media item. */
export interface MediaView {
  readonly id: number;
  readonly urlId: number;
  readonly sourceUrl: string;
  readonly mediaType: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly byteLength: number;
  readonly md5: string;
  readonly sha256: string;
  readonly pdq: string | null;
  readonly pdqQuality: number | null;
  readonly status: MediaStatus;
  readonly previouslyAssessed: boolean;
  readonly knownMatch: KnownMatch | null;
  /** Null for previously assessed items: known material is never shown again. */
  readonly thumbnailUrl: string | null;
  readonly previewAvailable: boolean;
  /** A video's contact sheet (its thumbnail and preview are the sheet); null for images. */
  readonly contactSheet: ContactSheetView | null;
  readonly assessments: readonly AssessmentSummary[];
  readonly myAssessment: boolean;
  readonly bankEntryIds: readonly number[];
}

/** `GET /v1/workbench/reports/:id`. */
export interface ReportDetail {
  readonly reportId: string;
  readonly receivedAt: string;
  readonly channel: string;
  readonly reporterType: string;
  readonly concerns: readonly string[];
  readonly description: string | null;
  readonly seenWhere: string | null;
  readonly imminentDanger: boolean;
  readonly language: string;
  readonly status: string;
  readonly hasContact: boolean;
  readonly duplicates: readonly DuplicateRef[];
  readonly urls: readonly ReportUrl[];
  readonly media: readonly MediaView[];
  /** The credit the IP dataset's licence asks for wherever trace results are shown. */
  readonly traceAttribution?: {
    readonly text: string;
    readonly links: readonly { readonly label: string; readonly href: string }[];
  };
}

/** A case forwarded by a partner hotline: its items with classification and assessment summary. */
export interface PartnerAssessments {
  readonly sender: { readonly name: string; readonly country: string };
  readonly reference: string;
  readonly sentAt: string;
  readonly receivedAt: string;
  readonly items: readonly {
    readonly url: string | null;
    readonly mediaType: string;
    readonly md5: string;
    readonly sha256: string;
    readonly pdq: string | null;
    readonly pdqQuality: number | null;
    readonly classification: KnownMatch['classification'];
    readonly knownMaterial: boolean;
    readonly assessment: {
      readonly internationalStatus: InternationalStatus;
      readonly nationalStatus: NationalStatus;
      readonly jurisdiction: string;
      readonly ageBand: AgeBand;
      readonly sex: VictimSex;
      readonly selfGenerated: SelfGenerated;
      readonly contentOrigin: ContentOrigin;
      readonly flags: readonly AssessmentFlag[];
      readonly assessedBy: number;
    } | null;
    readonly matches: readonly { readonly mediaId: number; readonly by: string; readonly distance: number }[];
  }[];
}

/** What an analyst records about one media item (DOMAIN.md §8.4, exactly). */
export interface AssessmentInput {
  readonly internationalStatus: InternationalStatus;
  readonly nationalStatus: NationalStatus;
  readonly jurisdiction: string;
  readonly legalBasis: string | null;
  readonly severityUk: UkCategory | null;
  readonly industryClassification: IndustryClassification | null;
  readonly ageBand: AgeBand;
  readonly sex: VictimSex;
  readonly victimCount: number | null;
  readonly selfGenerated: SelfGenerated;
  readonly contentOrigin: ContentOrigin;
  readonly flags: readonly AssessmentFlag[];
  readonly confidence: AssessmentConfidence;
  readonly notes: string | null;
}

/** `POST /v1/workbench/media/:id/assessments`. */
/** What a bulk assessment did, item by item. */
export interface BulkOutcome {
  readonly items: readonly (
    | { readonly mediaId: number; readonly recorded: true; readonly media: MediaView }
    | { readonly mediaId: number; readonly recorded: false; readonly code: string }
  )[];
}

export interface AssessmentOutcome {
  readonly media: MediaView;
  readonly published: boolean;
  readonly bankEntryIds: readonly number[];
  readonly awaitingSecondAssessment: boolean;
}

/** `POST /v1/workbench/media/:id/reveal`. */
export interface RevealOutcome {
  readonly exposure: Exposure;
  readonly previewUrl: string | null;
}

/** Statuses an analyst may set on a report. */
export type SettableReportStatus =
  | 'closed_not_illegal'
  | 'closed_duplicate'
  | 'closed_inaccessible'
  | 'closed_out_of_remit'
  | 'assessed'
  | 'in_assessment';

/** One audit row. */
export interface AuditRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string | null;
  /** The actor as people read it: "Ann Peeters (ann)", `API key "x"`, "system (retention)". */
  readonly actorName?: string | null;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  readonly hash: string;
  readonly prevHash: string;
}

/** What the server found when it walked the hash chain. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBadSeq: number | null;
  readonly problem: string | null;
}

/** `GET /v1/workbench/audit`. */
export interface AuditPage {
  readonly items: readonly AuditRow[];
  readonly verified: AuditVerification;
}

/** Filters and paging of the audit log. */
export interface AuditQuery {
  readonly afterSeq?: number;
  readonly limit?: number;
  readonly actor?: string;
  readonly action?: string;
}

/** One member of staff in the admin list. */
export interface AnalystListItem {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: AnalystRole;
  readonly totpEnabled: boolean;
  readonly disabled: boolean;
  readonly exposureToday: number;
  /** Today's limit of this analyst (the configured one plus a supervisor's raises). */
  readonly dailyLimit?: number;
}

/** A hash exchange as the admin page lists it (`GET /v1/workbench/hash-exchanges`). */
export interface HashExchangeItem {
  readonly name: string;
  readonly bank: string | null;
  /** ncmec, stopncii, threatexchange, hashline or feed (shown through the `exchangeType` labels). */
  readonly type: string;
  readonly intervalSeconds: number;
  readonly paused: boolean;
  readonly pausedReason: string | null;
  readonly status: {
    readonly running: boolean;
    readonly lastRunAt: string | null;
    readonly lastSuccessAt: string | null;
    readonly lastErrorKind: string | null;
    readonly lastErrorMessage: string | null;
    readonly nextRunAt: string;
    readonly counts: {
      readonly added: number;
      readonly updated: number;
      readonly withdrawn: number;
      readonly skipped: number;
      readonly errors: number;
    };
    /** Present where the exchange sends feedback votes back to its source. */
    readonly feedbackVotes?: {
      readonly pending: number;
      readonly sent: number;
      readonly refused: number;
      readonly lastError: string | null;
      readonly lastErrorAt: string | null;
    };
  };
}

/** `POST /v1/workbench/analysts`. */
export interface NewAnalyst {
  readonly username: string;
  readonly displayName: string;
  readonly role: AnalystRole;
  readonly password: string;
}

// ---- Issue #5: forwarding (referrals, package), partner exchange, notice and takedown ----

/** Who a case is forwarded to (DOMAIN.md §8.5 `target`). */
export type ReferralTarget =
  | 'federal_police_child_abuse'
  | 'inhope_hotline_via_iccam'
  | 'interpol_icse_via_iccam'
  | 'europol'
  | 'ncmec'
  | 'hosting_provider'
  | 'platform_trusted_flagger_notice'
  | 'registry_registrar';

/** Where a referral stands. */
export const REFERRAL_STATUSES = ['pending', 'sent', 'acknowledged', 'rejected', 'closed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** NCMEC's split: enough for law enforcement to act (`referral`), or `informational`. */
export type ReferralActionability = 'referral' | 'informational';

/** Who sends a notice: the hotline itself, or the national police unit. */
export type TakedownVia = 'hotline' | 'police';

/** The languages a notice can be written in. */
export const NOTICE_LANGUAGES = ['nl', 'fr', 'de', 'en'] as const;
export type NoticeLanguage = (typeof NOTICE_LANGUAGES)[number];

/** The plan's "forward the case to this recipient" step. */
export interface ReferPlanItem {
  readonly action: 'refer';
  readonly target: ReferralTarget;
  readonly targetName: string;
  readonly targetCountry: string;
  readonly basis: string;
  readonly actionable: ReferralActionability;
  readonly urlIds: readonly number[];
  readonly hostingCountries: readonly string[];
  /** How it can be delivered: a partner's exchange API, e-mail, or by hand. */
  readonly delivery: 'partner_api' | 'email' | 'manual';
  /** The referral recorded for this step, or null while none is. */
  readonly referralId?: string | null;
}

/** The plan's "have this URL taken down" step (hosted in the own country). */
export interface TakedownPlanItem {
  readonly action: 'takedown';
  readonly via: TakedownVia;
  readonly urlId: number;
  readonly country: string;
  readonly hostingNetwork: string | null;
}

/** The plan's "the host could not be located" step. */
export interface ManualTracePlanItem {
  readonly action: 'needs_manual_trace';
  readonly urlIds: readonly number[];
}

/** One step the routing rules propose. */
export type PlanItem = ReferPlanItem | TakedownPlanItem | ManualTracePlanItem;

/** One referral record (DOMAIN.md §8.5). */
export interface Referral {
  readonly id: string;
  readonly reportId: string;
  readonly target: ReferralTarget;
  readonly targetName: string;
  readonly targetCountry: string;
  readonly basis: string;
  readonly actionable: ReferralActionability;
  readonly status: ReferralStatus;
  readonly externalRef: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly sentAt: string | null;
  readonly updatedAt: string;
  readonly urlIds: readonly number[];
}

/** `GET /v1/workbench/reports/:id/referrals/plan`. */
export interface ReferralPlanView {
  readonly reportId: string;
  readonly reportStatus: string;
  readonly plan: readonly PlanItem[];
  readonly referrals: readonly Referral[];
}

/** `POST /v1/workbench/reports/:id/referrals`. */
export interface CreatedReferrals {
  readonly reportId: string;
  readonly reportStatus: string;
  readonly created: readonly Referral[];
  readonly existing: readonly Referral[];
  readonly plan: readonly PlanItem[];
}

/** What may change on a referral. */
export interface ReferralUpdate {
  readonly status?: ReferralStatus;
  readonly externalRef?: string | null;
}

/** A partner hotline a case can be forwarded to. */
export interface PartnerChoice {
  readonly country: string;
  readonly name: string;
  /** Whether the partner's exchange API is configured (a "Send to" button makes sense). */
  readonly exchangeApi: boolean;
}

/** One case sent to a partner hotline. */
export interface OutgoingExchange {
  readonly exchangeId: string;
  readonly reportId: string;
  readonly partner: { readonly country: string; readonly name: string };
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly receiptReference: string | null;
  readonly lastError: string | null;
  readonly urlCount: number;
  readonly mediaCount: number;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
  readonly updatedAt: string;
}

/** Removal-time buckets (INHOPE): same day, ≤ 3 days, ≤ 6 days, longer, not removed. */
export type RemovalBucket = 'same_day' | '<=3d' | '<=6d' | '>6d' | 'not_removed';

/** One re-check of a takedown's URL. */
export interface TakedownCheck {
  readonly checkedAt: string;
  readonly result: 'online' | 'offline' | 'error';
  /** A stable code (`http_404`, `media_present`, …); never page content. */
  readonly detail: string | null;
}

/** One notice-and-takedown of one URL (DOMAIN.md §8.6). */
export interface Takedown {
  readonly id: string;
  readonly reportId: string;
  readonly urlId: number;
  readonly url: string;
  readonly recipient: string;
  readonly language: NoticeLanguage;
  readonly via: TakedownVia;
  readonly status: 'pending' | 'notice_sent' | 'removed' | 'not_removed';
  readonly sentBy: TakedownVia | null;
  readonly sentTo: string | null;
  readonly referralReference: string | null;
  readonly noticeSentAt: string | null;
  readonly messageId: string;
  readonly sendAttempts: number;
  readonly lastError: string | null;
  readonly removedConfirmedAt: string | null;
  readonly timeToRemovalHours: number | null;
  readonly removalBucket: RemovalBucket;
  readonly nextCheckAt: string | null;
  readonly checks: readonly TakedownCheck[];
  readonly createdAt: string;
  readonly createdBy: string;
}

/** `POST /v1/workbench/reports/:id/takedowns`. */
export interface NewTakedown {
  readonly urlId: number;
  readonly recipient: string;
  /** Omitted: the deployment's default language. */
  readonly language?: NoticeLanguage;
  /** Omitted: the server decides (police for domestic hosting where configured). */
  readonly via?: TakedownVia;
  readonly referralReference?: string;
}

/** The referral package's formats (downloads). */
export type PackageFormat = 'json' | 'pdf';

/** Where the referral package of a report downloads from (same origin; the session cookie goes along). */
export function packageUrl(reportId: string, format: PackageFormat): string {
  return `/v1/workbench/reports/${encodeURIComponent(reportId)}/package.${format}`;
}

/** One problem with one field of a refused request (`errors[]` of problem+json). */
export interface ProblemItem {
  /** A JSON pointer into the request body, e.g. `/recipient`. */
  readonly at: string;
  readonly code: string;
  readonly message: string;
}

/** A failed call: the HTTP status and the problem's stable code (branch on `code`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string | null = null,
    /** The field-level problems of a VALIDATION_FAILED answer (empty otherwise). */
    readonly errors: readonly ProblemItem[] = [],
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'ApiError';
  }
}

/** A probing alert on a verdict-only API key (issue 15). */
export interface SecurityAlert {
  readonly seq: number;
  readonly at: string;
  readonly keyId: string;
  /** Null when the key no longer exists. */
  readonly keyName: string | null;
  /** `cluster`: queries bunched together; `threshold_edge`: queries at one banked hash's match threshold. */
  readonly rule: 'cluster' | 'threshold_edge';
  readonly queries: number;
  readonly suspended: boolean;
  readonly suspendedNow: boolean;
  readonly liftedAt: string | null;
}

/**
 * The workbench HTTP client. One instance per page; it holds the CSRF token of the current
 * session in memory (a reload asks the server again through {@link WorkbenchApi.currentSession}).
 */
export class WorkbenchApi {
  #csrfToken: string | null = null;
  /** Called when the server says the session is gone (expired, signed out elsewhere). */
  onSessionLost: () => void = () => undefined;

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.#csrfToken) headers['x-csrf-token'] = this.#csrfToken;
    const response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as {
        code?: string;
        detail?: string;
        errors?: ProblemItem[];
      };
      const error = new ApiError(
        response.status,
        problem.code ?? 'INTERNAL',
        problem.detail ?? null,
        Array.isArray(problem.errors) ? problem.errors : [],
      );
      // Signing in answers 401 for wrong credentials too; only other calls mean "session gone".
      if (error.code === 'SESSION_REQUIRED' && path !== '/v1/workbench/session') {
        this.#csrfToken = null;
        this.onSessionLost();
      }
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  #remember(session: Session): Session {
    this.#csrfToken = session.csrfToken;
    return session;
  }

  /** The current session, or null when not signed in. */
  async currentSession(): Promise<Session | null> {
    try {
      return this.#remember(await this.#call<Session>('GET', '/v1/workbench/session'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  }

  /** Signs in; rejects with TOTP_REQUIRED when the account needs a one-time code. */
  async signIn(username: string, password: string, totp?: string): Promise<Session> {
    const body = { username, password, ...(totp ? { totp } : {}) };
    return this.#remember(await this.#call<Session>('POST', '/v1/workbench/session', body));
  }

  /** Ends the session (the server clears the cookie). */
  async signOut(): Promise<void> {
    try {
      await this.#call<void>('DELETE', '/v1/workbench/session');
    } finally {
      this.#csrfToken = null;
    }
  }

  /** Keeps the workbench language with the signed-in analyst (it follows them to any browser). */
  setLanguage(language: Language): Promise<{ language: Language }> {
    return this.#call('PUT', '/v1/workbench/session/language', { language });
  }

  /** Starts TOTP enrolment: the secret to type into an authenticator app. */
  startTotp(): Promise<{ secret: string; otpauthUrl: string }> {
    return this.#call('POST', '/v1/workbench/session/totp', {});
  }

  /** Confirms TOTP enrolment with a first code; from then on sign-in needs a code. */
  confirmTotp(code: string): Promise<void> {
    return this.#call('POST', '/v1/workbench/session/totp/confirm', { code });
  }

  /** Probing alerts on verdict-only API keys, newest first (senior analysts and admins). */
  securityAlerts(): Promise<{ items: SecurityAlert[] }> {
    return this.#call('GET', '/v1/workbench/security/alerts');
  }

  /** Lifts the probing suspension of an API key, with a reason for the audit log; the alerts after it. */
  liftSuspension(keyId: string, reason: string): Promise<{ items: SecurityAlert[] }> {
    return this.#call('POST', `/v1/workbench/security/alerts/${encodeURIComponent(keyId)}/lift`, { reason });
  }

  /** The open reports, most urgent first, duplicates folded. */
  queue(): Promise<{ items: QueueItem[] }> {
    return this.#call('GET', '/v1/workbench/queue');
  }

  /** One report with its URLs, traces and media (audited as a view). */
  report(reportId: string): Promise<ReportDetail> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}`);
  }

  /** Counts a reveal against today's exposure; 429 EXPOSURE_LIMIT_REACHED at the limit. */
  reveal(mediaId: number): Promise<RevealOutcome> {
    return this.#call('POST', `/v1/workbench/media/${mediaId}/reveal`, {});
  }

  /** Queues another capture of a report's URL (an attempt still pending is returned as it is). */
  recapture(reportId: string, urlId: number): Promise<{ created: boolean; attempt: CaptureAttemptView }> {
    return this.#call(
      'POST',
      `/v1/workbench/reports/${encodeURIComponent(reportId)}/urls/${urlId}/recapture`,
      {},
    );
  }

  /** The capture attempts of a report's URL, oldest first. */
  captureAttempts(reportId: string, urlId: number): Promise<{ attempts: CaptureAttemptView[] }> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}/urls/${urlId}/captures`);
  }

  /** Reveals a capture's screenshot: counted against today's exposure like any reveal. */
  revealScreenshot(jobId: number): Promise<RevealOutcome> {
    return this.#call('POST', `/v1/workbench/captures/${jobId}/screenshot/reveal`, {});
  }

  /** Records my assessment of one item; 409 ALREADY_ASSESSED the second time. */
  /** One assessment for each of several items of a report (each audited, each still four-eyes). */
  assessMany(reportId: string, mediaIds: readonly number[], input: AssessmentInput): Promise<BulkOutcome> {
    return this.#call('POST', `/v1/workbench/reports/${encodeURIComponent(reportId)}/assessments`, {
      mediaIds,
      assessment: input,
    });
  }

  assess(mediaId: number, input: AssessmentInput): Promise<AssessmentOutcome> {
    return this.#call('POST', `/v1/workbench/media/${mediaId}/assessments`, input);
  }

  /** Moves a report to a new status (closing it, for example). */
  setReportStatus(reportId: string, status: SettableReportStatus): Promise<ReportDetail> {
    return this.#call('POST', `/v1/workbench/reports/${encodeURIComponent(reportId)}/status`, { status });
  }

  /** A page of the audit log and the chain's verification (admin only). */
  audit(query: AuditQuery = {}): Promise<AuditPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, String(value));
    const search = params.toString();
    return this.#call('GET', `/v1/workbench/audit${search ? `?${search}` : ''}`);
  }

  /** Every member of staff with today's exposure (admin only). */
  /** A supervisor raises another analyst's reveal limit for today, with a reason (audited). */
  raiseExposureLimit(analystId: string, extra: number, reason: string): Promise<{ exposure: Exposure }> {
    return this.#call('POST', `/v1/workbench/analysts/${encodeURIComponent(analystId)}/exposure-raise`, {
      extra,
      reason,
    });
  }

  analysts(): Promise<{ items: AnalystListItem[] }> {
    return this.#call('GET', '/v1/workbench/analysts');
  }

  /** Reveals per day over 30 days: every analyst for supervisors, your own otherwise. */
  exposureHistory(): Promise<ExposureHistory> {
    return this.#call('GET', '/v1/workbench/exposure');
  }

  /** Creates a member of staff (admin only); 409 USERNAME_TAKEN. */
  createAnalyst(input: NewAnalyst): Promise<AnalystListItem> {
    return this.#call('POST', '/v1/workbench/analysts', input);
  }

  /** The hash exchanges with their status (admin only). */
  hashExchanges(): Promise<{ items: HashExchangeItem[] }> {
    return this.#call('GET', '/v1/workbench/hash-exchanges');
  }

  /** Runs a hash exchange now, pauses or resumes it (admin only); 409 HASH_EXCHANGE_RUNNING or _PAUSED. */
  hashExchangeAction(name: string, action: 'run' | 'pause' | 'resume'): Promise<{ item: HashExchangeItem }> {
    return this.#call('POST', `/v1/workbench/hash-exchanges/${encodeURIComponent(name)}/${action}`, {});
  }

  /** What the routing rules propose for a report, and the referrals recorded already (not audited). */
  referralPlan(reportId: string): Promise<ReferralPlanView> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}/referrals/plan`);
  }

  /** Records the referrals the plan proposes; again creates nothing new. 409 NOTHING_TO_REFER. */
  createReferrals(reportId: string): Promise<CreatedReferrals> {
    return this.#call('POST', `/v1/workbench/reports/${encodeURIComponent(reportId)}/referrals`, {});
  }

  /** A report's referrals, oldest first. */
  referrals(reportId: string): Promise<{ items: Referral[] }> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}/referrals`);
  }

  /** Changes a referral's status and/or external reference. */
  updateReferral(referralId: string, update: ReferralUpdate): Promise<Referral> {
    return this.#call('POST', `/v1/workbench/referrals/${encodeURIComponent(referralId)}`, update);
  }

  /** The partner hotlines a case can be forwarded to. */
  exchangePartners(): Promise<{ items: PartnerChoice[] }> {
    return this.#call('GET', '/v1/workbench/exchange/partners');
  }

  /** What the partner hotline said about a case it forwarded (404 for other reports). */
  partnerAssessments(reportId: string): Promise<PartnerAssessments> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}/partner-assessments`);
  }

  /** The report's exchanges with partner hotlines. */
  exchanges(reportId: string): Promise<{ items: OutgoingExchange[] }> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}/exchanges`);
  }

  /** Sends the case to a partner hotline's exchange API (never media); 502 EXCHANGE_DELIVERY_FAILED. */
  forwardToPartner(reportId: string, partner: string): Promise<OutgoingExchange> {
    return this.#call('POST', `/v1/workbench/reports/${encodeURIComponent(reportId)}/exchange`, { partner });
  }

  /** The report's takedowns with their re-checks and removal times. */
  takedowns(reportId: string): Promise<{ items: Takedown[] }> {
    return this.#call('GET', `/v1/workbench/reports/${encodeURIComponent(reportId)}/takedowns`);
  }

  /** Creates a takedown for one URL; the notice is sent at once (a failed send stays pending). */
  createTakedown(reportId: string, input: NewTakedown): Promise<Takedown> {
    return this.#call('POST', `/v1/workbench/reports/${encodeURIComponent(reportId)}/takedowns`, input);
  }

  /** Re-checks a takedown's URL now (through the server's safe fetcher, never the browser). */
  checkTakedown(takedownId: string): Promise<Takedown> {
    return this.#call('POST', `/v1/workbench/takedowns/${encodeURIComponent(takedownId)}/check`, {});
  }
}
