import type { ReferralConfig } from './referral-config.js';
import type {
  ReferralActionability,
  ReferralBasis,
  ReferralTarget,
  TakedownRoute,
} from './referral-vocabulary.js';

/** One URL of a report that was assessed illegal, with what the trace found (DOMAIN.md §8.2). */
export interface ReferralUrlInput {
  readonly urlId: number;
  readonly url: string;
  /** What the host trace found; null when the host was never traced. */
  readonly trace: {
    readonly ipAddress: string | null;
    /** ISO 3166-1 alpha-2 of the hosting country; null when the dataset did not know. */
    readonly country: string | null;
    /** The hosting network's name (the takedown's recipient), when known. */
    readonly network?: string | null;
  } | null;
  /**
   * Whether at least one media item found at the URL, with its hashes, was assessed illegal (two
   * analysts agreed, or it matched known material).
   */
  readonly mediaAssessedIllegal: boolean;
}

/** What the routing rules look at: a report's assessed-illegal URLs. */
export interface ReferralPlanInput {
  readonly urls: readonly ReferralUrlInput[];
}

/** Forward the case to a target: one item per (target, target country). */
export interface ReferralPlanItem {
  readonly action: 'refer';
  readonly target: ReferralTarget;
  /** The recipient as people know it (the police unit, the partner hotline's name, INTERPOL). */
  readonly targetName: string;
  /**
   * The recipient's country: the own country for the national police, the partner's country for
   * a hotline, and for INTERPOL the hosting country whose authorities it must reach.
   */
  readonly targetCountry: string;
  readonly basis: ReferralBasis;
  readonly actionable: ReferralActionability;
  readonly urlIds: readonly number[];
  readonly hostingCountries: readonly string[];
  /**
   * How it can be delivered: the partner's exchange API, e-mail, or by hand (ICCAM, the police's
   * own channel).
   */
  readonly delivery: 'partner_api' | 'email' | 'manual';
}

/** Have the URL taken down (hosted in the own country): by the hotline or by the police. */
export interface TakedownPlanItem {
  readonly action: 'takedown';
  readonly via: TakedownRoute;
  readonly urlId: number;
  readonly country: string;
  /** The hosting network from the trace (whose abuse desk gets the notice), when known. */
  readonly hostingNetwork: string | null;
}

/** No automatic referral: the host could not be located, an analyst must trace it by hand. */
export interface ManualTracePlanItem {
  readonly action: 'needs_manual_trace';
  readonly urlIds: readonly number[];
}

/** One step the rules propose for a report. */
export type ReferralPlan = ReferralPlanItem | TakedownPlanItem | ManualTracePlanItem;

/** INTERPOL's name in plans and packages. */
export const INTERPOL_ICSE_NAME = 'INTERPOL ICSE (via ICCAM)';

const BASIS_PRIORITY: readonly ReferralBasis[] = [
  'hosted_in_country',
  'hosted_abroad_inhope',
  'hosted_abroad_no_inhope',
];
const TARGET_ORDER: readonly ReferralTarget[] = [
  'federal_police_child_abuse',
  'inhope_hotline_via_iccam',
  'interpol_icse_via_iccam',
];

/** The hosting country of a trace, upper case, or null when it is missing or not a country code. */
export function hostingCountryOf(trace: ReferralUrlInput['trace']): string | null {
  const country = trace?.country?.trim().toUpperCase() ?? '';
  // ZZ is the ISO user-assigned "unknown"; EU and AP are registry blocks, not countries.
  return /^[A-Z]{2}$/.test(country) && !['ZZ', 'EU', 'AP', 'XX'].includes(country) ? country : null;
}

/**
 * NCMEC's rule (DOMAIN.md §3.3) applied to a URL: actionable ("referral") when the host is located
 * (an IP address and a country), media with hashes at it was assessed illegal, and there is a
 * URL; otherwise "informational".
 */
export function actionabilityOf(url: ReferralUrlInput): ReferralActionability {
  const located = url.trace !== null && !!url.trace.ipAddress && hostingCountryOf(url.trace) !== null;
  return located && url.mediaAssessedIllegal && url.url.trim() !== '' ? 'referral' : 'informational';
}

