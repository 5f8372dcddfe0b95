// The assessment vocabularies of DOMAIN.md §8.4, as the workbench offers them. They mirror
// packages/domain/src/hotline/hotline-vocabulary.ts (the web app bundles pdq only, not domain);
// the workbench browser test checks that both lists stay equal.

/** Assessment against INTERPOL's baseline. */
export const INTERNATIONAL_STATUSES = ['baseline', 'not_baseline'] as const;
export type InternationalStatus = (typeof INTERNATIONAL_STATUSES)[number];

/** Assessment against national law. */
export const NATIONAL_STATUSES = [
  'illegal',
  'not_illegal',
  'borderline_needs_review',
  'unable_to_assess',
] as const;
export type NationalStatus = (typeof NATIONAL_STATUSES)[number];

/** UK Sentencing Council categories (A most severe). */
export const UK_CATEGORIES = ['A', 'B', 'C'] as const;
export type UkCategory = (typeof UK_CATEGORIES)[number];

/** Tech Coalition industry classification. */
export const INDUSTRY_CLASSIFICATIONS = ['A1', 'A2', 'B1', 'B2'] as const;
export type IndustryClassification = (typeof INDUSTRY_CLASSIFICATIONS)[number];

/** Age band of the youngest visible child. */
export const AGE_BANDS = ['0-2', '3-6', '7-10', '11-13', '14-15', '16-17', 'unknown'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** Sex of the children visible. */
export const VICTIM_SEXES = ['girls', 'boys', 'both', 'unidentified'] as const;
export type VictimSex = (typeof VICTIM_SEXES)[number];

/** Whether the material is "self-generated" (always shown in quotes). */
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

/** Flags on an assessment. */
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

/** Roles of hotline staff. */
export const ANALYST_ROLES = ['analyst', 'senior_analyst', 'admin'] as const;
export type AnalystRole = (typeof ANALYST_ROLES)[number];

/** The report statuses an analyst closes a report with. */
export const CLOSING_STATUSES = [
  'closed_not_illegal',
  'closed_duplicate',
  'closed_inaccessible',
  'closed_out_of_remit',
] as const;
export type ClosingStatus = (typeof CLOSING_STATUSES)[number];

/** The jurisdiction an assessment defaults to when the server does not say (it does: `HASHLINE_JURISDICTION`). */
export const DEFAULT_JURISDICTION = 'BE';
