// The report form's rules, apart from React: what the reporter typed → the request body, or the
// fields to fix. The server checks the same rules again (it is the authority); checking here too
// keeps a typo from costing a round trip, and keeps `javascript:` and friends from ever being sent.
import { pointerSegments, type ProblemFieldError } from '../shared/problem.js';
import type { Language } from '../shared/language.js';
import type { Concern, ReportSubmission, SiteType } from './report-api.js';

/** The messages a field error can show (looked up when rendering, so a language switch re-words them). */
export type ErrorKey =
  | 'errorUrlMissing'
  | 'errorUrlInvalid'
  | 'errorUrlTooLong'
  | 'errorConcernMissing'
  | 'errorDescriptionTooLong'
  | 'errorSeenWhere'
  | 'errorName'
  | 'errorEmail'
  | 'errorPhone'
  | 'errorContactHow'
  | 'errorConsent'
  | 'errorInvalidOther';

/** Longest URL the server accepts (characters). */
export const MAX_URL_LENGTH = 2048;
/** Longest contact name kept (the server's limit is the same or larger). */
export const MAX_NAME_LENGTH = 200;

/** What the reporter has typed and ticked. */
export interface ReportDraft {
  readonly urls: readonly string[];
  readonly concerns: readonly Concern[];
  readonly description: string;
  readonly seenWhere: SiteType | '';
  readonly imminentDanger: boolean;
  readonly contactName: string;
  readonly contactEmail: string;
  readonly contactPhone: string;
  readonly consentToContact: boolean;
  /** The honeypot's value (empty for people). */
  readonly website: string;
}

/** An empty form: one URL field, nothing ticked, anonymous. */
export const EMPTY_DRAFT: ReportDraft = {
  urls: [''],
  concerns: [],
  description: '',
  seenWhere: '',
  imminentDanger: false,
  contactName: '',
  contactEmail: '',
  contactPhone: '',
  consentToContact: false,
  website: '',
};

/**
 * A field of the form: `url:0`…`url:19` (by position in the form, not in the body), `concerns`,
 * `description`, `seenWhere`, `contactName`, `contactEmail`, `contactPhone`, `consent`.
 */
export type FieldKey =
  | `url:${number}`
  | 'concerns'
  | 'description'
  | 'seenWhere'
  | 'contactName'
  | 'contactEmail'
  | 'contactPhone'
  | 'consent';

/** A message per field to fix, in the form's order, and complaints that name no field. */
export interface FormErrors {
  readonly fields: ReadonlyMap<FieldKey, ErrorKey>;
  readonly general: readonly ErrorKey[];
}

/** What {@link buildSubmission} returns: a body to send, or what to fix. */
export type Built =
  | {
      readonly ok: true;
      readonly body: ReportSubmission;
      /** Which form field each `urls[i]` of the body came from (empty and repeated fields are left out). */
      readonly urlFields: readonly number[];
    }
  | { readonly ok: false; readonly errors: FormErrors };

/** Whether only out-of-remit concerns are ticked (adult NCII): the page shows guidance instead of sending. */
export function onlyOutOfRemit(concerns: readonly Concern[]): boolean {
  return concerns.length > 0 && concerns.every((c) => c === 'ncii_adult');
}

/**
 * Reads a typed web address: trims it, adds `https://` when the scheme is missing
 * (`www.example.com/x`), and accepts http(s) only. Returns null for anything else
 * (`javascript:`, `data:`, words with spaces).
 */
export function parseWebAddress(typed: string): string | null {
  const text = typed.trim();
  if (text === '' || /\s/.test(text)) return null;
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(text);
  // "example.com:8080/x" parses as a scheme; a bare host with a dot and no scheme gets https://.
  const candidate = hasScheme && !/^[^/:]+\.[^/:]+:\d+/.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // A host needs a dot (example.com) or is an IP literal; "https://hello" is a typo, not a site.
  if (!url.hostname.includes('.') && !url.hostname.startsWith('[')) return null;
  return candidate;
}

/** A loose e-mail check (something@something.tld); the server decides finally. */
function looksLikeEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) && text.length <= 254;
}

/** Digits, spaces, dots, dashes, slashes, brackets and a leading +; at least 6 digits. */
function looksLikePhone(text: string): boolean {
  return /^\+?[\d\s./()-]+$/.test(text) && (text.match(/\d/g)?.length ?? 0) >= 6 && text.length <= 40;
}

