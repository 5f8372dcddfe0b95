// Bounded client loops: each sends a fixed list of items (count-bounded), stops by itself at its
// deadline (time-bounded), and retries a failed item on the next server, with the same
// Idempotency-Key where the API has one, as a careful client would. The loops record what was
// acknowledged (a 2xx after commit) so the case can look for each acknowledgement in the tables.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { sleep } from './wait.js';

/** What one attempt came to. */
export type Attempt = { readonly ack: true } | { readonly ack: false; readonly why: string };

/** Options of {@link BoundedLoad}. */
export interface LoadOptions<Item> {
  readonly name: string;
  readonly items: readonly Item[];
  readonly concurrency: number;
  /** The loop gives up on the items not acknowledged after this long (ms from the start). */
  readonly budgetMs: number;
  /** Base URLs of the servers now (a restarted server may have a new one); tried in turn. */
  readonly servers: () => readonly string[];
  /** Sends `item` once to `server`. */
  readonly send: (item: Item, server: string, index: number) => Promise<Attempt>;
  /** Time limit of one request (default 15 s). */
  readonly requestTimeoutMs?: number;
}

/** A running loop. */
export class BoundedLoad<Item> {
  /** When each item was acknowledged (ms since the epoch), by index. */
  readonly ackedAt: (number | undefined)[];
  /** Failed attempts by reason (`HTTP 503`, `timeout`, `reset`, …). */
  readonly failures = new Map<string, number>();
  acknowledged = 0;
  attempts = 0;
  readonly done: Promise<void>;
  readonly startedAt = Date.now();
  #stopped = false;

  constructor(readonly options: LoadOptions<Item>) {
    this.ackedAt = options.items.map(() => undefined);
    const giveUpAt = this.startedAt + options.budgetMs;
    const going = (): boolean => !this.#stopped && Date.now() < giveUpAt;
    let next = 0;
    const worker = async (w: number): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= options.items.length) return;
        for (let failures = 0; going(); failures++) {
          const servers = options.servers();
          const server = servers[(i + w + failures) % servers.length]!;
          this.attempts++;
          let outcome: Attempt;
          try {
            outcome = await options.send(options.items[i]!, server, i);
          } catch (error) {
            outcome = { ack: false, why: describeFailure(error) };
          }
          if (outcome.ack) {
            this.ackedAt[i] = Date.now();
            this.acknowledged++;
            break;
          }
          this.failures.set(outcome.why, (this.failures.get(outcome.why) ?? 0) + 1);
          await sleep(50 + randomInt(Math.min(failures + 1, 10) * 50));
        }
        if (!going()) return;
      }
    };
    this.done = Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w))).then(
      () => undefined,
    );
  }

  /** Ends the loop early (a case that failed): no new attempts; resolves when the last one ends. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.done;
  }

  /** Acknowledgements of items acknowledged at or after `since`. */
  acknowledgedSince(since: number): number {
    return this.ackedAt.filter((at) => at !== undefined && at >= since).length;
  }

  /** A one-line summary of the failed attempts, e.g. `HTTP 503×12 timeout×3`. */
  failureSummary(): string {
    return [...this.failures].map(([why, n]) => `${why}×${n}`).join(' ') || 'none';
  }
}

/** A short name for why a request failed (no URLs, no bodies). */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'refused';
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return 'reset';
  return cause?.code ?? error.name;
}

/** POSTs JSON and reads the answer. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 15_000,
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

/** Random lower-case hex of `bytes` bytes (a SHA-256 value at 32). */
export const randomHex = (bytes = 32): string => randomBytes(bytes).toString('hex');

/** A report the load sends: one URL of its own, one Idempotency-Key for every attempt. */
export interface ReportItem {
  readonly url: string;
  readonly key: string;
  /** Every receipt the item got (a retry after a lost answer must return the same one). */
  readonly receipts: string[];
}

/** `count` reports, each with a URL no other report has. */
export function reportItems(count: number): ReportItem[] {
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, i) => ({
    url: `https://faults.example.org/${run}/report-${i}`,
    key: randomUUID(),
    receipts: [],
  }));
}

