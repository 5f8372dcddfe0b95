import {
  DomainError,
  type CheckUpdate,
  type NewTakedown,
  type ReportLanguage,
  type SendOutcome,
  type Takedown,
  type TakedownCheck,
  type TakedownCheckResult,
  type TakedownStatus,
  type TakedownStore,
  type TakedownVia,
} from '@hashline/domain';
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { readDate } from './row-mapping.js';
import type { Database, TakedownChecksTable, TakedownsTable } from './schema.js';
import type { StoreDatabase, StoreDialect } from './store-dialect.js';

type Db = Kysely<Database> | Transaction<Database>;
const OPEN_STATUSES: readonly TakedownStatus[] = ['pending', 'notice_sent'];

/**
 * {@link TakedownStore} over Kysely (migration 0005), on the same database as the hotline's store;
 * every query written once for SQLite and PostgreSQL.
 *
 * Invariants:
 * - At most one open takedown per URL (a partial unique index): a second create is a CONFLICT.
 * - Claims take due rows under the dialect's claim lock (SKIP LOCKED in PostgreSQL; SQLite's
 *   single writer) and lease them, so two processes never send or check the same takedown at once.
 * - A check is appended and its consequences applied in one transaction, the row locked.
 */
export class KyselyTakedownStore implements TakedownStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;

  constructor({ db, dialect }: StoreDatabase) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async createTakedown(t: NewTakedown): Promise<Takedown> {
    const d = this.#dialect;
    try {
      const row = await this.#db
        .insertInto('takedowns')
        .values({
          id: t.id,
          report_id: t.reportId,
          url_id: t.urlId,
          url: t.url,
          recipient: t.recipient,
          language: t.language,
          via: t.via,
          status: 'pending',
          sent_by: null,
          sent_to: null,
          referral_reference: t.referralReference,
          notice_sent_at: null,
          message_id: t.messageId,
          send_attempts: 0,
          last_error: null,
          removed_confirmed_at: null,
          next_check_at: d.date(t.nextCheckAt),
          lease_until: t.leaseUntil && d.date(t.leaseUntil),
          created_at: d.date(t.createdAt),
          created_by: t.createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTakedown(row, []);
    } catch (error) {
      if (d.isUniqueViolation(error))
        throw new DomainError('CONFLICT', 'This URL has an open takedown already.');
      throw error;
    }
  }

  async getTakedown(id: string): Promise<Takedown | undefined> {
    const row = await this.#db.selectFrom('takedowns').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await withChecks(this.#db, [row]))[0];
  }

  async listTakedowns(reportId: string): Promise<Takedown[]> {
    const rows = await this.#db
      .selectFrom('takedowns')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('id')
      .execute();
    return withChecks(this.#db, rows);
  }

  async listAllTakedowns(query: { readonly afterId?: string; readonly limit: number }): Promise<Takedown[]> {
    let q = this.#db.selectFrom('takedowns').selectAll().orderBy('id').limit(clampLimit(query.limit));
    if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
    return withChecks(this.#db, await q.execute());
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<Takedown[]> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const due = await d
        .lockForClaim(
          trx
            .selectFrom('takedowns')
            .select('id')
            .where('status', 'in', [...OPEN_STATUSES])
            .where('next_check_at', '<=', d.date(now))
            // A lease that ran out is a crashed (or stuck) process's: the takedown is due again.
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', d.date(now))]))
            .orderBy('next_check_at')
            .orderBy('id')
            .limit(clampLimit(limit)),
        )
        .execute();
      if (due.length === 0) return [];
      const ids = due.map((row) => row.id);
      const rows = await trx
        .updateTable('takedowns')
        .set({ lease_until: d.date(new Date(now.getTime() + leaseMs)) })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      // In claim order (due time, then id), which RETURNING does not promise.
      const order = new Map(ids.map((id, index) => [id, index]));
      rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      return withChecks(trx, rows);
    });
  }

  async lease(id: string, now: Date, leaseMs: number): Promise<Takedown | undefined> {
    const d = this.#dialect;
    const row = await this.#db
      .updateTable('takedowns')
      .set({ lease_until: d.date(new Date(now.getTime() + leaseMs)) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', d.date(now))]))
      .returningAll()
      .executeTakeFirst();
    if (row) return (await withChecks(this.#db, [row]))[0];
    if (!(await this.#exists(id))) throw takedownNotFound(id);
    return undefined;
  }

  async startSend(id: string): Promise<Takedown> {
    const row = await this.#db
      .updateTable('takedowns')
      .set((eb) => ({ send_attempts: eb('send_attempts', '+', 1) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw takedownNotFound(id);
    return (await withChecks(this.#db, [row]))[0]!;
  }

  async finishSend(id: string, outcome: SendOutcome): Promise<Takedown> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const current = await d
        .lockForUpdate(trx.selectFrom('takedowns').selectAll().where('id', '=', id))
        .executeTakeFirst();
      if (!current) throw takedownNotFound(id);
      // Only a pending takedown takes a send's outcome: the first recorded send is the notice.
      const set: Updateable<TakedownsTable> =
        current.status !== 'pending'
          ? { lease_until: null }
          : outcome.ok
            ? {
                status: 'notice_sent',
                sent_by: outcome.sentBy,
                sent_to: outcome.sentTo,
                notice_sent_at: d.date(outcome.sentAt),
                last_error: null,
                next_check_at: outcome.nextCheckAt && d.date(outcome.nextCheckAt),
                lease_until: null,
              }
            : {
                last_error: outcome.error,
                next_check_at: outcome.retryAt && d.date(outcome.retryAt),
                lease_until: null,
              };
      const row = await trx
        .updateTable('takedowns')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return (await withChecks(trx, [row]))[0]!;
    });
  }

  async recordCheck(id: string, check: TakedownCheck, update: CheckUpdate): Promise<Takedown> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const current = await d
        .lockForUpdate(trx.selectFrom('takedowns').select('id').where('id', '=', id))
        .executeTakeFirst();
      if (!current) throw takedownNotFound(id);
      const last = await trx
        .selectFrom('takedown_checks')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('takedown_id', '=', id)
        .executeTakeFirst();
      await trx
        .insertInto('takedown_checks')
        .values({
          takedown_id: id,
          seq: Number(last?.seq ?? 0) + 1,
          checked_at: d.date(check.checkedAt),
          result: check.result,
          detail: check.detail,
        })
        .execute();
      const row = await trx
        .updateTable('takedowns')
        .set({
          status: update.status,
          removed_confirmed_at: update.removedConfirmedAt && d.date(update.removedConfirmedAt),
          next_check_at: update.nextCheckAt && d.date(update.nextCheckAt),
          lease_until: null,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return (await withChecks(trx, [row]))[0]!;
    });
  }

  async #exists(id: string): Promise<boolean> {
    return (
      (await this.#db.selectFrom('takedowns').select('id').where('id', '=', id).executeTakeFirst()) !==
      undefined
    );
  }
}

/** Rows with their checks (one query for all of them), in the rows' order. */
async function withChecks(db: Db, rows: readonly Selectable<TakedownsTable>[]): Promise<Takedown[]> {
  if (rows.length === 0) return [];
  const checks = new Map<string, Selectable<TakedownChecksTable>[]>();
  // A page holds at most 1000 takedowns (clampLimit), within every engine's parameter limit.
  const found = await db
    .selectFrom('takedown_checks')
    .selectAll()
    .where(
      'takedown_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('takedown_id')
    .orderBy('seq')
    .execute();
  for (const check of found) {
    const list = checks.get(check.takedown_id) ?? [];
    list.push(check);
    checks.set(check.takedown_id, list);
  }
  return rows.map((row) => toTakedown(row, checks.get(row.id) ?? []));
}

function toTakedown(
  row: Selectable<TakedownsTable>,
  checks: readonly Selectable<TakedownChecksTable>[],
): Takedown {
  const date = (value: Selectable<TakedownsTable>['notice_sent_at']): Date | null =>
    value === null ? null : readDate(value);
  return {
    id: row.id,
    reportId: row.report_id,
    urlId: row.url_id,
    url: row.url,
    recipient: row.recipient,
    language: row.language as ReportLanguage,
    via: row.via as TakedownVia,
    status: row.status as TakedownStatus,
    sentBy: row.sent_by as TakedownVia | null,
    sentTo: row.sent_to,
    referralReference: row.referral_reference,
    noticeSentAt: date(row.notice_sent_at),
    messageId: row.message_id,
    sendAttempts: row.send_attempts,
    lastError: row.last_error,
    removedConfirmedAt: date(row.removed_confirmed_at),
    nextCheckAt: date(row.next_check_at),
    checks: checks.map((c) => ({
      checkedAt: readDate(c.checked_at),
      result: c.result as TakedownCheckResult,
      detail: c.detail,
    })),
    createdAt: readDate(row.created_at),
    createdBy: row.created_by,
  };
}

/** SQL `LIMIT` for any number, at most 1000 rows a page. */
function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.min(1000, Math.max(0, Math.floor(limit))) : 0;
}

function takedownNotFound(id: string): DomainError {
  return new DomainError('TAKEDOWN_NOT_FOUND', `No takedown has id ${id}.`);
}
