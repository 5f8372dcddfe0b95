import type { BankService } from '../banks/bank.service.js';
import type { Bank } from '../banks/bank.js';
import type { BankActor } from '../banks/bank-actor.js';
import { DomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import { Problems, isRecord } from '../validation.js';
import type { Classification, UkCategory } from '../vocabulary.js';
import { verifyAuditChain, type AuditVerification, type Sha256Hex } from './audit-chain.js';
import {
  REPORT_LANGUAGES,
  type Analyst,
  type Assessment,
  type AssessmentInput,
  type AuditEvent,
  type MediaItem,
  type Report,
  type ReportLanguage,
  type ReportedUrl,
} from './hotline-records.js';
import { requireReport } from './hotline-lookups.js';
import type { AuditQuery, HotlineStore } from './hotline-store.js';
import {
  AGE_BANDS,
  ASSESSMENT_CONFIDENCE,
  ASSESSMENT_FLAGS,
  AUDIT_ACTIONS,
  CONTENT_ORIGINS,
  INTERNATIONAL_STATUSES,
  NATIONAL_STATUSES,
  REPORT_STATUSES,
  SELF_GENERATED_VALUES,
  VICTIM_SEXES,
  CLOSED_REPORT_STATUSES,
  type AnalystRole,
  type AuditAction,
  type ReportStatus,
} from './hotline-vocabulary.js';
import type { SecretBox } from './secret-box.js';

/** The source recorded on bank entries published by two analysts' assessments. */
export const HOTLINE_ASSESSMENT_SOURCE = 'hotline-assessment';
/** Distinct analysts who must assess an item illegal before its hashes are published. */
export const REQUIRED_ILLEGAL_ASSESSMENTS = 2;

/** A per-analyst exposure budget (SECURITY.md §4.3). */
export interface ExposurePolicy {
  /** Reveals per analyst per UTC day; the next is refused. */
  readonly dailyLimit: number;
  /** From this many reveals the workbench warns and suggests a break. */
  readonly warnAt: number;
  /**
   * A run of this many reveals within `breakWindowMinutes` brings a gentle break reminder
   * (issue 17); the reminder never blocks anything.
   */
  readonly breakAfterReveals: number;
  readonly breakWindowMinutes: number;
}

/** Today's exposure of an analyst. */
export interface Exposure {
  readonly today: number;
  readonly dailyLimit: number;
  readonly warnAt: number;
  /** Reveals within the last `breakWindowMinutes` (the break reminder's run). */
  readonly recent: number;
  readonly breakAfterReveals: number;
  readonly breakWindowMinutes: number;
}

/** The days of the exposure page: today and the 29 before it (UTC). */
export const EXPOSURE_HISTORY_DAYS = 30;

/** One analyst's reveals on one UTC day. */
export interface ExposureDay {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly reveals: number;
  /** Of those, reveals of items an analyst assessed illegal. */
  readonly illegal: number;
}

/** One analyst's last 30 days. */
export interface AnalystExposureHistory {
  readonly analystId: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: AnalystRole;
  /** Oldest first, one entry per day (days without reveals are zero). */
  readonly days: readonly ExposureDay[];
  readonly reveals: number;
  readonly illegal: number;
}

/**
 * An analyst's exposure now: today's reveals against the configured limit plus what supervisors
 * raised it by today (read from the audit log, where each raise is recorded with its reason), and
 * the reveals of the break reminder's window. The workbench and the capture review share it.
 */
export async function currentExposure(
  store: HotlineStore,
  now: Date,
  policy: ExposurePolicy,
  analystId: string,
): Promise<Exposure> {
  const since = startOfUtcDay(now);
  const windowStart = new Date(now.getTime() - policy.breakWindowMinutes * 60_000);
  const [today, recent, raises] = await Promise.all([
    store.countAudit(analystId, 'media_revealed', since),
    store.countAudit(analystId, 'media_revealed', windowStart),
    store.listAudit({ action: 'exposure_limit_raised', subjectId: analystId, limit: 500 }),
  ]);
  const raised = raises
    .filter((e) => e.at.getTime() >= since.getTime() && typeof e.details.extra === 'number')
    .reduce((sum, e) => sum + (e.details.extra as number), 0);
  return {
    today,
    dailyLimit: policy.dailyLimit + raised,
    warnAt: policy.warnAt,
    recent,
    breakAfterReveals: policy.breakAfterReveals,
    breakWindowMinutes: policy.breakWindowMinutes,
  };
}

/** The exposure after one more reveal (the reveal just recorded). */
export function afterOneReveal(exposure: Exposure): Exposure {
  return { ...exposure, today: exposure.today + 1, recent: exposure.recent + 1 };
}

/** What the workbench needs. */
export interface WorkbenchDependencies {
  readonly store: HotlineStore;
  readonly banks: BankService;
  readonly clock: Clock;
  readonly secrets: SecretBox;
  readonly sha256Hex: Sha256Hex;
  readonly exposure: ExposurePolicy;
  /** The bank confirmed hashes go to (created on first use, kind `known_csam`). */
  readonly hotlineBank: string;
  /** The hotline's name, recorded as the member in provenance. */
  readonly hotlineName: string;
}

/** A duplicate folded under an earlier report. */
export interface DuplicateRef {
  readonly reportId: string;
  readonly receivedAt: Date;
  readonly reason: 'same_url' | 'same_media';
}

/** A duplicate as the queue folds it: with its own counts, so the folded line shows its work. */
export interface QueueDuplicate extends DuplicateRef {
  readonly mediaCount: number;
  readonly pendingMediaCount: number;
  /** URLs of that report whose capture failed (a final error). */
  readonly failedCaptures: number;
}

/** A queue row with its folded duplicates. */
export interface WorkbenchQueueItem {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  readonly mediaCount: number;
  readonly pendingMediaCount: number;
  readonly previouslyAssessedCount: number;
  /** URLs whose capture failed (a final error, not one still being retried). */
  readonly failedCaptures: number;
  readonly duplicates: readonly QueueDuplicate[];
}

/** A media item as the workbench shows it. */
export interface MediaWithAssessments {
  readonly media: MediaItem;
  readonly assessments: readonly (Assessment & { readonly analystName: string })[];
  readonly myAssessment: boolean;
}

/** A report with everything the analyst works on. */
export interface ReportDetail {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  readonly media: readonly MediaWithAssessments[];
  readonly duplicates: readonly DuplicateRef[];
}

/** The most items one bulk assessment may cover (a page of a series, not a whole bank). */
export const MAX_BULK_ASSESSMENT = 200;

/** What a bulk assessment did for one item: recorded (as one assessment of its own) or why not. */
export type BulkAssessmentItem =
  | {
      readonly mediaId: number;
      readonly recorded: true;
      readonly result: AssessmentResult;
    }
  | {
      readonly mediaId: number;
      readonly recorded: false;
      readonly code: 'ALREADY_ASSESSED' | 'MEDIA_ITEM_NOT_FOUND';
    };

/** What recording an assessment did. */
export interface AssessmentResult {
  readonly media: MediaWithAssessments;
  readonly published: boolean;
  readonly bankEntryIds: readonly number[];
  readonly awaitingSecondAssessment: boolean;
}

const ROLE_RANK: Record<AnalystRole, number> = { analyst: 1, senior_analyst: 2, admin: 3 };
const UK_SEVERITY: readonly UkCategory[] = ['A', 'B', 'C'];

/**
 * The analyst workbench's use cases (issue 4 parts 5–7): the queue (urgent first, duplicates
 * folded), a report with its captured media, audited views and reveals under a daily exposure
 * budget, assessments (DOMAIN.md §8.4), the four-eyes rule that publishes an item's hashes to the
 * hotline bank once two different analysts assessed it illegal, and the audit browser.
 */
export class WorkbenchService {
  constructor(private readonly deps: WorkbenchDependencies) {}

  /**
   * Open reports, most urgent first. Reports whose URLs or media all repeat an earlier open report
   * form one group (a report in imminent danger is never folded); the group's row is the report
   * with the most media left to assess (the earliest on a tie), so the work is on top and a first
   * report whose capture failed does not hide the duplicate that holds the media. The others fold
   * under it with their own counts.
   */
  async queue(limit = 200): Promise<WorkbenchQueueItem[]> {
    type Item = Awaited<ReturnType<HotlineStore['listQueue']>>[number];
    const items = await this.deps.store.listQueue({ limit });
    const byUrl = new Map<string, string>();
    const byMedia = new Map<string, string>();
    /** Each group's members in arrival order, keyed by its first report; with why each joined. */
    const groups = new Map<string, { item: Item; reason: DuplicateRef['reason'] | null }[]>();
    // Group in order of arrival, so a group is keyed by its earliest report.
    const byAge = [...items].sort(
      (a, b) =>
        a.report.receivedAt.getTime() - b.report.receivedAt.getTime() ||
        a.report.id.localeCompare(b.report.id),
    );
    for (const item of byAge) {
      const media = item.mediaCount > 0 ? await this.deps.store.listMedia(item.report.id) : [];
      const urlOwners = item.urls.map((u) => byUrl.get(u.normalizedUrl));
      const mediaOwners = media.map((m) => byMedia.get(m.sha256));
      const owner =
        urlOwners.length > 0 && urlOwners.every((o) => o !== undefined && o === urlOwners[0])
          ? { id: urlOwners[0]!, reason: 'same_url' as const }
          : media.length > 0 && mediaOwners.every((o) => o !== undefined && o === mediaOwners[0])
            ? { id: mediaOwners[0]!, reason: 'same_media' as const }
            : undefined;
      const group = owner ? groups.get(owner.id) : undefined;
      if (owner && group && !item.report.imminentDanger) {
        group.push({ item, reason: owner.reason });
        continue;
      }
      groups.set(item.report.id, [{ item, reason: null }]);
      for (const u of item.urls) if (!byUrl.has(u.normalizedUrl)) byUrl.set(u.normalizedUrl, item.report.id);
      for (const m of media) if (!byMedia.has(m.sha256)) byMedia.set(m.sha256, item.report.id);
    }
    const rows = new Map<string, WorkbenchQueueItem>();
    for (const members of groups.values()) {
      // The most to assess first; members are in arrival order, so a tie keeps the earliest.
      const keeper = members.reduce((best, m) =>
        m.item.pendingMediaCount > best.item.pendingMediaCount ? m : best,
      );
      const first = members[0]!;
      rows.set(keeper.item.report.id, {
        ...keeper.item,
        failedCaptures: failedCaptures(keeper.item.urls),
        duplicates: members
          .filter((m) => m !== keeper)
          .map((m) => ({
            reportId: m.item.report.id,
            receivedAt: m.item.report.receivedAt,
            // The group's first report repeats nothing: it shares what the later one repeated.
            reason: m.reason ?? keeper.reason ?? first.reason ?? 'same_url',
            mediaCount: m.item.mediaCount,
            pendingMediaCount: m.item.pendingMediaCount,
            failedCaptures: failedCaptures(m.item.urls),
          })),
      });
    }
    // Back to the store's order: priority, then age.
    return items.flatMap((item) => rows.get(item.report.id) ?? []);
  }

  /** A report with URLs, traces, media and assessments; the view is audited. */
  async report(analyst: Analyst, reportId: string): Promise<ReportDetail> {
    const { store } = this.deps;
    const report = await this.requireReport(reportId);
    const [urls, media] = await Promise.all([store.listUrls(report.id), store.listMedia(report.id)]);
    const names = new Map((await store.listAnalysts()).map((a) => [a.id, a.displayName]));
    const withAssessments = await Promise.all(media.map((m) => this.withAssessments(m, analyst, names)));
    await this.audit(analyst, 'report_viewed', 'report', report.id, { media: media.length });
    return { report, urls, media: withAssessments, duplicates: await this.duplicatesOf(report, urls, media) };
  }

  /** The blurred greyscale thumbnail of an item; each view is audited. Known material has none to show. */
  async thumbnail(analyst: Analyst, mediaId: number): Promise<Uint8Array> {
    const media = await this.requireMedia(mediaId);
    const bytes = media.previouslyAssessed ? undefined : await this.deps.store.getThumbnail(media.id);
    if (!bytes || bytes.byteLength === 0)
      throw new DomainError('NOT_FOUND', 'This item has no thumbnail to show.');
    await this.audit(analyst, 'media_viewed', 'media', String(media.id), { kind: 'thumbnail' });
    return bytes;
  }

  /**
   * Today's reveals of an analyst against the budget: the configured limit plus what supervisors
   * raised it by today (read from the audit log, where each raise is recorded with its reason).
   */
  async exposure(analyst: Analyst): Promise<Exposure> {
    return currentExposure(this.deps.store, this.deps.clock.now(), this.deps.exposure, analyst.id);
  }

  /**
   * Reveals per day over the last 30 UTC days and how many of them showed material an analyst
   * assessed illegal (issue 17): supervisors (senior analysts and admins) see every analyst, an
   * analyst sees their own. `analystId` narrows it to one analyst.
   * @throws {DomainError} ROLE_REQUIRED (an analyst asking for someone else's), ANALYST_NOT_FOUND
   */
  async exposureHistory(
    viewer: Analyst,
    analystId?: string,
  ): Promise<{
    readonly from: string;
    readonly to: string;
    readonly analysts: readonly AnalystExposureHistory[];
  }> {
    const supervisor = ROLE_RANK[viewer.role] >= ROLE_RANK.senior_analyst;
    if (!supervisor && analystId !== undefined && analystId !== viewer.id)
      requireRole(viewer, 'senior_analyst');
    const all = supervisor ? await this.deps.store.listAnalysts() : [viewer];
    const shown = analystId === undefined ? all : all.filter((a) => a.id === analystId);
    if (shown.length === 0) throw new DomainError('ANALYST_NOT_FOUND');
    const today = startOfUtcDay(this.deps.clock.now());
    const from = new Date(today.getTime() - (EXPOSURE_HISTORY_DAYS - 1) * 86_400_000);
    const days = Array.from({ length: EXPOSURE_HISTORY_DAYS }, (_, i) =>
      new Date(from.getTime() + i * 86_400_000).toISOString().slice(0, 10),
    );
    const counts = new Map<string, { reveals: number; illegal: number }>();
    for (const reveal of await this.deps.store.listReveals(from)) {
      const key = `${reveal.actor} ${reveal.at.toISOString().slice(0, 10)}`;
      const count = counts.get(key) ?? { reveals: 0, illegal: 0 };
      count.reveals += 1;
      if (reveal.illegal) count.illegal += 1;
      counts.set(key, count);
    }
    return {
      from: days[0]!,
      to: days.at(-1)!,
      analysts: shown.map((a) => {
        const perDay = days.map((day) => ({
          day,
          ...(counts.get(`${a.id} ${day}`) ?? { reveals: 0, illegal: 0 }),
        }));
        return {
          analystId: a.id,
          username: a.username,
          displayName: a.displayName,
          role: a.role,
          days: perDay,
          reveals: perDay.reduce((sum, d) => sum + d.reveals, 0),
          illegal: perDay.reduce((sum, d) => sum + d.illegal, 0),
        };
      }),
    };
  }

  /**
   * A supervisor (senior analyst or admin) raises another analyst's reveal limit for today, with
   * a reason; the raise is audited (actor, analyst, amount, reason) and ends with the UTC day. No
   * one raises their own limit.
   * @throws {DomainError} ROLE_REQUIRED, ANALYST_NOT_FOUND, VALIDATION_FAILED
   */
  async raiseExposureLimit(supervisor: Analyst, analystId: string, body: unknown): Promise<Exposure> {
    requireRole(supervisor, 'senior_analyst');
    const problems = new Problems();
    const { extra, reason } = (isRecord(body) ? body : {}) as { extra?: unknown; reason?: unknown };
    if (!Number.isSafeInteger(extra) || (extra as number) < 1 || (extra as number) > 1000) {
      problems.add('/extra', 'a whole number of reveals from 1 to 1000');
    }
    const why = typeof reason === 'string' ? reason.trim() : '';
    if (why.length < 10 || why.length > 500) problems.add('/reason', 'a reason of 10 to 500 characters');
    if (analystId === supervisor.id)
      problems.add('/analystId', 'another supervisor must raise your own limit');
    problems.throwIfAny('The raise has problems');
    const analyst = await this.deps.store.getAnalyst(analystId);
    if (!analyst) throw new DomainError('ANALYST_NOT_FOUND');
    await this.audit(supervisor, 'exposure_limit_raised', 'analyst', analyst.id, {
      extra: extra as number,
      reason: why,
      day: startOfUtcDay(this.deps.clock.now()).toISOString().slice(0, 10),
    });
    return this.exposure(analyst);
  }

  /**
   * Reveals an item (unblurred in the workbench): counted against the daily budget and audited.
   * Only an item with a kept preview can be revealed: without one the blurred thumbnail is all
   * there is, and a "reveal" that shows nothing more must neither count nor be audited as one.
   * @throws {DomainError} PREVIEW_NOT_KEPT, EXPOSURE_LIMIT_REACHED, MEDIA_ITEM_NOT_FOUND
   */
  async reveal(
    analyst: Analyst,
    mediaId: number,
  ): Promise<{ exposure: Exposure; previewAvailable: boolean }> {
    const media = await this.requireMedia(mediaId);
    if (!media.storedContent || media.previouslyAssessed) throw new DomainError('PREVIEW_NOT_KEPT');
    const before = await this.exposure(analyst);
    if (before.today >= before.dailyLimit) throw new DomainError('EXPOSURE_LIMIT_REACHED');
    await this.audit(analyst, 'media_revealed', 'media', String(media.id), { count: before.today + 1 });
    return { exposure: afterOneReveal(before), previewAvailable: media.storedContent };
  }

  /**
   * The kept preview of an item, decrypted, for an analyst who revealed it today.
   * @throws {DomainError} REVEAL_REQUIRED, PREVIEW_NOT_KEPT, MEDIA_ITEM_NOT_FOUND
   */
  async preview(analyst: Analyst, mediaId: number): Promise<Uint8Array> {
    const media = await this.requireMedia(mediaId);
    const since = startOfUtcDay(this.deps.clock.now());
    const reveals = await this.deps.store.listAudit({
      actor: analyst.id,
      action: 'media_revealed',
      subjectId: String(media.id),
      limit: 1000,
    });
    if (!reveals.some((e) => e.at.getTime() >= since.getTime())) {
      throw new DomainError('REVEAL_REQUIRED');
    }
    const sealed = media.storedContent ? await this.deps.store.getSealedPreview(media.id) : undefined;
    if (!sealed) throw new DomainError('PREVIEW_NOT_KEPT');
    await this.audit(analyst, 'media_preview_viewed', 'media', String(media.id), {});
    return this.deps.secrets.openBytes('media', sealed);
  }

  /**
   * Records an analyst's assessment of an item. When two different analysts have assessed it
   * illegal, its hashes go to the hotline bank with the combined classification; one analyst
   * alone can never publish.
   * @throws {DomainError} VALIDATION_FAILED, ALREADY_ASSESSED, MEDIA_ITEM_NOT_FOUND
   */
  async assess(
    analyst: Analyst,
    mediaId: number,
    body: unknown,
    bulk?: { readonly reportId: string; readonly items: number },
  ): Promise<AssessmentResult> {
    const input = parseAssessment(body);
    const { store, clock } = this.deps;
    const media = await this.requireMedia(mediaId);
    if (bulk && media.reportId !== bulk.reportId) throw new DomainError('MEDIA_ITEM_NOT_FOUND');
    const assessment = await store.addAssessment(media.id, analyst.id, input, clock.now());
    await this.audit(analyst, 'assessment_recorded', 'media', String(media.id), {
      assessmentId: assessment.id,
      nationalStatus: input.nationalStatus,
      internationalStatus: input.internationalStatus,
      ...(bulk ? { bulk: bulk.items } : {}),
    });
    const all = await store.listAssessments(media.id);
    const illegal = distinctByAnalyst(all.filter((a) => a.nationalStatus === 'illegal'));
    let current = media;
    let published = media.status === 'published';
    if (!published && illegal.length >= REQUIRED_ILLEGAL_ASSESSMENTS) {
      current = await this.publish(media, illegal, analyst);
      published = true;
    } else if (!published && distinctByAnalyst(all).length >= REQUIRED_ILLEGAL_ASSESSMENTS) {
      current = await store.setMediaStatus(media.id, 'assessed');
    }
    const report = await this.requireReport(media.reportId);
    if (report.status === 'received' || report.status === 'triage') {
      await this.setStatus(analyst, report.id, 'in_assessment');
    }
    const names = new Map((await store.listAnalysts()).map((a) => [a.id, a.displayName]));
    return {
      media: await this.withAssessments(current, analyst, names),
      published,
      bankEntryIds: current.bankEntryIds,
      awaitingSecondAssessment: !published && illegal.length === 1,
    };
  }

  /**
   * One analyst's same assessment of several items of a report (a page of one series): the form is
   * checked once, then each item gets an assessment of its own, committed and audited one by one
   * exactly as {@link assess} does (so the four-eyes rule holds per item: a second analyst must
   * still assess each one). Items this analyst assessed already, or that are not the report's, are
   * reported, not fatal: the others are still recorded.
   * @throws {DomainError} VALIDATION_FAILED (the form or the list), REPORT_NOT_FOUND
   */
  async assessMany(
    analyst: Analyst,
    reportId: string,
    mediaIds: unknown,
    body: unknown,
  ): Promise<BulkAssessmentItem[]> {
    const problems = new Problems();
    if (
      !Array.isArray(mediaIds) ||
      mediaIds.length === 0 ||
      mediaIds.length > MAX_BULK_ASSESSMENT ||
      !mediaIds.every((id) => Number.isSafeInteger(id) && (id as number) > 0)
    ) {
      problems.add('/mediaIds', `1 to ${MAX_BULK_ASSESSMENT} media item ids`);
    }
    problems.throwIfAny('The bulk assessment has problems');
    parseAssessment(body); // the whole form is refused before anything is recorded
    const report = await this.requireReport(reportId);
    const results: BulkAssessmentItem[] = [];
    const ids = [...new Set(mediaIds as number[])];
    for (const mediaId of ids) {
      try {
        const result = await this.assess(analyst, mediaId, body, { reportId: report.id, items: ids.length });
        results.push({ mediaId, recorded: true, result });
      } catch (error) {
        if (
          error instanceof DomainError &&
          (error.code === 'ALREADY_ASSESSED' || error.code === 'MEDIA_ITEM_NOT_FOUND')
        ) {
          results.push({ mediaId, recorded: false, code: error.code });
        } else throw error;
      }
    }
    return results;
  }

  /**
   * Changes a report's status (closing statuses set `closedAt` and delete the reporter's contact).
   * @throws {DomainError} VALIDATION_FAILED, REPORT_NOT_FOUND
   */
  async setStatus(analyst: Analyst, reportId: string, status: unknown): Promise<Report> {
    if (!(REPORT_STATUSES as readonly unknown[]).includes(status)) {
      throw new DomainError('VALIDATION_FAILED', `status: one of ${REPORT_STATUSES.join(', ')}`);
    }
    const next = status as ReportStatus;
    const report = await this.requireReport(reportId);
    const closing = CLOSED_REPORT_STATUSES.includes(next);
    const updated = await this.deps.store.updateReport(report.id, {
      status: next,
      closedAt: closing ? (report.closedAt ?? this.deps.clock.now()) : null,
    });
    await this.audit(analyst, 'report_status_changed', 'report', report.id, {
      from: report.status,
      to: next,
    });
    if (closing && report.contactId !== null) {
      // Storage limitation: the reporter's contact is kept only while the report is open.
      await this.deps.store.deleteContact(report.contactId);
      await this.deps.store.updateReport(report.id, { contactId: null });
      await this.audit(analyst, 'contact_deleted', 'report', report.id, { reason: 'report_closed' });
      return { ...updated, contactId: null };
    }
    return updated;
  }

  /**
   * A page of the audit log and the verification of the whole chain (admins only).
   * @throws {DomainError} ROLE_REQUIRED
   */
  async auditLog(
    analyst: Analyst,
    query: Partial<AuditQuery>,
  ): Promise<{ items: AuditEvent[]; verified: AuditVerification }> {
    requireRole(analyst, 'admin');
    if (query.action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(query.action)) {
      throw new DomainError('VALIDATION_FAILED', 'Unknown audit action.');
    }
    const items = await this.deps.store.listAudit({
      ...query,
      limit: Math.min(Math.max(query.limit ?? 100, 1), 500),
    });
    const verified = await this.verifyAudit();
    await this.audit(analyst, 'audit_viewed', 'audit', 'log', { rows: items.length });
    return { items, verified };
  }

  /** Verifies the whole audit chain (pages through it). */
  async verifyAudit(): Promise<AuditVerification> {
    const store = this.deps.store;
    const head = await store.auditHead();
    async function* rows(): AsyncGenerator<AuditEvent> {
      let after = 0;
      for (;;) {
        const page = await store.listAudit({ afterSeq: after, limit: 1000 });
        if (page.length === 0) return;
        yield* page;
        after = page[page.length - 1]!.seq;
      }
    }
    return verifyAuditChain(rows(), head, this.deps.sha256Hex);
  }

  /**
   * Keeps the language an analyst chose for the workbench (and their exports) with the analyst,
   * so it follows them to any browser.
   * @throws {DomainError} VALIDATION_FAILED
   */
  async setLanguage(analyst: Analyst, language: unknown): Promise<Analyst> {
    if (typeof language !== 'string' || !(REPORT_LANGUAGES as readonly string[]).includes(language)) {
      throw new DomainError('VALIDATION_FAILED', `language: one of ${REPORT_LANGUAGES.join(', ')}`);
    }
    return this.deps.store.updateAnalyst(analyst.id, { language: language as ReportLanguage });
  }

  /**
   * Staff with today's exposure: admins and senior analysts (who look after their team's
   * exposure and can raise a limit for the day).
   */
  async analysts(
    analyst: Analyst,
  ): Promise<{ analyst: Analyst; exposureToday: number; dailyLimit: number }[]> {
    requireRole(analyst, 'senior_analyst');
    return Promise.all(
      (await this.deps.store.listAnalysts()).map(async (a) => {
        // Each analyst's own limit: the configured one plus today's raises.
        const exposure = await this.exposure(a);
        return { analyst: a, exposureToday: exposure.today, dailyLimit: exposure.dailyLimit };
      }),
    );
  }

  private async publish(
    media: MediaItem,
    illegal: readonly Assessment[],
    actor: Analyst,
  ): Promise<MediaItem> {
    const bank = await this.hotlineBank(illegal);
    const classification = combinedClassification(illegal);
    const provenance = {
      source: HOTLINE_ASSESSMENT_SOURCE,
      externalId: `media:${media.id}`,
      member: this.deps.hotlineName,
    };
    const common = { classification, provenance, reviewerCount: illegal.length };
    const entries = [
      ...(media.pdq !== null && media.pdqQuality !== null && media.pdqQuality >= 50
        ? [
            {
              signalType: 'pdq',
              value: media.pdq,
              quality: media.pdqQuality,
              ...common,
              // Its robust variants (ADR 0021): bordered, screenshotted and cropped copies match too.
              ...(media.pdqVariants?.length ? { pdqVariants: media.pdqVariants } : {}),
            },
          ]
        : []),
      { signalType: 'md5', value: media.md5, ...common },
      { signalType: 'sha256', value: media.sha256, ...common },
    ];
    const added = await this.deps.banks.addEntries(bank.name, entries, this.fourEyesActor(illegal));
    const ids = [...added.created, ...added.existing].map((e) => e.id);
    const updated = await this.deps.store.setMediaStatus(media.id, 'published', ids);
    await this.audit(actor, 'bank_entry_added', 'media', String(media.id), {
      bank: bank.name,
      entries: ids.length,
      reviewers: illegal.length,
    });
    return updated;
  }

  /** The four-eyes path's actor: the analysts whose assessments publish the material. */
  private fourEyesActor(illegal: readonly Assessment[]): BankActor {
    return { via: 'four-eyes', id: `hotline:${illegal.map((a) => a.analystId).join('+')}` };
  }

  private async hotlineBank(illegal: readonly Assessment[]): Promise<Bank> {
    const name = this.deps.hotlineBank;
    try {
      return await this.deps.banks.getBank(name);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'BANK_NOT_FOUND')) throw error;
      try {
        return await this.deps.banks.createBank(
          {
            name,
            kind: 'known_csam',
            description: `Hashes confirmed by two analysts of ${this.deps.hotlineName}.`,
            defaultActions: ['block', 'review'],
            // Published material: API keys, the CLI and imports never change it (issue 15).
            fourEyes: true,
          },
          this.fourEyesActor(illegal),
        );
      } catch (raced) {
        if (raced instanceof DomainError && raced.code === 'BANK_NAME_TAKEN')
          return this.deps.banks.getBank(name);
        throw raced;
      }
    }
  }

  private async withAssessments(
    media: MediaItem,
    analyst: Analyst,
    names: ReadonlyMap<string, string>,
  ): Promise<MediaWithAssessments> {
    const assessments = await this.deps.store.listAssessments(media.id);
    return {
      media,
      assessments: assessments.map((a) => ({ ...a, analystName: names.get(a.analystId) ?? a.analystId })),
      myAssessment: assessments.some((a) => a.analystId === analyst.id),
    };
  }

  private async duplicatesOf(
    report: Report,
    urls: readonly ReportedUrl[],
    media: readonly MediaItem[],
  ): Promise<DuplicateRef[]> {
    const found = new Map<string, DuplicateRef>();
    const reports = new Map<string, Report | undefined>();
    const note = async (reportId: string, reason: DuplicateRef['reason']): Promise<void> => {
      if (reportId === report.id || found.has(reportId)) return;
      if (!reports.has(reportId)) reports.set(reportId, await this.deps.store.getReport(reportId));
      const other = reports.get(reportId);
      if (other) found.set(reportId, { reportId, receivedAt: other.receivedAt, reason });
    };
    for (const url of urls) {
      for (const other of await this.deps.store.findUrlsByNormalized(url.normalizedUrl))
        await note(other.reportId, 'same_url');
    }
    for (const item of media) {
      for (const other of await this.deps.store.findMediaBySha256(item.sha256))
        await note(other.reportId, 'same_media');
    }
    return [...found.values()].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  private requireReport(id: string): Promise<Report> {
    return requireReport(this.deps.store, id);
  }

  private async requireMedia(id: number): Promise<MediaItem> {
    const media = Number.isSafeInteger(id) ? await this.deps.store.getMedia(id) : undefined;
    if (!media) throw new DomainError('MEDIA_ITEM_NOT_FOUND');
    return media;
  }

  private async audit(
    analyst: Analyst,
    action: AuditAction,
    subjectType: string,
    subjectId: string,
    details: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    await this.deps.store.appendAudit(
      { actor: analyst.id, action, subjectType, subjectId, details },
      this.deps.clock.now(),
    );
  }
}

