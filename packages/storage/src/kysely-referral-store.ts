import {
  DomainError,
  type NewReferral,
  type Referral,
  type ReferralActionability,
  type ReferralBasis,
  type ReferralPatch,
  type ReferralQuery,
  type ReferralStatus,
  type ReferralStore,
  type ReferralTarget,
} from '@hashline/domain';
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { readDate, readJson } from './row-mapping.js';
import type { Database, ReferralsTable } from './schema.js';
import type { StoreDatabase, StoreDialect } from './store-dialect.js';

type Db = Kysely<Database>;

/** Largest page of {@link KyselyReferralStore.findReferrals}. */
const MAX_PAGE = 1000;

/** Maps a `referrals` row; vocabulary values were written by this store, so they are cast. */
function toReferral(row: Selectable<ReferralsTable>): Referral {
  return {
    id: row.id,
    reportId: row.report_id,
    target: row.target as ReferralTarget,
    targetName: row.target_name,
    targetCountry: row.target_country,
    basis: row.basis as ReferralBasis,
    actionable: row.actionable as ReferralActionability,
    status: row.status as ReferralStatus,
    externalRef: row.external_ref,
    createdAt: readDate(row.created_at),
    createdBy: row.created_by,
    sentAt: row.sent_at === null ? null : readDate(row.sent_at),
    updatedAt: readDate(row.updated_at),
    urlIds: readJson<number[]>(row.url_ids),
  };
}

/**
 * {@link ReferralStore} over Kysely, on the database of the other stores (migration 0004), every
 * query written once for SQLite and PostgreSQL.
 *
 * Invariants:
 * - One row per (report, target, target country), by a unique constraint: a create that finds the
 *   row (or loses a race to insert it) merges its URL ids into that row instead.
 * - The merge reads the row locked (`FOR UPDATE` in PostgreSQL; SQLite transactions here are
 *   IMMEDIATE, one writer at a time), so two merges never lose each other's URL ids.
 * - The store sets no times of its own: `createdAt`, `updatedAt` and `sentAt` come from the caller.
 */
export class KyselyReferralStore implements ReferralStore {
  readonly #db: Db;
  readonly #dialect: StoreDialect;

  constructor({ db, dialect }: StoreDatabase) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async createReferral(referral: NewReferral): Promise<{ referral: Referral; created: boolean }> {
    try {
      return await this.#db.transaction().execute((trx) => this.#createOrMerge(trx, referral));
    } catch (error) {
      if (!this.#dialect.isUniqueViolation(error)) throw error;
      // A concurrent create inserted the same (report, target, country) first: merge into it.
      return this.#db.transaction().execute((trx) => this.#createOrMerge(trx, referral));
    }
  }

  async #createOrMerge(
    trx: Transaction<Database>,
    referral: NewReferral,
  ): Promise<{ referral: Referral; created: boolean }> {
    const d = this.#dialect;
    const existing = await d
      .lockForUpdate(
        trx
          .selectFrom('referrals')
          .selectAll()
          .where('report_id', '=', referral.reportId)
          .where('target', '=', referral.target)
          .where('target_country', '=', referral.targetCountry),
      )
      .executeTakeFirst();
    if (existing) {
      const current = toReferral(existing);
      const missing = referral.urlIds.filter((id) => !current.urlIds.includes(id));
      if (missing.length === 0) return { referral: current, created: false };
      const row = await trx
        .updateTable('referrals')
        .set({
          url_ids: JSON.stringify([...current.urlIds, ...missing].sort((a, b) => a - b)),
          updated_at: d.date(referral.createdAt),
        })
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { referral: toReferral(row), created: false };
    }
    const row = await trx
      .insertInto('referrals')
      .values({
        id: referral.id,
        report_id: referral.reportId,
        target: referral.target,
        target_name: referral.targetName,
        target_country: referral.targetCountry,
        basis: referral.basis,
        actionable: referral.actionable,
        status: 'pending',
        external_ref: null,
        created_at: d.date(referral.createdAt),
        created_by: referral.createdBy,
        sent_at: null,
        updated_at: d.date(referral.createdAt),
        url_ids: JSON.stringify([...new Set(referral.urlIds)].sort((a, b) => a - b)),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { referral: toReferral(row), created: true };
  }

  async getReferral(id: string): Promise<Referral | undefined> {
    const row = await this.#db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toReferral(row);
  }

  async listReferrals(reportId: string): Promise<Referral[]> {
    const rows = await this.#db
      .selectFrom('referrals')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toReferral);
  }

  async findReferrals(query: ReferralQuery): Promise<Referral[]> {
    let q = this.#db
      .selectFrom('referrals')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(Math.max(0, Math.min(query.limit, MAX_PAGE)));
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.target !== undefined) q = q.where('target', '=', query.target);
    if (query.since !== undefined) q = q.where('created_at', '>=', this.#dialect.date(query.since));
    return (await q.execute()).map(toReferral);
  }

  async updateReferral(id: string, patch: ReferralPatch, at: Date): Promise<Referral> {
    const d = this.#dialect;
    const set: Updateable<ReferralsTable> = { updated_at: d.date(at) };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.externalRef !== undefined) set.external_ref = patch.externalRef;
    if (patch.sentAt !== undefined) set.sent_at = patch.sentAt === null ? null : d.date(patch.sentAt);
    const row = await this.#db
      .updateTable('referrals')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DomainError('REFERRAL_NOT_FOUND');
    return toReferral(row);
  }
}
