// The statistics rules (outcomes, the combined assessment), the assembly of figures, the CSV, the
// small-count suppression of public figures (table tests and properties), and the service: periods,
// which years are public, the audited export. Memory stores only; SQL is tested in packages/storage.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  MIN_PUBLISHED_COUNT,
  StatisticsService,
  assembleFigures,
  combineAssessments,
  figuresToCsv,
  mediaOutcomeOf,
  monthsOf,
  parseStatisticsPeriod,
  publicFiguresOf,
  reportOutcomeOf,
  suppressSmallCounts,
  type Analyst,
  type AssessmentFacts,
  type FigureCounts,
  type PublishedCount,
  type SuppressedTable,
} from '../../src/index.js';
import {
  SEED_ASSESSMENT,
  createManualClock,
  createMemoryHotlineStore,
  createMemoryStatisticsStore,
  demoStatisticsReports,
  seedStatisticsReports,
} from '../../src/testing/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const facts = (partial: Partial<AssessmentFacts>): AssessmentFacts => ({ ...SEED_ASSESSMENT, ...partial });

describe('statistics rules', () => {
  it.each([
    ['known material, never assessed', true, [], 'previously_known'],
    ['two analysts: illegal', false, ['illegal', 'illegal'], 'illegal_confirmed'],
    ['one analyst: illegal', false, ['illegal'], 'illegal'],
    [
      'illegal and not illegal (disagreement counts as one illegal)',
      false,
      ['illegal', 'not_illegal'],
      'illegal',
    ],
    ['borderline only', false, ['borderline_needs_review'], 'needs_review'],
    ['unable to assess and not illegal', false, ['not_illegal', 'unable_to_assess'], 'needs_review'],
    ['not illegal', false, ['not_illegal', 'not_illegal'], 'not_illegal'],
    ['nothing yet', false, [], 'pending'],
  ] as const)('media outcome: %s', (_name, known, statuses, expected) => {
    expect(
      mediaOutcomeOf(
        { previouslyAssessed: known },
        statuses.map((nationalStatus) => ({ nationalStatus })),
      ),
    ).toBe(expected);
  });

  it.each([
    ['received', true, 'illegal'],
    ['closed_duplicate', true, 'illegal'],
    ['closed_duplicate', false, 'duplicate'],
    ['closed_inaccessible', false, 'inaccessible'],
    ['closed_out_of_remit', false, 'out_of_remit'],
    ['closed_not_illegal', false, 'not_illegal'],
    ['assessed', false, 'not_illegal'],
    ['forwarded', false, 'not_illegal'],
    ['removed_confirmed', false, 'not_illegal'],
    ['in_assessment', false, 'in_progress'],
    ['received', false, 'in_progress'],
  ] as const)('report outcome: %s with illegal media %s → %s', (status, illegal, expected) => {
    expect(reportOutcomeOf(status, illegal)).toBe(expected);
  });

  it('combines assessments: youngest band, most severe category, "self-generated" and AI-generation never outvoted', () => {
    expect(
      combineAssessments([
        facts({ ageBand: '14-15', severityUk: 'C', selfGenerated: 'no', contentOrigin: 'photographic' }),
        facts({ ageBand: '7-10', severityUk: 'A', selfGenerated: 'yes', contentOrigin: 'ai_generated' }),
        facts({ ageBand: 'unknown', severityUk: null, selfGenerated: 'unknown', contentOrigin: 'unknown' }),
      ]),
    ).toEqual({ ageBand: '7-10', severity: 'A', selfGenerated: 'yes', contentOrigin: 'ai_generated' });
    expect(
      combineAssessments([
        facts({ ageBand: 'unknown', severityUk: null, selfGenerated: 'unknown', contentOrigin: 'unknown' }),
      ]),
    ).toEqual({
      ageBand: 'unknown',
      severity: 'none',
      selfGenerated: 'unknown',
      contentOrigin: 'unknown',
    });
    expect(
      combineAssessments([facts({ selfGenerated: 'unknown' }), facts({ selfGenerated: 'no' })]).selfGenerated,
    ).toBe('no');
  });
});

const EMPTY_COUNTS: FigureCounts = {
  reportsByMonthChannel: [],
  reportOutcome: [],
  urlAccessibility: [],
  hostingCountries: [],
  mediaOutcome: [],
  ageSeverity: [],
  selfGenerated: [],
  contentOrigin: [],
  referralTargets: null,
  removalTimes: null,
};
const YEAR_2025 = { from: new Date(Date.UTC(2025, 0, 1)), to: new Date(Date.UTC(2026, 0, 1)) };