/** Throws ROLE_REQUIRED unless the analyst has at least `role`. */
export function requireRole(analyst: Analyst, role: AnalystRole): void {
  if (ROLE_RANK[analyst.role] < ROLE_RANK[role]) {
    throw new DomainError('ROLE_REQUIRED', `This needs the ${role.replace('_', ' ')} role.`);
  }
}

/** URLs whose capture ended in an error (the worker gave up, or the address was refused). */
function failedCaptures(urls: readonly ReportedUrl[]): number {
  return urls.filter((u) => u.captureError !== null).length;
}

/** Midnight UTC of the day of `at`. */
export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

function distinctByAnalyst(assessments: readonly Assessment[]): Assessment[] {
  const seen = new Set<string>();
  return assessments.filter((a) => !seen.has(a.analystId) && seen.add(a.analystId));
}

/**
 * The classification published with the hashes: baseline only if every assessor said so, the
 * most severe UK category and the industry category any assessor gave (the first, in order).
 */
export function combinedClassification(assessments: readonly Assessment[]): Classification {
  const uk = UK_SEVERITY.find((c) => assessments.some((a) => a.severityUk === c));
  const industry =
    assessments.find((a) => a.industryClassification !== null)?.industryClassification ?? undefined;
  return {
    ...(industry ? { industry } : {}),
    ...(uk ? { uk } : {}),
    baseline: assessments.every((a) => a.internationalStatus === 'baseline'),
  };
}

