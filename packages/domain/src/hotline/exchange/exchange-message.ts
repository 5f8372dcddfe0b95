import type { Classification } from '../../vocabulary.js';
import { normalizeSignal } from '../../banks/signal-validation.js';
import { DomainError } from '../../domain-error.js';
import { INDUSTRY_CLASSIFICATIONS, UK_CATEGORIES } from '../../vocabulary.js';
import { Problems, isRecord } from '../../validation.js';
import { MAX_REPORTED_URL_LENGTH, MAX_REPORT_URLS } from '../report-intake.service.js';
import { encodeUrlControls, normalizeReportedUrl } from '../url-normalization.js';
import {
  AGE_BANDS,
  ASSESSMENT_FLAGS,
  CONTENT_ORIGINS,
  INTERNATIONAL_STATUSES,
  IN_REMIT_CONCERNS,
  MEDIA_TYPES,
  NATIONAL_STATUSES,
  REPORT_CONCERNS,
  SELF_GENERATED_VALUES,
  SITE_TYPES,
  VICTIM_SEXES,
  type AgeBand,
  type AssessmentFlag,
  type ContentOrigin,
  type InternationalStatus,
  type MediaType,
  type NationalStatus,
  type ReportConcern,
  type SelfGenerated,
  type SiteType,
  type VictimSex,
} from '../hotline-vocabulary.js';

// The message one Hashline instance sends another when it forwards a case (DOMAIN.md §1.2 step 5,
// §1.4: what ICCAM records). It carries what lets the receiving hotline find, re-capture and
// re-assess the material under its own law: URLs with their trace, hashes, classification and an
// assessment summary. By construction it has no field for media bytes, thumbnails, the report's
// free text, the reporter's contact or analysts' names, and the parser refuses unknown keys, so
// none can be smuggled in either.

/** The version this code writes and the only one it reads. */
export const EXCHANGE_MESSAGE_VERSION = 1;
/** Most media items in one message (20 URLs × 50 items per page, the capture's own limits). */
export const MAX_EXCHANGE_MEDIA = 1000;
/** Longest sender reference. */
export const MAX_EXCHANGE_REFERENCE = 128;
/** Longest hotline or network name. */
const MAX_NAME = 200;

/** Where a URL resolved when the sender traced it (DOMAIN.md §8.2). */
export interface ExchangeTrace {
  readonly ipAddress: string | null;
  /** ISO 3166-1 alpha-2, upper case, or null when the dataset did not know. */
  readonly country: string | null;
  readonly asn: number | null;
  readonly network: string | null;
  readonly dataset: string;
  readonly datasetDate: string;
  /** ISO-8601. */
  readonly tracedAt: string;
}

/** A reported URL with the sender's trace. */
export interface ExchangeUrl {
  readonly url: string;
  readonly siteType: SiteType | null;
  readonly trace: ExchangeTrace | null;
}

/**
 * The sender's assessment of one item, summarised: what statistics and a second look need, never
 * who assessed it or their notes. `nationalStatus` is under the SENDER's law (`jurisdiction`).
 */
export interface ExchangeAssessmentSummary {
  readonly internationalStatus: InternationalStatus;
  readonly nationalStatus: NationalStatus;
  /** ISO alpha-2 of the law the sender applied. */
  readonly jurisdiction: string;
  /** The youngest band any assessor saw. */
  readonly ageBand: AgeBand;
  readonly sex: VictimSex;
  readonly selfGenerated: SelfGenerated;
  readonly contentOrigin: ContentOrigin;
  readonly flags: readonly AssessmentFlag[];
  /** How many analysts agreed (two for a four-eyes confirmation). */
  readonly assessedBy: number;
}

/** One media item: hashes, classification and the sender's assessment; never its bytes. */
export interface ExchangeMediaItem {
  /** Index into the message's `urls`: where the item was found. */
  readonly urlIndex: number;
  readonly mediaType: MediaType;
  readonly md5: string;
  readonly sha256: string;
  readonly pdq: string | null;
  readonly pdqQuality: number | null;
  readonly classification: Classification;
  /** True when the sender knew the item from a bank of assessed material (no fresh assessment). */
  readonly knownMaterial: boolean;
  /** The sender's own assessment; null for known material nobody re-assessed. */
  readonly assessment: ExchangeAssessmentSummary | null;
}

