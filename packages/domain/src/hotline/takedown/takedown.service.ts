import { DomainError, isDomainError } from '../../domain-error.js';
import type { Clock } from '../../ports/clock.js';
import type { RandomBytes } from '../../self-submission/self-submission-case.js';
import { Problems, isRecord } from '../../validation.js';
import { newReportId } from '../hotline-ids.js';
import { REPORT_LANGUAGES, type Analyst, type ReportLanguage } from '../hotline-records.js';
import { requireReport } from '../hotline-lookups.js';
import type { HotlineStore } from '../hotline-store.js';
import { CLOSED_REPORT_STATUSES, type AuditAction, type ReportStatus } from '../hotline-vocabulary.js';
import type { NoticeMailer } from './notice-mailer.js';
import { DEFAULT_LEGAL_BASIS, renderNotice, type NoticeTemplates } from './notice-templates.js';
import type { ProbeOutcome, TakedownProbe, TargetMedia } from './takedown-probe.js';
import {
  TAKEDOWN_VIA,
  nextPlannedCheck,
  type CheckSchedule,
  type Takedown,
  type TakedownCheck,
  type TakedownVia,
} from './takedown-records.js';
import type { CheckUpdate, TakedownStore } from './takedown-store.js';

/** The audit actor of scheduled sends and re-checks. */
export const TAKEDOWN_SYSTEM_ACTOR = 'system:takedown';
/** Send attempts before a notice is left pending for an analyst to look at. */
export const MAX_SEND_ATTEMPTS = 8;
/** Consecutive errors tolerated after the schedule's last check before giving up as not removed. */
const ERRORS_AFTER_SCHEDULE = 3;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Report statuses a sent notice moves forward to `ntd_sent`. */
const BEFORE_NOTICE: readonly ReportStatus[] = [
  'received',
  'triage',
  'in_assessment',
  'assessed',
  'forwarded',
];

/** A deployment's notice-and-takedown settings. */
export interface TakedownSettings {
  readonly hotlineName: string;
  /** The notice's language when the request names none. */
  readonly defaultLanguage: ReportLanguage;
  /**
   * Who delivers notices about content hosted in `ownCountry` when the request does not say
   * (Belgium: `police`). Content hosted elsewhere, or where the trace found no country, defaults
   * to the hotline.
   */
  readonly defaultVia: TakedownVia;
  /** The hotline's own country (ISO alpha-2), for {@link TakedownSettings.defaultVia}. */
  readonly ownCountry: string;
  /** The police unit's e-mail for hand-overs; null: a hand-over is recorded, not mailed. */
  readonly policeEmail: string | null;
  /** Where replies go, as the notice says. */
  readonly contact: string;
  /** The legal-basis line (national law); null uses the per-language default. */
  readonly legalBasis: string | null;
  /** The right-hand side of Message-IDs (the sender's domain). */
  readonly messageIdDomain: string;
  readonly schedule: CheckSchedule;
  /**
   * Consecutive offline checks that confirm a removal: 1 (default: the first offline check
   * confirms) or 2 (one more check an hour later guards against a host that was down for a
   * moment; the removal time still ends at the first of the two).
   */
  readonly offlineChecksToConfirm: 1 | 2;
  readonly templates: NoticeTemplates;
  /** How long a send or check holds its lease (default 15 min: a check may fetch 50 media). */
  readonly leaseMs?: number;
}

/** What the takedown service needs. */
export interface TakedownDependencies {
  readonly store: TakedownStore;
  readonly hotline: HotlineStore;
  readonly mailer: NoticeMailer;
  readonly probe: TakedownProbe;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly settings: TakedownSettings;
}

/** A validated request to create a takedown. */
export interface TakedownRequest {
  readonly urlId: number;
  readonly recipient: string;
  readonly language: ReportLanguage;
  readonly via: TakedownVia;
  readonly referralReference: string | null;
}

