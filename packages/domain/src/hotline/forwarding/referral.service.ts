import { DomainError } from '../../domain-error.js';
import type { Clock } from '../../ports/clock.js';
import type { RandomBytes } from '../../self-submission/self-submission-case.js';
import { Problems, isRecord } from '../../validation.js';
import { newReportId } from '../hotline-ids.js';
import type { Analyst, Report } from '../hotline-records.js';
import { auditRecorder, requireReport, type AuditRecorder } from '../hotline-lookups.js';
import type { HotlineStore } from '../hotline-store.js';
import { CLOSED_REPORT_STATUSES, type ReportStatus } from '../hotline-vocabulary.js';
import type { ReferralConfig } from './referral-config.js';
import { anchorCovering } from '../audit-anchor.js';
import {
  buildReferralPackage,
  isAssessedIllegal,
  type ReferralCapture,
  type ReferralPackage,
} from './referral-package.js';
import type { Referral, ReferralPatch, ReferralStore } from './referral-records.js';
import {
  planReferrals,
  type ReferralPlan,
  type ReferralPlanInput,
  type ReferralPlanItem,
} from './referral-rules.js';
import { REFERRAL_STATUSES, type ReferralStatus } from './referral-vocabulary.js';

/** What the referral service needs. */
export interface ReferralServiceDependencies {
  readonly hotline: HotlineStore;
  readonly referrals: ReferralStore;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly config: ReferralConfig;
  /** The hotline's name, written into packages. */
  readonly hotlineName: string;
}

/** A report's plan, with the referrals already recorded for it. */
export interface ReferralPlanView {
  readonly report: Report;
  readonly plan: readonly ReferralPlan[];
  /** Each `refer` item's recorded referral, by index in `plan` (absent when not recorded yet). */
  readonly recorded: readonly (Referral | null)[];
  readonly referrals: readonly Referral[];
}

/** What {@link ReferralService.create} did. */
export interface CreatedReferrals {
  readonly created: readonly Referral[];
  /** Referrals that existed already (URL ids the plan added are merged in). */
  readonly existing: readonly Referral[];
  readonly plan: readonly ReferralPlan[];
  readonly report: Report;
}

/** Statuses from which recording referrals moves a report to `forwarded`. */
const FORWARDABLE: readonly ReportStatus[] = ['in_assessment', 'assessed'];
/** Statuses that count as handed over: reaching one sets `sentAt` if it is still empty. */
const HANDED_OVER: readonly ReferralStatus[] = ['sent', 'acknowledged', 'rejected'];

/**
 * Forwarding (issue 5 part 1): proposes where a case goes by the deployment's routing rules
 * ({@link planReferrals}), records the referrals (one per recipient, idempotent), tracks their
 * status and external reference, and builds the referral package. Every change and every export
 * is in the audit log.
 */
export class ReferralService {
  constructor(private readonly deps: ReferralServiceDependencies) {}

  /**
   * The routing rules' input for a report: its URLs whose media were assessed illegal (two
   * analysts, or known material), with their trace.
   * @throws {DomainError} REPORT_NOT_FOUND
   */
  async planInput(reportId: string): Promise<ReferralPlanInput> {
    const report = await this.requireReport(reportId);
    return this.inputFor(report);
  }

  /**
   * What the rules propose for a report, and which referrals are recorded already. Reading the
   * plan changes nothing.
   * @throws {DomainError} REPORT_NOT_FOUND
   */
  async plan(reportId: string): Promise<ReferralPlanView> {
    const report = await this.requireReport(reportId);
    const plan = planReferrals(await this.inputFor(report), this.deps.config);
    const referrals = await this.deps.referrals.listReferrals(report.id);
    const recorded = plan.map((item) =>
      item.action === 'refer'
        ? (referrals.find((r) => r.target === item.target && r.targetCountry === item.targetCountry) ?? null)
        : null,
    );
    return { report, plan, recorded, referrals };
  }

