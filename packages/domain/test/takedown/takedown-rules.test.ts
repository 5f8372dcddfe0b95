// The pure rules of notice and takedown: removal buckets at their boundaries, the re-check
// schedule, what one re-check changes, and the notice templates in four languages.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHECK_SCHEDULE,
  DEFAULT_NOTICE_TEMPLATES,
  NOTICE_KINDS,
  REPORT_LANGUAGES,
  afterCheck,
  mergeNoticeTemplates,
  nextPlannedCheck,
  plannedCheckHours,
  removalBucket,
  removalBucketOf,
  renderNotice,
  templateProblems,
  timeToRemovalHours,
  type NoticeValues,
  type Takedown,
  type TakedownCheck,
} from '../../src/index.js';

const HOUR = 3_600_000;
const T = new Date(Date.UTC(2026, 0, 5, 10, 0, 0));
const at = (hours: number) => new Date(T.getTime() + hours * HOUR);

describe('removalBucket', () => {
  it.each([
    [null, 'not_removed'],
    [Number.NaN, 'not_removed'],
    [0, 'same_day'],
    [23.999, 'same_day'],
    [24, '<=3d'],
    [50, '<=3d'],
    [72, '<=3d'],
    [72.001, '<=6d'],
    [144, '<=6d'],
    [144.001, '>6d'],
    [24 * 30, '>6d'],
  ] as const)('%s hours → %s', (hours, bucket) => {
    expect(removalBucket(hours)).toBe(bucket);
  });

  it('measures from the notice to the confirmed removal', () => {
    expect(timeToRemovalHours({ noticeSentAt: T, removedConfirmedAt: at(50) })).toBe(50);
    expect(timeToRemovalHours({ noticeSentAt: T, removedConfirmedAt: null })).toBeNull();
    expect(timeToRemovalHours({ noticeSentAt: null, removedConfirmedAt: at(1) })).toBeNull();
    expect(removalBucketOf({ noticeSentAt: T, removedConfirmedAt: at(50) })).toBe('<=3d');
    expect(removalBucketOf({ noticeSentAt: T, removedConfirmedAt: at(23) })).toBe('same_day');
    expect(removalBucketOf({ noticeSentAt: T, removedConfirmedAt: null })).toBe('not_removed');
  });
});

describe('the re-check schedule', () => {
  it('checks after 1 h, 6 h, 24 h, then daily until 14 days', () => {
    expect(plannedCheckHours(DEFAULT_CHECK_SCHEDULE)).toEqual([
      1, 6, 24, 48, 72, 96, 120, 144, 168, 192, 216, 240, 264, 288, 312, 336,
    ]);
    expect(plannedCheckHours({ offsetsHours: [2, 12], dailyUntilDays: 2 })).toEqual([2, 12, 36]);
  });

  it('gives the first planned check after a time, and null after the last', () => {
    expect(nextPlannedCheck(T, T, DEFAULT_CHECK_SCHEDULE)).toEqual(at(1));
    expect(nextPlannedCheck(T, at(1), DEFAULT_CHECK_SCHEDULE)).toEqual(at(6));
    expect(nextPlannedCheck(T, at(30), DEFAULT_CHECK_SCHEDULE)).toEqual(at(48));
    expect(nextPlannedCheck(T, at(336), DEFAULT_CHECK_SCHEDULE)).toBeNull();
  });
});

