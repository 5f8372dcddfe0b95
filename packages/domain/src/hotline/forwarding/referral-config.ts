import { isHttpUrl, isRecord } from '../../validation.js';
import {
  NO_PARTNER_ROUTES,
  TAKEDOWN_ROUTES,
  type NoPartnerRoute,
  type TakedownRoute,
} from './referral-vocabulary.js';

/** An INHOPE partner hotline in another country, as the deployment configures it. */
export interface PartnerHotline {
  /** ISO 3166-1 alpha-2, upper case: cases hosted there go to this hotline. */
  readonly country: string;
  readonly name: string;
  /** The partner's Hashline exchange API (used by the exchange; never shown in plans or packages). */
  readonly baseUrl?: string;
  /** The bearer token for that API: a secret, never logged, shown or exported. */
  readonly token?: string;
  /** Where a referral can be e-mailed when there is no API. */
  readonly email?: string;
}

/** The referral rules of one deployment (issue 5 part 1). */
export interface ReferralConfig {
  /** The hotline's own country, ISO alpha-2 (default: the jurisdiction). */
  readonly ownCountry: string;
  /** The national police unit that receives domestic cases (and foreign ones without a partner). */
  readonly policeUnit: { readonly name: string; readonly email: string | null };
  /** Who sends notice-and-takedown for domestic hosting (Belgium: the police). */
  readonly takedownVia: TakedownRoute;
  /** Partner hotlines by country (at most one per country, never the own country). */
  readonly partners: readonly PartnerHotline[];
  /** Where cases hosted in a country without a partner go. */
  readonly noPartnerRoute: NoPartnerRoute;
  /**
   * Whether the referral package carries the reporter's free-text description (default false: a
   * description can identify the reporter, and the package leaves the hotline).
   */
  readonly packageIncludesDescription: boolean;
}

/** The name of the police unit a country's hotline refers to when none is configured. */
export function defaultPoliceUnitName(country: string): string {
  return country === 'BE' ? 'Federal Police – Child Abuse team' : 'National police';
}

/** Who sends takedown notices by default: the police in Belgium (DOMAIN.md §6.1), else the hotline. */
export function defaultTakedownVia(country: string): TakedownRoute {
  return country === 'BE' ? 'police' : 'hotline';
}

const COUNTRY = /^[A-Z]{2}$/;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;

/** True for a plausible e-mail address (one @, a dot in the domain, no spaces or brackets). */
function isEmailAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}

/**
 * Validates a list of partner hotlines (the JSON of `HASHLINE_PARTNER_HOTLINES` or of the file
 * it names): an array of `{ country, name, baseUrl?, token?, email? }`. Every problem is reported,
 * each naming the item, in words an operator can act on; `source` says where the list came from.
 */
export function parsePartnerHotlines(
  value: unknown,
  source: string,
  ownCountry: string,
): { partners: PartnerHotline[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(value)) {
    return {
      partners: [],
      problems: [`${source} must be a JSON array of { "country", "name", "baseUrl"?, "token"?, "email"? }.`],
    };
  }
  const partners: PartnerHotline[] = [];
  const seen = new Set<string>();
  value.forEach((item: unknown, i) => {
    const at = `${source}[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${at} must be an object { "country", "name", ... }.`);
      return;
    }
    const before = problems.length;
    for (const key of Object.keys(item)) {
      if (!['country', 'name', 'baseUrl', 'token', 'email'].includes(key))
        problems.push(`${at}.${key} is not a known field.`);
    }
    const country = typeof item.country === 'string' ? item.country.trim().toUpperCase() : '';
    if (!COUNTRY.test(country)) problems.push(`${at}.country must be an ISO 3166-1 alpha-2 code, e.g. NL.`);
    else if (country === ownCountry)
      problems.push(
        `${at}.country is the hotline's own country (${ownCountry}); domestic cases go to the police.`,
      );
    else if (seen.has(country)) problems.push(`${at}.country ${country} is listed twice.`);
    const name = typeof item.name === 'string' ? item.name.trim() : '';
    if (name === '' || name.length > 200)
      problems.push(`${at}.name must be the hotline's name (1–200 characters).`);
    if (item.baseUrl !== undefined && !isHttpUrl(item.baseUrl))
      problems.push(`${at}.baseUrl must be an http(s) URL.`);
    if (
      item.token !== undefined &&
      (typeof item.token !== 'string' || item.token.length < 16 || /\s/.test(item.token))
    ) {
      problems.push(`${at}.token must be a secret of at least 16 characters without spaces.`);
    }
    if (item.email !== undefined && !isEmailAddress(item.email))
      problems.push(`${at}.email must be an e-mail address.`);
    if (problems.length > before) return;
    seen.add(country);
    partners.push({
      country,
      name,
      ...(item.baseUrl !== undefined ? { baseUrl: String(item.baseUrl).replace(/\/+$/, '') } : {}),
      ...(item.token !== undefined ? { token: String(item.token) } : {}),
      ...(item.email !== undefined ? { email: String(item.email) } : {}),
    });
  });
  return { partners, problems };
}

