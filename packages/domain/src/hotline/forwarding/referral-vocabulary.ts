// Vocabularies of forwarding (DOMAIN.md §8.5), exactly as the data model names them, plus the
// `sent` status (a referral recorded but not yet handed over is `pending`; once handed over it is
// `sent`, until the recipient acknowledges or rejects it).

/** Who a case is forwarded to (DOMAIN.md §8.5 `target`). */
export const REFERRAL_TARGETS = [
  /** The national police unit (in Belgium the Federal Police's Child Abuse team). */
  'federal_police_child_abuse',
  /** The INHOPE member hotline of the hosting country, through ICCAM or a partner API. */
  'inhope_hotline_via_iccam',
  /** INTERPOL's ICSE database, through ICCAM's INTERPOL portal. */
  'interpol_icse_via_iccam',
  'europol',
  'ncmec',
  'hosting_provider',
  'platform_trusted_flagger_notice',
  'registry_registrar',
] as const;
export type ReferralTarget = (typeof REFERRAL_TARGETS)[number];

/** Why a case goes to that target (DOMAIN.md §8.5 `basis`). */
export const REFERRAL_BASES = [
  'hosted_in_country',
  'hosted_abroad_inhope',
  'hosted_abroad_no_inhope',
  'victim_in_country',
  'offender_in_country',
] as const;
export type ReferralBasis = (typeof REFERRAL_BASES)[number];

/** Where a referral stands (DOMAIN.md §8.5, with `sent`). */
export const REFERRAL_STATUSES = ['pending', 'sent', 'acknowledged', 'rejected', 'closed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * NCMEC's split of reports (DOMAIN.md §3.3): a `referral` carries enough for law enforcement to
 * act (a located host, illegal media with hashes, a URL); anything less is `informational`.
 */
export const REFERRAL_ACTIONABILITY = ['referral', 'informational'] as const;
export type ReferralActionability = (typeof REFERRAL_ACTIONABILITY)[number];

/**
 * Who sends the notice-and-takedown for material hosted in the hotline's own country: the hotline
 * itself, or the police with the judiciary (Belgium, DOMAIN.md §6.1).
 */
export const TAKEDOWN_ROUTES = ['hotline', 'police'] as const;
export type TakedownRoute = (typeof TAKEDOWN_ROUTES)[number];

/**
 * Where material hosted in a country without an INHOPE hotline goes: the national police (who
 * pass it on through INTERPOL; the Belgian protocol) or straight to INTERPOL's ICSE via ICCAM.
 */
export const NO_PARTNER_ROUTES = ['national_police', 'interpol'] as const;
export type NoPartnerRoute = (typeof NO_PARTNER_ROUTES)[number];
