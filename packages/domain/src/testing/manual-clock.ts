import type { Clock } from '../ports/clock.js';

/** A {@link Clock} that moves only when told to: timestamps in tests become exact. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds (negative moves it back). */
  advance(ms: number): void;
  /** Sets the clock to `at`. */
  set(at: Date | number): void;
}

/** A manual clock starting at `start` (default 2025-01-01T00:00:00.000Z). */
export function createManualClock(start: Date | number = Date.UTC(2025, 0, 1)): ManualClock {
  let now = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    set: (at) => {
      now = typeof at === 'number' ? at : at.getTime();
    },
  };
}
