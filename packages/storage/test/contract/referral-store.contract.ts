import { createHash } from 'node:crypto';
import type { Clock, HotlineStore, NewReferral, ReferralStore } from '@hashline/domain';
import { createManualClock, seedAssessedCase, type ManualClock } from '@hashline/domain/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A fresh, empty referral store (with the hotline store its reports live in) for one test. */
export interface ReferralContractStore {
  readonly referrals: ReferralStore;
  readonly hotline: HotlineStore;
  readonly cleanup: () => Promise<void>;
}

/** Opens a fresh, empty pair of stores whose own timestamps come from `clock`. */
export type OpenReferralContractStore = (clock: Clock) => Promise<ReferralContractStore>;

const T0 = new Date(Date.UTC(2026, 3, 1, 9, 0, 0, 123));
const MINUTE = 60_000;

/**
 * The behaviour every {@link ReferralStore} must have, run against the in-memory store, SQLite and
 * PostgreSQL.
 */
export function describeReferralStoreContract(name: string, open: OpenReferralContractStore): void {
  describe(`ReferralStore contract: ${name}`, () => {
    let referrals: ReferralStore;
    let hotline: HotlineStore;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;
    let reportA: string;
    let reportB: string;
    let ids = 0;

    beforeEach(async () => {
      clock = createManualClock(T0);
      ({ referrals, hotline, cleanup } = await open(clock));
      const url = { url: 'https://host.example/a', trace: { country: 'NL' }, media: [] };
      reportA = (await seedAssessedCase(hotline, { receivedAt: T0, sha256Hex, urls: [url] })).report.id;
      reportB = (await seedAssessedCase(hotline, { receivedAt: T0, sha256Hex, urls: [url] })).report.id;
    });
    afterEach(async () => {
      await cleanup();
    });

    const referral = (extra: Partial<NewReferral> = {}): NewReferral => ({
      id: `01REFERRAL${String(++ids).padStart(16, '0')}`,
      reportId: reportA,
      target: 'inhope_hotline_via_iccam',
      targetName: 'Offlimits',
      targetCountry: 'NL',
      basis: 'hosted_abroad_inhope',
      actionable: 'referral',
      createdAt: T0,
      createdBy: 'ana',
      urlIds: [3, 1, 3],
      ...extra,
    });

    it('records a referral as pending, with sorted distinct URL ids and exact times', async () => {
      const input = referral();
      const { referral: created, created: isNew } = await referrals.createReferral(input);
      expect(isNew).toBe(true);
      expect(created).toEqual({
        ...input,
        urlIds: [1, 3],
        status: 'pending',
        externalRef: null,
        sentAt: null,
        updatedAt: T0,
      });
      expect(await referrals.getReferral(input.id)).toEqual(created);
      expect(await referrals.getReferral('01NOSUCHREFERRAL0000000000')).toBeUndefined();
    });

    it('keeps one referral per (report, target, target country), merging new URL ids', async () => {
      const first = (await referrals.createReferral(referral())).referral;
      const same = await referrals.createReferral(
        referral({ createdAt: new Date(T0.getTime() + MINUTE), urlIds: [1] }),
      );
      expect(same).toEqual({ referral: first, created: false });
      const later = new Date(T0.getTime() + 2 * MINUTE);
      const merged = await referrals.createReferral(
        referral({ createdAt: later, urlIds: [2, 9], targetName: 'Renamed' }),
      );
      expect(merged.created).toBe(false);
      expect(merged.referral).toEqual({ ...first, urlIds: [1, 2, 3, 9], updatedAt: later });
      // Another country, another target, another report: separate referrals.
      await referrals.createReferral(referral({ targetCountry: 'DE', targetName: 'eco' }));
      await referrals.createReferral(referral({ target: 'federal_police_child_abuse', targetCountry: 'NL' }));
      await referrals.createReferral(referral({ reportId: reportB }));
      expect((await referrals.listReferrals(reportA)).map((r) => [r.target, r.targetCountry])).toEqual([
        ['inhope_hotline_via_iccam', 'NL'],
        ['inhope_hotline_via_iccam', 'DE'],
        ['federal_police_child_abuse', 'NL'],
      ]);
      expect(await referrals.listReferrals(reportB)).toHaveLength(1);
    });

    it('survives concurrent creates of the same referral: one row, every URL id kept', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          referrals.createReferral(referral({ urlIds: [n], createdAt: new Date(T0.getTime() + n) })),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const rows = await referrals.listReferrals(reportA);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.urlIds).toEqual([1, 2, 3, 4, 5]);
    });

    it('lists oldest first and finds by status, target and time, up to a limit', async () => {
      const a = (await referrals.createReferral(referral({ createdAt: new Date(T0.getTime() + 2 * MINUTE) })))
        .referral;
      const b = (await referrals.createReferral(referral({ targetCountry: 'DE', createdAt: T0 }))).referral;
      const c = (
        await referrals.createReferral(
          referral({
            reportId: reportB,
            target: 'federal_police_child_abuse',
            targetCountry: 'BE',
            createdAt: new Date(T0.getTime() + MINUTE),
          }),
        )
      ).referral;
      expect((await referrals.listReferrals(reportA)).map((r) => r.id)).toEqual([b.id, a.id]);
      await referrals.updateReferral(b.id, { status: 'sent', sentAt: T0 }, T0);
      expect((await referrals.findReferrals({ limit: 10 })).map((r) => r.id)).toEqual([b.id, c.id, a.id]);
      expect((await referrals.findReferrals({ status: 'pending', limit: 10 })).map((r) => r.id)).toEqual([
        c.id,
        a.id,
      ]);
      expect(
        (await referrals.findReferrals({ target: 'federal_police_child_abuse', limit: 10 })).map((r) => r.id),
      ).toEqual([c.id]);
      expect(
        (await referrals.findReferrals({ since: new Date(T0.getTime() + MINUTE), limit: 10 })).map(
          (r) => r.id,
        ),
      ).toEqual([c.id, a.id]);
      expect((await referrals.findReferrals({ limit: 2 })).map((r) => r.id)).toEqual([b.id, c.id]);
    });

    it('updates status, reference and send time; the rest stays', async () => {
      const { referral: created } = await referrals.createReferral(referral());
      const at1 = new Date(T0.getTime() + MINUTE);
      const sent = await referrals.updateReferral(
        created.id,
        { status: 'sent', sentAt: at1, externalRef: 'ICCAM-77' },
        at1,
      );
      expect(sent).toEqual({
        ...created,
        status: 'sent',
        sentAt: at1,
        externalRef: 'ICCAM-77',
        updatedAt: at1,
      });
      const at2 = new Date(T0.getTime() + 2 * MINUTE);
      const acknowledged = await referrals.updateReferral(created.id, { status: 'acknowledged' }, at2);
      expect(acknowledged).toEqual({ ...sent, status: 'acknowledged', updatedAt: at2 });
      const cleared = await referrals.updateReferral(created.id, { externalRef: null, sentAt: null }, at2);
      expect(cleared).toMatchObject({ externalRef: null, sentAt: null, status: 'acknowledged' });
      expect(await referrals.getReferral(created.id)).toEqual(cleared);
      await expect(
        referrals.updateReferral('01NOSUCHREFERRAL0000000000', { status: 'closed' }, at2),
      ).rejects.toMatchObject({
        name: 'DomainError',
        code: 'REFERRAL_NOT_FOUND',
      });
    });

    it('returns copies: changing a returned object changes nothing stored', async () => {
      const { referral: created } = await referrals.createReferral(referral());
      (created.urlIds as number[]).push(99);
      created.createdAt.setTime(0);
      const again = await referrals.getReferral(created.id);
      expect(again!.urlIds).toEqual([1, 3]);
      expect(again!.createdAt).toEqual(T0);
    });
  });
}
