import { PDQ_MATCH_THRESHOLD, fromHex, hammingDistance } from '@hashline/pdq';
import { DomainError } from '../../domain-error.js';
import type { Clock } from '../../ports/clock.js';
import type { RandomBytes } from '../../self-submission/self-submission-case.js';
import { isRecord } from '../../validation.js';
import type { Sha256Hex } from '../audit-chain.js';
import type { PartnerHotline } from '../forwarding/referral-config.js';
import type { Referral, ReferralStore } from '../forwarding/referral-records.js';
import { actionabilityOf } from '../forwarding/referral-rules.js';
import { newOpaqueId, newReceiptCode, newReportId } from '../hotline-ids.js';
import type { Analyst, MediaItem, Report } from '../hotline-records.js';
import { auditRecorder, requireReport, type AuditRecorder } from '../hotline-lookups.js';
import type { HotlineStore } from '../hotline-store.js';
import type { ReportStatus } from '../hotline-vocabulary.js';
import { canonicalJson, priorityOf } from '../report-intake.service.js';
import type { SecretBox } from '../secret-box.js';
import { normalizeReportedUrl } from '../url-normalization.js';
import { requireRole } from '../workbench.service.js';
import { buildExchangeMessage } from './exchange-message-builder.js';
import { parseExchangeMessage, type ExchangeUrl } from './exchange-message.js';
import type { PartnerExchangeClient } from './exchange-ports.js';
import type {
  ExchangeStore,
  IncomingExchange,
  OutgoingExchange,
  PartnerAssessment,
} from './exchange-records.js';

/** A partner hotline as the exchange needs it (the forwarding configuration's `PartnerHotline`). */
export type ExchangePartner = PartnerHotline;

/** What the exchange needs. */
export interface ExchangeDependencies {
  readonly store: HotlineStore;
  readonly exchanges: ExchangeStore;
  /**
   * The referral records (issue 5 part 1), when the deployment keeps them: a delivered case
   * updates (or creates) the report's referral to that partner with the partner's receipt.
   */
  readonly referrals?: ReferralStore;
  readonly client: PartnerExchangeClient;
  /** The configured partner hotlines (`hotline.referrals.partners`). */
  readonly partners: readonly ExchangePartner[];
  /** This hotline as partners see it: its name and country (the jurisdiction). */
  readonly sender: { readonly name: string; readonly country: string };
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly secrets: SecretBox;
  readonly sha256Hex: Sha256Hex;
}

/** What a partner gets back when it forwards a case. */
export interface ExchangeReceipt {
  /** The receiving hotline's receipt code for the case (`HL-…`): opaque, hashed at rest. */
  readonly receiptReference: string;
  readonly status: 'received';
  /** True when the case had been received before (same sender and reference): nothing new was made. */
  readonly replayed: boolean;
  /** The report it became, for the server's capture wake-up; never sent to the partner. */
  readonly reportId: string;
}

/** A partner's item with the captured media of this hotline that carry the same material. */
export interface PartnerAssessmentMatch extends PartnerAssessment {
  /** The URL the partner found it at. */
  readonly url: string | null;
  /** This report's media items that match it: same SHA-256 or MD5, or PDQ within distance 31. */
  readonly matches: readonly {
    readonly mediaId: number;
    readonly by: 'sha256' | 'md5' | 'pdq';
    readonly distance: number;
  }[];
}

/** What a partner said about a case it forwarded, for the receiving analysts. */
export interface PartnerAssessmentsView {
  readonly senderName: string;
  readonly senderCountry: string;
  readonly reference: string;
  readonly sentAt: Date;
  readonly receivedAt: Date;
  readonly urls: readonly ExchangeUrl[];
  readonly items: readonly PartnerAssessmentMatch[];
}

/** A partner as the workbench lists it (never its token or URL). */
export interface PartnerChoice {
  readonly country: string;
  readonly name: string;
  /** Whether cases can be sent to it through the exchange API. */
  readonly exchangeApi: boolean;
}

/** Report statuses a forwarded case moves on from to `forwarded`. */
const BEFORE_FORWARDED: readonly ReportStatus[] = ['received', 'triage', 'in_assessment', 'assessed'];

/**
 * Hotline-to-hotline exchange (issue 5 part 2; DOMAIN.md §1.2 step 5, §1.4): forwards a case to
 * the partner hotline of the hosting country through its Hashline exchange API, and receives
 * cases partners forward, as reports in the queue (channel `iccam_incoming`) that are captured
 * and assessed again under this hotline's law, with the partner's assessment kept beside them.
 *
 * Only URLs, traces, hashes, classification and an assessment summary cross: never media bytes,
 * thumbnails, the reporter's words or contact, or analysts' names (see `buildExchangeMessage`).
 * Each case gets one exchange id per partner, used as reference and idempotency key, so a
 * resend (after a timeout, or by a second analyst) never makes a second case at the partner.
 */