/**
 * Validates an assessment body strictly against DOMAIN.md §8.4.
 * @throws {DomainError} VALIDATION_FAILED listing every bad field
 */
export function parseAssessment(body: unknown): AssessmentInput {
  if (!isRecord(body)) throw new DomainError('VALIDATION_FAILED', 'The assessment must be a JSON object.');
  const problems = new Problems();
  const known = [
    'internationalStatus',
    'nationalStatus',
    'jurisdiction',
    'legalBasis',
    'severityUk',
    'industryClassification',
    'ageBand',
    'sex',
    'victimCount',
    'selfGenerated',
    'contentOrigin',
    'flags',
    'confidence',
    'notes',
  ];
  for (const key of Object.keys(body)) if (!known.includes(key)) problems.add(`/${key}`, 'unknown field');
  const oneOf = <T extends string>(key: string, values: readonly T[], nullable = false): T | null => {
    const value = body[key];
    if (nullable && (value === null || value === undefined)) return null;
    if (!(values as readonly unknown[]).includes(value)) {
      problems.add(`/${key}`, `one of ${values.join(', ')}${nullable ? ', or null' : ''}`);
      return null;
    }
    return value as T;
  };
  const text = (key: string, max: number): string | null => {
    const value = body[key];
    if (value === null || value === undefined || value === '') return null;
    if (typeof value !== 'string' || value.length > max) {
      problems.add(`/${key}`, `text of at most ${max} characters`);
      return null;
    }
    return value.trim() || null;
  };
  const jurisdiction = body.jurisdiction;
  if (typeof jurisdiction !== 'string' || !/^[A-Z]{2}$/.test(jurisdiction)) {
    problems.add('/jurisdiction', 'an ISO 3166-1 alpha-2 country code, e.g. BE');
  }
  const victimCount = body.victimCount;
  if (
    victimCount !== null &&
    victimCount !== undefined &&
    (!Number.isInteger(victimCount) || (victimCount as number) < 1 || (victimCount as number) > 1000)
  ) {
    problems.add('/victimCount', 'a whole number from 1, or null');
  }
  const flags = body.flags ?? [];
  if (!Array.isArray(flags) || flags.some((f) => !(ASSESSMENT_FLAGS as readonly unknown[]).includes(f))) {
    problems.add('/flags', `a list of ${ASSESSMENT_FLAGS.join(', ')}`);
  }
  const input: AssessmentInput = {
    internationalStatus: oneOf('internationalStatus', INTERNATIONAL_STATUSES)!,
    nationalStatus: oneOf('nationalStatus', NATIONAL_STATUSES)!,
    jurisdiction: jurisdiction as string,
    legalBasis: text('legalBasis', 300),
    severityUk: oneOf('severityUk', ['A', 'B', 'C'] as const, true),
    industryClassification: oneOf('industryClassification', ['A1', 'A2', 'B1', 'B2'] as const, true),
    ageBand: oneOf('ageBand', AGE_BANDS)!,
    sex: oneOf('sex', VICTIM_SEXES)!,
    victimCount: (victimCount as number | null | undefined) ?? null,
    selfGenerated: oneOf('selfGenerated', SELF_GENERATED_VALUES)!,
    contentOrigin: oneOf('contentOrigin', CONTENT_ORIGINS)!,
    flags: Array.isArray(flags) ? [...new Set(flags as AssessmentInput['flags'])] : [],
    confidence: oneOf('confidence', ASSESSMENT_CONFIDENCE)!,
    notes: text('notes', 2000),
  };
  problems.throwIfAny('The assessment has problems');
  return input;
}
