import { createHash } from 'node:crypto';
import {
  DomainError,
  type ExchangeStore,
  type HotlineStore,
  type IncomingExchange,
  type PartnerAssessment,
} from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportRecord } from './hotline-store.contract.js';

/** A fresh exchange store with the hotline store of the same database (reports are referenced). */
export interface ExchangeContractStore {
  readonly exchanges: ExchangeStore;
  readonly hotline: HotlineStore;
  readonly cleanup: () => Promise<void>;
}

const T0 = new Date(Date.UTC(2026, 10, 26, 9, 0, 0));
const MINUTE = 60_000;
// Report numbers unique across the whole file: the PostgreSQL run shares one schema.
let nextReport = 900_000 + Math.floor(Math.random() * 1000) * 100;

const hex = (text: string, algorithm: 'md5' | 'sha256') => createHash(algorithm).update(text).digest('hex');

function item(index: number, extra: Partial<PartnerAssessment> = {}): PartnerAssessment {
  return {
    index,
    urlIndex: 0,
    mediaType: 'image',
    md5: hex(`item-${index}`, 'md5'),
    sha256: hex(`item-${index}`, 'sha256'),
    pdq: index % 2 === 0 ? hex(`pdq-${index}`, 'sha256') : null,
    pdqQuality: index % 2 === 0 ? 90 : null,
    classification: index % 3 === 0 ? {} : { industry: 'B2', uk: 'B', baseline: false },
    knownMaterial: index % 4 === 1,
    summary:
      index % 4 === 1
        ? null
        : {
            internationalStatus: 'not_baseline',
            nationalStatus: 'illegal',
            jurisdiction: 'NL',
            ageBand: '11-13',
            sex: 'girls',
            selfGenerated: 'yes',
            contentOrigin: 'photographic',
            flags: ['viral'],
            assessedBy: 2,
          },
    ...extra,
  };
}

/**
 * The contract of {@link ExchangeStore}, run on memory, SQLite and PostgreSQL: one outgoing
 * exchange per (report, partner), outcomes that add attempts and never un-deliver, and one
 * incoming record per report with its items in order.
 */
