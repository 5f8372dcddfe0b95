import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_CHECK_SCHEDULE,
  DEFAULT_NOTICE_TEMPLATES,
  RetentionService,
  TakedownService,
  removalBucketOf,
  type Analyst,
  type AssessmentInput,
  type Clock,
  type HotlineStore,
  type MediaItem,
  type NewMediaItem,
  type NewTakedown,
  type NoticeEmail,
  type ProbeOutcome,
  type Takedown,
  type TakedownStore,
} from '@hashline/domain';
import { createManualClock, type ManualClock } from '@hashline/domain/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportRecord, sha256Hex, verifyStoreAudit } from './hotline-store.contract.js';

/** A fresh, empty pair of stores on one database for one test. */
export interface TakedownContractStores {
  readonly hotline: HotlineStore;
  readonly takedowns: TakedownStore;
  readonly cleanup: () => Promise<void>;
}

/** Opens fresh, empty stores whose own timestamps come from `clock`. */
export type OpenTakedownContractStores = (clock: Clock) => Promise<TakedownContractStores>;

const T0 = new Date(Date.UTC(2026, 4, 4, 8, 0, 0));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ASSESSMENT: AssessmentInput = {
  internationalStatus: 'baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: null,
  severityUk: 'A',
  industryClassification: 'A1',
  ageBand: '7-10',
  sex: 'girls',
  victimCount: 1,
  selfGenerated: 'no',
  contentOrigin: 'photographic',
  flags: [],
  confidence: 'certain',
  notes: 'seen before in a series',
};

function media(n: number, preview: boolean): NewMediaItem {
  return {
    sourceUrl: `https://img.example.org/${n}.jpg`,
    mediaType: 'image',
    md5: createHash('md5').update(`td-media-${n}`).digest('hex'),
    sha256: sha256Hex(`td-media-${n}`),
    pdq: null,
    pdqQuality: null,
    width: 10,
    height: 10,
    byteLength: 100 + n,
    knownMatch: null,
    thumbnail: Uint8Array.from([0xff, 0xd8, n, 9]),
    previewSealed: preview ? Uint8Array.from([1, 2, 3, n]) : null,
  };
}

/**
 * The behaviour every {@link TakedownStore} must have, and the retention methods of the
 * {@link HotlineStore} on the same database, run against memory, SQLite and PostgreSQL.
 */
