import { DomainError, type SelfSubmissionCase, type SelfSubmissionStore } from '@hashline/domain';
import { describe, expect, it } from 'vitest';

let counter = 0;
function newCase(extra: Partial<SelfSubmissionCase> = {}): SelfSubmissionCase {
  // Unique per call, so stores shared between tests need no cleaning.
  const caseNumber = `${Date.now()}${String(counter++).padStart(3, '0')}`.slice(-13).padStart(13, '0');
  return {
    caseNumber,
    pinHash: 'scrypt$16384$8$1$c2FsdA==$a2V5',
    caseType: 'minor',
    status: 'active',
    imageCount: 3,
    createdDay: '2026-11-26',
    failedPinAttempts: 0,
    lockedUntil: null,
    ...extra,
  };
}

/** The contract every {@link SelfSubmissionStore} keeps (memory, SQLite, PostgreSQL). */
export function describeSelfSubmissionStoreContract(
  name: string,
  open: () => Promise<SelfSubmissionStore>,
): void {
  describe(`SelfSubmissionStore contract: ${name}`, () => {
    it('creates and reads a case exactly as given', async () => {
      const store = await open();
      const c = newCase({ caseType: 'adult', imageCount: 7 });
      expect(await store.createCase(c)).toEqual(c);
      expect(await store.getCase(c.caseNumber)).toEqual(c);
      expect(await store.getCase('9999999999999')).toBeUndefined();
    });

    it('refuses a taken case number with CONFLICT', async () => {
      const store = await open();
      const c = newCase();
      await store.createCase(c);
      const error = await store.createCase({ ...c, pinHash: 'other' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('CONFLICT');
      expect((await store.getCase(c.caseNumber))?.pinHash).toBe(c.pinHash);
    });

    it('updates status, attempts and lock, and only those', async () => {
      const store = await open();
      const c = newCase();
      await store.createCase(c);
      const until = new Date('2026-11-26T16:00:00.000Z');
      expect(await store.updateCase(c.caseNumber, { failedPinAttempts: 4, lockedUntil: until })).toEqual({
        ...c,
        failedPinAttempts: 4,
        lockedUntil: until,
      });
      expect(await store.updateCase(c.caseNumber, { status: 'withdrawn', lockedUntil: null })).toEqual({
        ...c,
        failedPinAttempts: 4,
        status: 'withdrawn',
      });
      const error = await store.updateCase('9999999999998', { status: 'withdrawn' }).catch((e: unknown) => e);
      expect((error as DomainError).code).toBe('NOT_FOUND');
    });

    it('counts PIN attempts atomically and locks at every 5th with the back-off (issue 15)', async () => {
      const store = await open();
      const c = newCase();
      await store.createCase(c);
      const t0 = new Date('2026-11-26T15:00:00.000Z');
      const policy = (now: Date) => ({
        every: 5,
        lockUntil: [60_000, 300_000, 3_600_000].map((ms) => new Date(now.getTime() + ms)),
      });
      expect(await store.claimPinAttempt('9999999999997', t0, policy(t0))).toBeUndefined();
      for (let i = 1; i <= 4; i++) {
        expect(await store.claimPinAttempt(c.caseNumber, t0, policy(t0))).toEqual({
          ...c,
          failedPinAttempts: i,
        });
      }
      expect(await store.claimPinAttempt(c.caseNumber, t0, policy(t0))).toEqual({
        ...c,
        failedPinAttempts: 5,
        lockedUntil: new Date(t0.getTime() + 60_000),
      });
      // Locked: nothing is counted, and the answer is the one of an unknown case.
      const t1 = new Date(t0.getTime() + 59_000);
      expect(await store.claimPinAttempt(c.caseNumber, t1, policy(t1))).toBeUndefined();
      expect((await store.getCase(c.caseNumber))?.failedPinAttempts).toBe(5);
      // Once the lock has passed, the next round locks for the second step.
      const t2 = new Date(t0.getTime() + 60_000);
      for (let i = 6; i <= 9; i++) {
        expect((await store.claimPinAttempt(c.caseNumber, t2, policy(t2)))?.lockedUntil).toEqual(
          new Date(t0.getTime() + 60_000),
        );
      }
      expect((await store.claimPinAttempt(c.caseNumber, t2, policy(t2)))?.lockedUntil).toEqual(
        new Date(t2.getTime() + 300_000),
      );
      // Rounds past the list use its last step.
      const t3 = new Date(t2.getTime() + 300_000);
      for (let i = 11; i <= 14; i++) await store.claimPinAttempt(c.caseNumber, t3, policy(t3));
      expect((await store.claimPinAttempt(c.caseNumber, t3, policy(t3)))?.lockedUntil).toEqual(
        new Date(t3.getTime() + 3_600_000),
      );
      const t4 = new Date(t3.getTime() + 3_600_000);
      for (let i = 16; i <= 19; i++) await store.claimPinAttempt(c.caseNumber, t4, policy(t4));
      expect(await store.claimPinAttempt(c.caseNumber, t4, policy(t4))).toMatchObject({
        failedPinAttempts: 20,
        lockedUntil: new Date(t4.getTime() + 3_600_000),
      });
    });

    it('of 70 concurrent PIN attempts, counts exactly 5 (issue 15)', async () => {
      const store = await open();
      const c = newCase();
      await store.createCase(c);
      const now = new Date('2026-11-26T15:00:00.000Z');
      const policy = { every: 5, lockUntil: [new Date(now.getTime() + 60_000)] };
      const claims = await Promise.all(
        Array.from({ length: 70 }, () => store.claimPinAttempt(c.caseNumber, now, policy)),
      );
      const counted = claims.filter((claim) => claim !== undefined);
      expect(counted.map((claim) => claim!.failedPinAttempts).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.getCase(c.caseNumber)).toMatchObject({
        failedPinAttempts: 5,
        lockedUntil: new Date(now.getTime() + 60_000),
      });
    });

    it('releases only the entries no other active case holds', async () => {
      const store = await open();
      // Entry ids unique per run, so stores shared between tests need no cleaning.
      const [shared, onlyA, onlyB, third] = [1, 2, 3, 4].map((i) => 2_000_000_000 - counter * 10 - i);
      const [a, b, c] = [newCase(), newCase(), newCase()];
      for (const x of [a, b, c]) await store.createCase(x);
      await store.linkEntries(a.caseNumber, [shared!, onlyA!, third!]);
      await store.linkEntries(a.caseNumber, [onlyA!]); // idempotent
      await store.linkEntries(b.caseNumber, [shared!, onlyB!, onlyB!]);
      await store.linkEntries(c.caseNumber, [third!]);
      await store.linkEntries(c.caseNumber, []);
      const sorted = (ids: number[]) => [...ids].sort((x, y) => x - y);
      // The case's own status does not matter; other cases' does.
      expect(await store.entriesToRelease(a.caseNumber)).toEqual([onlyA]);
      await store.updateCase(c.caseNumber, { status: 'withdrawn' });
      expect(await store.entriesToRelease(a.caseNumber)).toEqual(sorted([onlyA!, third!]));
      expect(await store.entriesToRelease(b.caseNumber)).toEqual([onlyB]);
      // A's links count while A is active, not once it is withdrawn.
      await store.updateCase(a.caseNumber, { status: 'withdrawn' });
      expect(await store.entriesToRelease(b.caseNumber)).toEqual(sorted([shared!, onlyB!]));
      // B, still active, keeps the shared entry from A's release.
      expect(await store.entriesToRelease(a.caseNumber)).toEqual(sorted([onlyA!, third!]));
      await store.updateCase(b.caseNumber, { status: 'withdrawn' });
      expect(await store.entriesToRelease(a.caseNumber)).toEqual(sorted([shared!, onlyA!, third!]));
      // Unlinked, the case holds nothing; unknown cases hold nothing.
      await store.unlinkCase(a.caseNumber);
      expect(await store.entriesToRelease(a.caseNumber)).toEqual([]);
      await store.unlinkCase('9999999999997');
      expect(await store.entriesToRelease('9999999999997')).toEqual([]);
      expect(await store.entriesToRelease(b.caseNumber)).toEqual(sorted([shared!, onlyB!]));
    });

    it('does not count links of an unknown case as an active holder', async () => {
      const store = await open();
      const a = newCase();
      await store.createCase(a);
      const id = 1_000_000_000 - counter;
      await store.linkEntries(a.caseNumber, [id]);
      await store.linkEntries('9999999999996', [id]);
      expect(await store.entriesToRelease(a.caseNumber)).toEqual([id]);
      await store.unlinkCase('9999999999996');
    });
  });
}
