import type { Exposure } from './workbench-api.js';

/**
 * Whether the break reminder is due: the analyst's reveals within the deployment's window reached
 * the run it sets, and — once dismissed at `dismissedAtToday` reveals — a whole new run of reveals
 * has followed since (a dismissal is respected; the reminder does not nag at every reveal).
 */
export function breakRunDue(exposure: Exposure, dismissedAtToday: number | null): boolean {
  if (exposure.breakAfterReveals < 1 || exposure.recent < exposure.breakAfterReveals) return false;
  return dismissedAtToday === null || exposure.today - dismissedAtToday >= exposure.breakAfterReveals;
}