describe('afterCheck', () => {
  const sent = (checks: TakedownCheck[] = [], status: Takedown['status'] = 'notice_sent'): Takedown => ({
    id: '01TD',
    reportId: '01R',
    urlId: 1,
    url: 'https://host.example/page',
    recipient: 'abuse@host.example',
    language: 'en',
    via: 'hotline',
    status,
    sentBy: 'hotline',
    sentTo: 'abuse@host.example',
    referralReference: null,
    noticeSentAt: T,
    messageId: '<x@y>',
    sendAttempts: 1,
    lastError: null,
    removedConfirmedAt: null,
    nextCheckAt: at(1),
    checks,
    createdAt: T,
    createdBy: 'a',
  });
  const check = (hours: number, result: TakedownCheck['result']): TakedownCheck => ({
    checkedAt: at(hours),
    result,
    detail: null,
  });

  it.each([
    [
      'online at 1 h → next planned check at 6 h',
      [],
      check(1, 'online'),
      1,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(6) },
    ],
    [
      'offline confirms at once with confirm = 1',
      [check(1, 'online')],
      check(50, 'offline'),
      1,
      { status: 'removed', removedConfirmedAt: at(50), nextCheckAt: null },
    ],
    [
      'first offline with confirm = 2 → one more check within the hour',
      [],
      check(24, 'offline'),
      2,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(25) },
    ],
    [
      'second offline with confirm = 2 → removed at the first',
      [check(24, 'offline')],
      check(25, 'offline'),
      2,
      { status: 'removed', removedConfirmedAt: at(24), nextCheckAt: null },
    ],
    [
      'offline, online, offline with confirm = 2 is not yet confirmed',
      [check(1, 'offline'), check(2, 'online')],
      check(6, 'offline'),
      2,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(7) },
    ],
    [
      'first error → retry in 15 min',
      [],
      check(6, 'error'),
      1,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(6.25) },
    ],
    [
      'third error → retry in 60 min',
      [check(6, 'error'), check(6.25, 'error')],
      check(6.75, 'error'),
      1,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(7.75) },
    ],
    [
      'errors never push past the next planned check',
      [check(1, 'error'), check(2, 'error'), check(3, 'error'), check(4, 'error'), check(5, 'error')],
      check(5.5, 'error'),
      1,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(6) },
    ],
    [
      'online at the last planned check → not removed',
      [],
      check(336, 'online'),
      1,
      { status: 'not_removed', removedConfirmedAt: null, nextCheckAt: null },
    ],
    [
      'an error at the last planned check → a few more tries',
      [],
      check(336, 'error'),
      1,
      { status: 'notice_sent', removedConfirmedAt: null, nextCheckAt: at(336.25) },
    ],
    [
      'then not removed',
      [check(336, 'error'), check(336.25, 'error'), check(336.75, 'error')],
      check(337.75, 'error'),
      1,
      { status: 'not_removed', removedConfirmedAt: null, nextCheckAt: null },
    ],
  ] as const)('%s', (_name, checks, next, confirm, expected) => {
    expect(afterCheck(sent([...checks]), next, DEFAULT_CHECK_SCHEDULE, confirm)).toEqual(expected);
  });

  it('after the schedule ended, an extra check can only confirm a removal', () => {
    const done = sent([check(336, 'online')], 'not_removed');
    expect(afterCheck(done, check(400, 'online'), DEFAULT_CHECK_SCHEDULE, 1)).toEqual({
      status: 'not_removed',
      removedConfirmedAt: null,
      nextCheckAt: null,
    });
    expect(afterCheck(done, check(400, 'error'), DEFAULT_CHECK_SCHEDULE, 1)).toEqual({
      status: 'not_removed',
      removedConfirmedAt: null,
      nextCheckAt: null,
    });
    expect(afterCheck(done, check(400, 'offline'), DEFAULT_CHECK_SCHEDULE, 1)).toEqual({
      status: 'removed',
      removedConfirmedAt: at(400),
      nextCheckAt: null,
    });
  });
});

describe('notice templates', () => {
  const values: NoticeValues = {
    hotlineName: 'Test Hotline',
    urls: ['https://host.example/page', 'https://cdn.example/a.jpg'],
    reference: '01TAKEDOWNREF',
    date: '2026-01-05',
    legalBasis: 'LEGAL-BASIS-LINE',
    contact: 'reply@hotline.example',
    referralReference: 'PV-123',
    hostContact: 'abuse@host.example',
  };

  it.each(NOTICE_KINDS.flatMap((kind) => REPORT_LANGUAGES.map((language) => [kind, language] as const)))(
    '%s in %s fills every placeholder and says "child sexual abuse material" in its language',
    (kind, language) => {
      const template = DEFAULT_NOTICE_TEMPLATES[kind][language];
      expect(templateProblems(template)).toEqual([]);
      const { subject, text } = renderNotice(template, values);
      expect(`${subject}\n${text}`).not.toMatch(/\{\{|\}\}/);
      expect(subject).not.toMatch(/[\r\n]/);
      expect(subject).toContain('01TAKEDOWNREF');
      for (const expected of [
        'Test Hotline',
        'https://host.example/page',
        'https://cdn.example/a.jpg',
        '01TAKEDOWNREF',
        '2026-01-05',
        'LEGAL-BASIS-LINE',
        'reply@hotline.example',
      ]) {
        expect(text).toContain(expected);
      }
      if (kind === 'police_handover') {
        expect(text).toContain('PV-123');
        expect(text).toContain('abuse@host.example');
      }
      const term = {
        en: 'child sexual abuse material',
        nl: 'materiaal van seksueel misbruik van kinderen',
        fr: "matériel d'abus sexuels sur enfants",
        de: 'Darstellungen sexuellen Missbrauchs von Kindern',
      }[language];
      expect(`${subject} ${text}`).toContain(term);
      expect(`${subject} ${text}`.toLowerCase()).not.toMatch(/porn/);
    },
  );

  it('keeps values from adding header lines to the subject', () => {
    const { subject } = renderNotice(
      { subject: 'Ref {{reference}} from {{hotlineName}}', body: 'x' },
      { ...values, hotlineName: 'Evil\r\nBcc: x@y.example' },
    );
    expect(subject).toBe('Ref 01TAKEDOWNREF from Evil Bcc: x@y.example');
  });

  it('refuses an override with an unknown placeholder or a multi-line subject', () => {
    expect(() =>
      mergeNoticeTemplates({ host_notice: { en: { subject: 'Hi {{victimName}}', body: 'b' } } }),
    ).toThrow(/unknown placeholder \{\{victimName\}\}/);
    expect(() => mergeNoticeTemplates({ host_notice: { fr: { subject: 'a\nb', body: 'b' } } })).toThrow(
      /one line/,
    );
    const merged = mergeNoticeTemplates({
      host_notice: { de: { subject: 'Meldung {{reference}}', body: '{{urls}}' } },
    });
    expect(merged.host_notice.de.subject).toBe('Meldung {{reference}}');
    expect(merged.host_notice.en).toBe(DEFAULT_NOTICE_TEMPLATES.host_notice.en);
  });
});