  /**
   * Records the referrals the plan proposes (each audited as `referral_created`); running it again
   * creates nothing new. A report being assessed moves to `forwarded`.
   * @throws {DomainError} REPORT_NOT_FOUND; CONFLICT for a closed report; NOTHING_TO_REFER when no
   *   URL has illegal media with a known hosting country
   */
  async create(analyst: Analyst, reportId: string): Promise<CreatedReferrals> {
    const { clock, referrals, hotline } = this.deps;
    let report = await this.requireReport(reportId);
    if (CLOSED_REPORT_STATUSES.includes(report.status) && report.status !== 'removed_confirmed') {
      throw new DomainError(
        'CONFLICT',
        `The report is closed (${report.status}); reopen it before referring it.`,
      );
    }
    const plan = planReferrals(await this.inputFor(report), this.deps.config);
    const items = plan.filter((p): p is ReferralPlanItem => p.action === 'refer');
    if (items.length === 0) {
      const manual = plan.find((p) => p.action === 'needs_manual_trace');
      throw new DomainError(
        'NOTHING_TO_REFER',
        manual
          ? `No URL can be referred automatically: ${manual.urlIds.length} URL(s) need a manual trace of the hosting country.`
          : 'No URL of this report has media assessed illegal by two analysts (or known material).',
      );
    }
    const created: Referral[] = [];
    const existing: Referral[] = [];
    const now = clock.now();
    // Ids of one call sorted, so listings (createdAt, then id) keep the plan's order.
    const ids = items.map(() => newReportId(now, this.deps.random)).sort();
    for (const [i, item] of items.entries()) {
      const result = await referrals.createReferral({
        id: ids[i]!,
        reportId: report.id,
        target: item.target,
        targetName: item.targetName,
        targetCountry: item.targetCountry,
        basis: item.basis,
        actionable: item.actionable,
        createdAt: now,
        createdBy: analyst.id,
        urlIds: item.urlIds,
      });
      if (!result.created) {
        existing.push(result.referral);
        continue;
      }
      created.push(result.referral);
      await this.audit(analyst.id, 'referral_created', 'report', report.id, {
        referralId: result.referral.id,
        target: item.target,
        targetCountry: item.targetCountry,
        basis: item.basis,
        actionable: item.actionable,
        urls: item.urlIds.length,
      });
    }
    if (FORWARDABLE.includes(report.status)) {
      const from = report.status;
      report = await hotline.updateReport(report.id, { status: 'forwarded' });
      await this.audit(analyst.id, 'report_status_changed', 'report', report.id, { from, to: 'forwarded' });
    }
    return { created, existing, plan, report };
  }

  /**
   * Changes a referral's status and/or external reference (`{ status?, externalRef? }`). Moving
   * to sent, acknowledged or rejected sets `sentAt` when it is empty. Audited as `referral_sent`
   * when it becomes sent, else `referral_updated`.
   * @throws {DomainError} VALIDATION_FAILED, REFERRAL_NOT_FOUND
   */
  async update(actor: Pick<Analyst, 'id'>, referralId: string, body: unknown): Promise<Referral> {
    const patch = parseReferralPatch(body);
    const referral = await this.deps.referrals.getReferral(referralId);
    if (!referral) throw new DomainError('REFERRAL_NOT_FOUND');
    const now = this.deps.clock.now();
    const next: ReferralPatch = {
      ...patch,
      ...(patch.status && HANDED_OVER.includes(patch.status) && referral.sentAt === null
        ? { sentAt: now }
        : {}),
    };
    const updated = await this.deps.referrals.updateReferral(referral.id, next, now);
    const becameSent = patch.status === 'sent' && referral.status !== 'sent';
    await this.audit(actor.id, becameSent ? 'referral_sent' : 'referral_updated', 'referral', referral.id, {
      reportId: referral.reportId,
      from: referral.status,
      to: updated.status,
      // Whether a reference was set, not the reference itself: the log holds no case numbers.
      externalRef:
        patch.externalRef === undefined ? 'unchanged' : patch.externalRef === null ? 'cleared' : 'set',
    });
    return updated;
  }

  /** A report's referrals, oldest first. @throws {DomainError} REPORT_NOT_FOUND */
  async list(reportId: string): Promise<Referral[]> {
    const report = await this.requireReport(reportId);
    return this.deps.referrals.listReferrals(report.id);
  }

  /**
   * The referral package of a report (JSON; the server renders the PDF from it), audited as
   * `export_created` with the format.
   * @throws {DomainError} REPORT_NOT_FOUND
   */
  async package(analyst: Analyst, reportId: string, format: 'json' | 'pdf'): Promise<ReferralPackage> {
    const { hotline, clock, config } = this.deps;
    const report = await this.requireReport(reportId);
    const [urls, items, referrals] = await Promise.all([
      hotline.listUrls(report.id),
      hotline.listMedia(report.id),
      this.deps.referrals.listReferrals(report.id),
    ]);
    const media = await Promise.all(
      items.map(async (item) => ({ item, assessments: await hotline.listAssessments(item.id) })),
    );
    const plan = planReferrals(this.inputOf(urls, media), config);
    const pkg = buildReferralPackage({
      report,
      urls,
      media,
      referrals,
      plan,
      hotline: { name: this.deps.hotlineName, country: config.ownCountry },
      generatedAt: clock.now(),
      generatedBy: { id: analyst.id, name: analyst.displayName },
      includeDescription: config.packageIncludesDescription,
      captures: await this.capturesOf(urls),
    });
    await this.audit(analyst.id, 'export_created', 'report', report.id, {
      kind: 'referral_package',
      format,
      media: pkg.media.length,
      referrals: pkg.referrals.length,
    });
    return pkg;
  }