/** Checks the draft and builds the request body (or says which fields to fix). */
export function buildSubmission(
  draft: ReportDraft,
  language: Language,
  limits: { readonly maxUrls: number; readonly maxDescription: number },
): Built {
  const fields = new Map<FieldKey, ErrorKey>();
  const urls: string[] = [];
  const urlFields: number[] = [];
  draft.urls.forEach((typed, index) => {
    if (typed.trim() === '') return;
    if (typed.trim().length > MAX_URL_LENGTH) {
      fields.set(`url:${index}`, 'errorUrlTooLong');
      return;
    }
    const url = parseWebAddress(typed);
    if (url === null) fields.set(`url:${index}`, 'errorUrlInvalid');
    else if (!urls.includes(url)) {
      urls.push(url);
      urlFields.push(index);
    }
  });
  if (urls.length === 0 && fields.size === 0) fields.set('url:0', 'errorUrlMissing');
  // The page never offers more fields than allowed; a lower server limit still gets a clear place.
  if (urls.length > limits.maxUrls) fields.set(`url:${urlFields[limits.maxUrls]!}`, 'errorUrlInvalid');
  if (draft.concerns.length === 0) fields.set('concerns', 'errorConcernMissing');
  if (draft.description.length > limits.maxDescription) {
    fields.set('description', 'errorDescriptionTooLong');
  }

  const name = draft.contactName.trim();
  const email = draft.contactEmail.trim();
  const phone = draft.contactPhone.trim();
  const givesContact = name !== '' || email !== '' || phone !== '';
  if (name.length > MAX_NAME_LENGTH) fields.set('contactName', 'errorName');
  if (email !== '' && !looksLikeEmail(email)) fields.set('contactEmail', 'errorEmail');
  if (phone !== '' && !looksLikePhone(phone)) fields.set('contactPhone', 'errorPhone');
  if ((givesContact || draft.consentToContact) && email === '' && phone === '') {
    fields.set('contactEmail', 'errorContactHow');
  }
  if (givesContact && !draft.consentToContact) fields.set('consent', 'errorConsent');

  if (fields.size > 0) return { ok: false, errors: { fields: ordered(fields), general: [] } };
  const body: ReportSubmission = {
    urls,
    concerns: [...draft.concerns],
    ...(draft.description.trim() !== '' ? { description: draft.description.trim() } : {}),
    ...(draft.seenWhere !== '' ? { seenWhere: draft.seenWhere } : {}),
    imminentDanger: draft.imminentDanger,
    language,
    ...(givesContact
      ? {
          contact: {
            ...(name !== '' ? { name } : {}),
            ...(email !== '' ? { email } : {}),
            ...(phone !== '' ? { phone } : {}),
          },
          consentToContact: true,
        }
      : {}),
    // Sent as typed: the server answers a filled honeypot with a receipt that stores nothing.
    ...(draft.website !== '' ? { website: draft.website } : {}),
  };
  return { ok: true, body, urlFields };
}

/** The order fields appear in on the page (so the summary and the first focus follow it). */
function fieldRank(key: FieldKey): number {
  if (key.startsWith('url:')) return Number(key.slice(4));
  const rest: FieldKey[] = [
    'concerns',
    'description',
    'seenWhere',
    'contactName',
    'contactEmail',
    'contactPhone',
    'consent',
  ];
  return 100 + rest.indexOf(key);
}

function ordered(fields: Map<FieldKey, ErrorKey>): ReadonlyMap<FieldKey, ErrorKey> {
  return new Map([...fields].sort(([a], [b]) => fieldRank(a) - fieldRank(b)));
}

/**
 * Maps a 400 VALIDATION_FAILED problem's `errors[].at` to the form's fields (`/urls/1` → the
 * form field that became `urls[1]`), with a message for each; pointers that name no
 * field become general complaints.
 */
export function errorsFromProblem(
  problems: readonly ProblemFieldError[],
  urlFields: readonly number[],
): FormErrors {
  const fields = new Map<FieldKey, ErrorKey>();
  const general: ErrorKey[] = [];
  for (const problem of problems) {
    const [head, index] = pointerSegments(problem.at);
    switch (head) {
      case 'urls':
        if (index !== undefined && /^\d+$/.test(index)) {
          fields.set(
            `url:${urlFields[Number(index)] ?? 0}`,
            /long|length/i.test(problem.code) ? 'errorUrlTooLong' : 'errorUrlInvalid',
          );
        } else fields.set('url:0', urlFields.length === 0 ? 'errorUrlMissing' : 'errorUrlInvalid');
        break;
      case 'concerns':
        fields.set('concerns', 'errorConcernMissing');
        break;
      case 'description':
        fields.set('description', 'errorDescriptionTooLong');
        break;
      case 'seenWhere':
        fields.set('seenWhere', 'errorSeenWhere');
        break;
      case 'contact':
        if (index === 'name') fields.set('contactName', 'errorName');
        else if (index === 'phone') fields.set('contactPhone', 'errorPhone');
        else if (index === 'email') fields.set('contactEmail', 'errorEmail');
        else fields.set('contactEmail', 'errorContactHow');
        break;
      case 'consentToContact':
        fields.set('consent', 'errorConsent');
        break;
      default:
        if (!general.includes('errorInvalidOther')) general.push('errorInvalidOther');
    }
  }
  if (fields.size === 0 && general.length === 0) general.push('errorInvalidOther');
  return { fields: ordered(fields), general };
}

/** The DOM id of a field's input (the target of the error summary's links and of focus). */
export function fieldId(key: FieldKey): string {
  return key.startsWith('url:') ? `report-url-${key.slice(4)}` : `report-${key}`;
}
