import { DomainError } from '../domain-error.js';
import type { Takedown, TakedownCheck } from '../hotline/takedown/takedown-records.js';
import type {
  CheckUpdate,
  NewTakedown,
  SendOutcome,
  TakedownStore,
} from '../hotline/takedown/takedown-store.js';

/**
 * An in-memory {@link TakedownStore} for service and route tests and for a server without a
 * database; packages/storage runs the same contract suite on it as on SQLite and PostgreSQL.
 * No method awaits between reading and writing, so each call is atomic as a transaction is.
 */
export function createMemoryTakedownStore(): TakedownStore {
  return new MemoryTakedownStore();
}

interface Stored {
  readonly takedown: Takedown;
  readonly leaseUntil: Date | null;
}

const OPEN: readonly Takedown['status'][] = ['pending', 'notice_sent'];

class MemoryTakedownStore implements TakedownStore {
  // Ids are ULIDs; a Map keeps insertion order, and listings sort explicitly.
  readonly #rows = new Map<string, Stored>();

  async createTakedown(t: NewTakedown): Promise<Takedown> {
    if (this.#rows.has(t.id)) throw new DomainError('CONFLICT', `A takedown with id ${t.id} exists already.`);
    for (const { takedown } of this.#rows.values()) {
      if (takedown.urlId === t.urlId && OPEN.includes(takedown.status)) {
        throw new DomainError('CONFLICT', 'This URL has an open takedown already.');
      }
    }
    const takedown: Takedown = {
      id: t.id,
      reportId: t.reportId,
      urlId: t.urlId,
      url: t.url,
      recipient: t.recipient,
      language: t.language,
      via: t.via,
      status: 'pending',
      sentBy: null,
      sentTo: null,
      referralReference: t.referralReference,
      noticeSentAt: null,
      messageId: t.messageId,
      sendAttempts: 0,
      lastError: null,
      removedConfirmedAt: null,
      nextCheckAt: new Date(t.nextCheckAt),
      checks: [],
      createdAt: new Date(t.createdAt),
      createdBy: t.createdBy,
    };
    this.#rows.set(t.id, { takedown, leaseUntil: t.leaseUntil && new Date(t.leaseUntil) });
    return copy(takedown);
  }

  async getTakedown(id: string): Promise<Takedown | undefined> {
    const row = this.#rows.get(id);
    return row && copy(row.takedown);
  }

  async listTakedowns(reportId: string): Promise<Takedown[]> {
    return this.#sorted()
      .filter((t) => t.reportId === reportId)
      .map(copy);
  }

  async listAllTakedowns(query: { readonly afterId?: string; readonly limit: number }): Promise<Takedown[]> {
    const after = query.afterId;
    return this.#sorted()
      .filter((t) => after === undefined || t.id > after)
      .slice(0, Math.max(0, Math.min(query.limit, 1000)))
      .map(copy);
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<Takedown[]> {
    const due = [...this.#rows.values()]
      .filter(
        ({ takedown: t, leaseUntil }) =>
          OPEN.includes(t.status) &&
          t.nextCheckAt !== null &&
          t.nextCheckAt.getTime() <= now.getTime() &&
          (leaseUntil === null || leaseUntil.getTime() < now.getTime()),
      )
      .sort(
        (a, b) =>
          a.takedown.nextCheckAt!.getTime() - b.takedown.nextCheckAt!.getTime() ||
          compare(a.takedown.id, b.takedown.id),
      )
      .slice(0, Math.max(0, Math.min(limit, 1000)));
    const leaseUntil = new Date(now.getTime() + leaseMs);
    for (const row of due) this.#rows.set(row.takedown.id, { takedown: row.takedown, leaseUntil });
    return due.map((row) => copy(row.takedown));
  }

  async lease(id: string, now: Date, leaseMs: number): Promise<Takedown | undefined> {
    const row = this.#require(id);
    if (row.leaseUntil !== null && row.leaseUntil.getTime() >= now.getTime()) return undefined;
    this.#rows.set(id, { takedown: row.takedown, leaseUntil: new Date(now.getTime() + leaseMs) });
    return copy(row.takedown);
  }

  async startSend(id: string): Promise<Takedown> {
    const row = this.#require(id);
    const takedown = { ...row.takedown, sendAttempts: row.takedown.sendAttempts + 1 };
    this.#rows.set(id, { takedown, leaseUntil: row.leaseUntil });
    return copy(takedown);
  }

  async finishSend(id: string, outcome: SendOutcome): Promise<Takedown> {
    const row = this.#require(id);
    const current = row.takedown;
    // Only a pending takedown takes a send's outcome: the first recorded send is the notice.
    if (current.status !== 'pending') {
      this.#rows.set(id, { takedown: current, leaseUntil: null });
      return copy(current);
    }
    const takedown: Takedown = outcome.ok
      ? {
          ...current,
          status: 'notice_sent',
          sentBy: outcome.sentBy,
          sentTo: outcome.sentTo,
          noticeSentAt: new Date(outcome.sentAt),
          lastError: null,
          nextCheckAt: outcome.nextCheckAt && new Date(outcome.nextCheckAt),
        }
      : { ...current, lastError: outcome.error, nextCheckAt: outcome.retryAt && new Date(outcome.retryAt) };
    this.#rows.set(id, { takedown, leaseUntil: null });
    return copy(takedown);
  }

  async recordCheck(id: string, check: TakedownCheck, update: CheckUpdate): Promise<Takedown> {
    const row = this.#require(id);
    const takedown: Takedown = {
      ...row.takedown,
      checks: [...row.takedown.checks, copyCheck(check)],
      status: update.status,
      removedConfirmedAt: update.removedConfirmedAt && new Date(update.removedConfirmedAt),
      nextCheckAt: update.nextCheckAt && new Date(update.nextCheckAt),
    };
    this.#rows.set(id, { takedown, leaseUntil: null });
    return copy(takedown);
  }

  #require(id: string): Stored {
    const row = this.#rows.get(id);
    if (!row) throw new DomainError('TAKEDOWN_NOT_FOUND');
    return row;
  }

  #sorted(): Takedown[] {
    return [...this.#rows.values()].map((r) => r.takedown).sort((a, b) => compare(a.id, b.id));
  }
}

/** Code-unit order, as the SQL stores compare ids (`collate "C"`, SQLite's bytes). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function copyCheck(check: TakedownCheck): TakedownCheck {
  return { checkedAt: new Date(check.checkedAt), result: check.result, detail: check.detail };
}

function copy(t: Takedown): Takedown {
  const date = (d: Date | null): Date | null => d && new Date(d);
  return {
    ...t,
    noticeSentAt: date(t.noticeSentAt),
    removedConfirmedAt: date(t.removedConfirmedAt),
    nextCheckAt: date(t.nextCheckAt),
    createdAt: new Date(t.createdAt),
    checks: t.checks.map(copyCheck),
  };
}
