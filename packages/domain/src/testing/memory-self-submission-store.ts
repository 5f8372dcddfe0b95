import { DomainError } from '../domain-error.js';
import type { SelfSubmissionCase, SelfSubmissionStore } from '../self-submission/self-submission-case.js';

/**
 * An in-memory {@link SelfSubmissionStore} for tests (and for a server run without persistence of
 * cases). Works on copies, like the memory bank store.
 */
export function createMemorySelfSubmissionStore(): SelfSubmissionStore {
  const cases = new Map<string, SelfSubmissionCase>();
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
    async updateCase(caseNumber, patch) {
      const found = cases.get(caseNumber);
      if (!found) throw new DomainError('NOT_FOUND', 'No such case.');
      const updated = { ...found, ...patch };
      cases.set(caseNumber, updated);
      return { ...updated };
    },
  };
}
