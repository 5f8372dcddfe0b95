// Controlled vocabularies of the hotline (DOMAIN.md §8.1–8.4). Identifiers follow the Luxembourg
// Terminology Guidelines (§7): "csam", "self_generated" (shown in quotes), no wording that blames a child.

/** What a member of the public is worried about (DOMAIN.md §8.1 `reportedConcern`). */
export const REPORT_CONCERNS = [
  /** Child sexual abuse material at a URL. */
  'csam',
  /** An adult building a relationship with a child for sexual purposes. */
  'grooming_solicitation',
  /** Sexual extortion of a child ("sextortion"). */
  'sexual_extortion',
  /** Intimate images of a minor shared without consent. */
  'ncii_minor',
  /** Material that looks AI-generated. */
  'ai_generated',
  /** Intimate images of an adult: out of the hotline's remit, routed to the helpline / StopNCII. */
  'ncii_adult',
  'other',
] as const;
export type ReportConcern = (typeof REPORT_CONCERNS)[number];

/** Concerns the hotline handles as a report; the others get guidance instead. */
export const IN_REMIT_CONCERNS: readonly ReportConcern[] = [
  'csam',
  'grooming_solicitation',
  'sexual_extortion',
  'ncii_minor',
  'ai_generated',
  'other',
];

/** How a report arrived (DOMAIN.md §8.1 `channel`). */
export const REPORT_CHANNELS = [
  'web_form',
  'email',
  'phone_116000',
  'api_trusted_flagger',
  'proactive_search',
  'crawler_match',
  'iccam_incoming',
  'partner_referral',
] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

/** Who reported (DOMAIN.md §8.1 `reporterType`). */
export const REPORTER_TYPES = [
  'public',
  'child_self_report',
  'parent_guardian',
  'professional',
  'trusted_flagger',
  'industry',
  'law_enforcement',
  'other_hotline',
] as const;
export type ReporterType = (typeof REPORTER_TYPES)[number];

/** The life of a report (DOMAIN.md §8.1 `status`). */
export const REPORT_STATUSES = [
  'received',
  'triage',
  'in_assessment',
  'assessed',
  'forwarded',
  'ntd_sent',
  'removed_confirmed',
  'closed_not_illegal',
  'closed_duplicate',
  'closed_inaccessible',
  'closed_out_of_remit',
] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Statuses after which a report is closed (the retention clock starts, the contact is deleted). */
export const CLOSED_REPORT_STATUSES: readonly ReportStatus[] = [
  'removed_confirmed',
  'closed_not_illegal',
  'closed_duplicate',
  'closed_inaccessible',
  'closed_out_of_remit',
];

/** What a reporter sees of the status: no detail of the assessment leaks through a receipt. */
export type PublicReportStatus = 'received' | 'in_progress' | 'closed';

/** The public view of a status. */
export function publicStatusOf(status: ReportStatus): PublicReportStatus {
  if (status === 'received') return 'received';
  return CLOSED_REPORT_STATUSES.includes(status) ? 'closed' : 'in_progress';
}

/** Where the reporter saw it (DOMAIN.md §8.2 `siteType`). */
export const SITE_TYPES = [
  'image_host',
  'file_host_cyberlocker',
  'video_channel',
  'forum',
  'social_network',
  'chat_messaging',
  'blog',
  'website',
  'banner_site',
  'search_provider',
  'p2p',
  'dark_web',
  'other',
] as const;
export type SiteType = (typeof SITE_TYPES)[number];

/** What the capture found at a URL (DOMAIN.md §8.2 `accessibleAtAssessment`). */
export const URL_ACCESSIBILITY = ['online', 'offline', 'geo_blocked', 'login_required', 'error'] as const;
export type UrlAccessibility = (typeof URL_ACCESSIBILITY)[number];

