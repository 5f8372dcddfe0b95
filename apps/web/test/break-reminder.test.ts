// The break reminder after a run of reveals (issue 17): due when the reveals within the window
// reach the deployment's run; after a dismissal, only once a whole new run has followed.
import { describe, expect, it } from 'vitest';
import { breakRunDue } from '../src/workbench/break-reminder.js';
import type { Exposure } from '../src/workbench/workbench-api.js';

const exposure = (today: number, recent: number, breakAfterReveals = 20): Exposure => ({
  today,
  dailyLimit: 100,
  warnAt: 80,
  recent,
  breakAfterReveals,
  breakWindowMinutes: 60,
});

describe('breakRunDue', () => {
  it('is due from the configured run of reveals within the window, not before', () => {
    expect(breakRunDue(exposure(19, 19), null)).toBe(false);
    expect(breakRunDue(exposure(20, 20), null)).toBe(true);
    expect(breakRunDue(exposure(3, 3, 3), null)).toBe(true);
    // Many reveals today, but spread out: the window holds fewer than the run.
    expect(breakRunDue(exposure(60, 12), null)).toBe(false);
  });

  it('after a dismissal, returns only after another whole run', () => {
    expect(breakRunDue(exposure(21, 21), 20)).toBe(false);
    expect(breakRunDue(exposure(39, 39), 20)).toBe(false);
    expect(breakRunDue(exposure(40, 40), 20)).toBe(true);
    // A new run that is spread out does not bring it back either.
    expect(breakRunDue(exposure(40, 10), 20)).toBe(false);
  });
});
