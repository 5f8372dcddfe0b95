// The statistics dashboard and the public figures page in the system's headless Chromium, against a
// real server on a SQLite file seeded with a known year through the hotline store's API: the charts
// render (SVG bars as many as there are counts, each with <title> and <desc>), every number shown
// equals an independent SQL count on the file, the CSV export downloads and is audited, and on the
// public page every count from 1 to 9 shows as "< 10", never as its number.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MatchEngine, type StatisticsStore } from '@hashline/domain';
import { demoStatisticsReports, seedStatisticsReports } from '@hashline/domain/testing';
import { buildApp, loadConfig, statisticsRoutes } from '@hashline/server';
import {
  openSqliteStore,
  openStatisticsStore,
  type HashlineStoreWithHotline,
  type OpenedStatisticsStore,
} from '@hashline/storage';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { REPO_ROOT } from '../../../tools/test-fixtures.js';

// Chromium shares two cores with the rest of the suite: generous limits, no timed assertions.
vi.setConfig({ testTimeout: 120_000 });

const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'correct horse battery staple';
const YEAR_START = '2025-01-01T00:00:00.000Z';
const YEAR_END = '2026-01-01T00:00:00.000Z';
// Committed screenshots are refreshed on request only.
const SCREENSHOTS =
  process.env.HASHLINE_UPDATE_SCREENSHOTS === '1'
    ? join(REPO_ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'hashline-screenshots-'));

let dir: string;
let store: HashlineStoreWithHotline;
let statistics: OpenedStatisticsStore;
let app: FastifyInstance;
let url: string;
let browser: Browser;
let sqlite: BetterSqlite3.Database;
const contexts: BrowserContext[] = [];
const cspViolations: string[] = [];

/** Builds the figures page and the dashboard's harness page (served as /workbench) into a folder. */
async function buildPages(): Promise<string> {
  const outDir = join(dir, 'web');
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, which would build React's development variant: build what production serves.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: false,
      root: WEB_ROOT,
      base: '/',
      logLevel: 'warn',
      resolve: { conditions: ['@hashline/source'] },
      oxc: { jsx: { runtime: 'automatic' } },
      build: {
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        modulePreload: { polyfill: false },
        assetsInlineLimit: 0,
        rollupOptions: {
          input: {
            figures: join(WEB_ROOT, 'figures.html'),
            harness: join(WEB_ROOT, 'test/support/statistics-harness.html'),
          },
        },
      },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  // The server serves /workbench from workbench.html: here, the harness that mounts the dashboard.
  copyFileSync(join(outDir, 'test/support/statistics-harness.html'), join(outDir, 'workbench.html'));
  return outDir;
}

/** A hashing pool for a server that never hashes here. */
const noHashing: Parameters<typeof buildApp>[0]['hashingPool'] = {
  hashBytes: () => Promise.reject(new Error('no hashing in this test')),
  hashFile: () => Promise.reject(new Error('no hashing in this test')),
  // Cast as apps/server/test/support/test-app.ts does: only /metrics reads these.
  stats: () =>
    ({
      threads: 0,
      isolation: 'thread',
      busy: 0,
      queued: 0,
      retiring: 0,
      completed: 0,
      failed: 0,
      timeouts: 0,
      crashes: 0,
      restarts: 0,
    }) as ReturnType<Parameters<typeof buildApp>[0]['hashingPool']['stats']>,
  close: async () => {},
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-statistics-browser-'));
  const file = join(dir, 'hashline.db');
  store = await openSqliteStore({ file });
  await seedStatisticsReports(store.hotline, demoStatisticsReports(2025));
  const webDir = await buildPages();
  statistics = await openStatisticsStore(`sqlite:${file}`);
  const config = loadConfig({
    HASHLINE_DATA_DIR: dir,
    HASHLINE_LOG_LEVEL: 'silent',
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_DATABASE_URL: `sqlite:${file}`,
  });
  const engine = new MatchEngine(store);
  await engine.load();
  app = await buildApp({ config, store, engine, hashingPool: noHashing });
  // Until the app wires the statistics routes itself.
  if (!app.hasRoute({ method: 'GET', url: '/v1/workbench/statistics' })) {
    const source: StatisticsStore = statistics;
    await app.register(async (scope) =>
      statisticsRoutes(scope, { config, clock: { now: () => new Date() } }, app.hashlineHotline, source),
    );
  }
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  await app.hashlineHotline.auth.createAnalyst(
    { username: 'stats', displayName: 'Stat Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  sqlite = new BetterSqlite3(file, { readonly: true });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  sqlite?.close();
  await app?.close();
  await statistics?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: { width: 1280, height: 1000 },
    acceptDownloads: true,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      cspViolations.push(message.text());
  });
  return { context, page };
}