/** A case forwarded from one hotline to another (version 1). */
export interface ExchangeMessage {
  readonly version: typeof EXCHANGE_MESSAGE_VERSION;
  readonly sender: { readonly name: string; readonly country: string };
  /** The sender's opaque exchange id (not its report id): stable across resends of one case. */
  readonly reference: string;
  /** ISO-8601. */
  readonly sentAt: string;
  readonly concerns: readonly ReportConcern[];
  /** The sender's reporter said a child is in danger now. */
  readonly imminentDanger: boolean;
  readonly urls: readonly ExchangeUrl[];
  readonly media: readonly ExchangeMediaItem[];
}

const MESSAGE_KEYS = [
  'version',
  'sender',
  'reference',
  'sentAt',
  'concerns',
  'imminentDanger',
  'urls',
  'media',
];
const TRACE_KEYS = ['ipAddress', 'country', 'asn', 'network', 'dataset', 'datasetDate', 'tracedAt'];
const MEDIA_KEYS = [
  'urlIndex',
  'mediaType',
  'md5',
  'sha256',
  'pdq',
  'pdqQuality',
  'classification',
  'knownMaterial',
  'assessment',
];
const SUMMARY_KEYS = [
  'internationalStatus',
  'nationalStatus',
  'jurisdiction',
  'ageBand',
  'sex',
  'selfGenerated',
  'contentOrigin',
  'flags',
  'assessedBy',
];
const COUNTRY = /^[A-Z]{2}$/;
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
// Printable text without control characters: names end up in the analysts' UI and in exports.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const PLAIN_TEXT = /^[^\u0000-\u001f\u007f]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/**
 * Validates a received exchange message strictly: unknown keys are refused at every level, sizes
 * are capped, vocabularies are the domain's, hashes pass the same `normalizeSignal` rules as bank
 * entries (PDQ quality ≥ 50, no degenerate PDQ), and every problem is reported at once with a JSON
 * pointer (`/media/3/sha256`). Returns the message with hashes in lower case.
 * @throws {DomainError} VALIDATION_FAILED (or the single problem's own code, e.g. INVALID_HASH)
 */
export function parseExchangeMessage(body: unknown): ExchangeMessage {
  if (!isRecord(body))
    throw new DomainError('VALIDATION_FAILED', 'The exchange message must be a JSON object.');
  const problems = new Problems();
  unknownKeys(body, MESSAGE_KEYS, '', problems);

  if (body.version !== EXCHANGE_MESSAGE_VERSION) {
    problems.add('/version', `unsupported version; this hotline reads version ${EXCHANGE_MESSAGE_VERSION}`);
  }

  let sender = { name: '', country: '' };
  if (!isRecord(body.sender)) problems.add('/sender', 'an object { name, country }');
  else {
    unknownKeys(body.sender, ['name', 'country'], '/sender', problems);
    sender = {
      name: text(body.sender.name, '/sender/name', 1, MAX_NAME, problems) ?? '',
      country: country(body.sender.country, '/sender/country', false, problems) ?? '',
    };
  }

  const reference = body.reference;
  if (
    typeof reference !== 'string' ||
    reference.length > MAX_EXCHANGE_REFERENCE ||
    !REFERENCE.test(reference)
  ) {
    problems.add('/reference', `1–${MAX_EXCHANGE_REFERENCE} characters: letters, digits and . _ : -`);
  }
  const sentAt = time(body.sentAt, '/sentAt', problems);

  const concerns: ReportConcern[] = [];
  if (
    !Array.isArray(body.concerns) ||
    body.concerns.length === 0 ||
    body.concerns.length > REPORT_CONCERNS.length
  ) {
    problems.add('/concerns', `a list of 1–${REPORT_CONCERNS.length} concerns`);
  } else {
    body.concerns.forEach((value: unknown, i) => {
      if (!(REPORT_CONCERNS as readonly unknown[]).includes(value))
        problems.add(`/concerns/${i}`, 'unknown concern');
      else if (!concerns.includes(value as ReportConcern)) concerns.push(value as ReportConcern);
    });
    if (concerns.length > 0 && !concerns.some((c) => IN_REMIT_CONCERNS.includes(c))) {
      problems.add('/concerns', 'at least one concern the hotline handles (not only ncii_adult)');
    }
  }

  let imminentDanger = false;
  if (body.imminentDanger !== undefined) {
    if (typeof body.imminentDanger !== 'boolean') problems.add('/imminentDanger', 'true or false');
    else imminentDanger = body.imminentDanger;
  }

  const urls: ExchangeUrl[] = [];
  if (!Array.isArray(body.urls) || body.urls.length === 0 || body.urls.length > MAX_REPORT_URLS) {
    problems.add('/urls', `a list of 1–${MAX_REPORT_URLS} URLs`);
  } else {
    const seen = new Set<string>();
    body.urls.forEach((value: unknown, i) => {
      const parsed = parseUrl(value, `/urls/${i}`, problems);
      if (!parsed) return;
      const normalized = normalizeReportedUrl(parsed.url)!;
      // Items point at URLs by position, so a URL listed twice is refused rather than folded.
      if (seen.has(normalized)) problems.add(`/urls/${i}/url`, 'listed twice');
      seen.add(normalized);
      urls.push(parsed);
    });
  }
  const urlCount = Array.isArray(body.urls) ? body.urls.length : 0;

  const media: ExchangeMediaItem[] = [];
  if (!Array.isArray(body.media) || body.media.length > MAX_EXCHANGE_MEDIA) {
    problems.add('/media', `a list of at most ${MAX_EXCHANGE_MEDIA} items`);
  } else {
    body.media.forEach((value: unknown, i) => {
      const parsed = parseMediaItem(value, `/media/${i}`, urlCount, problems);
      if (parsed) media.push(parsed);
    });
  }

  problems.throwIfAny('The exchange message has problems');
  return {
    version: EXCHANGE_MESSAGE_VERSION,
    sender,
    reference: reference as string,
    sentAt: sentAt!,
    concerns,
    imminentDanger,
    urls,
    media,
  };
}

function parseUrl(value: unknown, at: string, problems: Problems): ExchangeUrl | undefined {
  if (!isRecord(value)) {
    problems.add(at, 'an object { url, siteType?, trace }');
    return undefined;
  }
  unknownKeys(value, ['url', 'siteType', 'trace'], at, problems);
  const url = typeof value.url === 'string' ? encodeUrlControls(value.url.trim()) : value.url;
  const valid =
    typeof url === 'string' && url.length <= MAX_REPORTED_URL_LENGTH && normalizeReportedUrl(url) !== null;
  if (!valid) problems.add(`${at}/url`, `an http(s) URL of at most ${MAX_REPORTED_URL_LENGTH} characters`);
  let siteType: SiteType | null = null;
  if (value.siteType !== undefined && value.siteType !== null) {
    if (!(SITE_TYPES as readonly unknown[]).includes(value.siteType))
      problems.add(`${at}/siteType`, 'unknown site type');
    else siteType = value.siteType as SiteType;
  }
  let trace: ExchangeTrace | null = null;
  if (value.trace !== undefined && value.trace !== null) {
    trace = parseTrace(value.trace, `${at}/trace`, problems) ?? null;
  }
  return valid ? { url: (url as string).trim(), siteType, trace } : undefined;
}

function parseTrace(value: unknown, at: string, problems: Problems): ExchangeTrace | undefined {
  if (!isRecord(value)) {
    problems.add(
      at,
      'an object { ipAddress, country, asn, network, dataset, datasetDate, tracedAt }, or null',
    );
    return undefined;
  }
  const before = problems.list.length;
  unknownKeys(value, TRACE_KEYS, at, problems);
  let ipAddress: string | null = null;
  if (value.ipAddress !== null && value.ipAddress !== undefined) {
    if (
      typeof value.ipAddress !== 'string' ||
      !(IPV4.test(value.ipAddress) || (value.ipAddress.includes(':') && IPV6.test(value.ipAddress)))
    ) {
      problems.add(`${at}/ipAddress`, 'an IPv4 or IPv6 address, or null');
    } else ipAddress = value.ipAddress.toLowerCase();
  }
  const traced: ExchangeTrace = {
    ipAddress,
    country: country(value.country, `${at}/country`, true, problems) ?? null,
    asn: integer(value.asn, `${at}/asn`, 0, 4_294_967_295, true, problems) ?? null,
    network:
      value.network === null || value.network === undefined
        ? null
        : (text(value.network, `${at}/network`, 0, MAX_NAME, problems) ?? null),
    dataset: text(value.dataset, `${at}/dataset`, 1, 100, problems) ?? '',
    datasetDate: text(value.datasetDate, `${at}/datasetDate`, 1, 32, problems) ?? '',
    tracedAt: time(value.tracedAt, `${at}/tracedAt`, problems) ?? '',
  };
  return problems.list.length === before ? traced : undefined;
}

function parseMediaItem(
  value: unknown,
  at: string,
  urlCount: number,
  problems: Problems,
): ExchangeMediaItem | undefined {
  if (!isRecord(value)) {
    problems.add(
      at,
      'an object { urlIndex, mediaType, md5, sha256, pdq, pdqQuality, classification, knownMaterial, assessment }',
    );
    return undefined;
  }
  const before = problems.list.length;
  unknownKeys(value, MEDIA_KEYS, at, problems);
  const urlIndex = integer(value.urlIndex, `${at}/urlIndex`, 0, Math.max(0, urlCount - 1), false, problems);
  if (!(MEDIA_TYPES as readonly unknown[]).includes(value.mediaType))
    problems.add(`${at}/mediaType`, `one of ${MEDIA_TYPES.join(', ')}`);
  const md5 = problems.capture(`${at}/md5`, () => normalizeSignal('md5', value.md5));
  const sha256 = problems.capture(`${at}/sha256`, () => normalizeSignal('sha256', value.sha256));
  let pdq: string | null = null;
  let pdqQuality: number | null = null;
  if (value.pdq !== null && value.pdq !== undefined) {
    pdqQuality = integer(value.pdqQuality, `${at}/pdqQuality`, 0, 100, false, problems) ?? null;
    if (pdqQuality !== null)
      pdq = problems.capture(`${at}/pdq`, () => normalizeSignal('pdq', value.pdq, pdqQuality)) ?? null;
  } else if (value.pdqQuality !== null && value.pdqQuality !== undefined) {
    problems.add(`${at}/pdqQuality`, 'null when there is no PDQ hash');
  }
  const classification = parseClassification(value.classification, `${at}/classification`, problems);
  if (typeof value.knownMaterial !== 'boolean') problems.add(`${at}/knownMaterial`, 'true or false');
  let assessment: ExchangeAssessmentSummary | null = null;
  if (value.assessment !== null && value.assessment !== undefined) {
    assessment = parseSummary(value.assessment, `${at}/assessment`, problems) ?? null;
  }
  if (problems.list.length !== before) return undefined;
  return {
    urlIndex: urlIndex!,
    mediaType: value.mediaType as MediaType,
    md5: md5!,
    sha256: sha256!,
    pdq,
    pdqQuality: pdq === null ? null : pdqQuality,
    classification: classification!,
    knownMaterial: value.knownMaterial as boolean,
    assessment,
  };
}

function parseClassification(value: unknown, at: string, problems: Problems): Classification | undefined {
  if (!isRecord(value)) {
    problems.add(at, 'an object with industry (A1–B2), uk (A/B/C) and/or baseline (boolean); {} when none');
    return undefined;
  }
  unknownKeys(value, ['industry', 'uk', 'baseline'], at, problems);
  const out: { -readonly [K in keyof Classification]: Classification[K] } = {};
  if (value.industry !== undefined && value.industry !== null) {
    if (!(INDUSTRY_CLASSIFICATIONS as readonly unknown[]).includes(value.industry))
      problems.add(`${at}/industry`, 'one of A1, A2, B1, B2');
    else out.industry = value.industry as Classification['industry'];
  }
  if (value.uk !== undefined && value.uk !== null) {
    if (!(UK_CATEGORIES as readonly unknown[]).includes(value.uk)) problems.add(`${at}/uk`, 'one of A, B, C');
    else out.uk = value.uk as Classification['uk'];
  }
  if (value.baseline !== undefined && value.baseline !== null) {
    if (typeof value.baseline !== 'boolean') problems.add(`${at}/baseline`, 'true or false');
    else out.baseline = value.baseline;
  }
  return out;
}

function parseSummary(value: unknown, at: string, problems: Problems): ExchangeAssessmentSummary | undefined {
  if (!isRecord(value)) {
    problems.add(at, 'an assessment summary object, or null');
    return undefined;
  }
  const before = problems.list.length;
  unknownKeys(value, SUMMARY_KEYS, at, problems);
  const oneOf = <T extends string>(key: string, values: readonly T[]): T => {
    if (!(values as readonly unknown[]).includes(value[key]))
      problems.add(`${at}/${key}`, `one of ${values.join(', ')}`);
    return value[key] as T;
  };
  const summary: ExchangeAssessmentSummary = {
    internationalStatus: oneOf('internationalStatus', INTERNATIONAL_STATUSES),
    nationalStatus: oneOf('nationalStatus', NATIONAL_STATUSES),
    jurisdiction: country(value.jurisdiction, `${at}/jurisdiction`, false, problems) ?? '',
    ageBand: oneOf('ageBand', AGE_BANDS),
    sex: oneOf('sex', VICTIM_SEXES),
    selfGenerated: oneOf('selfGenerated', SELF_GENERATED_VALUES),
    contentOrigin: oneOf('contentOrigin', CONTENT_ORIGINS),
    flags: [],
    assessedBy: integer(value.assessedBy, `${at}/assessedBy`, 1, 100, false, problems) ?? 0,
  };
  const flags = value.flags;
  if (!Array.isArray(flags) || flags.some((f) => !(ASSESSMENT_FLAGS as readonly unknown[]).includes(f))) {
    problems.add(`${at}/flags`, `a list of ${ASSESSMENT_FLAGS.join(', ')}`);
  }
  if (problems.list.length !== before) return undefined;
  return { ...summary, flags: [...new Set(flags as AssessmentFlag[])] };
}

function unknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  at: string,
  problems: Problems,
): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) problems.add(`${at}/${key}`, 'unknown field');
}

