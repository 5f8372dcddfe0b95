// The routing rules as a table (issue 5 must-show): own country, partner country, no partner,
// unknown host; takedown via police vs hotline; several URLs in different countries give one
// referral per recipient; NCMEC's referral/informational split derived from the data present.
import { describe, expect, it } from 'vitest';
import {
  actionabilityOf,
  buildReferralConfig,
  planReferrals,
  type ReferralConfig,
  type ReferralPlan,
  type ReferralUrlInput,
} from '../../src/index.js';

const BE: ReferralConfig = buildReferralConfig({
  ownCountry: 'BE',
  partners: [
    {
      country: 'NL',
      name: 'Offlimits',
      baseUrl: 'https://offlimits.example',
      token: 'partner-token-0123456789',
    },
    { country: 'DE', name: 'eco', email: 'hotline@eco.example' },
    { country: 'FR', name: 'Point de Contact' },
  ],
}).config;

/** A traced URL hosted in `country` (null: no country known; 'untraced': no trace at all). */
function url(
  urlId: number,
  country: string | null | 'untraced',
  extra: Partial<ReferralUrlInput> = {},
): ReferralUrlInput {
  return {
    urlId,
    url: `https://host${urlId}.example/page`,
    trace:
      country === 'untraced' ? null : { ipAddress: `192.0.2.${urlId}`, country, network: `Network ${urlId}` },
    mediaAssessedIllegal: true,
    ...extra,
  };
}

const refer = (plan: ReferralPlan[]) => plan.filter((p) => p.action === 'refer');
const takedowns = (plan: ReferralPlan[]) => plan.filter((p) => p.action === 'takedown');
const manual = (plan: ReferralPlan[]) => plan.filter((p) => p.action === 'needs_manual_trace');

