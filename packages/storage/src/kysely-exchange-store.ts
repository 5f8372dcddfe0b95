import {
  DomainError,
  type Classification,
  type ExchangeAssessmentSummary,
  type ExchangeStore,
  type ExchangeUrl,
  type IncomingExchange,
  type MediaType,
  type NewOutgoingExchange,
  type OutgoingExchange,
  type OutgoingExchangeOutcome,
  type OutgoingExchangeStatus,
  type PartnerAssessment,
} from '@hashline/domain';
import type { Kysely, Selectable } from 'kysely';
import { readBool, readDate, readJson } from './row-mapping.js';
import type { Database, ExchangeOutgoingTable, PartnerAssessmentsTable } from './schema.js';
import type { StoreDatabase, StoreDialect } from './store-dialect.js';

type Db = Kysely<Database>;

/** Items inserted per statement (well under both engines' bound-parameter limits). */
const INSERT_CHUNK = 200;

/**
 * {@link ExchangeStore} over Kysely (migration 0006), on the same database as the hotline store:
 * the same queries on SQLite and PostgreSQL.
 *
 * Invariants:
 * - One outgoing exchange per (report, partner country): the unique key decides between
 *   concurrent openers, and the loser reads the winner's row.
 * - An incoming record and its items commit together; a second record for the report writes
 *   nothing (primary key), so a resend never duplicates the partner's items.
 * - An outcome is applied under a row lock, so concurrent sends add their attempts correctly and
 *   a delivered exchange never falls back to failed.
 */
export class KyselyExchangeStore implements ExchangeStore {
  readonly #db: Db;
  readonly #dialect: StoreDialect;