export class ExchangeService {
  constructor(private readonly deps: ExchangeDependencies) {}

  /** The configured partners, for the workbench's choice (no tokens, no URLs). */
  partners(): PartnerChoice[] {
    return this.deps.partners.map((p) => ({
      country: p.country,
      name: p.name,
      exchangeApi: Boolean(p.baseUrl && p.token),
    }));
  }

  /**
   * Forwards a report to a partner hotline: body `{ partner: <country code or name> }`. Sends the
   * items two analysts confirmed illegal and the known items, at the URLs they were found (only
   * the URLs of the report's referral to that partner, when there is one). Records the outcome,
   * updates the referral with the partner's receipt, moves the report to `forwarded`, audits
   * `exchange_sent` (failed attempts too).
   * @throws {DomainError} VALIDATION_FAILED, PARTNER_NOT_FOUND, PARTNER_API_NOT_CONFIGURED,
   *   REPORT_NOT_FOUND, NOTHING_TO_EXCHANGE, EXCHANGE_DELIVERY_FAILED (recorded; send again)
   */
  async forward(analyst: Analyst, reportId: string, body: unknown): Promise<OutgoingExchange> {
    requireRole(analyst, 'analyst');
    const { store, exchanges, client, clock } = this.deps;
    const partner = this.partnerFrom(body);
    if (!partner.baseUrl || !partner.token) {
      throw new DomainError(
        'PARTNER_API_NOT_CONFIGURED',
        `${partner.name} has no exchange API configured; refer the case by e-mail or through ICCAM.`,
      );
    }
    const report = await this.requireReport(reportId);
    const [urls, media] = await Promise.all([store.listUrls(report.id), store.listMedia(report.id)]);
    const withAssessments = await Promise.all(
      media.map(async (m) => ({ media: m, assessments: await store.listAssessments(m.id) })),
    );
    const referral = await this.referralTo(report.id, partner.country);
    const source = { report, urls, media: withAssessments, ...(referral ? { urlIds: referral.urlIds } : {}) };
    const envelope = { sender: this.deps.sender, sentAt: clock.now() };
    if (buildExchangeMessage(source, { ...envelope, reference: 'draft' }).media.length === 0) {
      throw new DomainError('NOTHING_TO_EXCHANGE');
    }

    const opened = await exchanges.openOutgoing({
      id: newOpaqueId(this.deps.random),
      reportId: report.id,
      partnerCountry: partner.country,
      partnerName: partner.name,
      createdAt: envelope.sentAt,
      createdBy: analyst.id,
    });
    const message = buildExchangeMessage(source, { ...envelope, reference: opened.exchange.id });
    const delivery = await client.deliver(
      { baseUrl: partner.baseUrl, token: partner.token },
      message,
      opened.exchange.id,
    );
    const at = clock.now();
    const recorded = await exchanges.recordOutcome(opened.exchange.id, {
      status: delivery.delivered ? 'delivered' : 'failed',
      attempts: delivery.attempts,
      receiptReference: delivery.delivered ? delivery.receiptReference : null,
      lastError: delivery.delivered ? null : delivery.error,
      urlCount: message.urls.length,
      mediaCount: message.media.length,
      at,
    });
    await this.audit(analyst.id, 'exchange_sent', 'report', report.id, {
      exchangeId: recorded.id,
      partner: partner.name,
      partnerCountry: partner.country,
      outcome: delivery.delivered ? 'delivered' : 'failed',
      attempts: delivery.attempts,
      urls: message.urls.length,
      media: message.media.length,
      receiptReference: delivery.delivered ? delivery.receiptReference : null,
      error: delivery.delivered ? null : delivery.error,
    });
    if (!delivery.delivered) {
      throw new DomainError(
        'EXCHANGE_DELIVERY_FAILED',
        `${partner.name} did not accept the case (${delivery.error}) after ${delivery.attempts} attempt(s); ` +
          'send it again: the partner recognises a resend by its exchange id.',
      );
    }
    await this.recordReferral(
      analyst,
      report,
      partner,
      referral,
      message.urls,
      delivery.receiptReference,
      at,
    );
    if (BEFORE_FORWARDED.includes(report.status)) {
      await store.updateReport(report.id, { status: 'forwarded' });
      await this.audit(analyst.id, 'report_status_changed', 'report', report.id, {
        from: report.status,
        to: 'forwarded',
      });
    }
    return recorded;
  }

