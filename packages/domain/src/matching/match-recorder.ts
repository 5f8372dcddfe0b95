import { DomainError, isDomainError } from '../domain-error.js';
import type { MatchRecordItem, MatchRecordStore } from '../ports/hashline-store.js';
import type { MatchRecord, NewMatchRecord } from './match-record.js';
import type { NewWebhookDelivery } from './webhook-delivery.js';

/** Default most records per group commit. */
export const DEFAULT_MATCH_GROUP_SIZE = 256;

/** Options of {@link MatchRecorder}. */
export interface MatchRecorderOptions {
  /**
   * Most records one commit holds (default {@link DEFAULT_MATCH_GROUP_SIZE}). 1 is the path before
   * group commit: every record commits in its own transaction at once, concurrently, with no
   * queue (benchmarks use it as their baseline).
   */
  readonly maxGroupSize?: number;
  /** Called after each successful group commit with its number of records (for metrics). */
  readonly onCommit?: (records: number) => void;
  /**
   * How a group's commit is started once a record arrives while none is in flight (default:
   * `setImmediate` where it exists, else a microtask). Not a delay: `setImmediate` runs once the
   * event loop has taken the I/O that is already there, so the requests that arrived together
   * join one group. This matters with a synchronous driver (better-sqlite3), whose commit blocks
   * the event loop: no request can arrive while it runs, so a group can only form from what the
   * loop collects between commits.
   */
  readonly schedule?: (start: () => void) => void;
}

/** `setImmediate` when the runtime has it (Node), else a microtask. */
function defaultSchedule(start: () => void): void {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) immediate(start);
  else void Promise.resolve().then(start);
}

/** Counts of a {@link MatchRecorder}, for tests and metrics. */
export interface MatchRecorderStats {
  /** Successful commits (groups, and records retried on their own after a failed group). */
  readonly commits: number;
  /** Records committed. */
  readonly records: number;
  /** Groups that failed for another reason than STORE_UNAVAILABLE and were retried record by record. */
  readonly retriedGroups: number;
}

interface Pending {
  readonly item: MatchRecordItem;
  readonly resolve: (record: MatchRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit of match records: one transaction and one durable commit for many records.
 *
 * While a commit is in flight, new records wait in a queue; as soon as it finishes, everything
 * waiting (at most `maxGroupSize`) commits as the next group. There is no timer: a lone record
 * commits at once (once the event loop has taken the I/O already waiting, see
 * {@link MatchRecorderOptions.schedule}), and under load groups grow by themselves to what
 * arrived during one commit. Each caller's promise
 * settles only when the group holding its record has committed (or failed): an answer that names
 * a record id refers to a committed record.
 *
 * When a group fails:
 * - with `STORE_UNAVAILABLE` (the database is away), every record of the group fails with it,
 *   exactly as a lone record's commit would (callers answer `recorded: false`); none is retried,
 *   so no caller waits on a database that does not answer;
 * - with any other error (a notification factory that throws, a constraint, a bug), the group's
 *   records are committed again one by one, so only the records that cause the failure fail,
 *   each with its own error; the others commit and their callers get their ids.
 *
 * The store's transaction numbers each bank's webhook notifications in the group's order, and
 * groups commit one after another, so `seq` follows commit order.
 */
export class MatchRecorder {
  readonly #store: Pick<MatchRecordStore, 'recordMatches'>;
  readonly #maxGroupSize: number;
  readonly #onCommit: (records: number) => void;
  readonly #schedule: (start: () => void) => void;
  #pending: Pending[] = [];
  #running = false;
  #closed = false;
  #idle: (() => void)[] = [];
  /** Commits in flight with maxGroupSize 1 (no queue). */
  readonly #single = new Set<Promise<MatchRecord>>();
  #commits = 0;
  #records = 0;
  #retriedGroups = 0;

  constructor(store: Pick<MatchRecordStore, 'recordMatches'>, options: MatchRecorderOptions = {}) {
    const size = options.maxGroupSize ?? DEFAULT_MATCH_GROUP_SIZE;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`maxGroupSize must be a positive integer; got ${size}.`);
    }
    this.#store = store;
    this.#maxGroupSize = size;
    this.#onCommit = options.onCommit ?? (() => undefined);
    this.#schedule = options.schedule ?? defaultSchedule;
  }

  /** Most records per group. */
  get maxGroupSize(): number {
    return this.#maxGroupSize;
  }

  /** Counts so far. */
  get stats(): MatchRecorderStats {
    return { commits: this.#commits, records: this.#records, retriedGroups: this.#retriedGroups };
  }

  /** True once {@link close} was called: new records are refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Records waiting for a commit (not counting the group in flight). */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Stores a match record and the notifications `notifications` makes for it, in the next group.
   * Resolves with the stored record once its group has committed.
   * @throws the group's STORE_UNAVAILABLE, or the record's own error (see the class comment);
   *   STORE_UNAVAILABLE at once after {@link close}
   */
  record(
    record: NewMatchRecord,
    notifications?: (record: MatchRecord) => readonly NewWebhookDelivery[],
  ): Promise<MatchRecord> {
    if (this.#closed) {
      return Promise.reject(
        new DomainError('STORE_UNAVAILABLE', 'The server is shutting down; the match was not recorded.'),
      );
    }
    if (this.#maxGroupSize === 1) return this.#alone(notifications ? { record, notifications } : { record });
    return new Promise<MatchRecord>((resolve, reject) => {
      this.#pending.push({ item: notifications ? { record, notifications } : { record }, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        this.#schedule(() => void this.#run());
      }
    });
  }

  /** Resolves when every record queued so far has been committed (or has failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.#single].map((commit) => commit.catch(() => undefined)));
    if (!this.#running && this.#pending.length === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /**
   * maxGroupSize 1: the path before group commit, exactly. Each record commits in a transaction of
   * its own, at once and concurrently with others (on PostgreSQL each on a pooled connection),
   * with no queue.
   */
  #alone(item: MatchRecordItem): Promise<MatchRecord> {
    const commit = this.#store.recordMatches([item]).then((stored) => {
      this.#commits++;
      this.#records++;
      try {
        this.#onCommit(1);
      } catch {
        // Metrics must never fail a committed record.
      }
      return stored[0]!;
    });
    this.#single.add(commit);
    const forget = (): void => void this.#single.delete(commit);
    commit.then(forget, forget);
    return commit;
  }

  /**
   * Refuses new records (STORE_UNAVAILABLE) and resolves when the pending ones have committed:
   * graceful shutdown calls it before closing the store, so no queued record is dropped.
   */
  close(): Promise<void> {
    this.#closed = true;
    return this.flush();
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#pending.splice(0, this.#maxGroupSize);
      await this.#commit(group);
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #commit(group: readonly Pending[]): Promise<void> {
    let stored: MatchRecord[];
    try {
      stored = await this.#store.recordMatches(group.map((p) => p.item));
    } catch (error) {
      if (group.length === 1 || isStoreUnavailable(error)) {
        for (const p of group) p.reject(error);
        return;
      }
      this.#retriedGroups++;
      for (const p of group) await this.#commit([p]);
      return;
    }
    this.#commits++;
    this.#records += group.length;
    try {
      this.#onCommit(group.length);
    } catch {
      // Metrics must never fail a committed group.
    }
    group.forEach((p, i) => p.resolve(stored[i]!));
  }
}

function isStoreUnavailable(error: unknown): boolean {
  return isDomainError(error) && error.code === 'STORE_UNAVAILABLE';
}
