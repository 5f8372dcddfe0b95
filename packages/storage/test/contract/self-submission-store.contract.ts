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
  });
}
