import type {
  Analyst,
  AssessmentInput,
  HostTrace,
  KnownMatch,
  MediaItem,
  Report,
  ReportedUrl,
} from '../hotline/hotline-records.js';
import type { HotlineStore } from '../hotline/hotline-store.js';
import type { ReportStatus } from '../hotline/hotline-vocabulary.js';

/** One media item of a seeded URL: who assessed it illegal, or known material. */
export interface CaseSeedMedia {
  /** Analyst ids that assessed it illegal (created when missing); two make it assessed illegal. */
  readonly illegalBy?: readonly string[];
  /** Analyst ids that assessed it not illegal. */
  readonly notIllegalBy?: readonly string[];
  /** Overrides of the illegal assessments (age band, flags, origin, …). */
  readonly assessment?: Partial<AssessmentInput>;
  /** Marks it as matched known material (previously assessed). */
  readonly knownMatch?: KnownMatch;
}

/** One URL of a seeded case: where it is hosted (null: never traced) and what was found there. */
export interface CaseSeedUrl {
  readonly url: string;
  readonly trace: {
    readonly country: string | null;
    readonly ipAddress?: string | null;
    readonly network?: string;
  } | null;
  readonly media: readonly CaseSeedMedia[];
}

/** What {@link seedAssessedCase} made. */
export interface SeededCase {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  readonly media: readonly MediaItem[];
}

/** A benign assessment input used by fixtures (no real material is ever described). */
export const FIXTURE_ASSESSMENT: AssessmentInput = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: null,
  severityUk: 'B',
  industryClassification: 'B2',
  ageBand: '14-15',
  sex: 'girls',
  victimCount: 1,
  selfGenerated: 'unknown',
  contentOrigin: 'photographic',
  flags: [],
  confidence: 'certain',
  notes: null,
};

let seeded = 0;

/**
 * Seeds a whole case through the {@link HotlineStore} port, as intake, capture and assessment
 * would leave it: a report with its URLs, each URL captured with its trace and media items
 * (synthetic hashes), and assessments by the given analysts; then the report's status. For tests
 * of the services that come after assessment (forwarding, takedown, statistics) on any store.
 */
export async function seedAssessedCase(
  store: HotlineStore,
  options: {
    readonly urls: readonly CaseSeedUrl[];
    readonly receivedAt: Date;
    readonly status?: ReportStatus;
    readonly description?: string | null;
    readonly sha256Hex: (text: string) => string;
  },
): Promise<SeededCase> {
  const n = ++seeded;
  const tag = `${options.receivedAt.getTime().toString(36)}${n.toString(36)}`.toUpperCase();
  const id = `01FIXTURE${tag.padStart(17, '0')}`.slice(0, 26);
  const created = await store.createReport({
    report: {
      id,
      receivedAt: options.receivedAt,
      channel: 'web_form',
      reporterType: 'public',
      anonymous: true,
      contactId: null,
      consentToContact: false,
      language: 'en',
      concerns: ['csam'],
      description: options.description ?? null,
      seenWhere: null,
      imminentDanger: false,
      status: 'received',
      priority: 2,
      duplicateOfReportId: null,
      assignedAnalystId: null,
      closedAt: null,
      receiptHash: options.sha256Hex(`fixture-receipt-${id}`),
      partnerReference: null,
    },
    urls: options.urls.map((u) => ({
      url: u.url,
      normalizedUrl: u.url.toLowerCase(),
      siteType: 'image_host' as const,
    })),
    contact: null,
    idempotency: {
      keyHash: options.sha256Hex(`fixture-key-${id}`),
      bodyHash: options.sha256Hex(`fixture-body-${id}`),
      receiptSealed: 'fixture',
    },
  });
  const jobs = (
    await store.claimCaptureJobs(new Date(options.receivedAt.getTime() + 1000), 1000, 60_000)
  ).filter((j) => j.reportId === id);
  const media: MediaItem[] = [];
  for (const [i, seedUrl] of options.urls.entries()) {
    const url = created.urls[i]!;
    const job = jobs.find((j) => j.urlId === url.id)!;
    const host = /^[a-z]+:\/\/([^/:?#]+)/i.exec(seedUrl.url)?.[1]?.toLowerCase() ?? 'unknown.example';
    const trace: HostTrace | null = seedUrl.trace
      ? {
          host,
          ipAddress: seedUrl.trace.ipAddress === undefined ? '192.0.2.10' : seedUrl.trace.ipAddress,
          country: seedUrl.trace.country,
          asn: 64500,
          network: seedUrl.trace.network ?? 'Example Hosting',
          dataset: 'fixture-dataset',
          datasetDate: '2026-01-01',
          tracedAt: new Date(options.receivedAt.getTime() + 2000),
        }
      : null;
    const items = await store.completeCapture(job.id, {
      accessibility: 'online',
      capturedAt: new Date(options.receivedAt.getTime() + 2000),
      captureError: null,
      trace,
      media: seedUrl.media.map((m, j) => {
        const seed = `${id}-${i}-${j}`;
        const sha = options.sha256Hex(`fixture-media-${seed}`);
        return {
          sourceUrl: `${seedUrl.url.replace(/\/$/, '')}/image-${j}.jpg`,
          mediaType: 'image' as const,
          md5: sha.slice(0, 32),
          sha256: sha,
          pdq: options.sha256Hex(`fixture-pdq-${seed}`),
          pdqQuality: 90,
          width: 64,
          height: 64,
          byteLength: 2048,
          knownMatch: m.knownMatch ?? null,
          thumbnail: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
          previewSealed: null,
        };
      }),
    });
    for (const [j, m] of seedUrl.media.entries()) {
      const item = items[j]!;
      if (m.knownMatch) await store.setMediaStatus(item.id, 'previously_assessed');
      for (const analystId of m.illegalBy ?? []) {
        await ensureAnalyst(store, analystId, options.receivedAt);
        await store.addAssessment(
          item.id,
          analystId,
          { ...FIXTURE_ASSESSMENT, ...m.assessment, nationalStatus: 'illegal' },
          new Date(options.receivedAt.getTime() + 3000),
        );
      }
      for (const analystId of m.notIllegalBy ?? []) {
        await ensureAnalyst(store, analystId, options.receivedAt);
        await store.addAssessment(
          item.id,
          analystId,
          { ...FIXTURE_ASSESSMENT, nationalStatus: 'not_illegal' },
          new Date(options.receivedAt.getTime() + 3000),
        );
      }
      media.push((await store.getMedia(item.id))!);
    }
  }
  const report = await store.updateReport(id, { status: options.status ?? 'assessed' });
  return { report, urls: await store.listUrls(id), media };
}

async function ensureAnalyst(store: HotlineStore, id: string, at: Date): Promise<Analyst> {
  const existing = await store.getAnalyst(id);
  if (existing) return existing;
  return store.createAnalyst({
    id,
    username: id.toLowerCase().replace(/[^a-z0-9_.-]/g, '-'),
    displayName: `Analyst ${id}`,
    role: 'analyst',
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$a2V5',
    totpSecretSealed: null,
    disabled: false,
    createdAt: at,
    updatedAt: at,
  });
}
