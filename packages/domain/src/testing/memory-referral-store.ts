import { DomainError } from '../domain-error.js';
import type {
  NewReferral,
  Referral,
  ReferralPatch,
  ReferralQuery,
  ReferralStore,
} from '../hotline/forwarding/referral-records.js';

/**
 * An in-memory {@link ReferralStore} for service and route tests. It keeps the SQL store's
 * semantics (packages/storage runs one contract suite on all three): one referral per (report,
 * target, target country), URL ids merged into an existing one, oldest-first listings. Every
 * method works on copies and is atomic (no await between reading and writing).
 */
export function createMemoryReferralStore(): ReferralStore {
  return new MemoryReferralStore();
}

class MemoryReferralStore implements ReferralStore {
  readonly #rows = new Map<string, Referral>();

  async createReferral(referral: NewReferral): Promise<{ referral: Referral; created: boolean }> {
    const existing = [...this.#rows.values()].find(
      (r) =>
        r.reportId === referral.reportId &&
        r.target === referral.target &&
        r.targetCountry === referral.targetCountry,
    );
    if (existing) {
      const missing = referral.urlIds.filter((id) => !existing.urlIds.includes(id));
      if (missing.length === 0) return { referral: copy(existing), created: false };
      const merged: Referral = {
        ...existing,
        urlIds: [...existing.urlIds, ...missing].sort((a, b) => a - b),
        updatedAt: new Date(referral.createdAt),
      };
      this.#rows.set(merged.id, merged);
      return { referral: copy(merged), created: false };
    }
    if (this.#rows.has(referral.id))
      throw new DomainError('CONFLICT', 'A referral with this id exists already.');
    const row: Referral = {
      ...referral,
      urlIds: [...new Set(referral.urlIds)].sort((a, b) => a - b),
      status: 'pending',
      externalRef: null,
      sentAt: null,
      updatedAt: new Date(referral.createdAt),
    };
    this.#rows.set(row.id, row);
    return { referral: copy(row), created: true };
  }

  async getReferral(id: string): Promise<Referral | undefined> {
    const row = this.#rows.get(id);
    return row && copy(row);
  }

  async listReferrals(reportId: string): Promise<Referral[]> {
    return this.#sorted()
      .filter((r) => r.reportId === reportId)
      .map(copy);
  }

  async findReferrals(query: ReferralQuery): Promise<Referral[]> {
    return this.#sorted()
      .filter(
        (r) =>
          (query.status === undefined || r.status === query.status) &&
          (query.target === undefined || r.target === query.target) &&
          (query.since === undefined || r.createdAt.getTime() >= query.since.getTime()),
      )
      .slice(0, Math.max(0, Math.min(query.limit, 1000)))
      .map(copy);
  }

  async updateReferral(id: string, patch: ReferralPatch, at: Date): Promise<Referral> {
    const row = this.#rows.get(id);
    if (!row) throw new DomainError('REFERRAL_NOT_FOUND');
    const updated: Referral = {
      ...row,
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.externalRef !== undefined ? { externalRef: patch.externalRef } : {}),
      ...(patch.sentAt !== undefined ? { sentAt: patch.sentAt && new Date(patch.sentAt) } : {}),
      updatedAt: new Date(at),
    };
    this.#rows.set(id, updated);
    return copy(updated);
  }

  #sorted(): Referral[] {
    return [...this.#rows.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }
}

function copy(r: Referral): Referral {
  return {
    ...r,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    sentAt: r.sentAt && new Date(r.sentAt),
    urlIds: [...r.urlIds],
  };
}
