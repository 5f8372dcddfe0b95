// The statistics store's SQL (GROUP BY on SQLite and PostgreSQL) against the rules as the memory
// store applies them row by row, on the same seeded year: every section equal. Also: the period
// boundaries, figures that survive the retention job's deletions, and the referral and takedown
// sections (unavailable without their tables, counted with them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assembleFigures,
  type FigureCounts,
  type HotlineStore,
  type StatisticsPeriod,
  type StatisticsStore,
} from '@hashline/domain';
import {
  createManualClock,
  createMemoryHotlineStore,
  createMemoryStatisticsStore,
  demoStatisticsReports,
  seedStatisticsReports,
} from '@hashline/domain/testing';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openPostgresStore,
  openSqliteStore,
  openStatisticsStore,
  type HashlineStoreWithHotline,
} from '../src/index.js';
import { sha256Hex } from './contract/hotline-store.contract.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
  runSql,
} from './support/postgres.js';

const YEAR: StatisticsPeriod = { from: new Date(Date.UTC(2025, 0, 1)), to: new Date(Date.UTC(2026, 0, 1)) };
const AT = new Date(Date.UTC(2026, 1, 1));

/** One SQL engine: the store, its statistics on a connection of their own, and raw SQL beside them. */
interface SqlEngine {
  readonly store: HashlineStoreWithHotline;
  readonly statistics: StatisticsStore & { close(): Promise<void> };
  exec(text: string): Promise<void>;
  dispose(): Promise<void>;
}

