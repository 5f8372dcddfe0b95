import { DomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import type { RandomBytes } from '../self-submission/self-submission-case.js';
import { Problems, isRecord } from '../validation.js';
import type { Sha256Hex } from './audit-chain.js';
import { newOpaqueId, newReceiptCode, newReportId, normalizeReceiptCode } from './hotline-ids.js';
import { REPORT_LANGUAGES, type ReportLanguage } from './hotline-records.js';
import type { HotlineStore } from './hotline-store.js';
import {
  IN_REMIT_CONCERNS,
  REPORT_CONCERNS,
  SITE_TYPES,
  publicStatusOf,
  type PublicReportStatus,
  type ReportConcern,
  type SiteType,
} from './hotline-vocabulary.js';
import type { SecretBox } from './secret-box.js';
import { encodeUrlControls, normalizeReportedUrl } from './url-normalization.js';

/** Most URLs in one report. */
export const MAX_REPORT_URLS = 20;
/** Longest description. */
export const MAX_REPORT_DESCRIPTION = 3000;
/** Longest URL. */
export const MAX_REPORTED_URL_LENGTH = 2048;
/** Longest contact field. */
const MAX_CONTACT_FIELD = 200;

/** A validated public report. */
export interface PublicReportSubmission {
  readonly urls: readonly string[];
  readonly concerns: readonly ReportConcern[];
  readonly description: string | null;
  readonly seenWhere: SiteType | null;
  readonly imminentDanger: boolean;
  readonly language: ReportLanguage;
  readonly contact: { readonly name?: string; readonly email?: string; readonly phone?: string } | null;
  readonly consentToContact: boolean;
}

/** What the reporter gets back. */
export interface ReportReceipt {
  readonly receiptCode: string;
  readonly status: PublicReportStatus;
  readonly receivedDay: string;
  /** True when this answers a retry of an earlier request (same idempotency key). */
  readonly replayed: boolean;
  /** The new report's id (for the server's capture wake-up; never sent to the reporter). */
  readonly reportId: string | null;
}

/** What a receipt lookup shows: nothing about the assessment. */
export interface PublicReportStatusView {
  readonly receiptCode: string;
  readonly status: PublicReportStatus;
  readonly receivedDay: string;
  readonly urlCount: number;
}

/** What the service needs. */
export interface ReportIntakeDependencies {
  readonly store: HotlineStore;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly secrets: SecretBox;
  readonly sha256Hex: Sha256Hex;
}

const ALLOWED_KEYS = new Set([
  'urls',
  'concerns',
  'description',
  'seenWhere',
  'imminentDanger',
  'language',
  'contact',
  'consentToContact',
  'website',
]);

/**
 * Anonymous public reports (DOMAIN.md §1.2 step 1, §8.1). A report is acknowledged only after it,
 * its URLs and their capture jobs (the outbox) are committed together; the client's idempotency
 * key makes retries and double submits return the first receipt. The optional contact is sealed
 * and stored apart; the receipt code is stored only as a hash (and sealed in the idempotency
 * record, so a retry can be answered).
 */
export class ReportIntakeService {
  constructor(private readonly deps: ReportIntakeDependencies) {}

  /**
   * Stores a report from the public form.
   * @param idempotencyKey the client's key (8–128 visible ASCII characters, a UUID from the page)
   * @throws {DomainError} VALIDATION_FAILED, OUT_OF_REMIT, IDEMPOTENCY_KEY_REUSED
   */
  async submit(body: unknown, idempotencyKey: string | undefined): Promise<ReportReceipt> {
    const { store, clock, random, secrets, sha256Hex } = this.deps;
    if (idempotencyKey === undefined || !/^[\x21-\x7e]{8,128}$/.test(idempotencyKey)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'An Idempotency-Key header of 8–128 visible characters is required (the page makes a UUID per report).',
        [{ at: 'Idempotency-Key', code: 'VALIDATION_FAILED', message: 'missing or malformed' }],
      );
    }
    const submission = parsePublicReport(body);
    if (!submission.concerns.some((c) => IN_REMIT_CONCERNS.includes(c))) {
      throw new DomainError(
        'OUT_OF_REMIT',
        'The hotline handles material involving children. For intimate images of an adult, contact the helpline or StopNCII.org.',
      );
    }
    const now = clock.now();
    const receiptCode = newReceiptCode(random);
    const reportId = newReportId(now, random);
    const contact =
      submission.contact === null
        ? null
        : {
            id: newOpaqueId(random),
            sealed: secrets.sealText('contact', JSON.stringify(submission.contact)),
            createdAt: now,
          };
    const created = await store.createReport({
      report: {
        id: reportId,
        receivedAt: now,
        channel: 'web_form',
        reporterType: 'public',
        anonymous: contact === null,
        contactId: contact?.id ?? null,
        consentToContact: contact !== null && submission.consentToContact,
        language: submission.language,
        concerns: submission.concerns,
        description: submission.description,
        seenWhere: submission.seenWhere,
        imminentDanger: submission.imminentDanger,
        status: 'received',
        priority: priorityOf(submission),
        duplicateOfReportId: null,
        assignedAnalystId: null,
        closedAt: null,
        receiptHash: sha256Hex(receiptCode),
        partnerReference: null,
      },
      urls: submission.urls.map((url) => ({
        url,
        normalizedUrl: normalizeReportedUrl(url) ?? url,
        siteType: submission.seenWhere,
      })),
      contact,
      idempotency: {
        keyHash: sha256Hex(`report:${idempotencyKey}`),
        bodyHash: sha256Hex(canonicalJson(submission)),
        receiptSealed: secrets.sealText('receipt', receiptCode),
      },
    });
    if (created.replayed && created.bodyHash !== sha256Hex(canonicalJson(submission))) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED');
    }
    return {
      receiptCode: created.replayed ? secrets.openText('receipt', created.receiptSealed) : receiptCode,
      status: publicStatusOf(created.report.status),
      receivedDay: created.report.receivedAt.toISOString().slice(0, 10),
      replayed: created.replayed,
      reportId: created.replayed ? null : created.report.id,
    };
  }

  /**
   * The public status of a report by its receipt code (any case, spaces or dashes).
   * @throws {DomainError} REPORT_NOT_FOUND, VALIDATION_FAILED
   */
  async status(body: unknown): Promise<PublicReportStatusView> {
    if (!isRecord(body) || typeof body.receiptCode !== 'string' || Object.keys(body).length !== 1) {
      throw new DomainError('VALIDATION_FAILED', 'Send { "receiptCode": "HL-…" }.');
    }
    const code = normalizeReceiptCode(body.receiptCode);
    const report =
      code === null ? undefined : await this.deps.store.getReportByReceiptHash(this.deps.sha256Hex(code));
    if (!report || code === null)
      throw new DomainError('REPORT_NOT_FOUND', 'No report has that receipt code.');
    const urls = await this.deps.store.listUrls(report.id);
    return {
      receiptCode: code,
      status: publicStatusOf(report.status),
      receivedDay: report.receivedAt.toISOString().slice(0, 10),
      urlCount: urls.length,
    };
  }
}