  /** The exchanges of a report with partners, oldest first. */
  async outgoing(analyst: Analyst, reportId: string): Promise<OutgoingExchange[]> {
    requireRole(analyst, 'analyst');
    const report = await this.requireReport(reportId);
    return this.deps.exchanges.listOutgoing(report.id);
  }

  /**
   * Receives a case from a partner hotline (authenticated by its API key, scope
   * `exchange:submit`): validates the message strictly, creates a report (channel
   * `iccam_incoming`, reporter `other_hotline`, partner reference `<sender>:<reference>`) with its
   * URLs and their capture jobs, so the URLs are captured and assessed again under this
   * hotline's law, and keeps the partner's items beside it. A resend (same sender and reference)
   * creates nothing and gets the same receipt; the same reference from another key is refused.
   * @throws {DomainError} VALIDATION_FAILED (with a pointer per problem), INVALID_HASH,
   *   LOW_QUALITY_HASH, DEGENERATE_HASH, IDEMPOTENCY_KEY_REUSED
   */
  async receive(apiKeyId: string, body: unknown): Promise<ExchangeReceipt> {
    const { store, exchanges, clock, random, secrets, sha256Hex } = this.deps;
    const message = parseExchangeMessage(body);
    const now = clock.now();
    const receiptCode = newReceiptCode(random);
    // What a resend must repeat: the whole message but its sending time (a resend after a timeout
    // is stamped anew). Rows from before this rule hold the hash of the whole message.
    const { sentAt: _sentAt, ...content } = message;
    const contentHash = sha256Hex(canonicalJson(content));
    const created = await store.createReport({
      report: {
        id: newReportId(now, random),
        receivedAt: now,
        channel: 'iccam_incoming',
        reporterType: 'other_hotline',
        anonymous: true,
        contactId: null,
        consentToContact: false,
        language: 'en',
        concerns: message.concerns,
        description: null,
        seenWhere: null,
        imminentDanger: message.imminentDanger,
        status: 'received',
        priority: priorityOf(message),
        duplicateOfReportId: null,
        assignedAnalystId: null,
        closedAt: null,
        receiptHash: sha256Hex(receiptCode),
        partnerReference: `${message.sender.name}:${message.reference}`,
      },
      urls: message.urls.map((u) => ({
        url: u.url,
        normalizedUrl: normalizeReportedUrl(u.url) ?? u.url,
        siteType: u.siteType,
      })),
      contact: null,
      idempotency: {
        // The sender's reference names the case at the sender: one report per sender and reference.
        keyHash: sha256Hex(
          `exchange:${canonicalJson([message.sender.country, message.sender.name, message.reference])}`,
        ),
        bodyHash: contentHash,
        receiptSealed: secrets.sealText('receipt', receiptCode),
      },
    });
    const recorded = await exchanges.recordIncoming({
      reportId: created.report.id,
      senderName: message.sender.name,
      senderCountry: message.sender.country,
      reference: message.reference,
      sentAt: new Date(message.sentAt),
      receivedAt: created.report.receivedAt,
      apiKeyId,
      urls: message.urls,
      items: message.media.map((m, index) => ({
        index,
        urlIndex: m.urlIndex,
        mediaType: m.mediaType,
        md5: m.md5,
        sha256: m.sha256,
        pdq: m.pdq,
        pdqQuality: m.pdqQuality,
        classification: m.classification,
        knownMaterial: m.knownMaterial,
        summary: m.assessment,
      })),
    });
    if (created.replayed && recorded.incoming.apiKeyId !== apiKeyId) {
      // Another partner's key naming the same sender and reference must not learn its receipt.
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This sender reference was used with another API key.');
    }
    if (
      created.replayed &&
      created.bodyHash !== contentHash &&
      created.bodyHash !== sha256Hex(canonicalJson(message))
    ) {
      // Answering with the first receipt would tell the partner its changed case was received.
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'This sender reference was received before with other content; send a changed case under a new reference.',
      );
    }
    if (!created.replayed) {
      await this.audit(`api-key:${apiKeyId}`, 'exchange_received', 'report', created.report.id, {
        sender: message.sender.name,
        senderCountry: message.sender.country,
        urls: message.urls.length,
        media: message.media.length,
      });
    }
    return {
      receiptReference: created.replayed ? secrets.openText('receipt', created.receiptSealed) : receiptCode,
      status: 'received',
      replayed: created.replayed,
      reportId: created.report.id,
    };
  }

  /**
   * What the partner said about a case it forwarded, each item with this report's captured media
   * carrying the same material (so analysts see "partner assessment: …" beside their own
   * capture); null for reports that did not come from a partner.
   */
  async partnerAssessments(reportId: string): Promise<PartnerAssessmentsView | null> {
    const incoming: IncomingExchange | undefined = await this.deps.exchanges.getIncoming(reportId);
    if (!incoming) return null;
    const media = await this.deps.store.listMedia(reportId);
    return {
      senderName: incoming.senderName,
      senderCountry: incoming.senderCountry,
      reference: incoming.reference,
      sentAt: incoming.sentAt,
      receivedAt: incoming.receivedAt,
      urls: incoming.urls,
      items: incoming.items.map((item) => ({
        ...item,
        url: incoming.urls[item.urlIndex]?.url ?? null,
        matches: media.flatMap((m) => matchOf(item, m)),
      })),
    };
  }

  private partnerFrom(body: unknown): ExchangePartner {
    const wanted = isRecord(body) && Object.keys(body).length === 1 ? body.partner : undefined;
    if (typeof wanted !== 'string' || wanted.trim() === '' || wanted.length > 200) {
      throw new DomainError('VALIDATION_FAILED', 'Send { "partner": "<country code or name>" }.', [
        { at: '/partner', code: 'VALIDATION_FAILED', message: "the partner hotline's country code or name" },
      ]);
    }
    const key = wanted.trim().toLowerCase();
    const partner =
      this.deps.partners.find((p) => p.country.toLowerCase() === key) ??
      this.deps.partners.find((p) => p.name.toLowerCase() === key);
    if (!partner) throw new DomainError('PARTNER_NOT_FOUND');
    return partner;
  }

  private async referralTo(reportId: string, country: string): Promise<Referral | undefined> {
    const referrals = await this.deps.referrals?.listReferrals(reportId);
    return referrals?.find((r) => r.target === 'inhope_hotline_via_iccam' && r.targetCountry === country);
  }

  /**
   * The partner's receipt becomes the referral's external reference and the referral is
   * `acknowledged` (the partner's API issued a receipt for it). Without a referral to that
   * partner one is recorded, as forwarding by hand would.
   */
  private async recordReferral(
    analyst: Analyst,
    report: Report,
    partner: ExchangePartner,
    existing: Referral | undefined,
    urls: readonly ExchangeUrl[],
    receiptReference: string,
    at: Date,
  ): Promise<void> {
    const referrals = this.deps.referrals;
    if (!referrals) return;
    let referral = existing;
    if (!referral) {
      const reported = await this.deps.store.listUrls(report.id);
      const sent = reported.filter((r) => urls.some((u) => u.url === r.url));
      const created = await referrals.createReferral({
        id: newReportId(at, this.deps.random),
        reportId: report.id,
        target: 'inhope_hotline_via_iccam',
        targetName: partner.name,
        targetCountry: partner.country,
        basis: 'hosted_abroad_inhope',
        actionable: sent.some(
          (u) =>
            actionabilityOf({ urlId: u.id, url: u.url, trace: u.trace, mediaAssessedIllegal: true }) ===
            'referral',
        )
          ? 'referral'
          : 'informational',
        createdAt: at,
        createdBy: analyst.id,
        urlIds: sent.map((u) => u.id).sort((a, b) => a - b),
      });
      referral = created.referral;
      if (created.created) {
        await this.audit(analyst.id, 'referral_created', 'referral', referral.id, {
          reportId: report.id,
          target: referral.target,
          targetCountry: referral.targetCountry,
        });
      }
    }
    await referrals.updateReferral(
      referral.id,
      { status: 'acknowledged', externalRef: receiptReference, sentAt: referral.sentAt ?? at },
      at,
    );
    await this.audit(analyst.id, 'referral_sent', 'referral', referral.id, {
      reportId: report.id,
      via: 'exchange_api',
      externalRef: receiptReference,
    });
  }

  private requireReport(id: string): Promise<Report> {
    return requireReport(this.deps.store, id);
  }

  private get audit(): AuditRecorder {
    return auditRecorder(this.deps.store, this.deps.clock);
  }
}

function matchOf(item: PartnerAssessment, media: MediaItem): PartnerAssessmentMatch['matches'] {
  if (media.sha256 === item.sha256) return [{ mediaId: media.id, by: 'sha256', distance: 0 }];
  if (media.md5 === item.md5) return [{ mediaId: media.id, by: 'md5', distance: 0 }];
  if (item.pdq !== null && media.pdq !== null) {
    const distance = hammingDistance(fromHex(item.pdq), fromHex(media.pdq));
    if (distance <= PDQ_MATCH_THRESHOLD) return [{ mediaId: media.id, by: 'pdq', distance }];
  }
  return [];
}