export function describeExchangeStoreContract(
  name: string,
  open: () => Promise<ExchangeContractStore>,
): void {
  describe(`ExchangeStore contract: ${name}`, () => {
    let s: ExchangeContractStore;
    beforeEach(async () => {
      s = await open();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    async function newReport(): Promise<string> {
      const created = await s.hotline.createReport(reportRecord(nextReport++));
      return created.report.id;
    }

    const outgoing = (reportId: string, id: string, country = 'NL', at = T0) => ({
      id,
      reportId,
      partnerCountry: country,
      partnerName: `Hotline ${country}`,
      createdAt: at,
      createdBy: 'analyst-1',
    });

    it('opens one outgoing exchange per report and partner country', async () => {
      const reportId = await newReport();
      const first = await s.exchanges.openOutgoing(outgoing(reportId, `EX${nextReport}A`));
      expect(first.created).toBe(true);
      expect(first.exchange).toEqual({
        id: `EX${nextReport}A`,
        reportId,
        partnerCountry: 'NL',
        partnerName: 'Hotline NL',
        status: 'pending',
        attempts: 0,
        receiptReference: null,
        lastError: null,
        urlCount: 0,
        mediaCount: 0,
        createdAt: T0,
        createdBy: 'analyst-1',
        deliveredAt: null,
        updatedAt: T0,
      });
      const again = await s.exchanges.openOutgoing({
        ...outgoing(reportId, `EX${nextReport}B`),
        partnerName: 'Renamed',
      });
      expect(again).toEqual({ exchange: first.exchange, created: false });
      const other = await s.exchanges.openOutgoing(
        outgoing(reportId, `EX${nextReport}C`, 'DE', new Date(T0.getTime() + MINUTE)),
      );
      expect(other.created).toBe(true);
      expect((await s.exchanges.listOutgoing(reportId)).map((e) => e.id)).toEqual([
        `EX${nextReport}A`,
        `EX${nextReport}C`,
      ]);
      expect(await s.exchanges.listOutgoing(await newReport())).toEqual([]);
    });

    it('lets concurrent openers share one exchange', async () => {
      const reportId = await newReport();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          s.exchanges.openOutgoing(outgoing(reportId, `EX${nextReport}R${i}`)),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.exchange.id)).size).toBe(1);
      expect(await s.exchanges.listOutgoing(reportId)).toHaveLength(1);
    });

    it('records outcomes: attempts add up, delivery sticks, a later failure keeps the receipt', async () => {
      const reportId = await newReport();
      const { exchange } = await s.exchanges.openOutgoing(outgoing(reportId, `EX${nextReport}O`));
      const failed = await s.exchanges.recordOutcome(exchange.id, {
        status: 'failed',
        attempts: 3,
        receiptReference: null,
        lastError: 'timeout',
        urlCount: 1,
        mediaCount: 2,
        at: new Date(T0.getTime() + MINUTE),
      });
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: 3,
        lastError: 'timeout',
        deliveredAt: null,
        urlCount: 1,
        mediaCount: 2,
      });
      expect(failed.updatedAt).toEqual(new Date(T0.getTime() + MINUTE));
      const delivered = await s.exchanges.recordOutcome(exchange.id, {
        status: 'delivered',
        attempts: 1,
        receiptReference: 'HL-AAAA-BBBB-CCCC-DDDD',
        lastError: null,
        urlCount: 2,
        mediaCount: 3,
        at: new Date(T0.getTime() + 2 * MINUTE),
      });
      expect(delivered).toMatchObject({
        status: 'delivered',
        attempts: 4,
        receiptReference: 'HL-AAAA-BBBB-CCCC-DDDD',
        lastError: null,
        urlCount: 2,
        mediaCount: 3,
      });
      expect(delivered.deliveredAt).toEqual(new Date(T0.getTime() + 2 * MINUTE));
      const later = await s.exchanges.recordOutcome(exchange.id, {
        status: 'failed',
        attempts: 2,
        receiptReference: null,
        lastError: 'http_503',
        urlCount: 2,
        mediaCount: 3,
        at: new Date(T0.getTime() + 3 * MINUTE),
      });
      expect(later).toMatchObject({
        status: 'delivered',
        attempts: 6,
        receiptReference: 'HL-AAAA-BBBB-CCCC-DDDD',
        lastError: 'http_503',
      });
      expect(later.deliveredAt).toEqual(new Date(T0.getTime() + 2 * MINUTE));
      expect(await s.exchanges.listOutgoing(reportId)).toEqual([later]);
      const missing = await s.exchanges
        .recordOutcome('NO-SUCH-EXCHANGE', {
          status: 'failed',
          attempts: 1,
          receiptReference: null,
          lastError: 'x',
          urlCount: 0,
          mediaCount: 0,
          at: T0,
        })
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DomainError);
      expect((missing as DomainError).code).toBe('NOT_FOUND');
    });

    it('adds concurrent attempts without losing any', async () => {
      const reportId = await newReport();
      const { exchange } = await s.exchanges.openOutgoing(outgoing(reportId, `EX${nextReport}P`));
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          s.exchanges.recordOutcome(exchange.id, {
            status: 'failed',
            attempts: i + 1,
            receiptReference: null,
            lastError: 'network',
            urlCount: 1,
            mediaCount: 1,
            at: new Date(T0.getTime() + i * MINUTE),
          }),
        ),
      );
      expect((await s.exchanges.listOutgoing(reportId))[0]!.attempts).toBe(10);
    });

    function incoming(
      reportId: string,
      items: readonly PartnerAssessment[],
      extra: Partial<IncomingExchange> = {},
    ): IncomingExchange {
      return {
        reportId,
        senderName: 'Offlimits',
        senderCountry: 'NL',
        reference: `REF-${reportId}`,
        sentAt: new Date(T0.getTime() - 5 * MINUTE),
        receivedAt: T0,
        apiKeyId: 'k1',
        urls: [
          {
            url: 'https://images.example.org/a.jpg',
            siteType: 'image_host',
            trace: {
              ipAddress: '192.0.2.7',
              country: 'BE',
              asn: 64500,
              network: 'Example Hosting',
              dataset: 'test',
              datasetDate: '2026-11-01',
              tracedAt: '2026-11-25T08:00:00.000Z',
            },
          },
          { url: 'https://example.net/page', siteType: null, trace: null },
        ],
        items,
        ...extra,
      };
    }

    it('keeps what a partner sent, once per report, items in order', async () => {
      const reportId = await newReport();
      const record = incoming(reportId, [item(0), item(1, { urlIndex: 1 }), item(2), item(3)]);
      const first = await s.exchanges.recordIncoming(record);
      expect(first.created).toBe(true);
      expect(first.incoming).toEqual(record);
      expect(await s.exchanges.getIncoming(reportId)).toEqual(record);
      const resend = await s.exchanges.recordIncoming(
        incoming(reportId, [item(7)], { apiKeyId: 'k2', reference: 'OTHER' }),
      );
      expect(resend).toEqual({ incoming: record, created: false });
      expect(await s.exchanges.getIncoming(await newReport())).toBeUndefined();
    });

    it('stores a large case in one piece and lets concurrent resends record it once', async () => {
      const reportId = await newReport();
      const items = Array.from({ length: 450 }, (_, i) => item(i));
      const results = await Promise.all(
        [0, 1, 2].map(() => s.exchanges.recordIncoming(incoming(reportId, items))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await s.exchanges.getIncoming(reportId);
      expect(stored!.items).toHaveLength(450);
      expect(stored!.items.map((i) => i.index)).toEqual(items.map((i) => i.index));
      expect(stored!.items[449]).toEqual(items[449]);
    });
  });
}
