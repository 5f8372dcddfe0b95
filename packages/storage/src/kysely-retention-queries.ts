import {
  CLOSED_REPORT_STATUSES,
  DomainError,
  type Clock,
  type PersonalDataPurge,
  type RetentionCandidate,
} from '@hashline/domain';
import type { Kysely, Transaction } from 'kysely';
import { readDate, readJson } from './row-mapping.js';
import type { Database } from './schema.js';
import type { StoreDialect } from './store-dialect.js';

// The retention job's queries on the hotline's tables (issue 5 part 6), kept out of
// kysely-hotline-store.ts, which delegates its two retention methods here. Migration 0005 adds
// `report_purges`, the mark of a purged report.

type Db = Kysely<Database>;
type Held = Omit<RetentionCandidate, 'reportId' | 'closedAt'>;

/** {@link HotlineStore.listRetentionDue} on SQL. */
export async function listRetentionDue(
  db: Db,
  dialect: StoreDialect,
  closedBefore: Date,
  limit: number,
): Promise<RetentionCandidate[]> {
  const rows = await db
    .selectFrom('reports')
    .leftJoin('report_purges', 'report_purges.report_id', 'reports.id')
    .select(['reports.id', 'reports.closed_at', 'reports.contact_id', 'reports.description'])
    .where('report_purges.report_id', 'is', null)
    .where('reports.closed_at', 'is not', null)
    .where('reports.closed_at', '<', dialect.date(closedBefore))
    .where('reports.status', 'in', [...CLOSED_REPORT_STATUSES])
    .orderBy('reports.closed_at')
    .orderBy('reports.id')
    .limit(Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0)
    .execute();
  const counts = await mediaCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    reportId: row.id,
    closedAt: readDate(row.closed_at!),
    contact: row.contact_id !== null,
    description: row.description !== null,
    ...(counts.get(row.id) ?? { previews: 0, thumbnails: 0, assessmentNotes: 0 }),
  }));
}

/** {@link HotlineStore.purgePersonalData} on SQL: one transaction, the report row locked. */
export async function purgePersonalData(
  db: Db,
  dialect: StoreDialect,
  clock: Clock,
  reportId: string,
  at: Date,
): Promise<PersonalDataPurge> {
  return db.transaction().execute(async (trx) => {
    const report = await dialect
      .lockForUpdate(
        trx.selectFrom('reports').select(['id', 'contact_id', 'description']).where('id', '=', reportId),
      )
      .executeTakeFirst();
    if (!report) throw new DomainError('REPORT_NOT_FOUND', `No report has id ${reportId}.`);
    const before = await trx
      .selectFrom('report_purges')
      .selectAll()
      .where('report_id', '=', reportId)
      .executeTakeFirst();
    if (before) {
      return {
        reportId,
        ...readJson<Held>(before.deleted),
        purgedAt: readDate(before.purged_at),
        alreadyPurged: true,
      };
    }
    const held: Held = {
      contact: report.contact_id !== null,
      description: report.description !== null,
      ...((await mediaCounts(trx, [reportId])).get(reportId) ?? {
        previews: 0,
        thumbnails: 0,
        assessmentNotes: 0,
      }),
    };
    const mediaOfReport = trx.selectFrom('media_items').select('id').where('report_id', '=', reportId);
    if (report.contact_id !== null) {
      await trx.deleteFrom('reporter_contacts').where('id', '=', report.contact_id).execute();
    }
    await trx
      .updateTable('reports')
      .set({ contact_id: null, description: null, updated_at: dialect.date(clock.now()) })
      .where('id', '=', reportId)
      .execute();
    await trx.deleteFrom('media_blobs').where('media_id', 'in', mediaOfReport).execute();
    // Capture screenshots show the page: their bytes go too, their SHA-256 stays (issue 16).
    await trx
      .updateTable('capture_screenshots')
      .set({ thumbnail: null, preview_sealed: null, original_sealed: null })
      .where('report_id', '=', reportId)
      .execute();
    await trx
      .updateTable('media_items')
      .set({ stored_content: dialect.bool(false) })
      .where('report_id', '=', reportId)
      .execute();
    await trx
      .updateTable('assessments')
      .set({ notes: null })
      .where('media_id', 'in', mediaOfReport)
      .where('notes', 'is not', null)
      .execute();
    await trx
      .insertInto('report_purges')
      .values({ report_id: reportId, purged_at: dialect.date(at), deleted: JSON.stringify(held) })
      .execute();
    return { reportId, ...held, purgedAt: new Date(at.getTime()), alreadyPurged: false };
  });
}

/** Kept previews, thumbnails and assessments with notes, per report. */
async function mediaCounts(
  db: Db | Transaction<Database>,
  reportIds: readonly string[],
): Promise<Map<string, Omit<Held, 'contact' | 'description'>>> {
  const counts = new Map<string, { previews: number; thumbnails: number; assessmentNotes: number }>();
  if (reportIds.length === 0) return counts;
  for (const id of reportIds) counts.set(id, { previews: 0, thumbnails: 0, assessmentNotes: 0 });
  const blobs = await db
    .selectFrom('media_blobs')
    .innerJoin('media_items', 'media_items.id', 'media_blobs.media_id')
    .select((eb) => [
      'media_items.report_id as reportId',
      eb.fn.countAll().as('thumbnails'),
      eb.fn.count('media_blobs.preview_sealed').as('previews'),
    ])
    .where('media_items.report_id', 'in', [...reportIds])
    .groupBy('media_items.report_id')
    .execute();
  for (const row of blobs) {
    const entry = counts.get(row.reportId)!;
    entry.thumbnails = Number(row.thumbnails);
    entry.previews = Number(row.previews);
  }
  const notes = await db
    .selectFrom('assessments')
    .innerJoin('media_items', 'media_items.id', 'assessments.media_id')
    .select((eb) => ['media_items.report_id as reportId', eb.fn.countAll().as('notes')])
    .where('media_items.report_id', 'in', [...reportIds])
    .where('assessments.notes', 'is not', null)
    .groupBy('media_items.report_id')
    .execute();
  for (const row of notes) counts.get(row.reportId)!.assessmentNotes = Number(row.notes);
  return counts;
}
