// Seeds a hotline store with reports, captures and assessments whose statistics are known, through
// the store's own API (as the intake, capture worker and workbench would write them). Benign data
// only: example.test URLs and made-up hashes; no image bytes at all.
import type { Analyst, AssessmentInput, HostTrace } from '../hotline/hotline-records.js';
import type { HotlineStore, NewMediaItem } from '../hotline/hotline-store.js';
import {
  CLOSED_REPORT_STATUSES,
  type ReportChannel,
  type ReportStatus,
  type UrlAccessibility,
} from '../hotline/hotline-vocabulary.js';

/** One media item to seed: a known match, or the assessments of distinct analysts (in order). */
export interface SeedMedia {
  readonly known?: boolean;
  readonly assessments?: readonly Partial<AssessmentInput>[];
}

/** One URL to seed. `accessibility` null leaves it uncaptured (its capture job failed). */
export interface SeedUrl {
  readonly accessibility?: UrlAccessibility | null;
  /** The hosting country the trace found (null: traced, country unknown; undefined: no trace). */
  readonly country?: string | null;
  readonly media?: readonly SeedMedia[];
}

/** One report to seed. */
export interface SeedReport {
  readonly receivedAt: Date;
  readonly channel?: ReportChannel;
  /** The status it ends in (default `received`). */
  readonly status?: ReportStatus;
  readonly urls: readonly SeedUrl[];
  /** Free text, to show statistics never depend on it. */
  readonly description?: string | null;
}

/** The assessment every seeded one starts from: illegal, 14–15, category B, photographic. */
export const SEED_ASSESSMENT: AssessmentInput = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: null,
  severityUk: 'B',
  industryClassification: 'B2',
  ageBand: '14-15',
  sex: 'girls',
  victimCount: 1,
  selfGenerated: 'no',
  contentOrigin: 'photographic',
  flags: [],
  confidence: 'certain',
  notes: null,
};

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0').slice(-length);

/**
 * Writes `reports` into `store` with `createReport`, `completeCapture` (or `failCaptureJob` for
 * uncaptured URLs), `addAssessment` and `updateReport`, creating disabled seed analysts
 * (`seed-analyst-1`, …) for the assessments. `prefix` keeps ids apart when seeding twice.
 * @returns the ids of the reports, in order
 */