/**
 * Queue priority, 0 most urgent: a child in danger now; then material of a child (CSAM, sexual
 * extortion, non-consensual images of a minor); then grooming; then the rest.
 */
export function priorityOf(report: Pick<PublicReportSubmission, 'imminentDanger' | 'concerns'>): number {
  if (report.imminentDanger) return 0;
  if (report.concerns.some((c) => c === 'csam' || c === 'sexual_extortion' || c === 'ncii_minor')) return 1;
  if (report.concerns.includes('grooming_solicitation')) return 2;
  return 3;
}

/**
 * Validates a public report body strictly (unknown keys refused) and reports every bad field at
 * once, each with a JSON pointer (`/urls/1`) the page maps to its field.
 * @throws {DomainError} VALIDATION_FAILED
 */
export function parsePublicReport(body: unknown): PublicReportSubmission {
  const problems = new Problems();
  if (!isRecord(body)) throw new DomainError('VALIDATION_FAILED', 'The body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (!ALLOWED_KEYS.has(key)) problems.add(`/${key}`, 'unknown field');
  }
  const urls: string[] = [];
  if (!Array.isArray(body.urls) || body.urls.length === 0) {
    problems.add('/urls', 'give at least one URL');
  } else if (body.urls.length > MAX_REPORT_URLS) {
    problems.add('/urls', `at most ${MAX_REPORT_URLS} URLs per report`);
  } else {
    const seen = new Set<string>();
    body.urls.forEach((value, i) => {
      const url = typeof value === 'string' ? encodeUrlControls(value.trim()) : '';
      const normalized = url.length <= MAX_REPORTED_URL_LENGTH ? normalizeReportedUrl(url) : null;
      if (normalized === null) {
        problems.add(`/urls/${i}`, 'not a web address (it must start with http:// or https://)');
      } else if (!seen.has(normalized)) {
        seen.add(normalized);
        urls.push(url);
      }
    });
  }
  const concerns: ReportConcern[] = [];
  if (!Array.isArray(body.concerns) || body.concerns.length === 0) {
    problems.add('/concerns', 'choose at least one concern');
  } else {
    body.concerns.forEach((value, i) => {
      if (!(REPORT_CONCERNS as readonly unknown[]).includes(value))
        problems.add(`/concerns/${i}`, 'unknown concern');
      else if (!concerns.includes(value as ReportConcern)) concerns.push(value as ReportConcern);
    });
  }
  let description: string | null = null;
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== 'string') problems.add('/description', 'must be text');
    else if (body.description.length > MAX_REPORT_DESCRIPTION)
      problems.add('/description', `at most ${MAX_REPORT_DESCRIPTION} characters`);
    else description = body.description.trim() || null;
  }
  let seenWhere: SiteType | null = null;
  if (body.seenWhere !== undefined && body.seenWhere !== null && body.seenWhere !== '') {
    if (!(SITE_TYPES as readonly unknown[]).includes(body.seenWhere))
      problems.add('/seenWhere', 'unknown site type');
    else seenWhere = body.seenWhere as SiteType;
  }
  const flag = (key: 'imminentDanger' | 'consentToContact'): boolean => {
    const value = body[key];
    if (value === undefined) return false;
    if (typeof value !== 'boolean') problems.add(`/${key}`, 'must be true or false');
    return value === true;
  };
  const imminentDanger = flag('imminentDanger');
  const consentToContact = flag('consentToContact');
  let language: ReportLanguage = 'en';
  if (!(REPORT_LANGUAGES as readonly unknown[]).includes(body.language)) {
    problems.add('/language', 'one of nl, fr, de, en');
  } else language = body.language as ReportLanguage;
  let contact: PublicReportSubmission['contact'] = null;
  if (body.contact !== undefined && body.contact !== null) {
    if (!isRecord(body.contact)) problems.add('/contact', 'must be an object');
    else {
      const fields: Record<string, string> = {};
      for (const [key, value] of Object.entries(body.contact)) {
        if (key !== 'name' && key !== 'email' && key !== 'phone')
          problems.add(`/contact/${key}`, 'unknown field');
        else if (typeof value !== 'string' || value.length > MAX_CONTACT_FIELD)
          problems.add(`/contact/${key}`, `text of at most ${MAX_CONTACT_FIELD} characters`);
        else if (value.trim() !== '') fields[key] = value.trim();
      }
      if (fields.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fields.email)) {
        problems.add('/contact/email', 'not an e-mail address');
      }
      contact = Object.keys(fields).length > 0 ? fields : null;
    }
  }
  if (body.website !== undefined && typeof body.website !== 'string')
    problems.add('/website', 'must be text');
  problems.throwIfAny('The report has problems');
  return { urls, concerns, description, seenWhere, imminentDanger, language, contact, consentToContact };
}

/** True when the honeypot field is filled: a bot (people never see the field). */
export function isHoneypotFilled(body: unknown): boolean {
  return isRecord(body) && typeof body.website === 'string' && body.website.trim() !== '';
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