async function sqliteEngine(): Promise<SqlEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-statistics-'));
  const file = join(dir, 'store.db');
  const store = await openSqliteStore({ file, clock: createManualClock(AT) });
  const statistics = await openStatisticsStore(`sqlite:${file}`);
  return {
    store,
    statistics,
    exec: async (text) => {
      const db = new BetterSqlite3(file);
      try {
        db.exec(text);
      } finally {
        db.close();
      }
    },
    dispose: async () => {
      await statistics.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresEngine(): Promise<SqlEngine> {
  await requirePostgres();
  const schema = freshSchemaName();
  const store = await openPostgresStore({
    connectionString: POSTGRES_TEST_URL,
    schema,
    clock: createManualClock(AT),
  });
  const statistics = await openStatisticsStore(POSTGRES_TEST_URL, { schema });
  return {
    store,
    statistics,
    exec: (text) => runSql(schema, text),
    dispose: async () => {
      await statistics.close();
      await store.close();
      await dropSchema(schema);
    },
  };
}

/**
 * The same demo year in the memory stores: the oracle. Referral and takedown sections are available
 * where the SQL store has their tables (`like`), with no records.
 */
async function memoryCounts(period: StatisticsPeriod, like: FigureCounts): Promise<FigureCounts> {
  const { hotline, statistics } = createMemoryStatisticsStore({
    hotline: createMemoryHotlineStore({ clock: createManualClock(AT), sha256Hex }),
    ...(like.referralTargets === null ? {} : { referrals: async () => [] }),
    ...(like.removalTimes === null ? {} : { takedowns: async () => [] }),
  });
  await seedStatisticsReports(hotline, demoStatisticsReports(2025));
  return statistics.countFigures(period);
}

const figures = (counts: FigureCounts, period: StatisticsPeriod = YEAR) =>
  assembleFigures(counts, period, AT);

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('statistics on %s', (engineName, open) => {
  let engine: SqlEngine;
  let hotline: HotlineStore;

  beforeEach(async () => {
    engine = await open();
    hotline = engine.store.hotline;
    await seedStatisticsReports(hotline, demoStatisticsReports(2025));
  });

  afterEach(async () => {
    await engine?.dispose();
  });

  it('computes every section of the demo year as the rules do row by row', async () => {
    const counts = await engine.statistics.countFigures(YEAR);
    const sql = figures(counts);
    const memory = figures(await memoryCounts(YEAR, counts));
    for (const [id, section] of Object.entries(memory.sections)) {
      expect(sql.sections[id as keyof typeof sql.sections], id).toEqual(section);
    }
    // And the numbers the fixture was built to produce.
    const s = sql.sections;
    expect(s.report_outcome.total).toBe(57);
    expect(s.hosting_countries.cells.map((c) => [c.key, c.count])).toEqual([
      ['NL', 14],
      ['US', 11],
      ['DE', 3],
      ['FR', 1],
      ['unknown', 2],
    ]);
    expect(s.overview.cells.find((c) => c.key === 'reports_illegal')).toMatchObject({ count: 31, base: 50 });
    expect(s.age_severity.cells.find((c) => c.key === '11-13' && c.subkey === 'C')!.count).toBeGreaterThan(0);
  });

  it('counts by the received date: from inclusive, to exclusive, months in UTC', async () => {
    // The fixture has a report at 2024-12-31T23:59:59.999Z and one at 2026-01-01T00:00:00Z.
    const december = { from: new Date(Date.UTC(2024, 11, 1)), to: YEAR.from };
    const sqlDecember = figures(await engine.statistics.countFigures(december), december);
    expect(sqlDecember.sections.reports_by_month_channel.cells.filter((c) => c.count > 0)).toMatchObject([
      { key: '2024-12', subkey: 'email', count: 1 },
    ]);
    expect(sqlDecember.sections.media_outcome.cells.find((c) => c.key === 'previously_known')!.count).toBe(1);
    const january2026 = { from: YEAR.to, to: new Date(Date.UTC(2026, 1, 1)) };
    expect((await engine.statistics.countFigures(january2026)).reportsByMonthChannel).toEqual([
      { key: '2026-01', subkey: 'email', count: 1 },
    ]);
    const empty = { from: new Date(Date.UTC(2020, 0, 1)), to: new Date(Date.UTC(2020, 6, 1)) };
    const none = await engine.statistics.countFigures(empty);
    expect(figures(none, empty)).toEqual(figures(await memoryCounts(empty, none), empty));
  });

  it('survives the deletion of personal data: descriptions, contacts, media bytes and thumbnails', async () => {
    const before = await engine.statistics.countFigures(YEAR);
    // The retention job's own deletion, for every closed report…
    const due = await hotline.listRetentionDue(new Date(Date.UTC(2100, 0, 1)), 1000);
    expect(due.length).toBe(12 + 4 + 3); // the closed reports of the demo year
    for (const candidate of due) await hotline.purgePersonalData(candidate.reportId, AT);
    expect(await engine.statistics.countFigures(YEAR)).toEqual(before);
    // …and, beyond it, every column and table with personal data emptied.
    await engine.exec(`
      update reports set description = null, contact_id = null;
      delete from reporter_contacts;
      delete from media_blobs;
      delete from report_idempotency;
      delete from analyst_sessions;`);
    expect(await engine.statistics.countFigures(YEAR)).toEqual(before);
  });

  it('reports the referral and takedown sections as unavailable where their tables are missing', async () => {
    // A database from before migrations 0004/0005 (or with them rolled back).
    await engine.exec('drop table takedown_checks; drop table takedowns; drop table referrals;');
    const counts = await engine.statistics.countFigures(YEAR);
    expect(counts.referralTargets).toBeNull();
    expect(counts.removalTimes).toBeNull();
    expect(figures(counts).sections.removal_times).toMatchObject({
      available: false,
      total: null,
      cells: [],
    });
    expect(counts.reportOutcome.length).toBeGreaterThan(0);
  });

  it("counts takedowns by time to removal and referrals by target, for the period's reports only", async () => {
    const before = await engine.statistics.countFigures(YEAR);
    expect(before.referralTargets).toEqual([]);
    expect(before.removalTimes).toEqual([]);
    const t = (iso: string | null) =>
      iso === null ? 'null' : engineName === 'postgres' ? `'${iso}'::timestamptz` : `'${iso}'`;
    const [first, second] = demoIds();
    const urlOf = async (reportId: string) => (await hotline.listUrls(reportId))[0]!.id;
    const referrals: [string, string, string, string][] = [
      ['r1', first, 'federal_police_child_abuse', 'BE'],
      ['r2', first, 'inhope_hotline_via_iccam', 'NL'],
      ['r3', second, 'inhope_hotline_via_iccam', 'NL'],
      ['r4', outsideId(), 'inhope_hotline_via_iccam', 'NL'],
    ];
    for (const [id, reportId, target, country] of referrals) {
      // Every column 0004 requires; the statistics read report_id and target.
      await engine.exec(`insert into referrals (id, report_id, target, target_name, target_country, basis, actionable,
          status, external_ref, created_at, created_by, sent_at, updated_at, url_ids)
        values ('${id}', '${reportId}', '${target}', 'Recipient', '${country}', 'hosted_abroad_inhope', 'referral',
          'pending', null, ${t('2025-03-02T09:00:00.000Z')}, 'test', null, ${t('2025-03-02T09:00:00.000Z')}, '[]')`);
    }
    const takedowns: [string, string, string | null, string | null][] = [
      ['t1', first, '2025-03-02T10:00:00.000Z', '2025-03-02T20:00:00.000Z'],
      ['t2', first, '2025-03-02T10:00:00.000Z', '2025-03-05T10:00:00.000Z'],
      ['t3', second, '2025-03-02T10:00:00.000Z', '2025-03-05T10:00:00.001Z'],
      ['t4', second, '2025-03-02T10:00:00.000Z', '2025-03-20T10:00:00.000Z'],
      ['t5', second, '2025-03-02T10:00:00.000Z', null],
      ['t6', demoIds()[2], null, null],
      ['t7', outsideId(), '2026-01-02T10:00:00.000Z', null],
    ];
    for (const [id, reportId, sent, removed] of takedowns) {
      // Every column 0005 requires; the statistics read report_id, notice_sent_at and removed_confirmed_at.
      await engine.exec(`insert into takedowns (id, report_id, url_id, url, recipient, language, via, status,
          notice_sent_at, message_id, send_attempts, removed_confirmed_at, created_at, created_by)
        values ('${id}', '${reportId}', ${await urlOf(reportId)}, 'https://x.example.test/', 'abuse@example.test', 'en',
          'hotline', '${removed ? 'removed' : sent ? 'notice_sent' : 'pending'}', ${t(sent)}, '<${id}@example.test>', 1,
          ${t(removed)}, ${t('2025-03-02T09:00:00.000Z')}, 'test')`);
    }
    const after = figures(await engine.statistics.countFigures(YEAR));
    expect(after.sections.referral_targets.cells.map((c) => [c.key, c.count])).toEqual([
      ['inhope_hotline_via_iccam', 2],
      ['federal_police_child_abuse', 1],
    ]);
    expect(after.sections.removal_times.cells.map((c) => [c.key, c.count])).toEqual([
      ['same_day', 1],
      ['<=3d', 1],
      ['<=6d', 1],
      ['>6d', 1],
      ['not_removed', 1],
    ]);
    const memory = createMemoryStatisticsStore({
      hotline: createMemoryHotlineStore({ clock: createManualClock(AT), sha256Hex }),
      referrals: async () => [
        { reportId: first, target: 'federal_police_child_abuse' },
        { reportId: first, target: 'inhope_hotline_via_iccam' },
        { reportId: second, target: 'inhope_hotline_via_iccam' },
        { reportId: outsideId(), target: 'inhope_hotline_via_iccam' },
      ],
      takedowns: async () => [
        {
          reportId: first,
          noticeSentAt: new Date('2025-03-02T10:00:00.000Z'),
          removedConfirmedAt: new Date('2025-03-02T20:00:00.000Z'),
        },
        {
          reportId: first,
          noticeSentAt: new Date('2025-03-02T10:00:00.000Z'),
          removedConfirmedAt: new Date('2025-03-05T10:00:00.000Z'),
        },
        {
          reportId: second,
          noticeSentAt: new Date('2025-03-02T10:00:00.000Z'),
          removedConfirmedAt: new Date('2025-03-05T10:00:00.001Z'),
        },
        {
          reportId: second,
          noticeSentAt: new Date('2025-03-02T10:00:00.000Z'),
          removedConfirmedAt: new Date('2025-03-20T10:00:00.000Z'),
        },
        { reportId: second, noticeSentAt: new Date('2025-03-02T10:00:00.000Z'), removedConfirmedAt: null },
        { reportId: demoIds()[2], noticeSentAt: null, removedConfirmedAt: null },
        {
          reportId: outsideId(),
          noticeSentAt: new Date('2026-01-02T10:00:00.000Z'),
          removedConfirmedAt: null,
        },
      ],
    });
    await seedStatisticsReports(memory.hotline, demoStatisticsReports(2025));
    const oracle = figures(await memory.statistics.countFigures(YEAR));
    expect(after.sections.referral_targets).toEqual(oracle.sections.referral_targets);
    expect(after.sections.removal_times).toEqual(oracle.sections.removal_times);
  });
});

/** Ids the fixture gives its first three reports (in the year) and the one after the year. */
function demoIds(): [string, string, string] {
  return ['01STATS000000000000S000000', '01STATS000000000000S000001', '01STATS000000000000S000002'];
}
function outsideId(): string {
  return `01STATS000000000000S${String(demoStatisticsReports(2025).length - 1).padStart(6, '0')}`;
}