describe('figures', () => {
  it('lists the months a period touches, partial months included', () => {
    expect(monthsOf(YEAR_2025)).toHaveLength(12);
    expect(monthsOf({ from: new Date(Date.UTC(2024, 10, 15)), to: new Date(Date.UTC(2025, 1, 2)) })).toEqual([
      '2024-11',
      '2024-12',
      '2025-01',
      '2025-02',
    ]);
  });

  it('reads periods: defaults to the current year, refuses bad dates, reversed and too long periods', () => {
    const now = new Date(Date.UTC(2026, 10, 26, 12));
    expect(parseStatisticsPeriod({}, now)).toEqual({
      from: new Date(Date.UTC(2026, 0, 1)),
      to: new Date(Date.UTC(2027, 0, 1)),
    });
    expect(parseStatisticsPeriod({ from: '2025-03-01', to: '2025-04-01' }, now)).toEqual({
      from: new Date(Date.UTC(2025, 2, 1)),
      to: new Date(Date.UTC(2025, 3, 1)),
    });
    const codeOf = (query: Record<string, unknown>) => {
      try {
        parseStatisticsPeriod(query, now);
        return 'ok';
      } catch (error) {
        return error instanceof DomainError ? `${error.code} ${error.details[0]?.at}` : 'other';
      }
    };
    expect(codeOf({ from: '2025-02-30' })).toBe('VALIDATION_FAILED /from');
    expect(codeOf({ to: '2025/01/01' })).toBe('VALIDATION_FAILED /to');
    expect(codeOf({ from: ['2025-01-01'] })).toBe('VALIDATION_FAILED /from');
    expect(codeOf({ from: '2025-05-01', to: '2025-05-01' })).toBe('VALIDATION_FAILED /to');
    expect(codeOf({ from: '2000-01-01', to: '2025-01-01' })).toBe('VALIDATION_FAILED /from');
  });

  it('fills zeros in vocabulary order, ranks countries with unknown last, and gives every share its base', () => {
    const figures = assembleFigures(
      {
        ...EMPTY_COUNTS,
        reportsByMonthChannel: [
          { key: '2025-03', subkey: 'web_form', count: 3 },
          { key: '2025-03', subkey: 'email', count: 1 },
          { key: '2025-07', subkey: 'web_form', count: 1 },
        ],
        reportOutcome: [
          { key: 'illegal', subkey: null, count: 2 },
          { key: 'not_illegal', subkey: null, count: 1 },
          { key: 'in_progress', subkey: null, count: 2 },
        ],
        hostingCountries: [
          { key: 'unknown', subkey: null, count: 5 },
          { key: 'US', subkey: null, count: 1 },
          { key: 'NL', subkey: null, count: 3 },
        ],
        mediaOutcome: [
          { key: 'previously_known', subkey: null, count: 1 },
          { key: 'illegal', subkey: null, count: 3 },
          { key: 'not_illegal', subkey: null, count: 4 },
        ],
        selfGenerated: [
          { key: 'yes', subkey: null, count: 1 },
          { key: 'no', subkey: null, count: 2 },
        ],
        contentOrigin: [{ key: 'ai_generated', subkey: null, count: 3 }],
        removalTimes: [{ key: '<=3d', subkey: null, count: 2 }],
      },
      YEAR_2025,
      new Date(Date.UTC(2026, 0, 2)),
    );
    const s = figures.sections;
    expect(s.reports_by_month_channel.cells).toHaveLength(12 * 8);
    expect(s.reports_by_month_channel.total).toBe(5);
    expect(s.reports_by_channel.cells.map((c) => [c.key, c.count])).toEqual([
      ['web_form', 4],
      ['email', 1],
      ['phone_116000', 0],
      ['api_trusted_flagger', 0],
      ['proactive_search', 0],
      ['crawler_match', 0],
      ['iccam_incoming', 0],
      ['partner_referral', 0],
    ]);
    expect(s.hosting_countries.cells.map((c) => c.key)).toEqual(['NL', 'US', 'unknown']);
    expect(s.media_known.cells.map((c) => [c.key, c.count])).toEqual([
      ['new', 7],
      ['previously_known', 1],
    ]);
    expect(s.referral_targets).toMatchObject({ available: false, cells: [] });
    expect(s.removal_times.cells.map((c) => c.count)).toEqual([0, 2, 0, 0, 0]);
    const overview = Object.fromEntries(s.overview.cells.map((c) => [c.key, c]));
    expect(overview.reports_received).toMatchObject({ count: 5, base: null, share: null });
    expect(overview.reports_assessed).toMatchObject({ count: 3, base: 5, share: 0.6 });
    expect(overview.reports_illegal).toMatchObject({ count: 2, base: 3 });
    expect(overview.reports_illegal!.share).toBeCloseTo(2 / 3);
    expect(overview.media_illegal).toMatchObject({ count: 4, base: 8, share: 0.5 });
    expect(overview.media_ai_generated).toMatchObject({ count: 3, base: 3, share: 1 });
    expect(s.report_outcome.cells.find((c) => c.key === 'illegal')).toMatchObject({
      count: 2,
      base: 5,
      share: 0.4,
    });
  });

  it('writes CSV with a stable header, one row per cell, totals, no formulas', () => {
    const figures = assembleFigures(
      {
        ...EMPTY_COUNTS,
        reportsByMonthChannel: [{ key: '2025-01', subkey: 'web_form', count: 3 }],
        reportOutcome: [{ key: 'illegal', subkey: null, count: 3 }],
      },
      YEAR_2025,
      new Date(),
    );
    const { csv, rows } = figuresToCsv(figures);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('section,key,subkey,count,share');
    expect(lines).toContain('reports_by_month_channel,2025-01,web_form,3,1.0000');
    expect(lines).toContain('report_outcome,illegal,,3,1.0000');
    expect(lines).toContain('report_outcome,total,,3,1.0000');
    expect(lines).toContain('overview,reports_received,,3,');
    expect(lines.filter((l) => l.startsWith('referral_targets'))).toEqual([]);
    expect(rows).toBe(lines.length - 2);
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});

/** Every entry of a suppressed table with its original count, for the checks below. */
function entries(table: SuppressedTable, counts: readonly (readonly number[])[]) {
  const out: { published: PublishedCount; count: number; lines: string[] }[] = [];
  const r = counts.length;
  const c = table.columns.length;
  const rowTotal = (i: number) => counts[i]!.reduce((a, b) => a + b, 0);
  const colTotal = (j: number) => counts.reduce((a, row) => a + row[j]!, 0);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++)
      out.push({ published: table.cells[i]![j]!, count: counts[i]![j]!, lines: [`r${i}`, `c${j}`] });
    out.push({ published: table.rowTotals[i]!, count: rowTotal(i), lines: [`r${i}`, 'cT'] });
  }
  for (let j = 0; j < c; j++)
    out.push({ published: table.columnTotals[j]!, count: colTotal(j), lines: ['rT', `c${j}`] });
  out.push({ published: table.total, count: counts.flat().reduce((a, b) => a + b, 0), lines: ['rT', 'cT'] });
  return out;
}

