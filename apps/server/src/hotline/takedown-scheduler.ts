import type { RetentionService, TakedownService } from '@hashline/domain';
import type { FastifyBaseLogger } from 'fastify';
import { startPollingLoop, throttledFailureLog, type PollingLoop } from './polling-loop.js';

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

/** A running scheduler: `wake()` runs a round now, `stop()` after the work in progress. */
export type TakedownScheduler = PollingLoop;

/**
 * The in-process scheduler of notice and takedown and retention (like the capture worker): runs
 * due send retries and re-checks until none is due, then sleeps `pollMs`; runs the retention job
 * at start and every `retentionIntervalMs`. Several processes may run it: takedowns are leased, so
 * each is sent or checked by one process at a time (run the retention job in one process only,
 * see RetentionService). Logs carry counts and error codes, never URLs, addresses or report text.
 */
export function startTakedownScheduler(options: TakedownSchedulerOptions): TakedownScheduler {
  const logFailure = throttledFailureLog(options.logger);
  let nextRetention = 0;
  return startPollingLoop({
    pollMs: options.pollMs,
    round: async () => {
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
      return (await options.takedowns.runDue(options.batch ?? 2)) > 0;
    },
    onError: (error) => logFailure(error, 'takedown round'),
  });
}