export async function seedStatisticsReports(
  store: HotlineStore,
  reports: readonly SeedReport[],
  prefix = 'S',
): Promise<string[]> {
  const analystsNeeded = Math.max(
    0,
    ...reports.flatMap((r) => r.urls.flatMap((u) => (u.media ?? []).map((m) => m.assessments?.length ?? 0))),
  );
  for (let n = 1; n <= analystsNeeded; n++) {
    const id = `seed-analyst-${n}`;
    if (await store.getAnalyst(id)) continue;
    const at = new Date(Date.UTC(2020, 0, 1));
    const analyst: Analyst = {
      id,
      username: `seed-analyst-${n}`,
      displayName: `Seed analyst ${n}`,
      role: 'analyst',
      // Not a valid hash: nobody can sign in as a seed analyst (and the account is disabled).
      passwordHash: 'seed$disabled',
      totpSecretSealed: null,
      disabled: true,
      createdAt: at,
      updatedAt: at,
    };
    await store.createAnalyst(analyst);
  }

  const ids: string[] = [];
  let mediaNumber = 0;
  for (const [index, seed] of reports.entries()) {
    const tag = `${prefix}${String(index).padStart(6, '0')}`;
    const id = `01STATS${tag.padStart(19, '0')}`.slice(0, 26);
    const created = await store.createReport({
      report: {
        id,
        receivedAt: seed.receivedAt,
        channel: seed.channel ?? 'web_form',
        reporterType: 'public',
        anonymous: true,
        contactId: null,
        consentToContact: false,
        language: 'en',
        concerns: ['csam'],
        description: seed.description ?? null,
        seenWhere: null,
        imminentDanger: false,
        status: 'received',
        priority: 2,
        duplicateOfReportId: null,
        assignedAnalystId: null,
        closedAt: null,
        receiptHash: `${hex(index, 8)}${'ab'.repeat(24)}${hex(prefix.charCodeAt(0), 8)}`,
        partnerReference: null,
      },
      urls: seed.urls.map((_, u) => ({
        url: `https://site-${index}-${u}.example.test/page`,
        normalizedUrl: `https://site-${index}-${u}.example.test/page`,
        siteType: 'image_host' as const,
      })),
      contact: null,
      idempotency: { keyHash: `seed-key-${tag}`, bodyHash: `seed-body-${tag}`, receiptSealed: `seed-${tag}` },
    });
    ids.push(created.report.id);
    // The jobs of this report only (the store's other jobs, if any, are not due this far back).
    const jobs = (await store.claimCaptureJobs(new Date(Date.UTC(9999, 0, 1)), 1000, 60_000)).filter(
      (job) => job.reportId === created.report.id,
    );
    for (const [u, url] of created.urls.entries()) {
      const spec = seed.urls[u]!;
      const job = jobs.find((j) => j.urlId === url.id);
      if (!job) throw new Error(`No capture job for URL ${url.id}.`);
      if (spec.accessibility === null) {
        await store.failCaptureJob(job.id, 'CAPTURE_FAILED', null);
        continue;
      }
      const capturedAt = new Date(seed.receivedAt.getTime() + 60_000);
      const trace: HostTrace | null =
        spec.country === undefined
          ? null
          : {
              host: `site-${index}-${u}.example.test`,
              ipAddress: '192.0.2.10',
              country: spec.country,
              asn: 64_500,
              network: 'Documentation network',
              dataset: 'seed',
              datasetDate: '2025-01-01',
              tracedAt: capturedAt,
            };
      const media: NewMediaItem[] = (spec.media ?? []).map((m) => {
        mediaNumber++;
        return {
          sourceUrl: `https://site-${index}-${u}.example.test/${mediaNumber}.jpg`,
          mediaType: 'image',
          md5: hex(mediaNumber, 32),
          sha256: `${hex(mediaNumber, 16)}${'c'.repeat(48)}`,
          pdq: null,
          pdqQuality: null,
          width: 64,
          height: 64,
          byteLength: 1000 + mediaNumber,
          knownMatch: m.known
            ? {
                source: 'own',
                bankName: 'seed-known',
                entryId: mediaNumber,
                signalType: 'sha256',
                distance: 0,
                classification: {},
              }
            : null,
          thumbnail: Uint8Array.from([0xff, 0xd8, mediaNumber & 0xff]),
          previewSealed: null,
        };
      });
      const items = await store.completeCapture(job.id, {
        accessibility: spec.accessibility ?? 'online',
        capturedAt,
        captureError: null,
        trace,
        media,
      });
      for (const [m, item] of items.entries()) {
        for (const [a, partial] of ((spec.media ?? [])[m]?.assessments ?? []).entries()) {
          await store.addAssessment(
            item.id,
            `seed-analyst-${a + 1}`,
            { ...SEED_ASSESSMENT, ...partial },
            new Date(seed.receivedAt.getTime() + (a + 2) * 3_600_000),
          );
        }
      }
    }
    const status = seed.status ?? 'received';
    if (status !== 'received') {
      const closed = CLOSED_REPORT_STATUSES.includes(status);
      await store.updateReport(id, {
        status,
        ...(closed ? { closedAt: new Date(seed.receivedAt.getTime() + 86_400_000) } : {}),
      });
    }
  }
  return ids;
}

/**
 * A year of varied, benign demo data for statistics tests and screenshots (deterministic): 31
 * reports with illegal media (hosted in NL ×14, US ×11, DE ×3, FR ×1, unknown ×2; ages, categories,
 * "self-generated" and AI-generated items mixed; some previously known items), 12 not illegal,
 * 4 duplicates, 3 inaccessible, 2 needing review, 5 not yet assessed; most in March; plus one
 * report just before and one just after the year (outside it).
 */
