// Shared fixtures of the exchange tests: a hotline on memory stores with a report whose media are
// captured and assessed, built through the store ports (the capture itself is tested elsewhere).
import { createHash } from 'node:crypto';
import {
  type Analyst,
  type AssessmentInput,
  type HotlineStore,
  type MediaItem,
  type NewMediaItem,
  type SecretBox,
} from '../../src/index.js';
import { createManualClock, createMemoryHotlineStore, type ManualClock } from '../../src/testing/index.js';

/** SHA-256 of a UTF-8 string as hex. */
export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hexOf = (text: string, algorithm: 'md5' | 'sha256') => createHash(algorithm).update(text).digest('hex');

let counter = 0;
/** Random bytes (not cryptographic; ids in tests). */
export const random = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
};

/** Reversible, not secret: these tests are about flow; the AES box has its own tests. */
export const plainBox: SecretBox = {
  sealText: (p, t) => `${p}:${t}`,
  openText: (p, s) => s.slice(p.length + 1),
  sealBytes: (_p, b) => b,
  openBytes: (_p, b) => b,
};

/** A PDQ hash that passes validation (never degenerate), distinct per seed. */
export const pdqOf = (seed: string) => hexOf(`pdq:${seed}`, 'sha256');

/** An analyst record (the exchange checks the role only). */
export function analyst(id: string, displayName = `Analyst ${id}`): Analyst {
  return {
    id,
    username: id,
    displayName,
    role: 'analyst',
    passwordHash: 'x',
    totpSecretSealed: null,
    disabled: false,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

/** An illegal assessment with the given differences. */
export function illegal(extra: Partial<AssessmentInput> = {}): AssessmentInput {
  return {
    internationalStatus: 'not_baseline',
    nationalStatus: 'illegal',
    jurisdiction: 'BE',
    legalBasis: 'Art. 417/44 Sw.',
    severityUk: 'B',
    industryClassification: 'B2',
    ageBand: '14-15',
    sex: 'girls',
    victimCount: 1,
    selfGenerated: 'yes',
    contentOrigin: 'photographic',
    flags: [],
    confidence: 'certain',
    notes: 'PRIVATE NOTE that must never leave the hotline',
    ...extra,
  };
}

/** A captured item for `completeCapture`. */
export function captured(seed: string, extra: Partial<NewMediaItem> = {}): NewMediaItem {
  return {
    sourceUrl: `https://img.example.org/${seed}.jpg`,
    mediaType: 'image',
    md5: hexOf(seed, 'md5'),
    sha256: hexOf(seed, 'sha256'),
    pdq: pdqOf(seed),
    pdqQuality: 90,
    width: 100,
    height: 80,
    byteLength: 1234,
    knownMatch: null,
    thumbnail: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]),
    previewSealed: null,
    ...extra,
  };
}

/** One hotline's stores and clock. */
export interface HotlineFixture {
  readonly clock: ManualClock;
  readonly store: HotlineStore;
}

/** A memory hotline at a fixed time, with analysts `ana` and `bert`. */
export async function hotlineFixture(): Promise<HotlineFixture> {
  const clock = createManualClock(Date.UTC(2026, 10, 26, 9));
  const store = createMemoryHotlineStore({ clock, sha256Hex });
  await store.createAnalyst(analyst('ana', 'Ana Analyst'));
  await store.createAnalyst(analyst('bert', 'Bert Senior'));
  return { clock, store };
}

/**
 * A public report with its URLs captured: `media[u]` are the items found at URL `u`, with their
 * trace. Returns the report id and the stored items (by seed).
 */
export async function capturedReport(
  fixture: HotlineFixture,
  urls: readonly { url: string; country: string | null; media: readonly NewMediaItem[] }[],
  extra: { description?: string; contactId?: string; imminentDanger?: boolean } = {},
): Promise<{ reportId: string; media: Map<string, MediaItem>; urlIds: number[] }> {
  const n = counter++;
  const created = await fixture.store.createReport({
    report: {
      id: `01EXCHANGE${String(n).padStart(16, '0')}`,
      receivedAt: fixture.clock.now(),
      channel: 'web_form',
      reporterType: 'public',
      anonymous: extra.contactId === undefined,
      contactId: extra.contactId ?? null,
      consentToContact: false,
      language: 'nl',
      concerns: ['csam'],
      description: extra.description ?? null,
      seenWhere: null,
      imminentDanger: extra.imminentDanger ?? false,
      status: 'received',
      priority: 1,
      duplicateOfReportId: null,
      assignedAnalystId: null,
      closedAt: null,
      receiptHash: sha256Hex(`receipt-${n}-${Math.random()}`),
      partnerReference: null,
    },
    urls: urls.map((u) => ({ url: u.url, normalizedUrl: u.url, siteType: 'image_host' })),
    contact: null,
    idempotency: { keyHash: sha256Hex(`key-${n}-${Math.random()}`), bodyHash: 'b', receiptSealed: 'r' },
  });
  const jobs = await fixture.store.claimCaptureJobs(
    new Date(fixture.clock.now().getTime() + 1000),
    100,
    60_000,
  );
  const media = new Map<string, MediaItem>();
  for (const job of jobs.filter((j) => j.reportId === created.report.id)) {
    const index = created.urls.findIndex((u) => u.id === job.urlId);
    const spec = urls[index]!;
    const items = await fixture.store.completeCapture(job.id, {
      accessibility: 'online',
      capturedAt: fixture.clock.now(),
      captureError: null,
      trace: {
        host: new URL(spec.url).hostname,
        ipAddress: spec.country === null ? null : '192.0.2.44',
        country: spec.country,
        asn: spec.country === null ? null : 64500,
        network: spec.country === null ? null : 'Example Hosting B.V.',
        dataset: 'test-geo',
        datasetDate: '2026-11-01',
        tracedAt: fixture.clock.now(),
      },
      media: spec.media,
    });
    for (const item of items) media.set(item.sha256, item);
  }
  return { reportId: created.report.id, media, urlIds: created.urls.map((u) => u.id) };
}

/** Records assessments by two analysts and publishes the item (as the workbench's four-eyes rule does). */
export async function confirmIllegal(
  fixture: HotlineFixture,
  media: MediaItem,
  first: Partial<AssessmentInput> = {},
  second: Partial<AssessmentInput> = {},
): Promise<void> {
  await fixture.store.addAssessment(media.id, 'ana', illegal(first), fixture.clock.now());
  await fixture.store.addAssessment(media.id, 'bert', illegal(second), fixture.clock.now());
  await fixture.store.setMediaStatus(media.id, 'published', [1, 2]);
}
