import { DomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import type { NewAuditEvent, Report } from './hotline-records.js';
import type { HotlineStore } from './hotline-store.js';

/**
 * A report by id, or `REPORT_NOT_FOUND`: the one lookup every hotline service starts from.
 * @throws {DomainError} REPORT_NOT_FOUND
 */
export async function requireReport(store: Pick<HotlineStore, 'getReport'>, id: string): Promise<Report> {
  const report = await store.getReport(id);
  if (!report) throw new DomainError('REPORT_NOT_FOUND', 'No report has that id.');
  return report;
}

/** Appends one audit row now; details are small facts, never media, report text or contacts. */
export type AuditRecorder = (
  actor: string,
  action: NewAuditEvent['action'],
  subjectType: string,
  subjectId: string,
  details: NewAuditEvent['details'],
) => Promise<void>;

/** An {@link AuditRecorder} on a store, stamping rows with the clock's time. */
export function auditRecorder(store: Pick<HotlineStore, 'appendAudit'>, clock: Clock): AuditRecorder {
  return async (actor, action, subjectType, subjectId, details) => {
    await store.appendAudit({ actor, action, subjectType, subjectId, details }, clock.now());
  };
}