describe('planReferrals: the routing table', () => {
  const rows: {
    name: string;
    urls: ReferralUrlInput[];
    config?: Partial<ReferralConfig>;
    referrals: {
      target: string;
      targetName: string;
      targetCountry: string;
      basis: string;
      actionable: string;
      urlIds: number[];
      delivery: string;
    }[];
    takedowns: { urlId: number; via: string }[];
    manual: number[];
  }[] = [
    {
      name: 'own country → national police + takedown via the police (Belgium)',
      urls: [url(1, 'BE')],
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_in_country',
          actionable: 'referral',
          urlIds: [1],
          delivery: 'manual',
        },
      ],
      takedowns: [{ urlId: 1, via: 'police' }],
      manual: [],
    },
    {
      name: 'own country, takedown by the hotline when configured',
      urls: [url(1, 'BE')],
      config: {
        takedownVia: 'hotline',
        policeUnit: { name: 'Federal Police – Child Abuse team', email: 'cat@police.example' },
      },
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_in_country',
          actionable: 'referral',
          urlIds: [1],
          delivery: 'email',
        },
      ],
      takedowns: [{ urlId: 1, via: 'hotline' }],
      manual: [],
    },
    {
      name: 'partner country → that INHOPE hotline (no takedown here: the partner does it)',
      urls: [url(2, 'NL')],
      referrals: [
        {
          target: 'inhope_hotline_via_iccam',
          targetName: 'Offlimits',
          targetCountry: 'NL',
          basis: 'hosted_abroad_inhope',
          actionable: 'referral',
          urlIds: [2],
          delivery: 'partner_api',
        },
      ],
      takedowns: [],
      manual: [],
    },
    {
      name: 'partner reachable by e-mail only',
      urls: [url(3, 'de')],
      referrals: [
        {
          target: 'inhope_hotline_via_iccam',
          targetName: 'eco',
          targetCountry: 'DE',
          basis: 'hosted_abroad_inhope',
          actionable: 'referral',
          urlIds: [3],
          delivery: 'email',
        },
      ],
      takedowns: [],
      manual: [],
    },
    {
      name: 'no partner → national police (the Belgian protocol)',
      urls: [url(4, 'RU')],
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_abroad_no_inhope',
          actionable: 'referral',
          urlIds: [4],
          delivery: 'manual',
        },
      ],
      takedowns: [],
      manual: [],
    },
    {
      name: 'no partner → INTERPOL ICSE when configured',
      urls: [url(4, 'RU')],
      config: { noPartnerRoute: 'interpol' },
      referrals: [
        {
          target: 'interpol_icse_via_iccam',
          targetName: 'INTERPOL ICSE (via ICCAM)',
          targetCountry: 'RU',
          basis: 'hosted_abroad_no_inhope',
          actionable: 'referral',
          urlIds: [4],
          delivery: 'manual',
        },
      ],
      takedowns: [],
      manual: [],
    },
    {
      name: 'unknown host (no trace) → no automatic referral, a manual trace',
      urls: [url(5, 'untraced')],
      referrals: [],
      takedowns: [],
      manual: [5],
    },
    {
      name: 'unknown host (traced, country unknown or ZZ) → a manual trace',
      urls: [url(6, null), url(7, 'ZZ')],
      referrals: [],
      takedowns: [],
      manual: [6, 7],
    },
    {
      name: 'several URLs in different countries → one referral per recipient',
      urls: [url(10, 'NL'), url(11, 'BE'), url(12, 'NL'), url(13, 'FR'), url(14, 'BE'), url(15, 'untraced')],
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_in_country',
          actionable: 'referral',
          urlIds: [11, 14],
          delivery: 'manual',
        },
        {
          target: 'inhope_hotline_via_iccam',
          targetName: 'Point de Contact',
          targetCountry: 'FR',
          basis: 'hosted_abroad_inhope',
          actionable: 'referral',
          urlIds: [13],
          delivery: 'manual',
        },
        {
          target: 'inhope_hotline_via_iccam',
          targetName: 'Offlimits',
          targetCountry: 'NL',
          basis: 'hosted_abroad_inhope',
          actionable: 'referral',
          urlIds: [10, 12],
          delivery: 'partner_api',
        },
      ],
      takedowns: [
        { urlId: 11, via: 'police' },
        { urlId: 14, via: 'police' },
      ],
      manual: [15],
    },
    {
      name: 'domestic and no-partner URLs both go to the police: one referral, the domestic basis',
      urls: [url(20, 'US'), url(21, 'BE')],
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_in_country',
          actionable: 'referral',
          urlIds: [20, 21],
          delivery: 'manual',
        },
      ],
      takedowns: [{ urlId: 21, via: 'police' }],
      manual: [],
    },
    {
      name: 'a located country without an IP address → informational (NCMEC: no located host)',
      urls: [url(30, 'NL', { trace: { ipAddress: null, country: 'NL' } })],
      referrals: [
        {
          target: 'inhope_hotline_via_iccam',
          targetName: 'Offlimits',
          targetCountry: 'NL',
          basis: 'hosted_abroad_inhope',
          actionable: 'informational',
          urlIds: [30],
          delivery: 'partner_api',
        },
      ],
      takedowns: [],
      manual: [],
    },
    {
      name: 'a URL judged illegal without illegal media with hashes → informational',
      urls: [url(31, 'BE', { mediaAssessedIllegal: false })],
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_in_country',
          actionable: 'informational',
          urlIds: [31],
          delivery: 'manual',
        },
      ],
      takedowns: [{ urlId: 31, via: 'police' }],
      manual: [],
    },
    {
      name: 'another deployment (NL): own country is NL, Belgium a partner, takedown by the hotline',
      urls: [url(40, 'NL'), url(41, 'BE')],
      config: {
        ownCountry: 'NL',
        policeUnit: { name: 'National police', email: null },
        takedownVia: 'hotline',
        partners: [{ country: 'BE', name: 'Child Focus' }],
      },
      referrals: [
        {
          target: 'federal_police_child_abuse',
          targetName: 'National police',
          targetCountry: 'NL',
          basis: 'hosted_in_country',
          actionable: 'referral',
          urlIds: [40],
          delivery: 'manual',
        },
        {
          target: 'inhope_hotline_via_iccam',
          targetName: 'Child Focus',
          targetCountry: 'BE',
          basis: 'hosted_abroad_inhope',
          actionable: 'referral',
          urlIds: [41],
          delivery: 'manual',
        },
      ],
      takedowns: [{ urlId: 40, via: 'hotline' }],
      manual: [],
    },
  ];

  it.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const plan = planReferrals({ urls: row.urls }, { ...BE, ...row.config });
    expect(
      refer(plan).map((p) => ({
        target: p.target,
        targetName: p.targetName,
        targetCountry: p.targetCountry,
        basis: p.basis,
        actionable: p.actionable,
        urlIds: [...p.urlIds],
        delivery: p.delivery,
      })),
    ).toEqual(row.referrals);
    expect(takedowns(plan).map((t) => ({ urlId: t.urlId, via: t.via }))).toEqual(row.takedowns);
    expect(manual(plan).flatMap((m) => [...m.urlIds])).toEqual(row.manual);
  });

  it('puts the hosting network on each takedown, for the notice', () => {
    const [takedown] = takedowns(planReferrals({ urls: [url(1, 'BE')] }, BE));
    expect(takedown).toMatchObject({ country: 'BE', hostingNetwork: 'Network 1' });
  });

  it('never leaks a partner token into the plan', () => {
    const plan = planReferrals({ urls: [url(2, 'NL')] }, BE);
    expect(JSON.stringify(plan)).not.toContain('partner-token');
  });

  it('an empty report plans nothing', () => {
    expect(planReferrals({ urls: [] }, BE)).toEqual([]);
  });
});

