import { DomainError } from '../domain-error.js';
import type {
  ExchangeStore,
  IncomingExchange,
  NewOutgoingExchange,
  OutgoingExchange,
  OutgoingExchangeOutcome,
} from '../hotline/exchange/exchange-records.js';

/**
 * An in-memory {@link ExchangeStore} for service and route tests, and for a server run without a
 * database. Same semantics as the SQL store (one contract suite runs on all): one outgoing
 * exchange per (report, partner country), one incoming record per report. Each method reads and
 * writes without awaiting in between, so it is atomic as a SQL transaction is; values are copied
 * in and out.
 */
export function createMemoryExchangeStore(): ExchangeStore {
  return new MemoryExchangeStore();
}

class MemoryExchangeStore implements ExchangeStore {
  readonly #outgoing = new Map<string, OutgoingExchange>();
  readonly #incoming = new Map<string, IncomingExchange>();

  async openOutgoing(
    exchange: NewOutgoingExchange,
  ): Promise<{ exchange: OutgoingExchange; created: boolean }> {
    const existing = [...this.#outgoing.values()].find(
      (e) => e.reportId === exchange.reportId && e.partnerCountry === exchange.partnerCountry,
    );
    if (existing) return { exchange: { ...existing }, created: false };
    const row: OutgoingExchange = {
      ...exchange,
      status: 'pending',
      attempts: 0,
      receiptReference: null,
      lastError: null,
      urlCount: 0,
      mediaCount: 0,
      deliveredAt: null,
      updatedAt: exchange.createdAt,
    };
    this.#outgoing.set(row.id, row);
    return { exchange: { ...row }, created: true };
  }

  async recordOutcome(id: string, outcome: OutgoingExchangeOutcome): Promise<OutgoingExchange> {
    const row = this.#outgoing.get(id);
    if (!row) throw new DomainError('NOT_FOUND', 'No outgoing exchange has that id.');
    const delivered = outcome.status === 'delivered';
    const wasDelivered = row.status === 'delivered';
    const next: OutgoingExchange = {
      ...row,
      status: delivered || wasDelivered ? 'delivered' : 'failed',
      attempts: row.attempts + outcome.attempts,
      receiptReference: delivered ? outcome.receiptReference : row.receiptReference,
      lastError: outcome.lastError,
      urlCount: outcome.urlCount,
      mediaCount: outcome.mediaCount,
      deliveredAt: row.deliveredAt ?? (delivered ? outcome.at : null),
      updatedAt: outcome.at,
    };
    this.#outgoing.set(id, next);
    return { ...next };
  }

  async listOutgoing(reportId: string): Promise<OutgoingExchange[]> {
    return [...this.#outgoing.values()]
      .filter((e) => e.reportId === reportId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map((e) => ({ ...e }));
  }

  async recordIncoming(
    incoming: IncomingExchange,
  ): Promise<{ incoming: IncomingExchange; created: boolean }> {
    const existing = this.#incoming.get(incoming.reportId);
    if (existing) return { incoming: cloneIncoming(existing), created: false };
    const copy = cloneIncoming(incoming);
    this.#incoming.set(incoming.reportId, copy);
    return { incoming: cloneIncoming(copy), created: true };
  }

  async getIncoming(reportId: string): Promise<IncomingExchange | undefined> {
    const found = this.#incoming.get(reportId);
    return found && cloneIncoming(found);
  }
}

// A deep copy (the domain runs without Node or DOM globals, so no structuredClone).
function cloneIncoming(incoming: IncomingExchange): IncomingExchange {
  return {
    ...incoming,
    sentAt: new Date(incoming.sentAt),
    receivedAt: new Date(incoming.receivedAt),
    urls: incoming.urls.map((u) => ({ ...u, trace: u.trace && { ...u.trace } })),
    items: incoming.items.map((i) => ({
      ...i,
      classification: { ...i.classification },
      summary: i.summary && { ...i.summary, flags: [...i.summary.flags] },
    })),
  };
}
