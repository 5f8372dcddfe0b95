// Notice and takedown (DOMAIN.md §1.2 steps 7–8, §8.6): the record of one notice to a host, the
// re-checks of the URL after it, and the removal time and its bucket, derived, never typed by hand.
import type { ReportLanguage } from '../hotline-records.js';

/** Where a takedown stands. */
export const TAKEDOWN_STATUSES = [
  /** Created; the notice is not (yet) recorded as sent (a failed send is retried). */
  'pending',
  /** The notice went out (or was handed to the police unit); the URL is being re-checked. */
  'notice_sent',
  /** A re-check found the content gone: `removedConfirmedAt` is set. */
  'removed',
  /** The re-check schedule ended with the content still online (or never confirmed offline). */
  'not_removed',
] as const;
export type TakedownStatus = (typeof TAKEDOWN_STATUSES)[number];

/**
 * Who delivers the notice to the host: the hotline itself, or the national police unit (Belgium:
 * for content hosted in the country, the Federal Police with a magistrate do notice and takedown).
 */
export const TAKEDOWN_VIA = ['hotline', 'police'] as const;
export type TakedownVia = (typeof TAKEDOWN_VIA)[number];

/** What one re-check of the URL found. */
export const TAKEDOWN_CHECK_RESULTS = ['online', 'offline', 'error'] as const;
export type TakedownCheckResult = (typeof TAKEDOWN_CHECK_RESULTS)[number];

/**
 * Removal-time buckets as INHOPE publishes them (DOMAIN.md §1.2 step 8, §8.9 item 10): removed
 * within 24 hours, within 3 days, within 6 days, later, or not (yet) confirmed removed.
 */
export const REMOVAL_BUCKETS = ['same_day', '<=3d', '<=6d', '>6d', 'not_removed'] as const;
export type RemovalBucket = (typeof REMOVAL_BUCKETS)[number];

/** One re-check of a takedown's URL. */
export interface TakedownCheck {
  readonly checkedAt: Date;
  readonly result: TakedownCheckResult;
  /**
   * A stable code saying why (`http_404`, `dns_failed`, `media_present`, `media_gone`,
   * `timeout`, …); never the page's content or a URL.
   */
  readonly detail: string | null;
}

/** One notice-and-takedown of one reported URL (DOMAIN.md §8.6). */
export interface Takedown {
  /** Sortable unique id (ULID); also the reference quoted in the notice. */
  readonly id: string;
  readonly reportId: string;
  readonly urlId: number;
  /** The reported URL the notice is about (copied: the notice must say what it said then). */
  readonly url: string;
  /** The host's abuse desk (e-mail address). */
  readonly recipient: string;
  /** The language of the notice. */
  readonly language: ReportLanguage;
  /** Who is to deliver the notice to the host. */
  readonly via: TakedownVia;
  readonly status: TakedownStatus;
  /** Who delivered it, once sent: the hotline, or the police unit it was handed to. */
  readonly sentBy: TakedownVia | null;
  /** The address the e-mail went to (the host's abuse desk or the police unit); null when nothing was mailed. */
  readonly sentTo: string | null;
  /** The police or referral reference, for a notice handed to the police. */
  readonly referralReference: string | null;
  /** When the notice went out, or was handed to the police: the start of the removal time. */
  readonly noticeSentAt: Date | null;
  /**
   * The RFC 5322 Message-ID of the notice (with angle brackets), fixed when the takedown is
   * created: a send repeated after a crash carries the same id, so the duplicate is recognisable.
   */
  readonly messageId: string;
  /** Send attempts so far (recorded before each attempt). */
  readonly sendAttempts: number;
  /** The error code of the last failed send, or null. */
  readonly lastError: string | null;
  /** When a re-check first found the content gone (the end of the removal time). */
  readonly removedConfirmedAt: Date | null;
  /** When the scheduler acts next: a send retry while pending, the next re-check after the notice; null when done. */
  readonly nextCheckAt: Date | null;
  /** Every re-check, oldest first. */
  readonly checks: readonly TakedownCheck[];
  readonly createdAt: Date;
  /** The analyst who created it. */
  readonly createdBy: string;
}

const HOUR_MS = 3_600_000;

/**
 * Hours from the notice to the confirmed removal, or null when either is missing. Measured from
 * `noticeSentAt` (the e-mail accepted by our SMTP server, or the hand-over to the police) to
 * `removedConfirmedAt` (the first re-check that found the content gone): so it is the time to a
 * *confirmed* removal and over-states the true time by at most one check interval, the way
 * hotlines measure it (they can only know what a check saw).
 */
export function timeToRemovalHours(
  takedown: Pick<Takedown, 'noticeSentAt' | 'removedConfirmedAt'>,
): number | null {
  const { noticeSentAt, removedConfirmedAt } = takedown;
  if (noticeSentAt === null || removedConfirmedAt === null) return null;
  return Math.max(0, removedConfirmedAt.getTime() - noticeSentAt.getTime()) / HOUR_MS;
}

/**
 * The bucket of a removal time in hours: `same_day` below 24 h, `<=3d` up to and including 72 h,
 * `<=6d` up to and including 144 h, `>6d` beyond, `not_removed` for null (no confirmed removal).
 */
export function removalBucket(hours: number | null): RemovalBucket {
  if (hours === null || !Number.isFinite(hours)) return 'not_removed';
  if (hours < 24) return 'same_day';
  if (hours <= 72) return '<=3d';
  if (hours <= 144) return '<=6d';
  return '>6d';
}

/** The bucket of a takedown: {@link removalBucket} of {@link timeToRemovalHours}. */
export function removalBucketOf(
  takedown: Pick<Takedown, 'noticeSentAt' | 'removedConfirmedAt'>,
): RemovalBucket {
  return removalBucket(timeToRemovalHours(takedown));
}

/** When the URL is re-checked after a notice. */
export interface CheckSchedule {
  /** Checks this many hours after the notice, ascending (default 1, 6, 24). */
  readonly offsetsHours: readonly number[];
  /** Then one check a day after the last offset, up to this many days after the notice (default 14). */
  readonly dailyUntilDays: number;
}

/** The default re-check schedule: 1 h, 6 h, 24 h, then daily until 14 days. */
export const DEFAULT_CHECK_SCHEDULE: CheckSchedule = { offsetsHours: [1, 6, 24], dailyUntilDays: 14 };

/** Every planned re-check time, in hours after the notice, ascending and distinct. */
export function plannedCheckHours(schedule: CheckSchedule): number[] {
  const end = schedule.dailyUntilDays * 24;
  const hours = new Set(schedule.offsetsHours.filter((h) => h > 0 && h <= end));
  const last = Math.max(0, ...hours);
  for (let h = last + 24; h <= end; h += 24) hours.add(h);
  return [...hours].sort((a, b) => a - b);
}

/** The first planned re-check strictly after `after`, or null when the schedule has ended. */
export function nextPlannedCheck(noticeSentAt: Date, after: Date, schedule: CheckSchedule): Date | null {
  for (const hours of plannedCheckHours(schedule)) {
    const at = noticeSentAt.getTime() + hours * HOUR_MS;
    if (at > after.getTime()) return new Date(at);
  }
  return null;
}