/**
 * Notice and takedown (DOMAIN.md §1.2 steps 7–8, §8.6): a notice per reported URL from the
 * language's template, sent by e-mail (or handed to the police unit where the police do notice
 * and takedown), then re-checks of the URL on a schedule until a check finds the content gone,
 * which confirms the removal and, once every takedown of the report is removed, closes the
 * report as `removed_confirmed`. Every step is audited; notices carry no media, no reporter data
 * and no report text.
 *
 * Sending is at-least-once with a stable Message-ID: the attempt is counted before SMTP, the
 * success recorded after; a process that dies in between leaves the lease to expire and the
 * scheduler sends again with the same Message-ID, which marks the second copy as a duplicate.
 * (Exactly-once over SMTP cannot be had: the crash may fall after the server accepted.) A send
 * recorded as done is never repeated.
 */
export class TakedownService {
  readonly #leaseMs: number;

  constructor(private readonly deps: TakedownDependencies) {
    this.#leaseMs = deps.settings.leaseMs ?? 15 * MINUTE_MS;
  }

  /**
   * Creates a takedown for one URL of a report and sends its notice at once. A failed send leaves
   * it `pending` with `lastError` set; the scheduler retries it.
   * @throws {DomainError} VALIDATION_FAILED, REPORT_NOT_FOUND, CONFLICT (closed report, or an
   *   open takedown for the URL), TAKEDOWN_NOT_ASSESSED (no media of the URL assessed illegal)
   */
  async create(analyst: Analyst, reportId: string, body: unknown): Promise<Takedown> {
    this.parseRequest(body);
    const { hotline, store, clock } = this.deps;
    const report = await requireReport(hotline, reportId);
    if (CLOSED_REPORT_STATUSES.includes(report.status)) {
      throw new DomainError('CONFLICT', 'The report is closed; reopen it before sending a notice.');
    }
    const urlId = (body as { urlId: number }).urlId;
    const url = (await hotline.listUrls(report.id)).find((u) => u.id === urlId);
    if (!url) throw new DomainError('VALIDATION_FAILED', '/urlId: not a URL of this report');
    // Validated above; parsed again now that the hosting country (for the default route) is known.
    const request = this.parseRequest(body, url.trace?.country ?? null);
    if ((await this.targetMedia(report.id, url.id)).length === 0)
      throw new DomainError('TAKEDOWN_NOT_ASSESSED');
    const now = clock.now();
    const id = newReportId(now, this.deps.random);
    const created = await store.createTakedown({
      id,
      reportId: report.id,
      urlId: url.id,
      url: url.url,
      recipient: request.recipient,
      language: request.language,
      via: request.via,
      referralReference: request.referralReference,
      messageId: `<takedown.${id.toLowerCase()}@${this.deps.settings.messageIdDomain}>`,
      createdAt: now,
      createdBy: analyst.id,
      nextCheckAt: now,
      leaseUntil: new Date(now.getTime() + this.#leaseMs),
    });
    await this.audit(analyst.id, 'takedown_created', created, {
      via: created.via,
      language: created.language,
    });
    return this.send(created, analyst.id);
  }

  /**
   * A report's takedowns, oldest first.
   * @throws {DomainError} REPORT_NOT_FOUND
   */
  async list(_analyst: Analyst, reportId: string): Promise<Takedown[]> {
    await requireReport(this.deps.hotline, reportId);
    return this.deps.store.listTakedowns(reportId);
  }

  /**
   * Re-checks a takedown's URL now (the analyst asks), outside the schedule.
   * @throws {DomainError} TAKEDOWN_NOT_FOUND, CONFLICT (not sent yet, removed already, or busy)
   */
  async checkNow(analyst: Analyst, takedownId: string): Promise<Takedown> {
    const { store, clock } = this.deps;
    const current = await store.getTakedown(takedownId);
    if (!current) throw new DomainError('TAKEDOWN_NOT_FOUND');
    if (current.status !== 'notice_sent' && current.status !== 'not_removed') {
      throw new DomainError(
        'CONFLICT',
        current.status === 'removed'
          ? 'The removal is confirmed already.'
          : 'The notice has not been sent yet.',
      );
    }
    const leased = await store.lease(takedownId, clock.now(), this.#leaseMs);
    if (!leased)
      throw new DomainError(
        'CONFLICT',
        'This takedown is being sent or checked right now; try again shortly.',
      );
    return this.check(leased, analyst.id);
  }

  /**
   * Runs the takedowns that are due (the scheduler): retries pending sends, re-checks sent
   * notices. Returns how many it ran. One failing takedown does not stop the others; the first
   * unexpected error is thrown after the round (its lease runs out and it is tried again).
   */
  async runDue(limit = 4): Promise<number> {
    const claimed = await this.deps.store.claimDue(this.deps.clock.now(), limit, this.#leaseMs);
    let failure: unknown;
    for (const takedown of claimed) {
      try {
        if (takedown.status === 'pending') await this.send(takedown, TAKEDOWN_SYSTEM_ACTOR);
        else await this.check(takedown, TAKEDOWN_SYSTEM_ACTOR);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return claimed.length;
  }

  /**
   * Validates a create request (the body of `POST …/takedowns`); `hostingCountry` (the URL's
   * traced country) decides the default route.
   */
  parseRequest(body: unknown, hostingCountry: string | null = null): TakedownRequest {
    if (!isRecord(body)) throw new DomainError('VALIDATION_FAILED', 'The request must be a JSON object.');
    const problems = new Problems();
    for (const key of Object.keys(body)) {
      if (!['urlId', 'recipient', 'language', 'via', 'referralReference'].includes(key))
        problems.add(`/${key}`, 'unknown field');
    }
    const { urlId, recipient, language, via, referralReference } = body;
    if (!Number.isSafeInteger(urlId) || (urlId as number) < 1)
      problems.add('/urlId', "the id of one of the report's URLs");
    if (!isNoticeAddress(recipient))
      problems.add('/recipient', "the e-mail address of the host's abuse desk");
    if (language !== undefined && !(REPORT_LANGUAGES as readonly unknown[]).includes(language)) {
      problems.add('/language', `one of ${REPORT_LANGUAGES.join(', ')}`);
    }
    if (via !== undefined && !(TAKEDOWN_VIA as readonly unknown[]).includes(via)) {
      problems.add('/via', `one of ${TAKEDOWN_VIA.join(', ')}`);
    }
    if (
      referralReference !== undefined &&
      referralReference !== null &&
      (typeof referralReference !== 'string' ||
        referralReference.length > 200 ||
        /[\r\n]/.test(referralReference))
    ) {
      problems.add('/referralReference', 'one line of at most 200 characters');
    }
    problems.throwIfAny('The takedown request has problems');
    const { settings } = this.deps;
    return {
      urlId: urlId as number,
      recipient: (recipient as string).trim(),
      language: (language as ReportLanguage | undefined) ?? settings.defaultLanguage,
      via:
        (via as TakedownVia | undefined) ??
        (hostingCountry === settings.ownCountry ? settings.defaultVia : 'hotline'),
      referralReference:
        typeof referralReference === 'string' && referralReference.trim() !== ''
          ? referralReference.trim()
          : null,
    };
  }

  /**
   * The media of a URL the notice is about: confirmed (published by two analysts), known
   * material, or assessed illegal by an analyst. Benign images on the same page are not.
   */
  private async targetMedia(reportId: string, urlId: number): Promise<TargetMedia[]> {
    const { hotline } = this.deps;
    const targets: TargetMedia[] = [];
    for (const media of await hotline.listMedia(reportId)) {
      if (media.urlId !== urlId) continue;
      const illegal =
        media.status === 'published' ||
        media.knownMatch !== null ||
        (await hotline.listAssessments(media.id)).some((a) => a.nationalStatus === 'illegal');
      if (illegal) targets.push({ sourceUrl: media.sourceUrl, sha256: media.sha256 });
    }
    return targets;
  }

  /** Sends (or hands over) the notice of a leased pending takedown and records the outcome. */
  private async send(leased: Takedown, actor: string): Promise<Takedown> {
    const { store, mailer, clock, settings } = this.deps;
    const takedown = await store.startSend(leased.id);
    const attempt = takedown.sendAttempts;
    const mailTo = takedown.via === 'hotline' ? takedown.recipient : settings.policeEmail;
    try {
      if (mailTo !== null) {
        const template =
          settings.templates[takedown.via === 'hotline' ? 'host_notice' : 'police_handover'][
            takedown.language
          ];
        const targets = await this.targetMedia(takedown.reportId, takedown.urlId);
        const notice = renderNotice(template, {
          hotlineName: settings.hotlineName,
          urls: [...new Set([takedown.url, ...targets.map((t) => t.sourceUrl)])],
          reference: takedown.id,
          date: clock.now().toISOString().slice(0, 10),
          legalBasis: settings.legalBasis ?? DEFAULT_LEGAL_BASIS[takedown.language],
          contact: settings.contact,
          referralReference: takedown.referralReference ?? '–',
          hostContact: takedown.recipient,
        });
        await mailer.send({
          to: mailTo,
          ...notice,
          language: takedown.language,
          messageId: takedown.messageId,
        });
      }
    } catch (error) {
      const code = isDomainError(error) ? error.code : 'NOTICE_SEND_FAILED';
      const now = clock.now();
      const retryAt =
        attempt >= MAX_SEND_ATTEMPTS
          ? null
          : new Date(now.getTime() + Math.min(6 * HOUR_MS, 5 * MINUTE_MS * 2 ** (attempt - 1)));
      const failed = await store.finishSend(takedown.id, { ok: false, error: code, retryAt });
      await this.audit(actor, 'takedown_send_failed', failed, { code, attempt, willRetry: retryAt !== null });
      return failed;
    }
    const sentAt = clock.now();
    const sent = await store.finishSend(takedown.id, {
      ok: true,
      sentAt,
      sentBy: takedown.via,
      sentTo: mailTo,
      nextCheckAt: nextPlannedCheck(sentAt, sentAt, settings.schedule),
    });
    await this.audit(actor, 'takedown_notice_sent', sent, {
      via: sent.via,
      mailed: mailTo !== null,
      language: sent.language,
      attempt,
    });
    const report = await this.deps.hotline.getReport(sent.reportId);
    if (report && BEFORE_NOTICE.includes(report.status))
      await this.setReportStatus(actor, report.id, report.status, 'ntd_sent');
    return sent;
  }

  /** Re-checks a leased takedown's URL and records what it found. */
  private async check(takedown: Takedown, actor: string): Promise<Takedown> {
    const { store, probe, clock, settings } = this.deps;
    const targets = await this.targetMedia(takedown.reportId, takedown.urlId);
    let outcome: ProbeOutcome;
    try {
      outcome = await probe.check(takedown.url, targets);
    } catch (error) {
      // The probe classifies every fetch failure; what reaches here is ours (a closed pool, say).
      outcome = { result: 'error', detail: isDomainError(error) ? error.code.toLowerCase() : 'probe_failed' };
    }
    const check: TakedownCheck = { checkedAt: clock.now(), result: outcome.result, detail: outcome.detail };
    const update = afterCheck(takedown, check, settings.schedule, settings.offlineChecksToConfirm);
    const updated = await store.recordCheck(takedown.id, check, update);
    await this.audit(actor, 'takedown_checked', updated, {
      result: check.result,
      detail: check.detail,
      status: updated.status,
    });
    if (updated.status === 'removed' && takedown.status !== 'removed')
      await this.closeWhenAllRemoved(updated.reportId, actor);
    return updated;
  }

  /** Closes the report as `removed_confirmed` once every one of its takedowns is removed. */
  private async closeWhenAllRemoved(reportId: string, actor: string): Promise<void> {
    const { hotline, store } = this.deps;
    const all = await store.listTakedowns(reportId);
    if (all.length === 0 || !all.every((t) => t.status === 'removed')) return;
    const report = await hotline.getReport(reportId);
    if (!report || CLOSED_REPORT_STATUSES.includes(report.status)) return;
    await this.setReportStatus(actor, report.id, report.status, 'removed_confirmed');
    if (report.contactId !== null) {
      // Storage limitation, as when an analyst closes a report: the contact goes with the case.
      await hotline.deleteContact(report.contactId);
      await hotline.updateReport(report.id, { contactId: null });
      await hotline.appendAudit(
        {
          actor,
          action: 'contact_deleted',
          subjectType: 'report',
          subjectId: report.id,
          details: { reason: 'report_closed' },
        },
        this.deps.clock.now(),
      );
    }
  }

  private async setReportStatus(
    actor: string,
    reportId: string,
    from: ReportStatus,
    to: ReportStatus,
  ): Promise<void> {
    const { hotline, clock } = this.deps;
    const closing = CLOSED_REPORT_STATUSES.includes(to);
    await hotline.updateReport(reportId, { status: to, ...(closing ? { closedAt: clock.now() } : {}) });
    await hotline.appendAudit(
      {
        actor,
        action: 'report_status_changed',
        subjectType: 'report',
        subjectId: reportId,
        details: { from, to, by: 'takedown' },
      },
      clock.now(),
    );
  }

  private async audit(
    actor: string,
    action: AuditAction,
    takedown: Takedown,
    details: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    // The report's id and codes only: never the URL, the recipient's address or the notice text.
    await this.deps.hotline.appendAudit(
      {
        actor,
        action,
        subjectType: 'takedown',
        subjectId: takedown.id,
        details: { reportId: takedown.reportId, ...details },
      },
      this.deps.clock.now(),
    );
  }
}

/**
 * What a re-check changes (pure; the table of cases is unit-tested):
 * - `offline`: with enough consecutive offline checks (`confirm`, 1 or 2) the takedown is
 *   `removed`, confirmed at the first check of that offline run; otherwise one more check within
 *   the hour;
 * - `online`: the next planned check, or `not_removed` when the schedule has ended;
 * - `error`: retried after 15 min, doubling with each consecutive error, never later than the
 *   next planned check; past the schedule's end a few more tries, then `not_removed`.
 * A takedown already `not_removed` (an analyst's extra check) only moves to `removed`.
 */
export function afterCheck(
  takedown: Takedown,
  check: TakedownCheck,
  schedule: CheckSchedule,
  confirm: 1 | 2,
): CheckUpdate {
  const checks = [...takedown.checks, check];
  const trailing = (result: TakedownCheck['result']): TakedownCheck[] => {
    const run: TakedownCheck[] = [];
    for (let i = checks.length - 1; i >= 0 && checks[i]!.result === result; i--) run.unshift(checks[i]!);
    return run;
  };
  const at = check.checkedAt.getTime();
  const sentAt = takedown.noticeSentAt ?? check.checkedAt;
  const planned = nextPlannedCheck(sentAt, check.checkedAt, schedule);
  const finished = takedown.status === 'not_removed';
  if (check.result === 'offline') {
    const run = trailing('offline');
    if (run.length >= confirm)
      return { status: 'removed', removedConfirmedAt: run[0]!.checkedAt, nextCheckAt: null };
    if (finished) return { status: 'not_removed', removedConfirmedAt: null, nextCheckAt: null };
    const soon = new Date(at + HOUR_MS);
    return {
      status: 'notice_sent',
      removedConfirmedAt: null,
      nextCheckAt: planned && planned < soon ? planned : soon,
    };
  }
  if (finished) return { status: 'not_removed', removedConfirmedAt: null, nextCheckAt: null };
  if (check.result === 'online') {
    return planned
      ? { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: planned }
      : { status: 'not_removed', removedConfirmedAt: null, nextCheckAt: null };
  }
  const errors = trailing('error').length;
  const retry = new Date(at + 15 * MINUTE_MS * 2 ** Math.min(errors - 1, 6));
  if (planned)
    return {
      status: 'notice_sent',
      removedConfirmedAt: null,
      nextCheckAt: planned < retry ? planned : retry,
    };
  return errors <= ERRORS_AFTER_SCHEDULE
    ? { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: retry }
    : { status: 'not_removed', removedConfirmedAt: null, nextCheckAt: null };
}

/** A plausible single e-mail address (no display name, no line breaks, ≤ 254 characters). */
export function isNoticeAddress(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.trim().length <= 254 &&
    /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+\.[^\s@<>()[\],;:"\\]+$/.test(value.trim())
  );
}