/** Media kinds (DOMAIN.md §8.3). */
export const MEDIA_TYPES = ['image', 'video', 'grid_collage', 'audio', 'text'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** Assessment against INTERPOL's baseline (DOMAIN.md §8.4). */
export const INTERNATIONAL_STATUSES = ['baseline', 'not_baseline'] as const;
export type InternationalStatus = (typeof INTERNATIONAL_STATUSES)[number];

/** Assessment against national law (DOMAIN.md §8.4). */
export const NATIONAL_STATUSES = [
  'illegal',
  'not_illegal',
  'borderline_needs_review',
  'unable_to_assess',
] as const;
export type NationalStatus = (typeof NATIONAL_STATUSES)[number];

/** Age band of the youngest visible child (IWF IntelliGrade bands). */
export const AGE_BANDS = ['0-2', '3-6', '7-10', '11-13', '14-15', '16-17', 'unknown'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** Age group derived from the band (INHOPE statistics). */
export type AgeGroup = 'infant_toddler' | 'prepubescent' | 'pubescent' | 'unknown';

/** The age group of a band: 0–2 infant/toddler, 3–13 prepubescent, 14–17 pubescent. */
export function ageGroupOf(band: AgeBand): AgeGroup {
  switch (band) {
    case '0-2':
      return 'infant_toddler';
    case '3-6':
    case '7-10':
    case '11-13':
      return 'prepubescent';
    case '14-15':
    case '16-17':
      return 'pubescent';
    default:
      return 'unknown';
  }
}

/** Sex of the children visible (IWF: "boys" means only boys seen). */
export const VICTIM_SEXES = ['girls', 'boys', 'both', 'unidentified'] as const;
export type VictimSex = (typeof VICTIM_SEXES)[number];

/** Whether the material is "self-generated" (always shown in quotes; never implies blame). */
export const SELF_GENERATED_VALUES = ['yes', 'no', 'unknown'] as const;
export type SelfGenerated = (typeof SELF_GENERATED_VALUES)[number];

/** How the material was made. */
export const CONTENT_ORIGINS = [
  'photographic',
  'ai_generated',
  'computer_generated_drawn',
  'unknown',
] as const;
export type ContentOrigin = (typeof CONTENT_ORIGINS)[number];

/** Flags on an assessment (DOMAIN.md §8.4). */
export const ASSESSMENT_FLAGS = [
  'viral',
  'potential_meme',
  'live_stream_capture',
  'bestiality',
  'sadism_violence',
  'physical_harm',
  'infant',
  'advert_or_link_only',
] as const;
export type AssessmentFlag = (typeof ASSESSMENT_FLAGS)[number];

/** How sure the analyst is. */
export const ASSESSMENT_CONFIDENCE = ['certain', 'probable', 'uncertain'] as const;
export type AssessmentConfidence = (typeof ASSESSMENT_CONFIDENCE)[number];

/** Roles of hotline staff (SECURITY.md §4.2). */
export const ANALYST_ROLES = ['analyst', 'senior_analyst', 'admin'] as const;
export type AnalystRole = (typeof ANALYST_ROLES)[number];

/** Sources of a known match (DOMAIN.md §8.3 `knownMatch.source`). */
export const KNOWN_MATCH_SOURCES = ['own', 'iccam', 'iwf', 'ncmec', 'arachnid', 'interpol_baseline'] as const;
export type KnownMatchSource = (typeof KNOWN_MATCH_SOURCES)[number];

/** What the audit log records (SECURITY.md §4.2, G14). */
export const AUDIT_ACTIONS = [
  'sign_in',
  'sign_in_failed',
  'sign_out',
  'totp_enrolled',
  'analyst_created',
  'analyst_updated',
  'report_viewed',
  'media_viewed',
  'media_revealed',
  'media_preview_viewed',
  'assessment_recorded',
  'report_status_changed',
  'bank_entry_added',
  'export_created',
  'audit_viewed',
  'contact_viewed',
  'contact_deleted',
  'retention_deleted',
  // Forwarding (issue 5): referral records and the CyberTipline export.
  'referral_created',
  'referral_sent',
  'referral_updated',
  'cybertipline_exported',
  'match_record_file_viewed',
  // Submission to NCMEC (issue 14): each step with NCMEC's report id, and the finished report.
  'cybertipline_submission_step',
  'cybertipline_submitted',
  // Statistics (issue 5): a CSV export of the figures.
  'statistics_exported',
  // Hotline-to-hotline exchange (issue 5 part 2).
  'exchange_sent',
  'exchange_received',
  // Notice and takedown (issue 5 part 3).
  'takedown_created',
  'takedown_notice_sent',
  'takedown_send_failed',
  'takedown_checked',
  // Capture (issue 16): each recorded capture (with its screenshot's SHA-256), and recaptures asked for.
  'capture_recorded',
  'recapture_requested',
  // Every bank change from any path, with its actor (issue 15).
  'bank_created',
  'bank_updated',
  'bank_deleted',
  'bank_entries_added',
  'bank_entry_updated',
  'bank_entry_deleted',
  'bank_import_applied',
  'bank_entries_withdrawn',
  // Feedback votes sent to (or refused by) a hash exchange's source (issue 14).
  'bank_feedback_sent',
  // A verdict-only key's queries clustered around one point: probing a banked hash (issue 15).
  'api_key_probing_suspected',
  // An admin or senior analyst lifted a probing suspension in the workbench, with a reason.
  'api_key_suspension_lifted',
  // The workbench for daily use (issue 17): a supervisor raised an analyst's daily exposure limit.
  'exposure_limit_raised',
  // A hash exchange configured, changed, paused, resumed or removed (issue 14; its bank changes are
  // the bank_* rows above, with the actor `exchange:<name>`).
  'hash_exchange_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
