import { DomainError } from '../domain-error.js';
import type {
  PinLockPolicy,
  SelfSubmissionCase,
  SelfSubmissionStore,
} from '../self-submission/self-submission-case.js';

/**
 * An in-memory {@link SelfSubmissionStore} for tests (and for a server run without persistence of
 * cases). Works on copies, like the memory bank store.
 */
export function createMemorySelfSubmissionStore(): SelfSubmissionStore {
  const cases = new Map<string, SelfSubmissionCase>();
  /** case number → ids of the entries it holds. */
  const links = new Map<string, Set<number>>();
  return {
    async createCase(newCase) {
      if (cases.has(newCase.caseNumber)) throw new DomainError('CONFLICT', 'Case number taken.');
      cases.set(newCase.caseNumber, { ...newCase });
      return { ...newCase };
    },
    async getCase(caseNumber) {
      const found = cases.get(caseNumber);
      return found ? { ...found } : undefined;
    },
    async claimPinAttempt(caseNumber, now, policy) {
      // No await between the read and the write: atomic in one event loop turn.
      const found = cases.get(caseNumber);
      if (!found || (found.lockedUntil !== null && found.lockedUntil > now)) return undefined;
      const attempts = found.failedPinAttempts + 1;
      const lock = attempts % policy.every === 0 ? lockOf(attempts, policy) : found.lockedUntil;
      const updated = { ...found, failedPinAttempts: attempts, lockedUntil: lock };
      cases.set(caseNumber, updated);
      return { ...updated };
    },
    async updateCase(caseNumber, patch) {
      const found = cases.get(caseNumber);
      if (!found) throw new DomainError('NOT_FOUND', 'No such case.');
      const updated = { ...found, ...patch };
      cases.set(caseNumber, updated);
      return { ...updated };
    },
    async linkEntries(caseNumber, entryIds) {
      let held = links.get(caseNumber);
      if (!held) links.set(caseNumber, (held = new Set()));
      for (const id of entryIds) held.add(id);
    },
    async entriesToRelease(caseNumber) {
      const heldElsewhere = new Set<number>();
      for (const [other, ids] of links) {
        if (other === caseNumber || cases.get(other)?.status !== 'active') continue;
        for (const id of ids) heldElsewhere.add(id);
      }
      return [...(links.get(caseNumber) ?? [])].filter((id) => !heldElsewhere.has(id)).sort((a, b) => a - b);
    },
    async unlinkCase(caseNumber) {
      links.delete(caseNumber);
    },
  };
}

function lockOf(attempts: number, policy: PinLockPolicy): Date {
  const k = attempts / policy.every;
  return policy.lockUntil[Math.min(k, policy.lockUntil.length) - 1]!;
}
