import { isDomainError } from '@hashline/domain';

/** What the last health check of the store found. */
export interface StoreHealthState {
  /** The store answered the last check in time. */
  readonly available: boolean;
  /** Why it is unavailable, in words safe to show on /readyz (no host, no SQL); null when available. */
  readonly reason: string | null;
  /** The latest committed change-log seq, as of the last check that succeeded (null before one). */
  readonly latestSeq: number | null;
  /** When the state last changed (available ↔ unavailable). */
  readonly since: Date;
}

/** Options of {@link StoreHealth}. */
export interface StoreHealthOptions {
  /** The check: a cheap store read (the server uses `store.latestSeq()`). */
  readonly probe: () => Promise<number>;
  /** How long a check waits for the store before it reports the store unavailable. */
  readonly timeoutMs: number;
  /** How often the background check runs (so matching and /metrics know without a probe of their own). */
  readonly intervalMs: number;
  /** Called when availability changes (the server logs it once per change, never per check). */
  readonly onChange?: (state: StoreHealthState) => void;
  readonly now?: () => number;
}

/**
 * Most probes left waiting on a store that stopped answering. A hung store holds each one until
 * the query timeout; capping them keeps health checks from taking the whole pool, while leaving
 * room for a fresh probe to see the store's return before the hung ones give up.
 */
export const MAX_PENDING_PROBES = 3;

/**
 * The store's availability, checked in the background every `intervalMs` and on demand (`/readyz`),
 * each check bounded by `timeoutMs`: a store that is down or hangs is reported within about
 * `timeoutMs`, and its return at the next check. Matching reads {@link available} to skip writing
 * match records at once while the store is away instead of waiting for each write to time out.
 */
export class StoreHealth {
  readonly #options: StoreHealthOptions;
  readonly #now: () => number;
  #state: StoreHealthState;
  #round: Promise<StoreHealthState> | undefined;
  #pending: { readonly started: number; readonly settled: Promise<unknown> }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: StoreHealthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // Optimistic until the first check: the store was opened (and migrated) just before.
    this.#state = { available: true, reason: null, latestSeq: null, since: new Date(this.#now()) };
  }

  /** The last known state (no I/O). */
  current(): StoreHealthState {
    return this.#state;
  }

  /** The last check found the store answering. */
  get available(): boolean {
    return this.#state.available;
  }

  /**
   * Checks now (joining a check already running) and resolves within about `timeoutMs`, whatever
   * the store does. Never rejects.
   */
  check(): Promise<StoreHealthState> {
    this.#round ??= this.#checkOnce().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  /** Starts the background checks. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        void this.check().then(() => {
          if (this.#running) tick();
        });
      }, this.#options.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  /** Stops the background checks (a check in flight finishes on its own). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  /**
   * Tells the monitor a store call failed as unavailable: it checks at once rather than at the
   * next interval, so matching stops waiting on a store that is gone within one bounded check,
   * while one failed call on a store that is fine (a connection reset once) changes nothing.
   */
  reportUnavailable(_error: unknown): void {
    void this.check();
  }

  async #checkOnce(): Promise<StoreHealthState> {
    const { timeoutMs } = this.#options;
    const now = this.#now();
    const stalled = this.#pending.length >= MAX_PENDING_PROBES;
    if (stalled) {
      // Every probe slot is held by a store that has not answered; reporting that needs no new query.
      const oldest = Math.min(...this.#pending.map((p) => p.started));
      this.#set(false, `the database has not answered for ${now - oldest} ms`, this.#state.latestSeq);
      return this.#state;
    }
    let timer: NodeJS.Timeout | undefined;
    const probe = this.#options.probe();
    const entry = { started: now, settled: probe.catch(() => undefined) };
    this.#pending.push(entry);
    void entry.settled.finally(() => {
      this.#pending = this.#pending.filter((p) => p !== entry);
    });
    const outcome = await Promise.race([
      probe.then(
        (seq) => ({ ok: true as const, seq }),
        (error: unknown) => ({ ok: false as const, reason: describe(error) }),
      ),
      new Promise<{ ok: false; reason: string }>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, reason: `the database did not answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    if (outcome.ok) this.#set(true, null, outcome.seq);
    else this.#set(false, outcome.reason, this.#state.latestSeq);
    return this.#state;
  }

  #set(available: boolean, reason: string | null, latestSeq: number | null): void {
    const changed = available !== this.#state.available;
    this.#state = {
      available,
      reason,
      latestSeq,
      since: changed ? new Date(this.#now()) : this.#state.since,
    };
    if (changed) this.#options.onChange?.(this.#state);
  }
}

/** A reason for /readyz: the stable message of a STORE_UNAVAILABLE error, or a generic one (never a driver's text). */
function describe(error: unknown): string {
  if (isDomainError(error) && error.code === 'STORE_UNAVAILABLE') return error.message;
  return 'the database check failed';
}
