// Display words for the statistics' keys (English, the workbench's language), shared by the
// dashboard and the public figures page. Luxembourg Guidelines: "child sexual abuse material",
// "self-generated" in quotes, nothing that blames a child.

const CHANNELS: Record<string, string> = {
  web_form: 'Web form',
  email: 'E-mail',
  phone_116000: 'Phone (116 000)',
  api_trusted_flagger: 'Trusted flagger',
  proactive_search: 'Proactive search',
  crawler_match: 'Crawler match',
  iccam_incoming: 'Partner hotline (ICCAM)',
  partner_referral: 'Partner referral',
};

const OUTCOMES: Record<string, string> = {
  illegal: 'Illegal',
  not_illegal: 'Not illegal',
  duplicate: 'Duplicate',
  inaccessible: 'Inaccessible',
  out_of_remit: 'Out of remit',
  in_progress: 'Not yet assessed',
};

const MEDIA_OUTCOMES: Record<string, string> = {
  previously_known: 'Previously known',
  illegal_confirmed: 'Illegal (two analysts)',
  illegal: 'Illegal (one analyst)',
  needs_review: 'Needs review',
  not_illegal: 'Not illegal',
  pending: 'Not yet assessed',
};

const OTHER: Record<string, string> = {
  new: 'New to the hotline',
  previously_known: 'Previously known',
  yes: 'Yes',
  no: 'No',
  unknown: 'Unknown',
  ai_generated: 'AI-generated',
  photographic: 'Photographic',
  computer_generated_drawn: 'Computer-generated or drawn',
  online: 'Online',
  offline: 'Offline',
  geo_blocked: 'Geo-blocked',
  login_required: 'Login required',
  error: 'Error',
  not_captured: 'Not captured',
  same_day: 'Same day (< 24 h)',
  '<=3d': '≤ 3 days',
  '<=6d': '≤ 6 days',
  '>6d': '> 6 days',
  not_removed: 'Not removed (yet)',
  federal_police_child_abuse: 'National police (child abuse unit)',
  inhope_hotline_via_iccam: 'INHOPE partner hotline',
  interpol_icse_via_iccam: 'INTERPOL (ICSE)',
  europol: 'Europol',
  ncmec: 'NCMEC',
  hosting_provider: 'Hosting provider',
  platform_trusted_flagger_notice: 'Platform (trusted flagger notice)',
  registry_registrar: 'Registry or registrar',
  none: 'No category',
  A: 'Category A',
  B: 'Category B',
  C: 'Category C',
};

const OVERVIEW: Record<string, string> = {
  reports_received: 'Reports received',
  reports_assessed: 'Reports assessed',
  reports_illegal: 'Reports with illegal material',
  urls_reported: 'URLs reported',
  urls_illegal: 'URLs with illegal material',
  media_items: 'Media items captured',
  media_illegal: 'Media items illegal',
  media_previously_known: 'Media items previously known',
  media_self_generated: '"Self-generated" (of assessed illegal items)',
  media_ai_generated: 'AI-generated (of assessed illegal items)',
};

/** Section titles. */
export const SECTION_TITLES: Record<string, string> = {
  overview: 'Overview',
  reports_by_month_channel: 'Reports by month and channel',
  reports_by_channel: 'Reports by channel',
  report_outcome: 'Outcome of reports',
  url_accessibility: 'Reported URLs at capture',
  hosting_countries: 'Hosting countries of URLs with illegal material',
  media_outcome: 'Media items by outcome',
  media_known: 'New vs previously known media items',
  age_severity: 'Age band (youngest child) × UK category, assessed illegal items',
  self_generated: '"Self-generated" material, assessed illegal items',
  content_origin: 'Content origin (AI-generated share), assessed illegal items',
  referral_targets: 'Referrals by target',
  removal_times: 'Time from notice to removal',
};

/** What a section's numbers count, for captions and descriptions. */
export const UNIT_WORDS: Record<string, string> = {
  reports: 'reports',
  urls: 'URLs',
  media_items: 'media items',
  referrals: 'referrals',
  takedowns: 'takedown notices',
  mixed: 'items',
};

let regionNames: Intl.DisplayNames | null | undefined;

/** A country's name from its ISO code (the code itself where the browser has no name). */
function countryName(code: string): string {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  if (!/^[A-Z]{2}$/.test(code) || !regionNames) return code;
  return regionNames.of(code) ?? code;
}

/** The display word of a key in a section. */
export function labelOf(section: string, key: string): string {
  switch (section) {
    case 'reports_by_month_channel':
    case 'reports_by_channel':
      return CHANNELS[key] ?? key;
    case 'report_outcome':
      return OUTCOMES[key] ?? key;
    case 'media_outcome':
      return MEDIA_OUTCOMES[key] ?? key;
    case 'overview':
      return OVERVIEW[key] ?? key;
    case 'hosting_countries':
      return key === 'unknown' ? 'Unknown' : countryName(key);
    default:
      return OTHER[key] ?? key;
  }
}

/** `2025-03` as `Mar 2025`. */
export function monthLabel(month: string): string {
  const [year, m] = month.split('-').map(Number);
  if (!year || !m) return month;
  return new Date(Date.UTC(year, m - 1, 1)).toLocaleDateString('en', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const integer = new Intl.NumberFormat('en');
/** A count with digit grouping. */
export function formatCount(count: number): string {
  return integer.format(count);
}

/** A share as a percentage with one decimal, or an en dash. */
export function formatShare(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)} %`;
}