export function demoStatisticsReports(year: number): SeedReport[] {
  const at = (i: number, monthOverride?: number) =>
    new Date(Date.UTC(year, monthOverride ?? (i < 24 ? 2 : i % 6), 1 + (i % 27), 10, i % 60));
  const channel = (i: number): ReportChannel =>
    i % 4 === 3
      ? 'email'
      : i % 8 === 5
        ? 'api_trusted_flagger'
        : i % 11 === 6
          ? 'proactive_search'
          : 'web_form';
  const countries: (string | null)[] = [
    ...Array<string>(14).fill('NL'),
    ...Array<string>(11).fill('US'),
    'DE',
    'DE',
    'DE',
    'FR',
    null,
    null,
  ];
  const ages = ['14-15', '11-13', '7-10', '14-15', '16-17', '3-6', '11-13', '14-15', '0-2'] as const;
  const severities = ['A', 'B', 'C', 'B', 'C', 'C', 'A'] as const;
  const reports: SeedReport[] = [];
  let i = 0;
  for (const [n, country] of countries.entries()) {
    const first: Partial<AssessmentInput> = {
      ageBand: ages[n % ages.length]!,
      severityUk: severities[n % severities.length]!,
      selfGenerated: n % 3 === 0 ? 'yes' : n % 5 === 0 ? 'unknown' : 'no',
      contentOrigin: n % 7 === 2 ? 'ai_generated' : 'photographic',
    };
    // Every other item has a second opinion: the same, but a younger band for some (youngest wins).
    const second: Partial<AssessmentInput> | null =
      n % 2 === 0 ? { ...first, ageBand: n % 4 === 0 ? '11-13' : first.ageBand!, severityUk: 'C' } : null;
    const media: SeedMedia[] = [{ assessments: second ? [first, second] : [first] }];
    if (n % 4 === 1) media.push({ known: true });
    if (n % 6 === 5)
      media.push({ assessments: [{ nationalStatus: 'not_illegal', severityUk: null, ageBand: 'unknown' }] });
    reports.push({
      receivedAt: at(i),
      channel: channel(i),
      status: n % 5 === 4 ? 'assessed' : 'forwarded',
      description: `demo report ${i}`,
      urls: [{ country: country ?? null, media }],
    });
    i++;
  }
  for (let n = 0; n < 12; n++, i++) {
    reports.push({
      receivedAt: at(i),
      channel: channel(i),
      status: 'closed_not_illegal',
      urls: [
        {
          country: 'BE',
          media: [
            {
              assessments: [
                {
                  nationalStatus: 'not_illegal',
                  severityUk: null,
                  industryClassification: null,
                  ageBand: 'unknown',
                },
              ],
            },
          ],
        },
      ],
    });
  }
  for (let n = 0; n < 4; n++, i++) {
    reports.push({
      receivedAt: at(i),
      channel: channel(i),
      status: 'closed_duplicate',
      urls: [{ accessibility: null }],
    });
  }
  for (let n = 0; n < 3; n++, i++) {
    reports.push({
      receivedAt: at(i),
      channel: channel(i),
      status: 'closed_inaccessible',
      urls: [{ accessibility: 'offline', country: 'NL' }],
    });
  }
  for (let n = 0; n < 2; n++, i++) {
    reports.push({
      receivedAt: at(i),
      channel: channel(i),
      status: 'in_assessment',
      urls: [{ country: 'SE', media: [{ assessments: [{ nationalStatus: 'borderline_needs_review' }] }] }],
    });
  }
  for (let n = 0; n < 5; n++, i++) {
    reports.push({
      receivedAt: at(i),
      channel: channel(i),
      urls: [{ accessibility: null }, { accessibility: null }],
    });
  }
  // Just outside the year on both sides: never counted in it.
  reports.push({
    receivedAt: new Date(Date.UTC(year, 0, 1) - 1),
    channel: 'email',
    urls: [{ country: 'NL', media: [{ known: true }] }],
  });
  reports.push({
    receivedAt: new Date(Date.UTC(year + 1, 0, 1)),
    channel: 'email',
    urls: [{ country: 'NL', media: [{ known: true }] }],
  });
  return reports;
}
