// The report form's only network calls: same origin, JSON, no cookies, no referrer. The reported
// URLs and the description travel in POST bodies only, never in a URL (they would land in logs).
import type { Language } from '../shared/language.js';
import { NetworkError, problemFromResponse } from '../shared/problem.js';

/** What a member of the public can be worried about (the server's `REPORT_CONCERNS`, in form order). */
export const CONCERNS = [
  'csam',
  'grooming_solicitation',
  'sexual_extortion',
  'ncii_minor',
  'ai_generated',
  'other',
  'ncii_adult',
] as const;
/** One of {@link CONCERNS}. */
export type Concern = (typeof CONCERNS)[number];

/** Where the material was seen (the server's `SITE_TYPES`). */
export const SITE_TYPES = [
  'social_network',
  'chat_messaging',
  'video_channel',
  'image_host',
  'file_host_cyberlocker',
  'forum',
  'blog',
  'website',
  'search_provider',
  'banner_site',
  'p2p',
  'dark_web',
  'other',
] as const;
/** One of {@link SITE_TYPES}. */
export type SiteType = (typeof SITE_TYPES)[number];

/** A helpline or the police, as configured on the server. */
export interface HelpContact {
  readonly name: string;
  readonly phone: string;
  readonly url?: string;
}

/** `GET /v1/public/hotline/config`. */
export interface HotlineConfig {
  readonly helpline: HelpContact;
  readonly police: HelpContact;
  readonly selfSubmissionPath: string;
  readonly hotlineName: string;
  readonly maxUrls: number;
  readonly maxDescription: number;
}

/** Used until the server's configuration has loaded, or when it cannot be loaded (the server's defaults). */
export const FALLBACK_HOTLINE_CONFIG: HotlineConfig = {
  helpline: { name: 'Child Focus', phone: '116 000' },
  police: { name: 'Police', phone: '112' },
  selfSubmissionPath: '/',
  hotlineName: 'Hashline hotline',
  maxUrls: 20,
  maxDescription: 3000,
};

/** The body of `POST /v1/public/reports` (the server refuses unknown keys). */
export interface ReportSubmission {
  readonly urls: readonly string[];
  readonly concerns: readonly Concern[];
  readonly description?: string;
  readonly seenWhere?: SiteType;
  readonly imminentDanger?: boolean;
  readonly language: Language;
  readonly contact?: { readonly name?: string; readonly email?: string; readonly phone?: string };
  readonly consentToContact?: boolean;
  /** The honeypot: people never see it, so it is empty unless a bot filled it in. */
  readonly website?: string;
}

/** `201` of `POST /v1/public/reports`. */
export interface ReportReceipt {
  readonly receiptCode: string;
  readonly status: PublicStatus;
  readonly receivedDay: string;
}

/** What a reporter may learn about a report. */
export type PublicStatus = 'received' | 'in_progress' | 'closed';

/** `200` of `POST /v1/public/reports/status`. */
export interface ReportStatusView {
  readonly receiptCode: string;
  readonly status: PublicStatus;
  readonly receivedDay: string;
  readonly urlCount: number;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) throw await problemFromResponse(response);
  return (await response.json()) as T;
}

/** Loads the helpline, police and limits; falls back field by field to {@link FALLBACK_HOTLINE_CONFIG}. */
export async function loadHotlineConfig(): Promise<HotlineConfig> {
  const loaded = await call<Partial<HotlineConfig>>('/v1/public/hotline/config', {
    method: 'GET',
    headers: { accept: 'application/json' },
  });
  return { ...FALLBACK_HOTLINE_CONFIG, ...loaded };
}

/**
 * Sends a report once. The idempotency key belongs to the attempt, not to the call: the caller
 * passes the same key for every retry of the same body, so a report that reached the server before
 * the connection dropped is not stored twice.
 */
export function submitReport(body: ReportSubmission, idempotencyKey: string): Promise<ReportReceipt> {
  return call('/v1/public/reports', {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  });
}

/** Looks up a report's public status by its receipt code (POST, so the code stays out of URLs). */
export function reportStatus(receiptCode: string): Promise<ReportStatusView> {
  return call('/v1/public/reports/status', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ receiptCode }),
  });
}

/**
 * A random UUID v4 for the `Idempotency-Key`. `crypto.randomUUID` exists only in secure contexts
 * (HTTPS, localhost); a hotline reachable over plain HTTP on an intranet still gets a v4 UUID.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Tidies a typed receipt code: upper case, and the dashes put back when the reporter typed the
 * code with spaces or without separators (`hl 7kq2 m9xd…` → `HL-7KQ2-M9XD-…`).
 */
export function normalizeReceiptCode(input: string): string {
  const compact = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (/^HL[A-Z0-9]{16}$/.test(compact)) {
    const groups = compact.slice(2).match(/.{4}/g) ?? [];
    return ['HL', ...groups].join('-');
  }
  return input.trim().toUpperCase();
}