describe('small-count suppression', () => {
  const one = (counts: number[]) =>
    suppressSmallCounts({
      rows: counts.map((_, i) => `k${i}`),
      columns: ['count'],
      counts: counts.map((n) => [n]),
    });
  const shown = (table: SuppressedTable) =>
    table.cells.map((row) => row[0]!).map((p) => ('value' in p ? p.value : p.suppressed));

  it('withholds counts 1–9, publishes 0 and ≥ 10', () => {
    const table = one([0, 10, 25, 12]);
    expect(shown(table)).toEqual([0, 10, 25, 12]);
    expect(table.total).toEqual({ value: 47 });
    expect(shown(one([9, 1, 30, 40]))).toEqual(['small', 'small', 30, 40]);
  });

  it('withholds the next smallest count when a single small one could be worked out from the total', () => {
    const table = one([3, 25, 12, 40]);
    expect(shown(table)).toEqual(['small', 25, 'complement', 40]);
    expect(table.total).toEqual({ value: 80 });
    // Ties: the first in order.
    expect(shown(one([3, 12, 12]))).toEqual(['small', 'complement', 12]);
    // Zeros are never the complement (a withheld 0 next to a small count gives it away).
    expect(shown(one([4, 0, 20]))).toEqual(['small', 0, 'complement']);
  });

  it('withholds the total when a single small count is the only non-zero cell', () => {
    const table = one([0, 7, 0]);
    expect(shown(table)).toEqual([0, 'small', 0]);
    expect(table.total).toEqual({ suppressed: 'small' });
  });

  it('in a cross-tab, protects rows and columns alike', () => {
    const counts = [
      [20, 3, 15],
      [11, 12, 30],
      [14, 40, 25],
    ];
    const table = suppressSmallCounts({ rows: ['a', 'b', 'c'], columns: ['x', 'y', 'z'], counts });
    const withheld = entries(table, counts).filter((e) => 'suppressed' in e.published);
    expect(withheld.find((e) => e.count === 3)?.published).toEqual({ suppressed: 'small' });
    expect(withheld.length).toBeGreaterThanOrEqual(4);
    expect(table.total).toEqual({ value: 170 });
  });

  it('refuses k below 10 and bad counts', () => {
    expect(() => suppressSmallCounts({ rows: ['a'], columns: ['n'], counts: [[1]] }, 5)).toThrow(RangeError);
    expect(() => suppressSmallCounts({ rows: ['a'], columns: ['n'], counts: [[-1]] })).toThrow(RangeError);
    expect(() => suppressSmallCounts({ rows: ['a'], columns: ['n'], counts: [[1.5]] })).toThrow(RangeError);
  });

  it('property: no count from 1 to k − 1 is published, published counts are exact, no row or column has exactly one withheld entry, the grand total is withheld only when small', () => {
    const tables = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 10, max: 15 }))
      .chain(([r, c, k]) =>
        fc.tuple(
          fc.array(
            fc.array(
              fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 10, max: 60 })),
              { minLength: c, maxLength: c },
            ),
            {
              minLength: r,
              maxLength: r,
            },
          ),
          fc.constant(k),
        ),
      );
    fc.assert(
      fc.property(tables, ([counts, k]) => {
        const table = suppressSmallCounts(
          { rows: counts.map((_, i) => `r${i}`), columns: counts[0]!.map((_, j) => `c${j}`), counts },
          k,
        );
        const all = entries(table, counts);
        for (const entry of all) {
          if (entry.count >= 1 && entry.count < k) expect(entry.published).toEqual({ suppressed: 'small' });
          if ('value' in entry.published) expect(entry.published.value).toBe(entry.count);
          if ('suppressed' in entry.published && entry.published.suppressed === 'complement') {
            expect(entry.count === 0 || entry.count >= k).toBe(true);
          }
        }
        // Tables sharing a grand total (reports received) must agree on it: it is only ever withheld as small.
        if ('suppressed' in table.total) expect(table.total.suppressed).toBe('small');
        const lines = new Set(all.flatMap((e) => e.lines));
        for (const line of lines) {
          const withheld = all.filter((e) => e.lines.includes(line) && 'suppressed' in e.published).length;
          expect(withheld, `line ${line}`).not.toBe(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});

const analyst: Analyst = {
  id: 'analyst-1',
  username: 'ana',
  displayName: 'Ana',
  role: 'analyst',
  passwordHash: 'x',
  totpSecretSealed: null,
  disabled: false,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

describe('statistics service on the memory stores', () => {
  async function setup(now = new Date(Date.UTC(2026, 10, 26, 12)), publishCurrentYear = false) {
    const clock = createManualClock(now);
    const { hotline, statistics } = createMemoryStatisticsStore({
      hotline: createMemoryHotlineStore({ clock, sha256Hex }),
      takedowns: async () => [],
    });
    await seedStatisticsReports(hotline, demoStatisticsReports(2025));
    const service = new StatisticsService({
      store: statistics,
      audit: hotline,
      clock,
      publicFigures: { k: MIN_PUBLISHED_COUNT, publishCurrentYear, firstYear: 2020, cacheMs: 60_000 },
    });
    return { service, hotline, clock, statistics };
  }

  it('computes the demo year: outcomes, known media, countries, characteristics', async () => {
    const { service } = await setup();
    const figures = await service.figures(analyst, { from: '2025-01-01', to: '2026-01-01' });
    const count = (id: keyof typeof figures.sections, key: string, subkey: string | null = null) =>
      figures.sections[id].cells.find((c) => c.key === key && c.subkey === subkey)?.count;
    expect(figures.sections.report_outcome.total).toBe(57);
    expect(count('report_outcome', 'illegal')).toBe(31);
    expect(count('report_outcome', 'not_illegal')).toBe(12);
    expect(count('report_outcome', 'duplicate')).toBe(4);
    expect(count('report_outcome', 'inaccessible')).toBe(3);
    expect(count('report_outcome', 'in_progress')).toBe(7);
    expect(figures.sections.hosting_countries.cells.map((c) => [c.key, c.count])).toEqual([
      ['NL', 14],
      ['US', 11],
      ['DE', 3],
      ['FR', 1],
      ['unknown', 2],
    ]);
    expect(count('media_outcome', 'previously_known')).toBe(8);
    expect(count('media_outcome', 'illegal_confirmed')).toBe(16);
    expect(count('media_outcome', 'illegal')).toBe(15);
    expect(count('media_outcome', 'needs_review')).toBe(2);
    expect(count('media_outcome', 'not_illegal')).toBe(12 + 5);
    expect(figures.sections.age_severity.total).toBe(31);
    expect(count('content_origin', 'ai_generated')).toBe(5);
    expect(count('self_generated', 'yes')).toBe(11);
    expect(figures.sections.referral_targets.available).toBe(false);
    expect(figures.sections.removal_times).toMatchObject({ available: true, total: 0 });
    // Reports just outside the year are not counted; the March peak is.
    expect(count('reports_by_month_channel', '2025-03', 'web_form')).toBeGreaterThanOrEqual(10);
  });

  it('audits a CSV export with who, the period and the row count', async () => {
    const { service, hotline } = await setup();
    const exported = await service.exportCsv(analyst, { from: '2025-01-01', to: '2026-01-01' });
    expect(exported.filename).toBe('hashline-statistics-2025-01-01_2026-01-01.csv');
    const [event] = await hotline.listAudit({ action: 'statistics_exported', limit: 10 });
    expect(event).toMatchObject({
      actor: 'analyst-1',
      subjectType: 'statistics',
      details: { from: '2025-01-01', to: '2026-01-01', rows: exported.rows, format: 'csv' },
    });
  });

  it('publishes completed years only by default, with small counts withheld', async () => {
    const { service } = await setup();
    expect(service.publishedYears()[0]).toBe(2025);
    const published = await service.publicFigures('2025');
    expect(published.year).toBe(2025);
    const countries = published.tables.find((t) => t.id === 'hosting_countries')!;
    expect(countries.rows).toEqual(['NL', 'US', 'DE', 'FR', 'unknown']);
    expect(countries.cells.map((row) => row[0])).toEqual([
      { value: 14 },
      { value: 11 },
      { suppressed: 'small' },
      { suppressed: 'small' },
      { suppressed: 'small' },
    ]);
    expect(published.tables.map((t) => t.id)).not.toContain('referral_targets');
    const json = JSON.stringify(published);
    expect(json).not.toMatch(/example\.test|01STATS|demo report/);
    await expect(service.publicFigures('2026')).rejects.toMatchObject({ code: 'FIGURES_NOT_PUBLISHED' });
    await expect(service.publicFigures('2019')).rejects.toMatchObject({ code: 'FIGURES_NOT_PUBLISHED' });
    await expect(service.publicFigures('twenty')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await service.publicFigures()).year).toBe(2025);
  });

  it('reuses public figures for cacheMs, then recomputes', async () => {
    const { service, hotline, clock } = await setup(new Date(Date.UTC(2026, 10, 26)), true);
    const before = await service.publicFigures('2026');
    await seedStatisticsReports(
      hotline,
      [{ receivedAt: new Date(Date.UTC(2026, 5, 1)), urls: [{ accessibility: null }] }],
      'T',
    );
    expect(await service.publicFigures('2026')).toBe(before);
    clock.advance(60_001);
    const after = await service.publicFigures('2026');
    expect(after).not.toBe(before);
  });

  it('refuses a k below 10', async () => {
    const { statistics, hotline, clock } = await setup();
    expect(
      () =>
        new StatisticsService({
          store: statistics,
          audit: hotline,
          clock,
          publicFigures: { k: 5, publishCurrentYear: false, firstYear: 2020, cacheMs: 0 },
        }),
    ).toThrow(RangeError);
  });

  it('public figures come from suppressed tables only', () => {
    const figures = assembleFigures(
      {
        ...EMPTY_COUNTS,
        reportsByMonthChannel: [
          { key: '2025-01', subkey: 'web_form', count: 12 },
          { key: '2025-02', subkey: 'email', count: 2 },
        ],
      },
      YEAR_2025,
      new Date(),
    );
    const published = publicFiguresOf(figures, 2025, 10);
    const months = published.tables.find((t) => t.id === 'reports_by_month_channel')!;
    expect(months.columns).toHaveLength(8);
    expect(months.rows).toHaveLength(12);
    expect(months.total).toEqual({ value: 14 });
    expect(months.cells[1]![1]).toEqual({ suppressed: 'small' });
    expect(JSON.stringify(months)).not.toMatch(/"value":2\b/);
  });
});