  /** The finished capture attempts of the URLs, each with its audit row and covering anchor. */
  private async capturesOf(urls: readonly { readonly id: number }[]): Promise<ReferralCapture[]> {
    const { hotline } = this.deps;
    const anchors = await hotline.listAuditAnchors();
    const out: ReferralCapture[] = [];
    for (const url of urls) {
      const attempts = await hotline.listCaptureAttempts(url.id);
      for (const [index, attempt] of attempts.entries()) {
        if (attempt.status === 'pending') continue;
        const [row] = await hotline.listAudit({
          action: 'capture_recorded',
          subjectId: String(attempt.jobId),
          limit: 1,
        });
        const anchor = row ? anchorCovering(anchors, row.seq) : null;
        out.push({
          urlId: url.id,
          attempt: index + 1,
          capturedAt: attempt.finishedAt?.toISOString() ?? null,
          method: attempt.method,
          error: attempt.error,
          mediaFound: attempt.mediaFound,
          screenshot: attempt.screenshot
            ? { sha256: attempt.screenshot.sha256, byteLength: attempt.screenshot.byteLength }
            : null,
          audit: row ? { seq: row.seq, hash: row.hash, at: row.at.toISOString() } : null,
          anchor: anchor
            ? {
                seq: anchor.seq,
                hash: anchor.hash,
                signedAt: anchor.signedAt.toISOString(),
                keyId: anchor.keyId,
                signature: anchor.signature,
                publishedTo: anchor.publishedTo,
              }
            : null,
        });
      }
    }
    return out;
  }

  private async inputFor(report: Report): Promise<ReferralPlanInput> {
    const { hotline } = this.deps;
    const [urls, items] = await Promise.all([hotline.listUrls(report.id), hotline.listMedia(report.id)]);
    const media = await Promise.all(
      items.map(async (item) => ({ item, assessments: await hotline.listAssessments(item.id) })),
    );
    return this.inputOf(urls, media);
  }

  private inputOf(
    urls: Awaited<ReturnType<HotlineStore['listUrls']>>,
    media: readonly {
      item: Awaited<ReturnType<HotlineStore['listMedia']>>[number];
      assessments: Awaited<ReturnType<HotlineStore['listAssessments']>>;
    }[],
  ): ReferralPlanInput {
    const illegalUrls = new Set(
      media.filter((m) => isAssessedIllegal(m.item, m.assessments)).map((m) => m.item.urlId),
    );
    return {
      urls: urls
        .filter((u) => illegalUrls.has(u.id))
        .map((u) => ({
          urlId: u.id,
          url: u.url,
          trace: u.trace
            ? { ipAddress: u.trace.ipAddress, country: u.trace.country, network: u.trace.network }
            : null,
          mediaAssessedIllegal: true,
        })),
    };
  }

  private requireReport(id: string): Promise<Report> {
    return requireReport(this.deps.hotline, id);
  }

  private get audit(): AuditRecorder {
    return auditRecorder(this.deps.hotline, this.deps.clock);
  }
}

/**
 * Validates a referral update `{ status?, externalRef? }` strictly: a known status, a reference of
 * at most 200 printable characters (or null to clear it), nothing else, at least one of the two.
 * @throws {DomainError} VALIDATION_FAILED listing every bad field
 */
export function parseReferralPatch(body: unknown): { status?: ReferralStatus; externalRef?: string | null } {
  if (!isRecord(body))
    throw new DomainError('VALIDATION_FAILED', 'The update must be a JSON object { status?, externalRef? }.');
  const problems = new Problems();
  for (const key of Object.keys(body))
    if (key !== 'status' && key !== 'externalRef') problems.add(`/${key}`, 'unknown field');
  const out: { status?: ReferralStatus; externalRef?: string | null } = {};
  if (body.status !== undefined) {
    if ((REFERRAL_STATUSES as readonly unknown[]).includes(body.status))
      out.status = body.status as ReferralStatus;
    else problems.add('/status', `one of ${REFERRAL_STATUSES.join(', ')}`);
  }
  if (body.externalRef !== undefined) {
    const ref = body.externalRef;
    if (ref === null || ref === '') out.externalRef = null;
    // Printable text only: the reference is shown and exported, never interpreted.
    else if (
      typeof ref === 'string' &&
      ref.trim().length > 0 &&
      ref.length <= 200 &&
      !hasControlCharacters(ref)
    ) {
      out.externalRef = ref.trim();
    } else problems.add('/externalRef', 'a reference of 1–200 printable characters, or null');
  }
  if (body.status === undefined && body.externalRef === undefined)
    problems.add('/', 'give a status, an externalRef, or both');
  problems.throwIfAny('The referral update has problems');
  return out;
}

/** True when `text` holds a C0 control character or DEL. */
function hasControlCharacters(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}
