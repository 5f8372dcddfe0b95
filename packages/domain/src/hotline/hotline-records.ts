import type { PdqVariantHash } from '../banks/pdq-variants.js';
import type { Classification } from '../vocabulary.js';
import type {
  AgeBand,
  AnalystRole,
  AssessmentConfidence,
  AssessmentFlag,
  AuditAction,
  ContentOrigin,
  InternationalStatus,
  KnownMatchSource,
  MediaType,
  NationalStatus,
  ReportChannel,
  ReportConcern,
  ReporterType,
  ReportStatus,
  SelfGenerated,
  SiteType,
  UrlAccessibility,
  VictimSex,
} from './hotline-vocabulary.js';

/** The languages the public form speaks. */
export const REPORT_LANGUAGES = ['nl', 'fr', 'de', 'en'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

/**
 * One submission to the hotline (DOMAIN.md §8.1). The reporter's identity is never here: an
 * optional contact lives apart ({@link SealedContact}), encrypted, and is deleted when the report
 * closes. The receipt code is kept only as a SHA-256 (`receiptHash`), so the table cannot be used
 * to look up or impersonate a reporter.
 */
export interface Report {
  /** Sortable unique id (ULID), the hotline's reference; never shown to the public. */
  readonly id: string;
  readonly receivedAt: Date;
  readonly channel: ReportChannel;
  readonly reporterType: ReporterType;
  readonly anonymous: boolean;
  /** The separately stored contact, if the reporter left one and it is not deleted yet. */
  readonly contactId: string | null;
  readonly consentToContact: boolean;
  readonly language: string;
  readonly concerns: readonly ReportConcern[];
  /** Free text (≤ 3,000 characters); never logged. */
  readonly description: string | null;
  /** Where the reporter saw it, if they said. */
  readonly seenWhere: SiteType | null;
  readonly imminentDanger: boolean;
  readonly status: ReportStatus;
  /** 0 is the most urgent; the queue orders by priority, then age. */
  readonly priority: number;
  readonly duplicateOfReportId: string | null;
  readonly assignedAnalystId: string | null;
  readonly closedAt: Date | null;
  /** SHA-256 (hex) of the receipt code the reporter holds. */
  readonly receiptHash: string;
  /** For reports from a partner hotline: its name and reference (issue 5). */
  readonly partnerReference: string | null;
  readonly updatedAt: Date;
}

/** Where a host resolved and what the offline dataset says about the address (DOMAIN.md §8.2). */
export interface HostTrace {
  readonly host: string;
  /** The address the capture connected to (or would have); null when the host did not resolve. */
  readonly ipAddress: string | null;
  /** ISO 3166-1 alpha-2, upper case; null when unknown. */
  readonly country: string | null;
  readonly asn: number | null;
  /** The network's name (hosting provider) from the dataset. */
  readonly network: string | null;
  /** The dataset used, with its date, so an analyst knows how fresh the answer is. */
  readonly dataset: string;
  readonly datasetDate: string;
  readonly tracedAt: Date;
}

/** One URL of a report and what the capture found there. */
export interface ReportedUrl {
  readonly id: number;
  readonly reportId: string;
  readonly url: string;
  /** Lower-cased scheme and host, default port and fragment dropped, used to fold duplicates. */
  readonly normalizedUrl: string;
  readonly siteType: SiteType | null;
  readonly accessibility: UrlAccessibility | null;
  readonly capturedAt: Date | null;
  /** A stable error code when the capture failed or was refused (never the page's content). */
  readonly captureError: string | null;
  readonly trace: HostTrace | null;
}

/** A bank entry a captured item matched: it was assessed before, so nobody has to view it again. */
export interface KnownMatch {
  readonly source: KnownMatchSource;
  readonly bankName: string;
  readonly entryId: number;
  readonly signalType: string;
  readonly distance: number;
  readonly classification: Classification;
}

/** Where a media item stands. */
export type MediaStatus = 'pending_assessment' | 'previously_assessed' | 'assessed' | 'published';

/** One image (or video) found at a reported URL (DOMAIN.md §8.3). */
export interface MediaItem {
  readonly id: number;
  readonly reportId: string;
  readonly urlId: number;
  /** The URL the bytes came from (the page itself for a direct link). */
  readonly sourceUrl: string;
  readonly mediaType: MediaType;
  readonly md5: string;
  readonly sha256: string;
  readonly pdq: string | null;
  readonly pdqQuality: number | null;
  /** Bank-side robust variants of the image (ADR 0021), stored with its PDQ entry when published. */
  readonly pdqVariants?: readonly PdqVariantHash[];
  readonly width: number | null;
  readonly height: number | null;
  readonly byteLength: number;
  readonly knownMatch: KnownMatch | null;
  readonly previouslyAssessed: boolean;
  /** Whether the (encrypted) bytes are kept; otherwise only hashes and a blurred thumbnail. */
  readonly storedContent: boolean;
  readonly status: MediaStatus;
  /** Bank entries made from it after two analysts assessed it illegal. */
  readonly bankEntryIds: readonly number[];
  readonly capturedAt: Date;
  /**
   * A video's contact sheet (its thumbnail and preview are the sheet, blurred and in colour);
   * absent or null for images and for videos captured before sheets were made.
   */
  readonly contactSheet?: ContactSheet | null;
}

/**
 * What a video item's contact sheet shows: a few evenly spaced frames tiled left to right, top to
 * bottom, in time order. The workbench shows it instead of playing the video.
 */
export interface ContactSheet {
  /** The video's duration in seconds as its container declares it; null when it declares none. */
  readonly durationSeconds: number | null;
  /** Frames on the sheet. */
  readonly frames: number;
  readonly columns: number;
  readonly rows: number;
  /** Each frame's time in the video, in seconds, in sheet order. */
  readonly timestamps: readonly number[];
}

/** An analyst's assessment of one media item (DOMAIN.md §8.4, exactly). */
export interface AssessmentInput {
  readonly internationalStatus: InternationalStatus;
  readonly nationalStatus: NationalStatus;
  /** ISO 3166-1 alpha-2 of the law applied. */
  readonly jurisdiction: string;
  readonly legalBasis: string | null;
  readonly severityUk: 'A' | 'B' | 'C' | null;
  readonly industryClassification: 'A1' | 'A2' | 'B1' | 'B2' | null;
  readonly ageBand: AgeBand;
  readonly sex: VictimSex;
  readonly victimCount: number | null;
  readonly selfGenerated: SelfGenerated;
  readonly contentOrigin: ContentOrigin;
  readonly flags: readonly AssessmentFlag[];
  readonly confidence: AssessmentConfidence;
  readonly notes: string | null;
}

/** A recorded assessment. */
export interface Assessment extends AssessmentInput {
  readonly id: number;
  readonly mediaId: number;
  readonly analystId: string;
  readonly assessedAt: Date;
}

/** A member of hotline staff. */
export interface Analyst {
  readonly id: string;
  /** Unique, lower case. */
  readonly username: string;
  readonly displayName: string;
  readonly role: AnalystRole;
  /** scrypt hash (`scrypt$N$r$p$salt$key`); never leaves the server. */
  readonly passwordHash: string;
  /** The TOTP secret, sealed with the server's key; null when TOTP is not enrolled. */
  readonly totpSecretSealed: string | null;
  readonly disabled: boolean;
  /**
   * The language the analyst chose for the workbench (and their PDFs); null or absent until they
   * choose, when the browser's language decides.
   */
  readonly language?: ReportLanguage | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A signed-in browser session; the cookie holds the id, the store only its SHA-256. */
export interface AnalystSession {
  readonly idHash: string;
  readonly analystId: string;
  /** Sent back in the `X-CSRF-Token` header of every state-changing request. */
  readonly csrfToken: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** A reporter's contact details, encrypted with the server's key, kept apart from the report. */
export interface SealedContact {
  readonly id: string;
  /** AES-256-GCM sealed JSON `{ name?, email?, phone? }`. */
  readonly sealed: string;
  readonly createdAt: Date;
}

/** One row of the append-only, hash-chained audit log (SECURITY.md §4.2, G14). */
export interface AuditEvent {
  readonly seq: number;
  readonly at: Date;
  /** The analyst (or `system:<job>`) who acted; null for anonymous public actions. */
  readonly actor: string | null;
  readonly action: AuditAction;
  readonly subjectType: string;
  readonly subjectId: string;
  /** Small facts about the action; never media, report text or contact details. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  /** `hash` of the previous row (64 zeros for the first). */
  readonly prevHash: string;
  /** SHA-256 over {@link auditDigestInput} of this row. */
  readonly hash: string;
}

/** An audit event to append; the store assigns seq, time and the chain. */
export type NewAuditEvent = Pick<AuditEvent, 'actor' | 'action' | 'subjectType' | 'subjectId' | 'details'>;

/** A queued capture of one reported URL (the outbox row written with the report). */
export interface CaptureJob {
  readonly id: number;
  readonly reportId: string;
  readonly urlId: number;
  readonly attempts: number;
  readonly status: 'pending' | 'done' | 'failed';
  readonly runAfter: Date;
  readonly lastError: string | null;
}
