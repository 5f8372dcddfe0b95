// Watches `/readyz` of one server for the length of a case: what it answered and when, so a case
// can ask "did it say 503 while the fault lasted?" and "how long after the fault until 200?".
// A probe that gets no answer within its timeout records 'timeout' (a hung readiness check is
// what the suite exists to catch), a refused connection records 'down'.
import { sleep } from './wait.js';

/** One answer of `/readyz`, or its absence. */
export interface ReadySample {
  /** When the probe was sent (ms since the epoch). */
  readonly sentAt: number;
  /** When the answer (or the failure) came. */
  readonly at: number;
  readonly status: number | 'timeout' | 'down';
}

/** Polls `/readyz` of `url()` (it may change when a server is restarted) until stopped. */
export class ReadinessProbe {
  readonly samples: ReadySample[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(
    readonly url: () => string,
    options: { readonly intervalMs?: number; readonly timeoutMs?: number } = {},
  ) {
    const { intervalMs = 200, timeoutMs = 10_000 } = options;
    this.#done = (async () => {
      while (this.#running) {
        const sentAt = Date.now();
        const status = await fetch(`${this.url()}/readyz`, { signal: AbortSignal.timeout(timeoutMs) }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status;
          },
          (error: unknown) =>
            error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
              ? ('timeout' as const)
              : ('down' as const),
        );
        this.samples.push({ sentAt, at: Date.now(), status });
        await sleep(intervalMs);
      }
    })();
  }

  /** The last answer, if any. */
  last(): ReadySample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** True once a probe sent at or after `since` was answered 200. */
  readySince(since: number): boolean {
    return this.samples.some((s) => s.sentAt >= since && s.status === 200);
  }

  /** Seconds from `since` to the first 200 of a probe sent at or after it (undefined: none yet). */
  secondsToReady(since: number): number | undefined {
    const first = this.samples.find((s) => s.sentAt >= since && s.status === 200);
    return first && (first.at - since) / 1000;
  }

  /** Answers of probes sent in [from, to). */
  between(from: number, to: number): ReadySample[] {
    return this.samples.filter((s) => s.sentAt >= from && s.sentAt < to);
  }

  /**
   * Seconds from `from` to the first 503 answered in [from, to) (undefined: no 503 in that
   * window; a hung or timed-out probe is not a 503).
   */
  secondsTo503(from: number, to: number): number | undefined {
    const first = this.samples.find((s) => s.sentAt >= from && s.at < to && s.status === 503);
    return first && (first.at - from) / 1000;
  }

  /** A one-line summary of the answers in [from, to), e.g. `200×3 503×40 timeout×2`. */
  summary(from = 0, to = Infinity): string {
    const counts = new Map<string, number>();
    for (const s of this.between(from, to))
      counts.set(String(s.status), (counts.get(String(s.status)) ?? 0) + 1);
    return [...counts].map(([status, n]) => `${status}×${n}`).join(' ') || 'no probes';
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}
