import { createHash } from 'node:crypto';
import {
  AUDIT_GENESIS_HASH,
  auditDigestInput,
  verifyAuditChain,
  type Analyst,
  type AssessmentInput,
  type AuditEvent,
  type CaptureOutcome,
  type Clock,
  type HostTrace,
  type HotlineStore,
  type NewMediaItem,
  type NewReportRecord,
  type Report,
  type ReportStatus,
} from '@hashline/domain';
import { createManualClock, type ManualClock } from '@hashline/domain/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** SHA-256 of a UTF-8 string as hex, as the adapters compute it. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A fresh, empty hotline store for one test, and how to dispose of it afterwards. */
export interface HotlineContractStore {
  readonly store: HotlineStore;
  readonly cleanup: () => Promise<void>;
}

/** Opens a fresh, empty hotline store whose own timestamps come from `clock`. */
export type OpenHotlineContractStore = (clock: Clock) => Promise<HotlineContractStore>;

const T0 = new Date(Date.UTC(2026, 2, 1, 9, 0, 0));
const MINUTE = 60_000;

/** A report request: ids, receipt and key derived from `n`, so each `n` is a distinct request. */
export function reportRecord(
  n: number,
  extra: {
    report?: Partial<Omit<Report, 'updatedAt'>>;
    urls?: NewReportRecord['urls'];
    contact?: NewReportRecord['contact'];
    keyHash?: string;
  } = {},
): NewReportRecord {
  const contact = extra.contact ?? null;
  return {
    report: {
      id: `01HOTLINE${String(n).padStart(17, '0')}`,
      receivedAt: T0,
      channel: 'web_form',
      reporterType: 'public',
      anonymous: contact === null,
      contactId: contact?.id ?? null,
      consentToContact: contact !== null,
      language: 'en',
      concerns: ['csam'],
      description: `report ${n}`,
      seenWhere: 'image_host',
      imminentDanger: false,
      status: 'received',
      priority: 2,
      duplicateOfReportId: null,
      assignedAnalystId: null,
      closedAt: null,
      receiptHash: sha256Hex(`receipt-${n}`),
      partnerReference: null,
      ...extra.report,
    },
    urls: extra.urls ?? [
      {
        url: `https://Images.example.org/${n}/a.jpg#x`,
        normalizedUrl: `https://images.example.org/${n}/a.jpg`,
        siteType: 'image_host',
      },
      {
        url: `https://example.net/page/${n}`,
        normalizedUrl: `https://example.net/page/${n}`,
        siteType: null,
      },
    ],
    contact,
    idempotency: {
      keyHash: extra.keyHash ?? sha256Hex(`key-${n}`),
      bodyHash: sha256Hex(`body-${n}`),
      receiptSealed: `sealed-receipt-${n}`,
    },
  };
}

/** A captured media item with distinct bytes and hashes for each `n`. */
function mediaItem(n: number, extra: Partial<NewMediaItem> = {}): NewMediaItem {
  return {
    sourceUrl: `https://images.example.org/m/${n}.png`,
    mediaType: 'image',
    md5: createHash('md5').update(`media-${n}`).digest('hex'),
    sha256: sha256Hex(`media-${n}`),
    pdq: 'f'.repeat(63) + (n % 10).toString(),
    pdqQuality: 90,
    width: 640,
    height: 480,
    byteLength: 1000 + n,
    knownMatch: null,
    thumbnail: Uint8Array.from([0xff, 0xd8, n & 0xff, 1, 2, 3]),
    previewSealed: null,
    ...extra,
  };
}

const TRACE: HostTrace = {
  host: 'images.example.org',
  ipAddress: '93.184.216.34',
  country: 'US',
  asn: 15133,
  network: 'Example Hosting',
  dataset: 'test-dataset 1.0.0',
  datasetDate: '2026-02-01',
  tracedAt: new Date(T0.getTime() + 2 * MINUTE),
};

function outcome(media: readonly NewMediaItem[], extra: Partial<CaptureOutcome> = {}): CaptureOutcome {
  return {
    accessibility: 'online',
    capturedAt: new Date(T0.getTime() + 3 * MINUTE),
    captureError: null,
    trace: TRACE,
    media,
    ...extra,
  };
}

function analyst(n: number, extra: Partial<Analyst> = {}): Analyst {
  return {
    id: `analyst-${n}`,
    username: `user${n}`,
    displayName: `Analyst ${n}`,
    role: 'analyst',
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$a2V5',
    totpSecretSealed: null,
    disabled: false,
    language: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

const ASSESSMENT: AssessmentInput = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'LU',
  legalBasis: 'Art. 383ter',
  severityUk: 'C',
  industryClassification: 'B2',
  ageBand: '14-15',
  sex: 'unidentified',
  victimCount: 1,
  selfGenerated: 'unknown',
  contentOrigin: 'photographic',
  flags: ['viral'],
  confidence: 'probable',
  notes: null,
};

async function expectDomainError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'DomainError', code });
}