describe('actionabilityOf (NCMEC referral vs informational, DOMAIN.md §3.3)', () => {
  it.each([
    ['IP, country, illegal media, URL', url(1, 'NL'), 'referral'],
    ['no IP', url(1, 'NL', { trace: { ipAddress: null, country: 'NL' } }), 'informational'],
    ['no country', url(1, null), 'informational'],
    ['no trace', url(1, 'untraced'), 'informational'],
    ['no illegal media with hashes', url(1, 'NL', { mediaAssessedIllegal: false }), 'informational'],
    ['no URL', url(1, 'NL', { url: ' ' }), 'informational'],
  ] as const)('%s → %s', (_name, input, expected) => {
    expect(actionabilityOf(input)).toBe(expected);
  });
});

describe('buildReferralConfig', () => {
  it('applies the Belgian defaults', () => {
    const { config, problems } = buildReferralConfig({ ownCountry: 'be' });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      ownCountry: 'BE',
      policeUnit: { name: 'Federal Police – Child Abuse team', email: null },
      takedownVia: 'police',
      partners: [],
      noPartnerRoute: 'national_police',
      packageIncludesDescription: false,
    });
  });

  it('uses neutral defaults elsewhere', () => {
    const { config } = buildReferralConfig({ ownCountry: 'NL' });
    expect(config.policeUnit.name).toBe('National police');
    expect(config.takedownVia).toBe('hotline');
  });

  it('reports every problem with a readable sentence naming the item', () => {
    const { problems } = buildReferralConfig({
      ownCountry: 'BE',
      policeUnitEmail: 'not-an-address',
      takedownVia: 'registrar',
      noPartnerRoute: 'europol',
      partnersSource: 'HASHLINE_PARTNER_HOTLINES',
      partners: [
        { country: 'NL', name: 'Offlimits' },
        { country: 'NL', name: 'Again' },
        { country: 'BE', name: 'Ourselves' },
        { country: 'Netherlands', name: '' },
        { country: 'DE', name: 'eco', baseUrl: 'ftp://x', token: 'short', email: 'x', colour: 'blue' },
        'FR',
      ],
    });
    expect(problems).toEqual([
      'The police unit e-mail must be an e-mail address.',
      'Takedown via must be one of hotline, police; got "registrar".',
      'The no-partner route must be one of national_police, interpol; got "europol".',
      'HASHLINE_PARTNER_HOTLINES[1].country NL is listed twice.',
      "HASHLINE_PARTNER_HOTLINES[2].country is the hotline's own country (BE); domestic cases go to the police.",
      'HASHLINE_PARTNER_HOTLINES[3].country must be an ISO 3166-1 alpha-2 code, e.g. NL.',
      "HASHLINE_PARTNER_HOTLINES[3].name must be the hotline's name (1–200 characters).",
      'HASHLINE_PARTNER_HOTLINES[4].colour is not a known field.',
      'HASHLINE_PARTNER_HOTLINES[4].baseUrl must be an http(s) URL.',
      'HASHLINE_PARTNER_HOTLINES[4].token must be a secret of at least 16 characters without spaces.',
      'HASHLINE_PARTNER_HOTLINES[4].email must be an e-mail address.',
      'HASHLINE_PARTNER_HOTLINES[5] must be an object { "country", "name", ... }.',
    ]);
  });

  it('refuses a partner list that is not an array', () => {
    expect(
      buildReferralConfig({
        ownCountry: 'BE',
        partners: { NL: 'Offlimits' },
        partnersSource: 'partners.json',
      }).problems,
    ).toEqual([
      'partners.json must be a JSON array of { "country", "name", "baseUrl"?, "token"?, "email"? }.',
    ]);
  });
});