// ---- independent SQL on the SQLite file (never through the statistics store) ----

type Row = Record<string, string | number | null>;
const all = (query: string, ...params: unknown[]) => sqlite.prepare(query).all(...params) as Row[];
const one = (query: string, ...params: unknown[]) =>
  Number((sqlite.prepare(query).get(...params) as { n: number }).n);
const IN_YEAR = `r.received_at >= '${YEAR_START}' and r.received_at < '${YEAR_END}'`;
/** Media items of the year that are illegal: previously known, or any analyst said illegal. */
const ILLEGAL_MEDIA = `select m.* from media_items m join reports r on r.id = m.report_id where ${IN_YEAR}
  and (m.previously_assessed = 1 or exists (select 1 from assessments a where a.media_id = m.id and a.national_status = 'illegal'))`;

function monthChannelCounts(): Map<string, number> {
  const rows = all(
    `select substr(r.received_at, 1, 7) as month, r.channel as channel, count(*) as n from reports r where ${IN_YEAR} group by 1, 2`,
  );
  return new Map(rows.map((row) => [`${row.month}|${row.channel}`, Number(row.n)]));
}

function countryCounts(): Map<string, number> {
  const rows = all(
    `select coalesce(json_extract(u.trace, '$.country'), 'unknown') as country, count(*) as n from reported_urls u
     where u.id in (select url_id from (${ILLEGAL_MEDIA})) group by 1`,
  );
  return new Map(rows.map((row) => [String(row.country), Number(row.n)]));
}