/** Every audit row, read in pages of `pageSize` through `afterSeq` (as the verifier job reads it). */
export async function* auditPages(store: HotlineStore, pageSize: number): AsyncGenerator<AuditEvent> {
  let afterSeq = 0;
  for (;;) {
    const page = await store.listAudit({ afterSeq, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    afterSeq = page.at(-1)!.seq;
  }
}

/** Verifies the whole chain of `store` against its head anchor. */
export async function verifyStoreAudit(store: HotlineStore, pageSize = 3) {
  return verifyAuditChain(auditPages(store, pageSize), await store.auditHead(), sha256Hex);
}

/**
 * The behaviour every {@link HotlineStore} must have, run against the in-memory store, SQLite and
 * PostgreSQL. Each test gets a fresh, empty store and a manual clock starting at T0 + 1 hour.
 */
export function describeHotlineStoreContract(name: string, open: OpenHotlineContractStore): void {
  describe(`HotlineStore contract: ${name}`, () => {
    let store: HotlineStore;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;
    const now0 = new Date(T0.getTime() + 60 * MINUTE);

    beforeEach(async () => {
      clock = createManualClock(now0);
      ({ store, cleanup } = await open(clock));
    });

    afterEach(async () => {
      await cleanup();
    });

    /** Completes the capture of every pending job of the store with `media(job)`. */
    async function captureAll(media: (reportId: string, urlId: number) => NewMediaItem[]) {
      const jobs = await store.claimCaptureJobs(new Date(T0.getTime() + 10 * MINUTE), 1000, 60_000);
      for (const job of jobs) await store.completeCapture(job.id, outcome(media(job.reportId, job.urlId)));
      return jobs;
    }

    describe('sign-in throttle (issue 15)', () => {
      const policy = (now: Date) => ({
        free: 3,
        blockUntil: [2_000, 4_000, 900_000].map((ms) => new Date(now.getTime() + ms)),
      });
      const key = sha256Hex('sign-in:ana');

      it('lets the first attempts through, then backs off per name; a success resets it', async () => {
        const t0 = now0;
        expect(await store.claimSignInAttempt(key, t0, policy(t0))).toEqual({
          allowed: true,
          attempts: 1,
          blockedUntil: null,
        });
        expect((await store.claimSignInAttempt(key, t0, policy(t0))).attempts).toBe(2);
        expect(await store.claimSignInAttempt(key, t0, policy(t0))).toEqual({
          allowed: true,
          attempts: 3,
          blockedUntil: new Date(t0.getTime() + 2_000),
        });
        // Blocked: nothing counted; another name is not affected.
        const t1 = new Date(t0.getTime() + 1_000);
        expect(await store.claimSignInAttempt(key, t1, policy(t1))).toEqual({
          allowed: false,
          attempts: 3,
          blockedUntil: new Date(t0.getTime() + 2_000),
        });
        expect((await store.claimSignInAttempt(sha256Hex('sign-in:bert'), t1, policy(t1))).allowed).toBe(
          true,
        );
        const t2 = new Date(t0.getTime() + 2_000);
        expect(await store.claimSignInAttempt(key, t2, policy(t2))).toEqual({
          allowed: true,
          attempts: 4,
          blockedUntil: new Date(t2.getTime() + 4_000),
        });
        const t3 = new Date(t2.getTime() + 4_000);
        expect((await store.claimSignInAttempt(key, t3, policy(t3))).blockedUntil).toEqual(
          new Date(t3.getTime() + 900_000),
        );
        const t4 = new Date(t3.getTime() + 900_000);
        expect((await store.claimSignInAttempt(key, t4, policy(t4))).blockedUntil).toEqual(
          new Date(t4.getTime() + 900_000),
        );
        await store.resetSignInAttempts(key, t0);
        expect(await store.claimSignInAttempt(key, t4, policy(t4))).toEqual({
          allowed: true,
          attempts: 1,
          blockedUntil: null,
        });
      });

      it('counts concurrent attempts one at a time: of 30 at once, 3 pass', async () => {
        const claims = await Promise.all(
          Array.from({ length: 30 }, () => store.claimSignInAttempt(key, now0, policy(now0))),
        );
        expect(
          claims
            .filter((c) => c.allowed)
            .map((c) => c.attempts)
            .sort((a, b) => a - b),
        ).toEqual([1, 2, 3]);
      });

      it('prunes names idle since the given time when a sign-in succeeds', async () => {
        const old = sha256Hex('sign-in:old');
        await store.claimSignInAttempt(old, now0, policy(now0));
        const later = new Date(now0.getTime() + 2 * 86_400_000);
        await store.claimSignInAttempt(key, later, policy(later));
        await store.resetSignInAttempts(sha256Hex('sign-in:other'), new Date(later.getTime() - 86_400_000));
        expect((await store.claimSignInAttempt(old, later, policy(later))).attempts).toBe(1);
        expect((await store.claimSignInAttempt(key, later, policy(later))).attempts).toBe(2);
      });
    });

    describe('reports', () => {
      it('stores a report with its URLs and one pending capture job per URL, read back by id and receipt', async () => {
        const record = reportRecord(1);
        const created = await store.createReport(record);
        const expected: Report = { ...record.report, updatedAt: now0 };
        expect(created).toEqual({
          report: expected,
          urls: [
            {
              id: expect.any(Number),
              reportId: record.report.id,
              url: 'https://Images.example.org/1/a.jpg#x',
              normalizedUrl: 'https://images.example.org/1/a.jpg',
              siteType: 'image_host',
              accessibility: null,
              capturedAt: null,
              captureError: null,
              trace: null,
            },
            {
              id: expect.any(Number),
              reportId: record.report.id,
              url: 'https://example.net/page/1',
              normalizedUrl: 'https://example.net/page/1',
              siteType: null,
              accessibility: null,
              capturedAt: null,
              captureError: null,
              trace: null,
            },
          ],
          replayed: false,
          bodyHash: record.idempotency.bodyHash,
          receiptSealed: 'sealed-receipt-1',
        });
        expect(created.urls[0]!.id).toBeLessThan(created.urls[1]!.id);
        expect(await store.getReport(record.report.id)).toEqual(expected);
        expect(await store.getReportByReceiptHash(record.report.receiptHash)).toEqual(expected);
        expect(await store.listUrls(record.report.id)).toEqual(created.urls);
        expect(await store.getReport('01HOTLINE-UNKNOWN')).toBeUndefined();
        expect(await store.getReportByReceiptHash(sha256Hex('nobody'))).toBeUndefined();
        expect(await store.listUrls('01HOTLINE-UNKNOWN')).toEqual([]);

        // The outbox: one job per URL, due at the report's arrival, written with the report.
        expect(await store.countCaptureJobs()).toEqual({ pending: 2, done: 0, failed: 0 });
        const jobs = await store.claimCaptureJobs(T0, 10, 60_000);
        expect(jobs).toEqual([
          {
            id: expect.any(Number),
            reportId: record.report.id,
            urlId: created.urls[0]!.id,
            attempts: 1,
            status: 'pending',
            runAfter: T0,
            lastError: null,
          },
          {
            id: expect.any(Number),
            reportId: record.report.id,
            urlId: created.urls[1]!.id,
            attempts: 1,
            status: 'pending',
            runAfter: T0,
            lastError: null,
          },
        ]);
      });

      it('keeps every field as given, the optional ones set too', async () => {
        const record = reportRecord(2, {
          report: {
            channel: 'partner_referral',
            reporterType: 'other_hotline',
            language: 'fr',
            concerns: ['sexual_extortion', 'grooming_solicitation'],
            description: null,
            seenWhere: null,
            imminentDanger: true,
            status: 'triage',
            priority: 0,
            duplicateOfReportId: '01HOTLINE-OTHER',
            assignedAnalystId: 'analyst-9',
            closedAt: new Date(T0.getTime() + 5 * MINUTE),
            partnerReference: 'partner:ABC-123',
          },
          urls: [],
        });
        const created = await store.createReport(record);
        expect(created.report).toEqual({ ...record.report, updatedAt: now0 });
        expect(created.urls).toEqual([]);
        expect(await store.getReport(record.report.id)).toEqual(created.report);
        expect(await store.countCaptureJobs()).toEqual({ pending: 0, done: 0, failed: 0 });
      });

      it('replays a seen idempotency key: the stored report, its body hash and receipt, nothing written', async () => {
        const first = await store.createReport(reportRecord(3));
        clock.advance(MINUTE);
        // A retry carries the same key; the service made a new id and receipt for it.
        const retry = reportRecord(4, { keyHash: sha256Hex('key-3') });
        const again = await store.createReport(retry);
        expect(again).toEqual({ ...first, replayed: true });
        expect(again.bodyHash).toBe(sha256Hex('body-3'));
        expect(await store.getReport(retry.report.id)).toBeUndefined();
        expect(await store.getReportByReceiptHash(retry.report.receiptHash)).toBeUndefined();
        expect(await store.countCaptureJobs()).toEqual({ pending: 2, done: 0, failed: 0 });
        expect(await store.listQueue({ limit: 10 })).toHaveLength(1);
      });

      it('creates one report when requests with the same key arrive at once', async () => {
        const results = await Promise.all(
          [10, 11, 12, 13, 14, 15].map((n) =>
            store.createReport(reportRecord(n, { keyHash: sha256Hex('same-key') })),
          ),
        );
        const fresh = results.filter((r) => !r.replayed);
        expect(fresh).toHaveLength(1);
        expect(new Set(results.map((r) => r.report.id))).toEqual(new Set([fresh[0]!.report.id]));
        for (const result of results) {
          expect(result.receiptSealed).toBe(fresh[0]!.receiptSealed);
          expect(result.urls).toEqual(fresh[0]!.urls);
        }
        expect(await store.listQueue({ limit: 10 })).toHaveLength(1);
        expect(await store.countCaptureJobs()).toEqual({ pending: 2, done: 0, failed: 0 });
      });

      it('refuses a new key whose report id or receipt is taken with CONFLICT, writing nothing', async () => {
        await store.createReport(reportRecord(20));
        const sameId = reportRecord(21, {
          report: { id: reportRecord(20).report.id },
          keyHash: sha256Hex('k21'),
        });
        await expectDomainError(store.createReport(sameId), 'CONFLICT');
        const sameReceipt = reportRecord(22, { report: { receiptHash: sha256Hex('receipt-20') } });
        await expectDomainError(store.createReport(sameReceipt), 'CONFLICT');
        expect(await store.getReport(sameReceipt.report.id)).toBeUndefined();
        expect(await store.countCaptureJobs()).toEqual({ pending: 2, done: 0, failed: 0 });
        expect(await store.findUrlsByNormalized('https://example.net/page/22')).toEqual([]);
        // The keys of the refused requests were not recorded: they can still be used.
        expect((await store.createReport(reportRecord(22))).replayed).toBe(false);
      });

      it('keeps the contact apart from the report and deletes it on request', async () => {
        const contact = { id: 'contact-1', sealed: 'sealed{"email":"x"}', createdAt: T0 };
        const record = reportRecord(30, { contact });
        const created = await store.createReport(record);
        expect(created.report.contactId).toBe('contact-1');
        expect(created.report.anonymous).toBe(false);
        expect(await store.getContact('contact-1')).toEqual(contact);

        clock.advance(MINUTE);
        await store.deleteContact('contact-1');
        expect(await store.getContact('contact-1')).toBeUndefined();
        // The report no longer names it; nothing else of the report changed.
        expect(await store.getReport(record.report.id)).toEqual({
          ...created.report,
          contactId: null,
          updatedAt: clock.now(),
        });
        await store.deleteContact('contact-1'); // idempotent
        await store.deleteContact('never-existed');

        const anonymous = await store.createReport(reportRecord(31));
        expect(anonymous.report.contactId).toBeNull();
        expect(await store.getContact('contact-2')).toBeUndefined();
      });

      it('updates status, assignment, duplicate link and contact; closing sets closedAt, reopening clears it', async () => {
        const { report } = await store.createReport(reportRecord(40));
        clock.advance(MINUTE);
        const t1 = clock.now();
        const assigned = await store.updateReport(report.id, {
          status: 'in_assessment',
          assignedAnalystId: 'analyst-1',
        });
        expect(assigned).toEqual({
          ...report,
          status: 'in_assessment',
          assignedAnalystId: 'analyst-1',
          updatedAt: t1,
        });

        clock.advance(MINUTE);
        const t2 = clock.now();
        const closed = await store.updateReport(report.id, {
          status: 'closed_duplicate',
          duplicateOfReportId: '01HOTLINE-X',
        });
        expect(closed).toEqual({
          ...assigned,
          status: 'closed_duplicate',
          duplicateOfReportId: '01HOTLINE-X',
          closedAt: t2,
          updatedAt: t2,
        });

        // Another closing status keeps the first closing time; a patch without a status keeps it too.
        clock.advance(MINUTE);
        expect((await store.updateReport(report.id, { status: 'closed_not_illegal' })).closedAt).toEqual(t2);
        expect((await store.updateReport(report.id, { assignedAnalystId: null })).closedAt).toEqual(t2);

        clock.advance(MINUTE);
        const reopened = await store.updateReport(report.id, { status: 'triage', duplicateOfReportId: null });
        expect(reopened.closedAt).toBeNull();
        expect(reopened.duplicateOfReportId).toBeNull();

        // An explicit closedAt wins.
        const at = new Date(T0.getTime() + 7 * MINUTE);
        expect(
          (await store.updateReport(report.id, { status: 'removed_confirmed', closedAt: at })).closedAt,
        ).toEqual(at);
        expect((await store.updateReport(report.id, { contactId: null })).contactId).toBeNull();
        expect(await store.getReport(report.id)).toMatchObject({
          status: 'removed_confirmed',
          closedAt: at,
          updatedAt: clock.now(),
        });

        await expectDomainError(
          store.updateReport('01HOTLINE-UNKNOWN', { status: 'triage' }),
          'REPORT_NOT_FOUND',
        );
      });

      it('finds URLs with the same normalized form across reports', async () => {
        const shared = {
          url: 'http://Shared.example.org/x',
          normalizedUrl: 'http://shared.example.org/x',
          siteType: 'forum' as const,
        };
        const a = await store.createReport(reportRecord(50, { urls: [shared] }));
        const b = await store.createReport(
          reportRecord(51, {
            urls: [
              { url: 'https://other.example/', normalizedUrl: 'https://other.example/', siteType: null },
              { ...shared, url: 'http://shared.example.org/x#top' },
            ],
          }),
        );
        const found = await store.findUrlsByNormalized('http://shared.example.org/x');
        expect(found).toEqual([a.urls[0], b.urls[1]]);
        expect(await store.findUrlsByNormalized('http://nothing.example/')).toEqual([]);
      });
    });

    describe('queue', () => {
      it('lists open reports by priority, then age, then id, with URLs and media counts', async () => {
        const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
        await store.createReport(reportRecord(60, { report: { priority: 2, receivedAt: at(1) } }));
        await store.createReport(reportRecord(61, { report: { priority: 0, receivedAt: at(5) } }));
        await store.createReport(reportRecord(62, { report: { priority: 2, receivedAt: at(0) } }));
        await store.createReport(reportRecord(63, { report: { priority: 2, receivedAt: at(1) } }));
        await store.createReport(
          reportRecord(64, { report: { priority: 1, receivedAt: at(9), status: 'closed_not_illegal' } }),
        );
        await store.createReport(
          reportRecord(65, { report: { priority: 0, receivedAt: at(0), status: 'removed_confirmed' } }),
        );
        const id = (n: number) => reportRecord(n).report.id;

        // Report 61's first URL has two new items and one known one; the rest have none.
        let n = 0;
        await captureAll((reportId) => {
          if (reportId !== id(61)) return [];
          return n++ === 0
            ? [
                mediaItem(1),
                mediaItem(2),
                mediaItem(3, {
                  knownMatch: {
                    source: 'own',
                    bankName: 'known',
                    entryId: 7,
                    signalType: 'pdq',
                    distance: 4,
                    classification: { industry: 'A1' },
                  },
                }),
              ]
            : [];
        });

        const queue = await store.listQueue({ limit: 10 });
        expect(queue.map((item) => item.report.id)).toEqual([id(61), id(62), id(60), id(63)]);
        expect(queue[0]).toEqual({
          report: await store.getReport(id(61)),
          urls: await store.listUrls(id(61)),
          mediaCount: 3,
          pendingMediaCount: 2,
          previouslyAssessedCount: 1,
        });
        expect(queue[1]).toMatchObject({ mediaCount: 0, pendingMediaCount: 0, previouslyAssessedCount: 0 });
        expect(queue[1]!.urls).toHaveLength(2);

        expect((await store.listQueue({ limit: 2 })).map((item) => item.report.id)).toEqual([id(61), id(62)]);
        expect(await store.listQueue({ limit: 0 })).toEqual([]);

        // A status filter (the captures moved every open report to triage); closed statuses never
        // appear, even when asked for.
        await store.updateReport(id(60), { status: 'in_assessment' });
        const ids = async (statuses: readonly ReportStatus[]) =>
          (await store.listQueue({ limit: 10, statuses })).map((i) => i.report.id);
        expect(await ids(['in_assessment'])).toEqual([id(60)]);
        expect(await ids(['triage'])).toEqual([id(61), id(62), id(63)]);
        expect(await ids(['triage', 'in_assessment'])).toEqual([id(61), id(62), id(60), id(63)]);
        expect(await ids(['received'])).toEqual([]);
        expect(await store.listQueue({ limit: 10, statuses: ['closed_not_illegal'] })).toEqual([]);
        expect(await store.listQueue({ limit: 10, statuses: [] })).toEqual([]);

        // A pending item assessed no longer counts as pending.
        const [item] = await store.listMedia(id(61));
        await store.setMediaStatus(item!.id, 'assessed');
        expect((await store.listQueue({ limit: 1 }))[0]).toMatchObject({
          mediaCount: 3,
          pendingMediaCount: 1,
          previouslyAssessedCount: 1,
        });
      });
    });

    describe('capture jobs', () => {
      it('claims due jobs only, leases them, and gives a job whose lease ran out to the next claimer', async () => {
        const later = new Date(T0.getTime() + 30 * MINUTE);
        await store.createReport(reportRecord(70, { report: { receivedAt: T0 } }));
        await store.createReport(reportRecord(71, { report: { receivedAt: later } }));

        expect(await store.claimCaptureJobs(new Date(T0.getTime() - 1), 10, 60_000)).toEqual([]);
        const first = await store.claimCaptureJobs(T0, 1, 60_000);
        expect(first).toHaveLength(1);
        expect(first[0]).toMatchObject({
          reportId: reportRecord(70).report.id,
          attempts: 1,
          status: 'pending',
        });
        const second = await store.claimCaptureJobs(T0, 10, 60_000);
        expect(second.map((j) => j.reportId)).toEqual([reportRecord(70).report.id]);
        expect(second[0]!.id).not.toBe(first[0]!.id);

        // Both leased until T0 + 60 s: nobody else gets them before then.
        expect(await store.claimCaptureJobs(new Date(T0.getTime() + 59_999), 10, 60_000)).toEqual([]);
        expect(await store.claimCaptureJobs(new Date(T0.getTime() + 60_000), 10, 60_000)).toEqual([]);
        // The worker crashed: once the lease is over, the jobs are claimed again, attempts counted.
        const reclaimed = await store.claimCaptureJobs(new Date(T0.getTime() + 60_001), 10, 60_000);
        expect(reclaimed.map((j) => [j.id, j.attempts])).toEqual([
          [first[0]!.id, 2],
          [second[0]!.id, 2],
        ]);

        // Due by run_after, then id.
        const all = await store.claimCaptureJobs(new Date(later.getTime() + 10 * MINUTE), 10, 60_000);
        expect(all.map((j) => j.reportId)).toEqual([
          reportRecord(70).report.id,
          reportRecord(70).report.id,
          reportRecord(71).report.id,
          reportRecord(71).report.id,
        ]);
        expect(all.map((j) => j.attempts)).toEqual([3, 3, 1, 1]);
        expect(all[2]!.runAfter).toEqual(later);
        expect(await store.claimCaptureJobs(new Date(later.getTime() + 10 * MINUTE), 0, 60_000)).toEqual([]);
      });

      it('records a capture once: URL, trace, media, thumbnails; the job is done and the report moves to triage', async () => {
        const { report, urls } = await store.createReport(reportRecord(80));
        const [job] = await store.claimCaptureJobs(T0, 1, 60_000);
        expect(job!.urlId).toBe(urls[0]!.id);
        const known = {
          source: 'iwf' as const,
          bankName: 'iwf-list',
          entryId: 12,
          signalType: 'md5',
          distance: 0,
          classification: { uk: 'A' as const, baseline: true },
        };
        const preview = Uint8Array.from([9, 8, 7, 6]);
        const contactSheet = {
          durationSeconds: 12.5,
          frames: 4,
          columns: 2,
          rows: 2,
          timestamps: [0, 3, 6, 9],
        };
        clock.advance(MINUTE);
        const media = await store.completeCapture(
          job!.id,
          outcome([
            mediaItem(1, { previewSealed: preview }),
            mediaItem(2, {
              knownMatch: known,
              mediaType: 'video',
              pdq: null,
              pdqQuality: null,
              width: null,
              height: null,
              contactSheet,
            }),
            mediaItem(1, { sourceUrl: 'https://images.example.org/og.png' }), // the same bytes again
          ]),
        );
        const capturedAt = new Date(T0.getTime() + 3 * MINUTE);
        expect(media).toEqual([
          {
            id: expect.any(Number),
            reportId: report.id,
            urlId: urls[0]!.id,
            sourceUrl: 'https://images.example.org/m/1.png',
            mediaType: 'image',
            md5: mediaItem(1).md5,
            sha256: mediaItem(1).sha256,
            pdq: mediaItem(1).pdq,
            pdqQuality: 90,
            width: 640,
            height: 480,
            byteLength: 1001,
            knownMatch: null,
            previouslyAssessed: false,
            storedContent: true,
            status: 'pending_assessment',
            bankEntryIds: [],
            capturedAt,
          },
          {
            id: expect.any(Number),
            reportId: report.id,
            urlId: urls[0]!.id,
            sourceUrl: 'https://images.example.org/m/2.png',
            mediaType: 'video',
            md5: mediaItem(2).md5,
            sha256: mediaItem(2).sha256,
            pdq: null,
            pdqQuality: null,
            width: null,
            height: null,
            byteLength: 1002,
            knownMatch: known,
            previouslyAssessed: true,
            storedContent: false,
            status: 'previously_assessed',
            bankEntryIds: [],
            capturedAt,
            contactSheet,
          },
        ]);
        expect(await store.getMedia(media[0]!.id)).toEqual(media[0]);
        expect(await store.listMedia(report.id)).toEqual(media);
        expect(await store.getThumbnail(media[0]!.id)).toEqual(mediaItem(1).thumbnail);
        expect(await store.getSealedPreview(media[0]!.id)).toEqual(preview);
        expect(await store.getThumbnail(media[1]!.id)).toEqual(mediaItem(2).thumbnail);
        expect(await store.getSealedPreview(media[1]!.id)).toBeUndefined();

        expect((await store.listUrls(report.id))[0]).toEqual({
          ...urls[0],
          accessibility: 'online',
          capturedAt,
          captureError: null,
          trace: TRACE,
        });
        expect((await store.listUrls(report.id))[1]).toEqual(urls[1]);
        expect(await store.countCaptureJobs()).toEqual({ pending: 1, done: 1, failed: 0 });
        expect(await store.getReport(report.id)).toEqual({
          ...report,
          status: 'triage',
          updatedAt: clock.now(),
        });

        // A replayed completion (a worker whose lease ran out) returns the same items, writes nothing.
        clock.advance(MINUTE);
        const replayed = await store.completeCapture(
          job!.id,
          outcome([mediaItem(5)], { accessibility: 'offline', trace: null }),
        );
        expect(replayed).toEqual(media);
        expect(await store.listMedia(report.id)).toEqual(media);
        expect((await store.listUrls(report.id))[0]!.accessibility).toBe('online');
        expect((await store.getReport(report.id))!.updatedAt).toEqual(
          new Date(clock.now().getTime() - MINUTE),
        );
        // A done job is never claimed again.
        expect(
          (await store.claimCaptureJobs(new Date(T0.getTime() + 60 * MINUTE), 10, 1)).map((j) => j.id),
        ).not.toContain(job!.id);

        await expectDomainError(store.completeCapture(999_999, outcome([])), 'NOT_FOUND');
      });

      it('never moves a report backwards, and records a failed capture without media', async () => {
        const { report, urls } = await store.createReport(reportRecord(90));
        await store.updateReport(report.id, { status: 'in_assessment' });
        const jobs = await store.claimCaptureJobs(T0, 10, 60_000);
        await store.completeCapture(
          jobs[1]!.id,
          outcome([], {
            accessibility: 'error',
            captureError: 'CAPTURE_DNS_FAILED',
            trace: { ...TRACE, ipAddress: null, country: null, asn: null, network: null },
          }),
        );
        expect((await store.getReport(report.id))!.status).toBe('in_assessment');
        expect(await store.listMedia(report.id)).toEqual([]);
        expect((await store.listUrls(report.id))[1]).toMatchObject({
          id: urls[1]!.id,
          accessibility: 'error',
          captureError: 'CAPTURE_DNS_FAILED',
          trace: { ...TRACE, ipAddress: null, country: null, asn: null, network: null },
        });
      });

      it('retries a failed attempt at the time given, or fails the job for good', async () => {
        await store.createReport(reportRecord(100));
        const [a, b] = await store.claimCaptureJobs(T0, 10, 60_000);
        const retryAt = new Date(T0.getTime() + 5 * MINUTE);
        await store.failCaptureJob(a!.id, 'CAPTURE_TIMEOUT', retryAt);
        await store.failCaptureJob(b!.id, 'CAPTURE_BLOCKED_ADDRESS', null);
        expect(await store.countCaptureJobs()).toEqual({ pending: 1, done: 0, failed: 1 });

        // Not before retryAt, although the lease is cleared; then with the attempt counted. The
        // failed job is never claimed again.
        expect(await store.claimCaptureJobs(new Date(retryAt.getTime() - 1), 10, 60_000)).toEqual([]);
        const [retried, ...others] = await store.claimCaptureJobs(retryAt, 10, 60_000);
        expect(retried).toEqual({ ...a, attempts: 2, runAfter: retryAt, lastError: 'CAPTURE_TIMEOUT' });
        expect(others).toEqual([]);

        // Done is final: a late failure from a stale worker changes nothing.
        await store.completeCapture(retried!.id, outcome([mediaItem(7)]));
        expect(await store.claimCaptureJobs(new Date(T0.getTime() + 600 * MINUTE), 10, 60_000)).toEqual([]);
        await store.failCaptureJob(retried!.id, 'CAPTURE_FAILED', null);
        await store.failCaptureJob(retried!.id, 'CAPTURE_FAILED', retryAt);
        expect(await store.countCaptureJobs()).toEqual({ pending: 0, done: 1, failed: 1 });

        await expectDomainError(store.failCaptureJob(999_999, 'x', null), 'NOT_FOUND');
      });
    });

    describe('capture attempts, screenshots and anchors (issue 16)', () => {
      it('lists attempts, queues one recapture at a time, records screenshots and skips media seen before', async () => {
        const { report, urls } = await store.createReport(reportRecord(40));
        const url = urls[0]!;
        const claimed = await store.claimCaptureJobs(new Date(T0.getTime() + 10 * MINUTE), 1000, 60_000);
        const first = claimed.find((j) => j.urlId === url.id);
        for (const other of claimed) if (other !== first) await store.completeCapture(other.id, outcome([]));
        await store.completeCapture(
          first!.id,
          outcome([mediaItem(40)], {
            method: 'browser',
            note: null,
            screenshot: {
              sha256: sha256Hex('png-40'),
              byteLength: 4040,
              width: 1280,
              height: 2400,
              thumbnail: Uint8Array.from([0xff, 0xd8, 40]),
              previewSealed: Uint8Array.from([7, 7]),
              originalSealed: Uint8Array.from([9, 9, 9]),
            },
          }),
        );
        const at = new Date(T0.getTime() + 20 * MINUTE);
        await expectDomainError(store.requestRecapture(999_999, 'analyst-1', at), 'URL_NOT_FOUND');
        const queued = await store.requestRecapture(url.id, 'analyst-1', at);
        expect(queued).toMatchObject({
          created: true,
          job: { urlId: url.id, reportId: report.id, status: 'pending', attempts: 0 },
        });
        expect(await store.requestRecapture(url.id, 'analyst-2', at)).toEqual({
          created: false,
          job: queued.job,
        });
        const [again] = await store.claimCaptureJobs(at, 10, 60_000);
        expect(again!.id).toBe(queued.job.id);
        // The same image again and a new one: only the new one becomes an item.
        await store.completeCapture(
          again!.id,
          outcome([mediaItem(40), mediaItem(41)], { method: 'http', note: 'Chromium is not installed.' }),
        );
        expect((await store.listMedia(report.id)).map((m) => m.sha256)).toEqual([
          sha256Hex('media-40'),
          sha256Hex('media-41'),
        ]);
        const attempts = await store.listCaptureAttempts(url.id);
        expect(attempts).toEqual([
          {
            jobId: first!.id,
            reportId: report.id,
            urlId: url.id,
            status: 'done',
            tries: 1,
            requestedBy: null,
            requestedAt: now0,
            finishedAt: new Date(T0.getTime() + 3 * MINUTE),
            error: null,
            method: 'browser',
            note: null,
            mediaFound: 1,
            screenshot: {
              jobId: first!.id,
              reportId: report.id,
              urlId: url.id,
              sha256: sha256Hex('png-40'),
              byteLength: 4040,
              width: 1280,
              height: 2400,
              capturedAt: new Date(T0.getTime() + 3 * MINUTE),
              storedContent: true,
            },
          },
          {
            jobId: queued.job.id,
            reportId: report.id,
            urlId: url.id,
            status: 'done',
            tries: 1,
            requestedBy: 'analyst-1',
            requestedAt: at,
            finishedAt: new Date(T0.getTime() + 3 * MINUTE),
            error: null,
            method: 'http',
            note: 'Chromium is not installed.',
            mediaFound: 1,
            screenshot: null,
          },
        ]);
        expect(await store.getCaptureScreenshot(first!.id)).toEqual(attempts[0]!.screenshot);
        expect(await store.getCaptureScreenshot(queued.job.id)).toBeUndefined();
        expect(Array.from((await store.getScreenshotImage(first!.id, 'thumbnail'))!)).toEqual([
          0xff, 0xd8, 40,
        ]);
        expect(Array.from((await store.getScreenshotImage(first!.id, 'preview'))!)).toEqual([7, 7]);
        expect(Array.from((await store.getScreenshotImage(first!.id, 'original'))!)).toEqual([9, 9, 9]);
        // Retention deletes the screenshot's bytes; its facts and hash stay.
        await store.purgePersonalData(report.id, at);
        expect(await store.getCaptureScreenshot(first!.id)).toMatchObject({
          storedContent: false,
          sha256: sha256Hex('png-40'),
        });
        expect(await store.getScreenshotImage(first!.id, 'original')).toBeUndefined();
      });

      it('marks a failed attempt finished, and records each anchor once', async () => {
        await store.createReport(reportRecord(41));
        const [job] = await store.claimCaptureJobs(new Date(T0.getTime() + 10 * MINUTE), 1, 60_000);
        await store.failCaptureJob(job!.id, 'CAPTURE_TIMEOUT', null);
        const [attempt] = await store.listCaptureAttempts(job!.urlId);
        expect(attempt).toMatchObject({
          status: 'failed',
          error: 'CAPTURE_TIMEOUT',
          finishedAt: now0,
          method: null,
        });

        const anchor = {
          seq: 5,
          hash: 'a'.repeat(64),
          signedAt: new Date(T0.getTime() + 5 * MINUTE),
          keyId: 'b'.repeat(64),
          signature: 'c2lnbmF0dXJl',
          publishedTo: 'file:/srv/anchors.jsonl',
        };
        await store.recordAuditAnchor({ ...anchor, seq: 9, hash: 'd'.repeat(64) });
        await store.recordAuditAnchor(anchor);
        await store.recordAuditAnchor({ ...anchor, signature: 'other' });
        expect(await store.listAuditAnchors()).toEqual([anchor, { ...anchor, seq: 9, hash: 'd'.repeat(64) }]);
      });
    });

    describe('media', () => {
      it('finds identical media across reports, sets status and bank entries, deletes the kept preview only', async () => {
        await store.createReport(
          reportRecord(110, {
            urls: [{ url: 'https://a.example/1', normalizedUrl: 'https://a.example/1', siteType: null }],
          }),
        );
        await store.createReport(
          reportRecord(111, {
            urls: [{ url: 'https://b.example/1', normalizedUrl: 'https://b.example/1', siteType: null }],
          }),
        );
        await captureAll(() => [mediaItem(1, { previewSealed: Uint8Array.from([1, 2, 3]) }), mediaItem(2)]);
        const same = await store.findMediaBySha256(mediaItem(1).sha256);
        expect(same.map((m) => m.reportId)).toEqual([
          reportRecord(110).report.id,
          reportRecord(111).report.id,
        ]);
        expect(await store.findMediaBySha256(sha256Hex('absent'))).toEqual([]);

        const target = same[0]!;
        const published = await store.setMediaStatus(target.id, 'published', [41, 42]);
        expect(published).toEqual({ ...target, status: 'published', bankEntryIds: [41, 42] });
        expect(await store.setMediaStatus(target.id, 'assessed')).toEqual({
          ...published,
          status: 'assessed',
        });

        await store.deleteSealedPreview(target.id);
        expect(await store.getSealedPreview(target.id)).toBeUndefined();
        expect(await store.getThumbnail(target.id)).toEqual(mediaItem(1).thumbnail);
        expect(await store.getMedia(target.id)).toEqual({
          ...published,
          status: 'assessed',
          storedContent: false,
        });
        await store.deleteSealedPreview(target.id); // idempotent
        // The other report's copy keeps its preview.
        expect(await store.getSealedPreview(same[1]!.id)).toEqual(Uint8Array.from([1, 2, 3]));

        expect(await store.getMedia(999_999)).toBeUndefined();
        expect(await store.getThumbnail(999_999)).toBeUndefined();
        expect(await store.getSealedPreview(999_999)).toBeUndefined();
        expect(await store.listMedia('01HOTLINE-UNKNOWN')).toEqual([]);
        await expectDomainError(store.setMediaStatus(999_999, 'assessed'), 'MEDIA_ITEM_NOT_FOUND');
        await expectDomainError(store.deleteSealedPreview(999_999), 'MEDIA_ITEM_NOT_FOUND');
      });

      it('keeps one assessment per analyst and item', async () => {
        await store.createReport(
          reportRecord(120, {
            urls: [{ url: 'https://a.example/2', normalizedUrl: 'https://a.example/2', siteType: null }],
          }),
        );
        await captureAll(() => [mediaItem(1)]);
        const [media] = await store.findMediaBySha256(mediaItem(1).sha256);
        await store.createAnalyst(analyst(1));
        await store.createAnalyst(analyst(2));
        const at = new Date(T0.getTime() + 20 * MINUTE);
        const first = await store.addAssessment(media!.id, 'analyst-1', ASSESSMENT, at);
        expect(first).toEqual({
          ...ASSESSMENT,
          id: expect.any(Number),
          mediaId: media!.id,
          analystId: 'analyst-1',
          assessedAt: at,
        });
        await expectDomainError(
          store.addAssessment(media!.id, 'analyst-1', { ...ASSESSMENT, nationalStatus: 'not_illegal' }, at),
          'ALREADY_ASSESSED',
        );
        const second = await store.addAssessment(
          media!.id,
          'analyst-2',
          {
            ...ASSESSMENT,
            severityUk: null,
            industryClassification: null,
            legalBasis: null,
            victimCount: null,
            flags: [],
            notes: 'second opinion',
          },
          new Date(at.getTime() + MINUTE),
        );
        expect(await store.listAssessments(media!.id)).toEqual([first, second]);
        expect(await store.listAssessments(999_999)).toEqual([]);
        await expectDomainError(
          store.addAssessment(999_999, 'analyst-1', ASSESSMENT, at),
          'MEDIA_ITEM_NOT_FOUND',
        );
        await expectDomainError(
          store.addAssessment(media!.id, 'nobody', ASSESSMENT, at),
          'ANALYST_NOT_FOUND',
        );
      });

      it('lists reveals since a time with whether the item was assessed illegal (the exposure page)', async () => {
        await store.createReport(
          reportRecord(130, {
            urls: [{ url: 'https://r.example/1', normalizedUrl: 'https://r.example/1', siteType: null }],
          }),
        );
        await captureAll(() => [mediaItem(31), mediaItem(32)]);
        const [illegal] = await store.findMediaBySha256(mediaItem(31).sha256);
        const [other] = await store.findMediaBySha256(mediaItem(32).sha256);
        await store.createAnalyst(analyst(1));
        await store.addAssessment(illegal!.id, 'analyst-1', ASSESSMENT, T0);
        await store.addAssessment(
          other!.id,
          'analyst-1',
          { ...ASSESSMENT, nationalStatus: 'not_illegal' },
          T0,
        );
        const reveal = (actor: string | null, subjectType: string, subjectId: string, minute: number) =>
          store.appendAudit(
            { actor, action: 'media_revealed', subjectType, subjectId, details: {} },
            new Date(T0.getTime() + minute * MINUTE),
          );
        await reveal('analyst-1', 'media', String(illegal!.id), 1);
        await reveal('analyst-1', 'media', String(other!.id), 2);
        await reveal('analyst-2', 'media', String(illegal!.id), 3);
        // A screenshot's reveal counts, never as an assessed item (its id is a capture job's).
        await reveal('analyst-2', 'capture_screenshot', String(illegal!.id), 4);
        await reveal(null, 'media', String(illegal!.id), 5);
        await store.appendAudit(
          {
            actor: 'analyst-1',
            action: 'media_viewed',
            subjectType: 'media',
            subjectId: String(illegal!.id),
            details: {},
          },
          new Date(T0.getTime() + 6 * MINUTE),
        );
        expect(await store.listReveals(new Date(T0.getTime() + 2 * MINUTE))).toEqual([
          { actor: 'analyst-1', at: new Date(T0.getTime() + 2 * MINUTE), illegal: false },
          { actor: 'analyst-2', at: new Date(T0.getTime() + 3 * MINUTE), illegal: true },
          { actor: 'analyst-2', at: new Date(T0.getTime() + 4 * MINUTE), illegal: false },
        ]);
        expect((await store.listReveals(T0)).map((r) => r.illegal)).toEqual([true, false, true, false]);
        expect(await store.listReveals(new Date(T0.getTime() + 60 * MINUTE))).toEqual([]);
      });
    });

    describe('analysts and sessions', () => {
      it('creates, reads, lists and updates analysts; a taken username is refused', async () => {
        const alice = await store.createAnalyst(
          analyst(1, { username: 'zoe', role: 'admin', totpSecretSealed: 'sealed-totp' }),
        );
        const bob = await store.createAnalyst(analyst(2, { username: 'bob' }));
        expect(alice).toEqual(
          analyst(1, { username: 'zoe', role: 'admin', totpSecretSealed: 'sealed-totp' }),
        );
        expect(await store.getAnalyst('analyst-1')).toEqual(alice);
        expect(await store.getAnalystByUsername('bob')).toEqual(bob);
        expect(await store.getAnalystByUsername('BOB')).toBeUndefined();
        expect(await store.getAnalyst('nobody')).toBeUndefined();
        // Byte order: upper case before lower case, whatever the server's locale.
        const carl = await store.createAnalyst(analyst(3, { username: 'Carl' }));
        expect((await store.listAnalysts()).map((a) => a.username)).toEqual([carl.username, 'bob', 'zoe']);

        await expectDomainError(store.createAnalyst(analyst(4, { username: 'bob' })), 'USERNAME_TAKEN');
        await expectDomainError(store.createAnalyst(analyst(1, { username: 'new-name' })), 'CONFLICT');
        expect(await store.listAnalysts()).toHaveLength(3);

        clock.advance(MINUTE);
        const updated = await store.updateAnalyst('analyst-2', {
          displayName: 'Bob B.',
          role: 'senior_analyst',
          disabled: true,
          totpSecretSealed: 'sealed',
        });
        expect(updated).toEqual({
          ...bob,
          displayName: 'Bob B.',
          role: 'senior_analyst',
          disabled: true,
          totpSecretSealed: 'sealed',
          updatedAt: clock.now(),
        });
        expect(
          await store.updateAnalyst('analyst-2', { passwordHash: 'scrypt$new', totpSecretSealed: null }),
        ).toEqual({ ...updated, passwordHash: 'scrypt$new', totpSecretSealed: null });
        expect(await store.getAnalyst('analyst-2')).toMatchObject({
          disabled: true,
          passwordHash: 'scrypt$new',
        });
        // The workbench language (migration 0015): kept, and left alone by other updates.
        const french = await store.updateAnalyst('analyst-2', { language: 'fr' });
        expect(french.language).toBe('fr');
        expect((await store.updateAnalyst('analyst-2', { displayName: 'Bob' })).language).toBe('fr');
        expect((await store.getAnalyst('analyst-2'))?.language).toBe('fr');
        expect((await store.createAnalyst(analyst(5, { language: 'nl' }))).language).toBe('nl');
        await expectDomainError(store.updateAnalyst('nobody', { disabled: true }), 'ANALYST_NOT_FOUND');
      });

      it('keeps sessions until deleted or expired', async () => {
        await store.createAnalyst(analyst(1));
        const session = (n: number, expiresInMinutes: number) => ({
          idHash: sha256Hex(`session-${n}`),
          analystId: 'analyst-1',
          csrfToken: `csrf-${n}`,
          createdAt: T0,
          expiresAt: new Date(T0.getTime() + expiresInMinutes * MINUTE),
        });
        for (const [n, minutes] of [
          [1, 10],
          [2, 20],
          [3, 30],
        ] as const)
          await store.createSession(session(n, minutes));
        expect(await store.getSession(sha256Hex('session-2'))).toEqual(session(2, 20));
        await expectDomainError(store.createSession(session(1, 99)), 'CONFLICT');
        await expectDomainError(
          store.createSession({ ...session(4, 10), analystId: 'nobody' }),
          'ANALYST_NOT_FOUND',
        );

        await store.deleteSession(sha256Hex('session-3'));
        await store.deleteSession(sha256Hex('session-3'));
        expect(await store.getSession(sha256Hex('session-3'))).toBeUndefined();

        // Expired at exactly its expiry time.
        expect(await store.deleteExpiredSessions(new Date(T0.getTime() + 10 * MINUTE - 1))).toBe(0);
        expect(await store.deleteExpiredSessions(new Date(T0.getTime() + 10 * MINUTE))).toBe(1);
        expect(await store.getSession(sha256Hex('session-1'))).toBeUndefined();
        expect(await store.getSession(sha256Hex('session-2'))).toEqual(session(2, 20));
        expect(await store.deleteExpiredSessions(new Date(T0.getTime() + 999 * MINUTE))).toBe(1);
        expect(await store.getSession(sha256Hex('session-2'))).toBeUndefined();
      });
    });

    describe('audit log', () => {
      const event = (n: number, extra: Partial<AuditEvent> = {}) => ({
        actor: n % 3 === 0 ? null : `analyst-${n % 2}`,
        action: n % 2 === 0 ? ('media_viewed' as const) : ('report_viewed' as const),
        subjectType: 'report',
        subjectId: `01HOTLINE${n}`,
        details: { n, zeta: 'last key first', alpha: n % 2 === 0, none: null, ratio: n / 4 },
        ...extra,
      });

      it('starts empty, anchored at the genesis hash', async () => {
        expect(await store.auditHead()).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
        expect(await store.listAudit({ limit: 10 })).toEqual([]);
        expect(await verifyStoreAudit(store)).toEqual({
          ok: true,
          checked: 0,
          firstBadSeq: null,
          problem: null,
        });
      });

      it('chains each row to the previous one and anchors the last in the head', async () => {
        const rows: AuditEvent[] = [];
        for (let n = 1; n <= 7; n++) {
          rows.push(await store.appendAudit(event(n), new Date(T0.getTime() + n * 1000 + 0.75)));
        }
        expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(rows[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
        for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
        for (const row of rows) {
          const { hash, ...content } = row;
          expect(hash).toBe(sha256Hex(auditDigestInput(content)));
        }
        expect(rows[1]).toEqual({
          seq: 2,
          at: new Date(T0.getTime() + 2000),
          actor: 'analyst-0',
          action: 'media_viewed',
          subjectType: 'report',
          subjectId: '01HOTLINE2',
          details: { n: 2, zeta: 'last key first', alpha: true, none: null, ratio: 0.5 },
          prevHash: rows[0]!.hash,
          hash: rows[1]!.hash,
        });
        expect(await store.listAudit({ limit: 100 })).toEqual(rows);
        expect(await store.auditHead()).toEqual({ seq: 7, hash: rows[6]!.hash });
        expect(await verifyStoreAudit(store, 3)).toEqual({
          ok: true,
          checked: 7,
          firstBadSeq: null,
          problem: null,
        });
        expect(await verifyStoreAudit(store, 1000)).toMatchObject({ ok: true, checked: 7 });
      });

      it('filters by seq range, actor, action and subject, in seq order, 1 to 1000 rows a page', async () => {
        for (let n = 1; n <= 12; n++) await store.appendAudit(event(n), new Date(T0.getTime() + n * MINUTE));
        const seqs = async (query: Parameters<HotlineStore['listAudit']>[0]) =>
          (await store.listAudit(query)).map((r) => r.seq);
        expect(await seqs({ afterSeq: 4, limit: 3 })).toEqual([5, 6, 7]);
        expect(await seqs({ afterSeq: 4, beforeSeq: 7, limit: 100 })).toEqual([5, 6]);
        expect(await seqs({ beforeSeq: 3, limit: 100 })).toEqual([1, 2]);
        expect(await seqs({ actor: 'analyst-1', limit: 100 })).toEqual([1, 5, 7, 11]);
        expect(await seqs({ action: 'media_viewed', limit: 100 })).toEqual([2, 4, 6, 8, 10, 12]);
        expect(await seqs({ actor: 'analyst-0', action: 'media_viewed', afterSeq: 2, limit: 100 })).toEqual([
          4, 8, 10,
        ]);
        expect(await seqs({ subjectId: '01HOTLINE6', limit: 100 })).toEqual([6]);
        expect(await seqs({ subjectId: '01HOTLINE6', action: 'report_viewed', limit: 100 })).toEqual([]);
        expect(await seqs({ limit: 0 })).toEqual([1]);
        expect(await seqs({ limit: -5 })).toEqual([1]);
        expect(await seqs({ limit: Number.NaN })).toEqual([1]);

        // The exposure counter: one actor's actions since a time.
        expect(await store.countAudit('analyst-0', 'media_viewed', T0)).toBe(4);
        expect(await store.countAudit('analyst-0', 'media_viewed', new Date(T0.getTime() + 8 * MINUTE))).toBe(
          2,
        );
        expect(
          await store.countAudit('analyst-0', 'media_viewed', new Date(T0.getTime() + 8 * MINUTE + 1)),
        ).toBe(1);
        expect(await store.countAudit('analyst-1', 'media_viewed', T0)).toBe(0);
      });

      it('caps a page at 1000 rows', async () => {
        for (let n = 1; n <= 1001; n++) await store.appendAudit(event(n, { details: {} }), T0);
        expect(await store.listAudit({ limit: 5000 })).toHaveLength(1000);
        expect(await verifyStoreAudit(store, 1000)).toMatchObject({ ok: true, checked: 1001 });
      });

      it('never forks the chain under concurrent appends', async () => {
        const appended = await Promise.all(
          Array.from({ length: 20 }, (_, n) => store.appendAudit(event(n + 1), new Date(T0.getTime() + n))),
        );
        expect(appended.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        expect(new Set(appended.map((r) => r.prevHash)).size).toBe(20);
        expect(await verifyStoreAudit(store, 7)).toMatchObject({ ok: true, checked: 20 });
      });
    });
  });
}
