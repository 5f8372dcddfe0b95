import type { RetentionService, TakedownService } from '@hashline/domain';
import type { FastifyBaseLogger } from 'fastify';

/** Options of {@link startTakedownScheduler}. */
export interface TakedownSchedulerOptions {
  readonly takedowns: TakedownService;
  readonly retention: RetentionService;
  readonly logger: FastifyBaseLogger;
  /** How long to sleep when no send or re-check is due (ms). */
  readonly pollMs: number;
  /** How often the retention job runs (ms); it also runs once at start. */
  readonly retentionIntervalMs: number;
  /** Takedowns run per round (default 2: each re-check may fetch a page and its media). */
  readonly batch?: number;
}

/** A running scheduler. */
export interface TakedownScheduler {
  /** Runs a round now instead of at the next poll. */
  wake(): void;
  /** Stops after the work in progress; resolves when it has stopped. */
  stop(): Promise<void>;
}

/**
 * The in-process scheduler of notice and takedown and retention (like the capture worker): runs
 * due send retries and re-checks until none is due, then sleeps `pollMs`; runs the retention job
 * at start and every `retentionIntervalMs`. Several processes may run it: takedowns are leased, so
 * each is sent or checked by one process at a time (run the retention job in one process only,
 * see RetentionService). Logs carry counts and error codes, never URLs, addresses or report text.
 */
export function startTakedownScheduler(options: TakedownSchedulerOptions): TakedownScheduler {
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;
  let lastError = 0;
  let nextRetention = 0;
  const logFailure = (error: unknown, what: string): void => {
    // At most once a minute: a database or mail outage must not flood the log.
    if (Date.now() - lastError > 60_000) {
      lastError = Date.now();
      const code = (error as { code?: unknown } | null)?.code;
      options.logger.error(
        { code: typeof code === 'string' ? code : undefined, err: error },
        `${what} failed; retrying`,
      );
    }
  };
  const sleep = (): Promise<void> =>
    new Promise((resolve) => {
      wakeUp = resolve;
      timer = setTimeout(resolve, options.pollMs);
      timer.unref();
    });
  const loop = (async () => {
    while (running) {
      if (options.retention.enabled && Date.now() >= nextRetention) {
        nextRetention = Date.now() + options.retentionIntervalMs;
        try {
          const { purged } = await options.retention.runOnce();
          if (purged > 0)
            options.logger.info({ purged }, 'retention job deleted personal data of closed reports');
        } catch (error) {
          logFailure(error, 'retention job');
        }
      }
      try {
        const ran = await options.takedowns.runDue(options.batch ?? 2);
        if (ran > 0) continue;
      } catch (error) {
        logFailure(error, 'takedown round');
      }
      if (running) await sleep();
    }
  })();
  return {
    wake() {
      clearTimeout(timer);
      wakeUp?.();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      wakeUp?.();
      await loop;
    },
  };
}