  constructor({ db, dialect }: StoreDatabase) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async openOutgoing(
    exchange: NewOutgoingExchange,
  ): Promise<{ exchange: OutgoingExchange; created: boolean }> {
    const d = this.#dialect;
    const existing = await this.#findOutgoing(exchange.reportId, exchange.partnerCountry);
    if (existing) return { exchange: existing, created: false };
    try {
      const row = await this.#db
        .insertInto('exchange_outgoing')
        .values({
          id: exchange.id,
          report_id: exchange.reportId,
          partner_country: exchange.partnerCountry,
          partner_name: exchange.partnerName,
          status: 'pending',
          attempts: 0,
          receipt_reference: null,
          last_error: null,
          url_count: 0,
          media_count: 0,
          created_at: d.date(exchange.createdAt),
          created_by: exchange.createdBy,
          delivered_at: null,
          updated_at: d.date(exchange.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { exchange: toOutgoing(row), created: true };
    } catch (error) {
      if (!d.isUniqueViolation(error)) throw error;
      const raced = await this.#findOutgoing(exchange.reportId, exchange.partnerCountry);
      if (raced) return { exchange: raced, created: false };
      throw new DomainError('CONFLICT', 'An outgoing exchange with this id exists already.');
    }
  }

  async recordOutcome(id: string, outcome: OutgoingExchangeOutcome): Promise<OutgoingExchange> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const row = await d
        .lockForUpdate(trx.selectFrom('exchange_outgoing').selectAll().where('id', '=', id))
        .executeTakeFirst();
      if (!row) throw new DomainError('NOT_FOUND', 'No outgoing exchange has that id.');
      const delivered = outcome.status === 'delivered';
      const wasDelivered = row.status === 'delivered';
      const updated = await trx
        .updateTable('exchange_outgoing')
        .set({
          status: delivered || wasDelivered ? 'delivered' : 'failed',
          attempts: row.attempts + outcome.attempts,
          receipt_reference: delivered ? outcome.receiptReference : row.receipt_reference,
          last_error: outcome.lastError,
          url_count: outcome.urlCount,
          media_count: outcome.mediaCount,
          delivered_at: row.delivered_at ?? (delivered ? d.date(outcome.at) : null),
          updated_at: d.date(outcome.at),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toOutgoing(updated);
    });
  }

  async listOutgoing(reportId: string): Promise<OutgoingExchange[]> {
    const rows = await this.#db
      .selectFrom('exchange_outgoing')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toOutgoing);
  }

  async recordIncoming(
    incoming: IncomingExchange,
  ): Promise<{ incoming: IncomingExchange; created: boolean }> {
    const d = this.#dialect;
    const existing = await this.getIncoming(incoming.reportId);
    if (existing) return { incoming: existing, created: false };
    let created = false;
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto('exchange_incoming')
          .values({
            report_id: incoming.reportId,
            sender_name: incoming.senderName,
            sender_country: incoming.senderCountry,
            reference: incoming.reference,
            sent_at: d.date(incoming.sentAt),
            received_at: d.date(incoming.receivedAt),
            api_key_id: incoming.apiKeyId,
            urls: JSON.stringify(incoming.urls),
          })
          .execute();
        for (let i = 0; i < incoming.items.length; i += INSERT_CHUNK) {
          await trx
            .insertInto('partner_assessments')
            .values(
              incoming.items.slice(i, i + INSERT_CHUNK).map((item) => ({
                report_id: incoming.reportId,
                item_index: item.index,
                url_index: item.urlIndex,
                media_type: item.mediaType,
                md5: item.md5,
                sha256: item.sha256,
                pdq: item.pdq,
                pdq_quality: item.pdqQuality,
                classification: JSON.stringify(item.classification),
                known_material: d.bool(item.knownMaterial),
                summary: item.summary === null ? null : JSON.stringify(item.summary),
              })),
            )
            .execute();
        }
      });
      created = true;
    } catch (error) {
      if (!d.isUniqueViolation(error)) throw error;
      // A concurrent resend recorded it first.
    }
    const stored = await this.getIncoming(incoming.reportId);
    if (!stored) throw new DomainError('INTERNAL', 'The incoming exchange was not stored.');
    return { incoming: stored, created };
  }

  async getIncoming(reportId: string): Promise<IncomingExchange | undefined> {
    const row = await this.#db
      .selectFrom('exchange_incoming')
      .selectAll()
      .where('report_id', '=', reportId)
      .executeTakeFirst();
    if (!row) return undefined;
    const items = await this.#db
      .selectFrom('partner_assessments')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('item_index')
      .execute();
    return {
      reportId: row.report_id,
      senderName: row.sender_name,
      senderCountry: row.sender_country,
      reference: row.reference,
      sentAt: readDate(row.sent_at),
      receivedAt: readDate(row.received_at),
      apiKeyId: row.api_key_id,
      urls: readJson<ExchangeUrl[]>(row.urls),
      items: items.map(toPartnerAssessment),
    };
  }

  async #findOutgoing(reportId: string, partnerCountry: string): Promise<OutgoingExchange | undefined> {
    const row = await this.#db
      .selectFrom('exchange_outgoing')
      .selectAll()
      .where('report_id', '=', reportId)
      .where('partner_country', '=', partnerCountry)
      .executeTakeFirst();
    return row && toOutgoing(row);
  }
}

function toOutgoing(row: Selectable<ExchangeOutgoingTable>): OutgoingExchange {
  return {
    id: row.id,
    reportId: row.report_id,
    partnerCountry: row.partner_country,
    partnerName: row.partner_name,
    status: row.status as OutgoingExchangeStatus,
    attempts: Number(row.attempts),
    receiptReference: row.receipt_reference,
    lastError: row.last_error,
    urlCount: Number(row.url_count),
    mediaCount: Number(row.media_count),
    createdAt: readDate(row.created_at),
    createdBy: row.created_by,
    deliveredAt: row.delivered_at === null ? null : readDate(row.delivered_at),
    updatedAt: readDate(row.updated_at),
  };
}

function toPartnerAssessment(row: Selectable<PartnerAssessmentsTable>): PartnerAssessment {
  return {
    index: Number(row.item_index),
    urlIndex: Number(row.url_index),
    mediaType: row.media_type as MediaType,
    md5: row.md5,
    sha256: row.sha256,
    pdq: row.pdq,
    pdqQuality: row.pdq_quality === null ? null : Number(row.pdq_quality),
    classification: readJson<Classification>(row.classification),
    knownMaterial: readBool(row.known_material),
    summary: row.summary === null ? null : readJson<ExchangeAssessmentSummary>(row.summary),
  };
}