/** Age band × category of items assessed illegal, folded in plain code from the raw assessment rows. */
function ageSeverityCounts(): Map<string, number> {
  const bands = ['0-2', '3-6', '7-10', '11-13', '14-15', '16-17', 'unknown'];
  const severities = ['A', 'B', 'C', 'none'];
  const rows = all(
    `select a.media_id as media, a.age_band as band, coalesce(a.severity_uk, 'none') as severity from assessments a
     join media_items m on m.id = a.media_id join reports r on r.id = m.report_id
     where ${IN_YEAR} and m.previously_assessed = 0
       and exists (select 1 from assessments i where i.media_id = m.id and i.national_status = 'illegal')`,
  );
  const byMedia = new Map<number, { band: number; severity: number }>();
  for (const row of rows) {
    const seen = byMedia.get(Number(row.media)) ?? { band: 6, severity: 3 };
    seen.band = Math.min(seen.band, bands.indexOf(String(row.band)));
    seen.severity = Math.min(seen.severity, severities.indexOf(String(row.severity)));
    byMedia.set(Number(row.media), seen);
  }
  const counts = new Map<string, number>();
  for (const { band, severity } of byMedia.values()) {
    const key = `${bands[band]}|${severities[severity]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('the statistics dashboard', () => {
  it('renders the charts of a period with the numbers of the database, and exports an audited CSV', async () => {
    const { context, page } = await newPage();
    const signIn = await context.request.post(`${url}/v1/workbench/session`, {
      data: { username: 'stats', password: PASSWORD },
    });
    expect(signIn.status()).toBe(200);
    const response = await page.goto(`${url}/workbench`);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Statistics' }).waitFor();

    await page.getByLabel('From', { exact: true }).fill('2025-01-01');
    await page.getByLabel('To (exclusive)', { exact: true }).fill('2026-01-01');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByText('Reports received from 2025-01-01 up to (not including) 2026-01-01').waitFor();
    const received = one(`select count(*) as n from reports r where ${IN_YEAR}`);
    const tile = page.getByTestId('tile-reports_received');
    await expect.poll(() => tile.getAttribute('data-count')).toBe(String(received));
    await expect.poll(() => tile.locator('.st-tile-value').textContent()).toBe(String(received));

    // Every chart is an accessible image with a title and a description.
    const svgs = page.locator('svg[role="img"]');
    await expect.poll(() => svgs.count()).toBeGreaterThanOrEqual(8);
    for (const svg of await svgs.all()) {
      expect((await svg.locator('title').first().textContent())?.length).toBeGreaterThan(0);
      expect((await svg.locator('desc').textContent())?.length).toBeGreaterThan(0);
    }

    // Reports by month and channel: 12 columns, one segment per month and channel with reports.
    const months = page.getByTestId('chart-reports_by_month_channel');
    await expect.poll(() => months.locator('g[data-category]').count()).toBe(12);
    const expectedSegments = monthChannelCounts();
    const segments = await months.locator('rect[data-series]').evaluateAll((rects) =>
      rects.map((rect) => ({
        key: `${rect.parentElement!.getAttribute('data-category')}|${rect.getAttribute('data-series')}`,
        count: Number(rect.getAttribute('data-count')),
      })),
    );
    expect(segments).toHaveLength(expectedSegments.size);
    expect(new Map(segments.map((s) => [s.key, s.count]))).toEqual(expectedSegments);

    // Hosting countries: one bar per country, each count as the database has it.
    const countries = page.getByTestId('chart-hosting_countries');
    const bars = await countries
      .locator('rect.st-bar')
      .evaluateAll((rects) =>
        rects.map(
          (rect) => [rect.getAttribute('data-key')!, Number(rect.getAttribute('data-count'))] as const,
        ),
      );
    expect(new Map(bars)).toEqual(countryCounts());
    // The same numbers as a data table, on request.
    await countries.getByRole('button', { name: 'Show data table' }).click();
    const tableRows = countries.locator('table tbody tr');
    await expect.poll(() => tableRows.count()).toBe(countryCounts().size);
    await expect.poll(() => countries.locator('table').textContent()).toContain('Netherlands');

    // Outcome of reports: six bars; the illegal and duplicate counts as in the database.
    const outcome = page.getByTestId('chart-report_outcome');
    await expect.poll(() => outcome.locator('rect.st-bar').count()).toBe(6);
    const illegalReports = one(`select count(distinct report_id) as n from (${ILLEGAL_MEDIA})`);
    await expect
      .poll(() => outcome.locator('rect[data-key="illegal"]').getAttribute('data-count'))
      .toBe(String(illegalReports));
    await expect
      .poll(() => outcome.locator('rect[data-key="duplicate"]').getAttribute('data-count'))
      .toBe(
        String(one(`select count(*) as n from reports r where ${IN_YEAR} and r.status = 'closed_duplicate'`)),
      );

    // New vs previously known media items.
    const known = page.getByTestId('chart-media_known');
    await expect
      .poll(() => known.locator('rect[data-key="previously_known"]').getAttribute('data-count'))
      .toBe(
        String(
          one(
            `select count(*) as n from media_items m join reports r on r.id = m.report_id where ${IN_YEAR} and m.previously_assessed = 1`,
          ),
        ),
      );

    // "Self-generated" and AI-generated items among those assessed illegal.
    const assessedIllegal = `select m.id from media_items m join reports r on r.id = m.report_id where ${IN_YEAR} and m.previously_assessed = 0
      and exists (select 1 from assessments a where a.media_id = m.id and a.national_status = 'illegal')`;
    const withAny = (column: string, value: string) =>
      one(
        `select count(*) as n from (${assessedIllegal}) i where exists (select 1 from assessments a where a.media_id = i.id and a.${column} = ?)`,
        value,
      );
    expect(
      await page
        .getByTestId('chart-self_generated')
        .locator('rect[data-key="yes"]')
        .getAttribute('data-count'),
    ).toBe(String(withAny('self_generated', 'yes')));
    expect(
      await page
        .getByTestId('chart-content_origin')
        .locator('rect[data-key="ai_generated"]')
        .getAttribute('data-count'),
    ).toBe(String(withAny('content_origin', 'ai_generated')));

    // Age band × category: a heatmap table, every cell as the raw assessments fold.
    const heat = await page
      .getByTestId('chart-age_severity')
      .locator('td[data-count]')
      .evaluateAll((cells) =>
        cells.map(
          (td) =>
            [
              `${td.getAttribute('data-row')}|${td.getAttribute('data-column')}`,
              Number(td.getAttribute('data-count')),
            ] as const,
        ),
      );
    expect(heat).toHaveLength(7 * 4);
    expect(new Map(heat.filter(([, n]) => n > 0))).toEqual(ageSeverityCounts());

    // The CSV export downloads through the link (the cookie goes along) and is audited.
    const before = one(`select count(*) as n from audit_events where action = 'statistics_exported'`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('hashline-statistics-2025-01-01_2026-01-01.csv');
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(path, 'utf8').split('\r\n');
    expect(csv[0]).toBe('section,key,subkey,count,share');
    expect(csv).toContain(`overview,reports_received,,${received},`);
    expect(one(`select count(*) as n from audit_events where action = 'statistics_exported'`)).toBe(
      before + 1,
    );

    await page.screenshot({ path: join(SCREENSHOTS, 'statistics-dashboard.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });
});

describe('the public figures page', () => {
  it('shows the year\'s aggregates: counts 1–9 as "< 10", never the number; counts from 10 as numbers', async () => {
    const { page } = await newPage();
    const response = await page.goto(`${url}/figures?year=2025`);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Figures 2025' }).waitFor();
    const cell = (table: string, row: string, column: string) =>
      page.locator(`td[data-table="${table}"][data-row="${row}"][data-column="${column}"]`);

    // Hosting countries: NL and US have 10 or more; DE, FR and unknown fewer.
    const countries = countryCounts();
    expect([...countries.values()].some((n) => n >= 10)).toBe(true);
    expect([...countries.values()].some((n) => n >= 1 && n <= 9)).toBe(true);
    for (const [country, n] of countries) {
      const text = (await cell('hosting_countries', country, '').textContent())?.trim();
      if (n >= 1 && n <= 9) expect(text, country).toBe('< 10');
      else expect([String(n), '—withheld'], country).toContain(text);
    }

    // Reports by month and channel: every cell of the cross-tab against the database.
    const counts = monthChannelCounts();
    const channels = [
      'web_form',
      'email',
      'phone_116000',
      'api_trusted_flagger',
      'proactive_search',
      'crawler_match',
      'iccam_incoming',
      'partner_referral',
    ];
    let published = 0;
    let small = 0;
    for (let m = 1; m <= 12; m++) {
      const month = `2025-${String(m).padStart(2, '0')}`;
      for (const channel of channels) {
        const n = counts.get(`${month}|${channel}`) ?? 0;
        const td = cell('reports_by_month_channel', month, channel);
        const state = await td.getAttribute('data-state');
        const text = (await td.textContent())?.trim();
        if (n >= 1 && n <= 9) {
          small++;
          expect(state, `${month} ${channel}`).toBe('small');
          expect(text).toBe('< 10');
        } else if (state === 'value') {
          published++;
          expect(text, `${month} ${channel}`).toBe(String(n));
        } else {
          expect(state, `${month} ${channel}`).toBe('complement');
        }
      }
    }
    expect(small).toBeGreaterThan(0);
    expect(published).toBeGreaterThan(0);
    expect((await cell('reports_by_month_channel', 'total', 'total').textContent())?.trim()).toBe(
      String(one(`select count(*) as n from reports r where ${IN_YEAR}`)),
    );
    // Aggregates only: no address, report id or text from the reports.
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).not.toMatch(/example\.test|01STATS|demo report/);
    await page.screenshot({ path: join(SCREENSHOTS, 'public-figures.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });

  it('says when a year is not published', async () => {
    const { page } = await newPage();
    await page.goto(`${url}/figures?year=${new Date().getUTCFullYear()}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('are not published');
  });
});