export function describeTakedownStoreContract(name: string, open: OpenTakedownContractStores): void {
  describe(`TakedownStore and retention contract: ${name}`, () => {
    let hotline: HotlineStore;
    let takedowns: TakedownStore;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      clock = createManualClock(T0);
      ({ hotline, takedowns, cleanup } = await open(clock));
    });
    afterEach(async () => {
      await cleanup();
    });

    /** A report with its URLs captured: the first URL has two media items. */
    async function seedReport(
      n: number,
      contact = false,
    ): Promise<{ reportId: string; urlIds: number[]; media: MediaItem[] }> {
      const record = reportRecord(n, {
        ...(contact ? { contact: { id: `contact-${n}`, sealed: 'sealed-contact', createdAt: T0 } } : {}),
      });
      const created = await hotline.createReport(record);
      const jobs = await hotline.claimCaptureJobs(new Date(T0.getTime() + DAY * 365 * 10), 100, 60_000);
      const stored: MediaItem[] = [];
      for (const job of jobs.filter((j) => j.reportId === created.report.id)) {
        const first = job.urlId === created.urls[0]!.id;
        stored.push(
          ...(await hotline.completeCapture(job.id, {
            accessibility: 'online',
            capturedAt: T0,
            captureError: null,
            trace: null,
            media: first ? [media(n * 10 + 1, true), media(n * 10 + 2, false)] : [],
          })),
        );
      }
      return { reportId: created.report.id, urlIds: created.urls.map((u) => u.id), media: stored };
    }

    function newTakedown(
      id: string,
      reportId: string,
      urlId: number,
      extra: Partial<NewTakedown> = {},
    ): NewTakedown {
      return {
        id,
        reportId,
        urlId,
        url: 'https://img.example.org/page',
        recipient: 'abuse@host.example',
        language: 'nl',
        via: 'hotline',
        referralReference: null,
        messageId: `<takedown.${id.toLowerCase()}@hotline.example>`,
        createdAt: clock.now(),
        createdBy: 'analyst-1',
        nextCheckAt: clock.now(),
        leaseUntil: null,
        ...extra,
      };
    }

    it('stores a takedown and reads it back exactly', async () => {
      const { reportId, urlIds } = await seedReport(1);
      const created = await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000001', reportId, urlIds[0]!, {
          referralReference: 'PV 12/34',
          via: 'police',
        }),
      );
      const expected: Takedown = {
        id: '01TD0000000000000000000001',
        reportId,
        urlId: urlIds[0]!,
        url: 'https://img.example.org/page',
        recipient: 'abuse@host.example',
        language: 'nl',
        via: 'police',
        status: 'pending',
        sentBy: null,
        sentTo: null,
        referralReference: 'PV 12/34',
        noticeSentAt: null,
        messageId: '<takedown.01td0000000000000000000001@hotline.example>',
        sendAttempts: 0,
        lastError: null,
        removedConfirmedAt: null,
        nextCheckAt: T0,
        checks: [],
        createdAt: T0,
        createdBy: 'analyst-1',
      };
      expect(created).toEqual(expected);
      expect(await takedowns.getTakedown(created.id)).toEqual(expected);
      expect(await takedowns.listTakedowns(reportId)).toEqual([expected]);
      expect(await takedowns.getTakedown('01TD0000000000000000000999')).toBeUndefined();
    });

    it('allows one open takedown per URL; a closed one makes room for the next', async () => {
      const { reportId, urlIds } = await seedReport(2);
      const first = await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000002', reportId, urlIds[0]!),
      );
      await expect(
        takedowns.createTakedown(newTakedown('01TD0000000000000000000003', reportId, urlIds[0]!)),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      // Another URL of the report is fine.
      await takedowns.createTakedown(newTakedown('01TD0000000000000000000004', reportId, urlIds[1]!));
      await takedowns.finishSend(first.id, {
        ok: true,
        sentAt: T0,
        sentBy: 'hotline',
        sentTo: 'abuse@host.example',
        nextCheckAt: T0,
      });
      await expect(
        takedowns.createTakedown(newTakedown('01TD0000000000000000000005', reportId, urlIds[0]!)),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await takedowns.recordCheck(
        first.id,
        { checkedAt: T0, result: 'offline', detail: 'http_404' },
        { status: 'removed', removedConfirmedAt: T0, nextCheckAt: null },
      );
      const next = await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000006', reportId, urlIds[0]!),
      );
      expect(next.status).toBe('pending');
      expect((await takedowns.listTakedowns(reportId)).map((t) => t.id)).toEqual([
        '01TD0000000000000000000002',
        '01TD0000000000000000000004',
        '01TD0000000000000000000006',
      ]);
    });

    it('claims due takedowns in due order, leases them, and gives an expired lease to the next claimer', async () => {
      const a = await seedReport(3);
      const b = await seedReport(4);
      const now = clock.now();
      await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000010', a.reportId, a.urlIds[0]!, {
          nextCheckAt: new Date(now.getTime() + HOUR),
        }),
      );
      await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000011', a.reportId, a.urlIds[1]!, {
          nextCheckAt: new Date(now.getTime() - HOUR),
        }),
      );
      await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000012', b.reportId, b.urlIds[0]!, { nextCheckAt: now }),
      );
      // Leased by its creator (sending now): not claimable until the lease runs out.
      await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000013', b.reportId, b.urlIds[1]!, {
          nextCheckAt: now,
          leaseUntil: new Date(now.getTime() + 5 * 60_000),
        }),
      );

      const first = await takedowns.claimDue(now, 10, 10 * 60_000);
      expect(first.map((t) => t.id)).toEqual(['01TD0000000000000000000011', '01TD0000000000000000000012']);
      expect(await takedowns.claimDue(now, 10, 10 * 60_000)).toEqual([]);
      expect(await takedowns.lease('01TD0000000000000000000011', now, 60_000)).toBeUndefined();
      await expect(takedowns.lease('01TD0000000000000000000999', now, 60_000)).rejects.toMatchObject({
        code: 'TAKEDOWN_NOT_FOUND',
      });

      // Eleven minutes on: the claims' leases and the creator's have run out; the future one is still not due.
      const later = new Date(now.getTime() + 11 * 60_000);
      const again = await takedowns.claimDue(later, 1, 10 * 60_000);
      expect(again.map((t) => t.id)).toEqual(['01TD0000000000000000000011']);
      expect((await takedowns.claimDue(later, 10, 10 * 60_000)).map((t) => t.id)).toEqual([
        '01TD0000000000000000000012',
        '01TD0000000000000000000013',
      ]);
      const leased = await takedowns.lease('01TD0000000000000000000010', later, 60_000);
      expect(leased?.id).toBe('01TD0000000000000000000010');
      expect(await takedowns.lease('01TD0000000000000000000010', later, 60_000)).toBeUndefined();
    });

    it('records send attempts and the first successful send only', async () => {
      const { reportId, urlIds } = await seedReport(5);
      const t = await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000020', reportId, urlIds[0]!),
      );
      expect((await takedowns.startSend(t.id)).sendAttempts).toBe(1);
      const retryAt = new Date(T0.getTime() + 5 * 60_000);
      const failed = await takedowns.finishSend(t.id, { ok: false, error: 'NOTICE_SEND_FAILED', retryAt });
      expect(failed).toMatchObject({
        status: 'pending',
        lastError: 'NOTICE_SEND_FAILED',
        nextCheckAt: retryAt,
        sendAttempts: 1,
      });
      // The failure released the lease: the retry is claimable when due.
      expect((await takedowns.claimDue(retryAt, 10, 60_000)).map((x) => x.id)).toEqual([t.id]);

      expect((await takedowns.startSend(t.id)).sendAttempts).toBe(2);
      const sentAt = new Date(T0.getTime() + 6 * 60_000);
      const sent = await takedowns.finishSend(t.id, {
        ok: true,
        sentAt,
        sentBy: 'hotline',
        sentTo: 'abuse@host.example',
        nextCheckAt: new Date(sentAt.getTime() + HOUR),
      });
      expect(sent).toMatchObject({
        status: 'notice_sent',
        sentBy: 'hotline',
        sentTo: 'abuse@host.example',
        noticeSentAt: sentAt,
        lastError: null,
        nextCheckAt: new Date(sentAt.getTime() + HOUR),
      });
      // A late duplicate outcome changes nothing.
      const late = await takedowns.finishSend(t.id, {
        ok: true,
        sentAt: new Date(sentAt.getTime() + HOUR),
        sentBy: 'police',
        sentTo: null,
        nextCheckAt: null,
      });
      expect(late).toEqual(sent);
      await takedowns.finishSend(t.id, { ok: false, error: 'X', retryAt: null });
      expect(await takedowns.getTakedown(t.id)).toEqual(sent);
      await expect(takedowns.startSend('01TD0000000000000000000999')).rejects.toMatchObject({
        code: 'TAKEDOWN_NOT_FOUND',
      });
    });

    it('appends checks in order with their consequences, and releases the lease', async () => {
      const { reportId, urlIds } = await seedReport(6);
      const t = await takedowns.createTakedown(
        newTakedown('01TD0000000000000000000030', reportId, urlIds[0]!),
      );
      await takedowns.finishSend(t.id, {
        ok: true,
        sentAt: T0,
        sentBy: 'hotline',
        sentTo: 'abuse@host.example',
        nextCheckAt: T0,
      });
      const [claimed] = await takedowns.claimDue(T0, 1, 60_000);
      expect(claimed?.id).toBe(t.id);
      const c1 = {
        checkedAt: new Date(T0.getTime() + HOUR),
        result: 'online' as const,
        detail: 'media_present',
      };
      const afterFirst = await takedowns.recordCheck(t.id, c1, {
        status: 'notice_sent',
        removedConfirmedAt: null,
        nextCheckAt: new Date(T0.getTime() + 6 * HOUR),
      });
      expect(afterFirst.checks).toEqual([c1]);
      expect(await takedowns.lease(t.id, c1.checkedAt, 60_000)).toBeDefined();
      const c2 = { checkedAt: new Date(T0.getTime() + 50 * HOUR), result: 'offline' as const, detail: null };
      const removed = await takedowns.recordCheck(t.id, c2, {
        status: 'removed',
        removedConfirmedAt: c2.checkedAt,
        nextCheckAt: null,
      });
      expect(removed).toMatchObject({
        status: 'removed',
        removedConfirmedAt: c2.checkedAt,
        nextCheckAt: null,
      });
      expect(removed.checks).toEqual([c1, c2]);
      expect(await takedowns.getTakedown(t.id)).toEqual(removed);
      // Removed takedowns are never due.
      expect(await takedowns.claimDue(new Date(T0.getTime() + 100 * DAY), 10, 60_000)).toEqual([]);
    });

    it('pages through every takedown in id order', async () => {
      const a = await seedReport(7);
      const b = await seedReport(8);
      for (const [id, r, u] of [
        ['01TD0000000000000000000043', b, 0],
        ['01TD0000000000000000000041', a, 0],
        ['01TD0000000000000000000042', a, 1],
      ] as const) {
        await takedowns.createTakedown(newTakedown(id, r.reportId, r.urlIds[u]!));
      }
      const page1 = await takedowns.listAllTakedowns({ limit: 2 });
      expect(page1.map((t) => t.id)).toEqual(['01TD0000000000000000000041', '01TD0000000000000000000042']);
      const page2 = await takedowns.listAllTakedowns({ afterId: page1[1]!.id, limit: 2 });
      expect(page2.map((t) => t.id)).toEqual(['01TD0000000000000000000043']);
    });

    it('lists closed reports due for retention with what they hold, and purges personal data once', async () => {
      const closed = await seedReport(9, true);
      const open = await seedReport(10, true);
      const recent = await seedReport(11);
      await hotline.createAnalyst({
        id: 'analyst-1',
        username: 'user1',
        displayName: 'Analyst 1',
        role: 'analyst',
        passwordHash: 'scrypt$16384$8$1$c2FsdA==$a2V5',
        totpSecretSealed: null,
        disabled: false,
        createdAt: T0,
        updatedAt: T0,
      });
      const assessed = await hotline.addAssessment(closed.media[0]!.id, 'analyst-1', ASSESSMENT, T0);
      await hotline.updateReport(closed.reportId, {
        status: 'closed_not_illegal',
        closedAt: new Date(T0.getTime() + DAY),
      });
      await hotline.updateReport(recent.reportId, {
        status: 'removed_confirmed',
        closedAt: new Date(T0.getTime() + 20 * DAY),
      });

      const due = await hotline.listRetentionDue(new Date(T0.getTime() + 10 * DAY), 10);
      expect(due).toEqual([
        {
          reportId: closed.reportId,
          closedAt: new Date(T0.getTime() + DAY),
          contact: true,
          description: true,
          previews: 1,
          thumbnails: 2,
          assessmentNotes: 1,
        },
      ]);
      expect(await hotline.listRetentionDue(new Date(T0.getTime() + DAY), 10)).toEqual([]);

      clock.set(new Date(T0.getTime() + 400 * DAY));
      const purgedAt = clock.now();
      const purge = await hotline.purgePersonalData(closed.reportId, purgedAt);
      expect(purge).toEqual({
        reportId: closed.reportId,
        contact: true,
        description: true,
        previews: 1,
        thumbnails: 2,
        assessmentNotes: 1,
        purgedAt,
        alreadyPurged: false,
      });
      const report = (await hotline.getReport(closed.reportId))!;
      expect(report).toMatchObject({ contactId: null, description: null, status: 'closed_not_illegal' });
      expect(await hotline.getContact('contact-9')).toBeUndefined();
      for (const item of closed.media) {
        expect(await hotline.getThumbnail(item.id)).toBeUndefined();
        expect(await hotline.getSealedPreview(item.id)).toBeUndefined();
      }
      // What statistics need stays: media rows with hashes, assessments (without notes), URLs.
      const kept = await hotline.listMedia(closed.reportId);
      expect(kept.map((m) => [m.id, m.sha256, m.md5, m.storedContent])).toEqual(
        closed.media.map((m) => [m.id, m.sha256, m.md5, false]),
      );
      expect(await hotline.listAssessments(closed.media[0]!.id)).toEqual([{ ...assessed, notes: null }]);
      expect((await hotline.listUrls(closed.reportId)).length).toBe(2);
      // The open report and its contact are untouched.
      expect(await hotline.getContact('contact-10')).toBeDefined();
      expect((await hotline.getReport(open.reportId))!.description).not.toBeNull();
      expect(await hotline.getThumbnail(open.media[0]!.id)).toBeDefined();

      // Purged once: not due again, and a second purge deletes nothing.
      expect((await hotline.listRetentionDue(clock.now(), 10)).map((c) => c.reportId)).toEqual([
        recent.reportId,
      ]);
      const again = await hotline.purgePersonalData(closed.reportId, clock.now());
      expect(again).toEqual({ ...purge, alreadyPurged: true });
      await expect(
        hotline.purgePersonalData('01NOSUCHREPORT000000000000', clock.now()),
      ).rejects.toMatchObject({
        code: 'REPORT_NOT_FOUND',
      });
    });

    it('carries the takedown service from notice to confirmed removal, and the retention job after it', async () => {
      const { reportId, urlIds, media: items } = await seedReport(15, true);
      const ana: Analyst = {
        id: 'analyst-1',
        username: 'user1',
        displayName: 'Analyst 1',
        role: 'analyst',
        passwordHash: 'scrypt$16384$8$1$c2FsdA==$a2V5',
        totpSecretSealed: null,
        disabled: false,
        createdAt: T0,
        updatedAt: T0,
      };
      await hotline.createAnalyst(ana);
      await hotline.addAssessment(items[0]!.id, ana.id, ASSESSMENT, T0);
      const mails: NoticeEmail[] = [];
      const outcomes: ProbeOutcome[] = [
        { result: 'online', detail: 'media_present' },
        { result: 'offline', detail: 'http_404' },
      ];
      const service = new TakedownService({
        store: takedowns,
        hotline,
        mailer: { send: async (mail) => void mails.push(mail) },
        probe: { check: async () => outcomes.shift()! },
        clock,
        random: (n) => new Uint8Array(randomBytes(n)),
        settings: {
          hotlineName: 'Test Hotline',
          defaultLanguage: 'fr',
          defaultVia: 'hotline',
          ownCountry: 'BE',
          policeEmail: null,
          contact: 'ntd@hotline.example',
          legalBasis: null,
          messageIdDomain: 'hotline.example',
          schedule: DEFAULT_CHECK_SCHEDULE,
          offlineChecksToConfirm: 1,
          templates: DEFAULT_NOTICE_TEMPLATES,
        },
      });
      const noticeAt = clock.now();
      const created = await service.create(ana, reportId, {
        urlId: urlIds[0],
        recipient: 'abuse@host.example',
      });
      expect(created).toMatchObject({ status: 'notice_sent', language: 'fr', noticeSentAt: noticeAt });
      expect(mails.map((m) => [m.to, m.messageId])).toEqual([['abuse@host.example', created.messageId]]);
      expect((await hotline.getReport(reportId))!.status).toBe('ntd_sent');

      clock.advance(HOUR);
      expect(await service.runDue()).toBe(1);
      clock.set(noticeAt.getTime() + 50 * HOUR);
      expect(await service.runDue()).toBe(1);
      const removed = (await takedowns.getTakedown(created.id))!;
      expect(removed.checks.map((c) => c.result)).toEqual(['online', 'offline']);
      expect(removalBucketOf(removed)).toBe('<=3d');
      const closed = (await hotline.getReport(reportId))!;
      expect(closed).toMatchObject({ status: 'removed_confirmed', closedAt: clock.now(), contactId: null });

      const retention = new RetentionService({ hotline, clock, retentionDays: 30 });
      clock.advance(31 * DAY);
      expect(await retention.runOnce()).toEqual({ purged: 1 });
      expect((await hotline.getReport(reportId))!.description).toBeNull();
      expect(removalBucketOf((await takedowns.getTakedown(created.id))!)).toBe('<=3d');
      const actions = (await hotline.listAudit({ limit: 100 })).map((e) => e.action);
      expect(actions).toEqual([
        'takedown_created',
        'takedown_notice_sent',
        'report_status_changed',
        'takedown_checked',
        'takedown_checked',
        'report_status_changed',
        'contact_deleted',
        'retention_deleted',
      ]);
      expect((await verifyStoreAudit(hotline)).ok).toBe(true);
    });

    it('orders retention candidates by closing time and honours the limit', async () => {
      const ids: string[] = [];
      for (const [n, day] of [
        [12, 3],
        [13, 1],
        [14, 2],
      ] as const) {
        const { reportId } = await seedReport(n);
        await hotline.updateReport(reportId, {
          status: 'closed_duplicate',
          closedAt: new Date(T0.getTime() + day * DAY),
        });
        ids[day] = reportId;
      }
      const due = await hotline.listRetentionDue(new Date(T0.getTime() + 30 * DAY), 2);
      expect(due.map((c) => c.reportId)).toEqual([ids[1], ids[2]]);
      expect(due[0]).toMatchObject({
        contact: false,
        description: true,
        previews: 1,
        thumbnails: 2,
        assessmentNotes: 0,
      });
    });
  });
}