/** The raw settings of {@link buildReferralConfig}, as the server's configuration reads them. */
export interface ReferralSettings {
  /** ISO alpha-2 of the hotline's country (required; the server passes the jurisdiction by default). */
  readonly ownCountry: string;
  readonly policeUnitName?: string;
  readonly policeUnitEmail?: string;
  readonly takedownVia?: string;
  /** The partner list, already parsed from JSON (undefined: no partners). */
  readonly partners?: unknown;
  /** Where the partner list came from, for messages (the variable or file name). */
  readonly partnersSource?: string;
  readonly noPartnerRoute?: string;
  readonly packageIncludesDescription?: boolean;
  /** How messages name each setting (e.g. the environment variable); defaults are plain words. */
  readonly labels?: Partial<
    Record<'ownCountry' | 'policeUnitName' | 'policeUnitEmail' | 'takedownVia' | 'noPartnerRoute', string>
  >;
}

/**
 * Builds and validates a deployment's {@link ReferralConfig} from its raw settings, applying the
 * country's defaults (Belgium: the Federal Police's Child Abuse team, takedown via the police).
 * Returns every problem as a sentence naming the setting; the config is usable only without problems.
 */
export function buildReferralConfig(settings: ReferralSettings): {
  config: ReferralConfig;
  problems: string[];
} {
  const problems: string[] = [];
  const label = (key: keyof NonNullable<ReferralSettings['labels']>, fallback: string) =>
    settings.labels?.[key] ?? fallback;
  const ownCountry = settings.ownCountry.trim().toUpperCase();
  if (!COUNTRY.test(ownCountry))
    problems.push(
      `${label('ownCountry', 'The referral country')} must be an ISO 3166-1 alpha-2 code, e.g. BE; got ${JSON.stringify(settings.ownCountry)}.`,
    );
  const policeName = settings.policeUnitName?.trim() || defaultPoliceUnitName(ownCountry);
  if (policeName.length > 200)
    problems.push(`${label('policeUnitName', 'The police unit name')} must be at most 200 characters.`);
  const policeEmail = settings.policeUnitEmail?.trim() || null;
  if (policeEmail !== null && !isEmailAddress(policeEmail))
    problems.push(`${label('policeUnitEmail', 'The police unit e-mail')} must be an e-mail address.`);
  const takedownVia = settings.takedownVia?.trim().toLowerCase() || defaultTakedownVia(ownCountry);
  if (!(TAKEDOWN_ROUTES as readonly string[]).includes(takedownVia))
    problems.push(
      `${label('takedownVia', 'Takedown via')} must be one of ${TAKEDOWN_ROUTES.join(', ')}; got ${JSON.stringify(takedownVia)}.`,
    );
  const noPartnerRoute = settings.noPartnerRoute?.trim().toLowerCase() || 'national_police';
  if (!(NO_PARTNER_ROUTES as readonly string[]).includes(noPartnerRoute))
    problems.push(
      `${label('noPartnerRoute', 'The no-partner route')} must be one of ${NO_PARTNER_ROUTES.join(', ')}; got ${JSON.stringify(noPartnerRoute)}.`,
    );
  const parsed =
    settings.partners === undefined
      ? { partners: [], problems: [] }
      : parsePartnerHotlines(settings.partners, settings.partnersSource ?? 'partner hotlines', ownCountry);
  problems.push(...parsed.problems);
  return {
    config: {
      ownCountry,
      policeUnit: { name: policeName, email: policeEmail },
      takedownVia: takedownVia as TakedownRoute,
      partners: parsed.partners,
      noPartnerRoute: noPartnerRoute as NoPartnerRoute,
      packageIncludesDescription: settings.packageIncludesDescription ?? false,
    },
    problems,
  };
}