/**
 * The routing rules (issue 5 part 1; INHOPE workflow DOMAIN.md §1.2 step 5, the Belgian protocol
 * §6.1), a pure function of the report's illegal URLs and the deployment's configuration:
 *
 * - hosted in the own country → the national police (`hosted_in_country`), and a takedown of
 *   each such URL, sent by the hotline or by the police as configured;
 * - hosted in a country with a partner hotline → that hotline (`hosted_abroad_inhope`), which
 *   repeats assessment and takedown under its own law;
 * - hosted in a country without one → the national police or INTERPOL's ICSE, as configured
 *   (`hosted_abroad_no_inhope`);
 * - host unknown (no trace, or no country) → no automatic referral: one `needs_manual_trace` item.
 *
 * URLs going to the same recipient (target and target country) make one referral; when they
 * have different bases (a domestic URL and one from a country without a partner, both to the
 * police) the referral carries the first of hosted_in_country, hosted_abroad_inhope,
 * hosted_abroad_no_inhope. A referral is `referral` (actionable) when any of its URLs is, else
 * `informational`. Items come in a stable order: referrals (police, hotlines, INTERPOL; by
 * country), takedowns by URL, the manual-trace item last.
 */
export function planReferrals(input: ReferralPlanInput, config: ReferralConfig): ReferralPlan[] {
  const own = config.ownCountry.toUpperCase();
  const partners = new Map(config.partners.map((p) => [p.country.toUpperCase(), p]));
  const groups = new Map<
    string,
    {
      target: ReferralTarget;
      targetName: string;
      targetCountry: string;
      delivery: ReferralPlanItem['delivery'];
      bases: Set<ReferralBasis>;
      urls: ReferralUrlInput[];
      countries: Set<string>;
    }
  >();
  const takedowns: TakedownPlanItem[] = [];
  const untraced: number[] = [];

  const add = (
    url: ReferralUrlInput,
    country: string,
    recipient: {
      target: ReferralTarget;
      targetName: string;
      targetCountry: string;
      delivery: ReferralPlanItem['delivery'];
    },
    basis: ReferralBasis,
  ): void => {
    const key = `${recipient.target}|${recipient.targetCountry}`;
    const group = groups.get(key) ?? { ...recipient, bases: new Set(), urls: [], countries: new Set() };
    group.bases.add(basis);
    group.urls.push(url);
    group.countries.add(country);
    groups.set(key, group);
  };
  const police = {
    target: 'federal_police_child_abuse' as const,
    targetName: config.policeUnit.name,
    targetCountry: own,
    delivery: config.policeUnit.email ? ('email' as const) : ('manual' as const),
  };

  for (const url of input.urls) {
    const country = hostingCountryOf(url.trace);
    if (country === null) {
      untraced.push(url.urlId);
      continue;
    }
    if (country === own) {
      add(url, country, police, 'hosted_in_country');
      takedowns.push({
        action: 'takedown',
        via: config.takedownVia,
        urlId: url.urlId,
        country,
        hostingNetwork: url.trace?.network ?? null,
      });
      continue;
    }
    const partner = partners.get(country);
    if (partner) {
      add(
        url,
        country,
        {
          target: 'inhope_hotline_via_iccam',
          targetName: partner.name,
          targetCountry: country,
          delivery: partner.baseUrl && partner.token ? 'partner_api' : partner.email ? 'email' : 'manual',
        },
        'hosted_abroad_inhope',
      );
    } else if (config.noPartnerRoute === 'interpol') {
      add(
        url,
        country,
        {
          target: 'interpol_icse_via_iccam',
          targetName: INTERPOL_ICSE_NAME,
          targetCountry: country,
          delivery: 'manual',
        },
        'hosted_abroad_no_inhope',
      );
    } else {
      add(url, country, police, 'hosted_abroad_no_inhope');
    }
  }

  const referrals: ReferralPlanItem[] = [...groups.values()]
    .map((g) => ({
      action: 'refer' as const,
      target: g.target,
      targetName: g.targetName,
      targetCountry: g.targetCountry,
      basis: BASIS_PRIORITY.find((b) => g.bases.has(b))!,
      actionable: g.urls.some((u) => actionabilityOf(u) === 'referral')
        ? ('referral' as const)
        : ('informational' as const),
      urlIds: g.urls.map((u) => u.urlId).sort((a, b) => a - b),
      hostingCountries: [...g.countries].sort(),
      delivery: g.delivery,
    }))
    .sort(
      (a, b) =>
        TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target) ||
        a.targetCountry.localeCompare(b.targetCountry),
    );
  return [
    ...referrals,
    ...takedowns.sort((a, b) => a.urlId - b.urlId),
    ...(untraced.length > 0
      ? [{ action: 'needs_manual_trace' as const, urlIds: untraced.sort((a, b) => a - b) }]
      : []),
  ];
}