/** Sends reports to the public intake until each gets its 201 (the receipt). */
export function reportLoad(
  items: readonly ReportItem[],
  options: Omit<LoadOptions<ReportItem>, 'items' | 'send' | 'name'>,
): BoundedLoad<ReportItem> {
  return new BoundedLoad({
    ...options,
    name: 'reports',
    items,
    async send(item, server) {
      const answer = await postJson(
        `${server}/v1/public/reports`,
        { urls: [item.url], concerns: ['csam'], language: 'en' },
        { 'idempotency-key': item.key },
        options.requestTimeoutMs,
      );
      if (answer.status !== 201) return { ack: false, why: `HTTP ${answer.status}` };
      item.receipts.push((answer.json as { receiptCode: string }).receiptCode);
      return { ack: true };
    },
  });
}

/** A batch of new SHA-256 entries for one bank. */
export interface EntryBatch {
  readonly values: readonly string[];
}

/** `batches` batches of `size` random SHA-256 values, none shared. */
export function entryBatches(batches: number, size: number): EntryBatch[] {
  return Array.from({ length: batches }, () => ({ values: Array.from({ length: size }, () => randomHex()) }));
}

/**
 * Adds each batch with the bulk API until it gets a 2xx. Adding is idempotent by value (entries
 * already in the bank come back in `existing`), so a retry after a lost answer adds nothing twice.
 */
export function entryLoad(
  bank: string,
  token: string,
  batches: readonly EntryBatch[],
  options: Omit<LoadOptions<EntryBatch>, 'items' | 'send' | 'name'>,
): BoundedLoad<EntryBatch> {
  return new BoundedLoad({
    ...options,
    name: 'entries',
    items: batches,
    async send(batch, server) {
      const answer = await postJson(
        `${server}/v1/banks/${bank}/entries`,
        { entries: batch.values.map((value) => ({ signalType: 'sha256', value })) },
        { authorization: `Bearer ${token}` },
        options.requestTimeoutMs,
      );
      if (answer.status !== 200 && answer.status !== 201) return { ack: false, why: `HTTP ${answer.status}` };
      const body = answer.json as { created: unknown[]; existing: unknown[] };
      if (body.created.length + body.existing.length !== batch.values.length) {
        return { ack: false, why: 'short answer' };
      }
      return { ack: true };
    },
  });
}

/** A match the load asks for; `recordIds` collects the match records its answers named. */
export interface MatchItem {
  readonly value: string;
  readonly recordIds: number[];
}

/**
 * Matches each SHA-256 value once until it gets a 200. Matching has no Idempotency-Key: a retry
 * after a lost answer may store a second match record, which no client was told about.
 */
export function matchLoad(
  token: string,
  items: readonly MatchItem[],
  options: Omit<LoadOptions<MatchItem>, 'items' | 'send' | 'name'>,
): BoundedLoad<MatchItem> {
  return new BoundedLoad({
    ...options,
    name: 'matches',
    items,
    async send(item, server) {
      const answer = await postJson(
        `${server}/v1/match`,
        { hashes: [{ signalType: 'sha256', value: item.value }] },
        { authorization: `Bearer ${token}` },
        options.requestTimeoutMs,
      );
      if (answer.status !== 200) return { ack: false, why: `HTTP ${answer.status}` };
      const [result] = (answer.json as { results: { recordId: number | null }[] }).results;
      if (result?.recordId != null) item.recordIds.push(result.recordId);
      return { ack: true };
    },
  });
}

/** One sample of a {@link SteadyProbe}. */
export interface ProbeSample {
  readonly sentAt: number;
  readonly at: number;
  readonly outcome: string;
}

/**
 * Sends one request every `intervalMs` until stopped or `maxMs` passed (it stops by itself),
 * recording each outcome: e.g. matching while the database is away, to count what was answered
 * from memory.
 */
export class SteadyProbe {
  readonly samples: ProbeSample[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(
    request: () => Promise<string>,
    options: { readonly intervalMs?: number; readonly maxMs?: number } = {},
  ) {
    const { intervalMs = 250, maxMs = 600_000 } = options;
    const stopAt = Date.now() + maxMs;
    this.#done = (async () => {
      while (this.#running && Date.now() < stopAt) {
        const sentAt = Date.now();
        const outcome = await request().catch((error: unknown) => describeFailure(error));
        this.samples.push({ sentAt, at: Date.now(), outcome });
        await sleep(intervalMs);
      }
    })();
  }

  /** Outcomes of requests sent in [from, to), e.g. `200×40 HTTP 503×3`. */
  summary(from: number, to: number): string {
    const counts = new Map<string, number>();
    for (const s of this.samples) {
      if (s.sentAt >= from && s.sentAt < to) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
    }
    return [...counts].map(([outcome, n]) => `${outcome}×${n}`).join(' ') || 'none';
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}
