import { DomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import type { CaptureAttempt, CaptureScreenshot } from './capture-records.js';
import type { Analyst, ReportedUrl } from './hotline-records.js';
import type { HotlineStore } from './hotline-store.js';
import type { SecretBox } from './secret-box.js';
import {
  afterOneReveal,
  currentExposure,
  startOfUtcDay,
  type Exposure,
  type ExposurePolicy,
} from './workbench.service.js';

/** What {@link CaptureReviewService} needs. */
export interface CaptureReviewDependencies {
  readonly store: HotlineStore;
  readonly clock: Clock;
  readonly secrets: SecretBox;
  /** The same daily reveal budget as media: a screenshot reveal counts like any reveal. */
  readonly exposure: ExposurePolicy;
  /** Tell the capture worker there is work (it otherwise finds the job at its next poll). */
  readonly wakeCapture?: () => void;
}

/** The audit subject of a screenshot (apart from media ids, which are plain numbers). */
export function screenshotSubject(jobId: number): string {
  return `screenshot-${jobId}`;
}

/**
 * Capture attempts in the workbench (issue 16): asking for a URL to be captured again, listing a
 * URL's attempts, and a browser capture's screenshot, blurred until revealed. A screenshot shows
 * what the reporter saw, so it is handled like media: its thumbnail is server-blurred and
 * greyscale, a reveal is counted against the analyst's daily budget (`media_revealed`), and every
 * view is in the audit log.
 */
export class CaptureReviewService {
  constructor(private readonly deps: CaptureReviewDependencies) {}

  /**
   * Queues another capture of a report's URL (one at a time per URL) and audits the request.
   * @throws {DomainError} REPORT_NOT_FOUND, URL_NOT_FOUND
   */
  async recapture(
    analyst: Analyst,
    reportId: string,
    urlId: number,
  ): Promise<{ readonly attempt: CaptureAttempt; readonly created: boolean }> {
    const url = await this.requireUrl(reportId, urlId);
    const { job, created } = await this.deps.store.requestRecapture(
      url.id,
      analyst.id,
      this.deps.clock.now(),
    );
    if (created) {
      await this.deps.store.appendAudit(
        {
          actor: analyst.id,
          action: 'recapture_requested',
          subjectType: 'reported_url',
          subjectId: String(url.id),
          details: { reportId: url.reportId, jobId: job.id },
        },
        this.deps.clock.now(),
      );
      this.deps.wakeCapture?.();
    }
    const attempts = await this.deps.store.listCaptureAttempts(url.id);
    return { attempt: attempts.find((a) => a.jobId === job.id)!, created };
  }

  /**
   * Every capture attempt of a report's URL, oldest first.
   * @throws {DomainError} REPORT_NOT_FOUND, URL_NOT_FOUND
   */
  async attempts(reportId: string, urlId: number): Promise<CaptureAttempt[]> {
    const url = await this.requireUrl(reportId, urlId);
    return this.deps.store.listCaptureAttempts(url.id);
  }

  /** The attempts of each of a report's URLs (for the report view). */
  async attemptsOf(urls: readonly ReportedUrl[]): Promise<Map<number, CaptureAttempt[]>> {
    const entries = await Promise.all(
      urls.map(async (u) => [u.id, await this.deps.store.listCaptureAttempts(u.id)] as const),
    );
    return new Map(entries);
  }

  /** A screenshot's blurred greyscale thumbnail; each view is audited. */
  async thumbnail(analyst: Analyst, jobId: number): Promise<Uint8Array> {
    await this.requireScreenshot(jobId);
    const bytes = await this.deps.store.getScreenshotImage(jobId, 'thumbnail');
    if (!bytes || bytes.byteLength === 0) throw new DomainError('SCREENSHOT_NOT_FOUND');
    await this.audit(analyst, 'media_viewed', jobId, { kind: 'screenshot_thumbnail' });
    return bytes;
  }

  /**
   * Reveals a screenshot: counted against the daily budget like a media reveal, and audited.
   * @throws {DomainError} EXPOSURE_LIMIT_REACHED, SCREENSHOT_NOT_FOUND
   */
  async reveal(analyst: Analyst, jobId: number): Promise<{ exposure: Exposure; previewAvailable: boolean }> {
    const shot = await this.requireScreenshot(jobId);
    // The same budget as items' reveals, with today's raises.
    const before = await currentExposure(
      this.deps.store,
      this.deps.clock.now(),
      this.deps.exposure,
      analyst.id,
    );
    if (before.today >= before.dailyLimit) throw new DomainError('EXPOSURE_LIMIT_REACHED');
    await this.audit(analyst, 'media_revealed', jobId, { count: before.today + 1, sha256: shot.sha256 });
    return { exposure: afterOneReveal(before), previewAvailable: shot.storedContent };
  }

  /**
   * The revealed screenshot's preview, decrypted, for an analyst who revealed it today.
   * @throws {DomainError} REVEAL_REQUIRED, SCREENSHOT_NOT_FOUND
   */
  async preview(analyst: Analyst, jobId: number): Promise<Uint8Array> {
    await this.requireScreenshot(jobId);
    const since = startOfUtcDay(this.deps.clock.now());
    const reveals = await this.deps.store.listAudit({
      actor: analyst.id,
      action: 'media_revealed',
      subjectId: screenshotSubject(jobId),
      limit: 1000,
    });
    if (!reveals.some((e) => e.at.getTime() >= since.getTime())) throw new DomainError('REVEAL_REQUIRED');
    const sealed = await this.deps.store.getScreenshotImage(jobId, 'preview');
    if (!sealed) throw new DomainError('SCREENSHOT_NOT_FOUND');
    await this.audit(analyst, 'media_preview_viewed', jobId, { kind: 'screenshot' });
    return this.deps.secrets.openBytes('media', sealed);
  }

  private async requireUrl(reportId: string, urlId: number): Promise<ReportedUrl> {
    const report = await this.deps.store.getReport(reportId);
    if (!report) throw new DomainError('REPORT_NOT_FOUND');
    const url = Number.isSafeInteger(urlId)
      ? (await this.deps.store.listUrls(report.id)).find((u) => u.id === urlId)
      : undefined;
    if (!url) throw new DomainError('URL_NOT_FOUND');
    return url;
  }

  private async requireScreenshot(jobId: number): Promise<CaptureScreenshot> {
    const shot = Number.isSafeInteger(jobId) ? await this.deps.store.getCaptureScreenshot(jobId) : undefined;
    if (!shot) throw new DomainError('SCREENSHOT_NOT_FOUND');
    return shot;
  }

  private async audit(
    analyst: Analyst,
    action: 'media_viewed' | 'media_revealed' | 'media_preview_viewed',
    jobId: number,
    details: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    await this.deps.store.appendAudit(
      {
        actor: analyst.id,
        action,
        subjectType: 'capture_screenshot',
        subjectId: screenshotSubject(jobId),
        details,
      },
      this.deps.clock.now(),
    );
  }
}