function text(value: unknown, at: string, min: number, max: number, problems: Problems): string | undefined {
  if (
    typeof value !== 'string' ||
    value.trim().length < min ||
    value.length > max ||
    !PLAIN_TEXT.test(value)
  ) {
    problems.add(at, `text of ${min}–${max} characters without control characters`);
    return undefined;
  }
  return value.trim();
}

function country(
  value: unknown,
  at: string,
  nullable: boolean,
  problems: Problems,
): string | null | undefined {
  if (nullable && (value === null || value === undefined)) return null;
  if (typeof value !== 'string' || !COUNTRY.test(value)) {
    problems.add(at, `an ISO 3166-1 alpha-2 code in upper case${nullable ? ', or null' : ''}`);
    return undefined;
  }
  return value;
}

function integer(
  value: unknown,
  at: string,
  min: number,
  max: number,
  nullable: boolean,
  problems: Problems,
): number | null | undefined {
  if (nullable && (value === null || value === undefined)) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add(at, `a whole number from ${min} to ${max}${nullable ? ', or null' : ''}`);
    return undefined;
  }
  return value;
}

function time(value: unknown, at: string, problems: Problems): string | undefined {
  if (typeof value !== 'string' || !ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    problems.add(at, 'an ISO-8601 date and time with a zone, e.g. 2026-11-26T10:00:00Z');
    return undefined;
  }
  return new Date(value).toISOString();
}
