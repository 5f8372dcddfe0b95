// The statistics routes over a real SQLite store seeded with a known year (through the hotline
// store's API): the dashboard's JSON against independent SQL counts, the session requirement, the
// audited CSV export, the public yearly figures with small counts withheld, and the public page.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchEngine } from '@hashline/domain';
import { createManualClock, demoStatisticsReports, seedStatisticsReports } from '@hashline/domain/testing';
import {
  openSqliteStore,
  openStatisticsStore,
  type HashlineStoreWithHotline,
  type OpenedStatisticsStore,
} from '@hashline/storage';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-key-tokens.js';
import { statisticsRoutes } from '../../src/hotline/statistics.routes.js';
import { NO_HASHING, problemBody, testConfig } from '../support/test-app.js';

const NOW = new Date(Date.UTC(2026, 5, 15, 12));
let dir: string;
let file: string;
let store: HashlineStoreWithHotline;
let statistics: OpenedStatisticsStore;
let app: FastifyInstance;
let cookie: string;
let sqlite: BetterSqlite3.Database;

/** One number from the SQLite file, by an independent query. */
const count = (query: string, ...params: unknown[]) =>
  (sqlite.prepare(query).get(...params) as { n: number }).n;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-statistics-api-'));
  file = join(dir, 'hashline.db');
  const clock = createManualClock(NOW);
  store = await openSqliteStore({ file, clock });
  await seedStatisticsReports(store.hotline, demoStatisticsReports(2025));
  statistics = await openStatisticsStore(`sqlite:${file}`);
  const webDir = join(dir, 'web');
  mkdirSync(webDir);
  writeFileSync(join(webDir, 'figures.html'), '<!doctype html><title>Figures</title>');
  const base = testConfig();
  const engine = new MatchEngine(store);
  await engine.load();
  const config = { ...base, web: { ...base.web, dir: webDir } };
  app = await buildApp({ config, store, engine, hashingPool: NO_HASHING, clock });
  // Until the app wires the statistics routes itself (then on its own store's connection).
  if (!app.hasRoute({ method: 'GET', url: '/v1/workbench/statistics' })) {
    await app.register(async (scope) =>
      statisticsRoutes(scope, { config, clock }, app.hashlineHotline, statistics),
    );
  }
  await app.ready();
  await app.hashlineHotline.auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: 'correct horse battery' },
    null,
  );
  const signIn = await app.inject({
    method: 'POST',
    url: '/v1/workbench/session',
    payload: { username: 'ana', password: 'correct horse battery' },
  });
  expect(signIn.statusCode, signIn.body).toBe(200);
  cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
  sqlite = new BetterSqlite3(file, { readonly: true });
}, 60_000);

afterAll(async () => {
  sqlite?.close();
  await app?.close();
  await statistics?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Section = {
  id: string;
  total: number | null;
  available: boolean;
  cells: { key: string; subkey: string | null; count: number; share: number | null; base: number | null }[];
};
const get = (url: string, headers: Record<string, string> = { cookie }) =>
  app.inject({ method: 'GET', url, headers });

describe('the dashboard figures', () => {
  it('need a signed-in session; API keys are refused', async () => {
    for (const url of ['/v1/workbench/statistics', '/v1/workbench/statistics.csv']) {
      const anonymous = await get(url, {});
      expect(anonymous.statusCode).toBe(401);
      expect(problemBody(anonymous).code).toBe('SESSION_REQUIRED');
      const token = (
        await createApiKey(store, { name: 'admin', scopes: ['admin'], rateLimitPerSecond: null })
      ).token;
      const withKey = await get(url, { authorization: `Bearer ${token}` });
      expect(withKey.statusCode).toBe(401);
    }
  });

  it("answer the period's figures, equal to independent SQL counts", async () => {
    const response = await get('/v1/workbench/statistics?from=2025-01-01&to=2026-01-01');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as { period: { from: string; to: string }; sections: Section[] };
    expect(body.period).toEqual({ from: '2025-01-01', to: '2026-01-01' });
    const section = (id: string) => body.sections.find((s) => s.id === id)!;
    const cell = (id: string, key: string, subkey: string | null = null) =>
      section(id).cells.find((c) => c.key === key && c.subkey === subkey)!;
    const inYear = "received_at >= '2025-01-01T00:00:00.000Z' and received_at < '2026-01-01T00:00:00.000Z'";

    expect(cell('overview', 'reports_received').count).toBe(
      count(`select count(*) as n from reports where ${inYear}`),
    );
    for (const channel of ['web_form', 'email', 'api_trusted_flagger', 'proactive_search']) {
      expect(cell('reports_by_channel', channel).count, channel).toBe(
        count(`select count(*) as n from reports where ${inYear} and channel = ?`, channel),
      );
    }
    expect(cell('reports_by_month_channel', '2025-03', 'web_form').count).toBe(
      count(`select count(*) as n from reports where received_at like '2025-03-%' and channel = 'web_form'`),
    );
    expect(cell('report_outcome', 'duplicate').count).toBe(
      count(`select count(*) as n from reports where ${inYear} and status = 'closed_duplicate'`),
    );
    const mediaInYear = `media_items m join reports r on r.id = m.report_id where r.${inYear}`;
    expect(cell('media_known', 'previously_known').count).toBe(
      count(`select count(*) as n from ${mediaInYear} and m.previously_assessed = 1`),
    );
    expect(section('media_known').total).toBe(count(`select count(*) as n from ${mediaInYear}`));
    const illegalAssessed = `select m.id from ${mediaInYear} and exists (select 1 from assessments a where a.media_id = m.id and a.national_status = 'illegal')`;
    expect(section('age_severity').total).toBe(count(`select count(*) as n from (${illegalAssessed})`));
    expect(cell('content_origin', 'ai_generated').count).toBe(
      count(
        `select count(*) as n from (${illegalAssessed}) i where exists (select 1 from assessments a where a.media_id = i.id and a.content_origin = 'ai_generated')`,
      ),
    );
    const illegalReports = count(
      `select count(distinct m.report_id) as n from ${mediaInYear} and (m.previously_assessed = 1 or exists (select 1 from assessments a where a.media_id = m.id and a.national_status = 'illegal'))`,
    );
    expect(cell('overview', 'reports_illegal').count).toBe(illegalReports);
    expect(cell('overview', 'reports_illegal').base).toBe(
      count(
        `select count(*) as n from reports where ${inYear} and status not in ('received', 'triage', 'in_assessment')`,
      ),
    );
    expect(cell('hosting_countries', 'NL').count).toBe(
      count(
        `select count(*) as n from reported_urls u join reports r on r.id = u.report_id where r.${inYear} and json_extract(u.trace, '$.country') = 'NL'
         and exists (select 1 from media_items m where m.url_id = u.id and (m.previously_assessed = 1 or exists (select 1 from assessments a where a.media_id = m.id and a.national_status = 'illegal')))`,
      ),
    );
  });

  it('default to the current year and refuse bad periods with the field named', async () => {
    const current = (await get('/v1/workbench/statistics')).json() as { period: unknown };
    expect(current.period).toEqual({ from: '2026-01-01', to: '2027-01-01' });
    const reversed = await get('/v1/workbench/statistics?from=2025-06-01&to=2025-01-01');
    expect(reversed.statusCode).toBe(400);
    expect(problemBody(reversed)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ at: '/to' }] });
    const malformed = await get('/v1/workbench/statistics?from=June');
    expect(problemBody(malformed)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ at: '/from' }] });
  });

  it('export CSV with a stable layout, audited with who, the period and the row count', async () => {
    const response = await get('/v1/workbench/statistics.csv?from=2025-01-01&to=2026-01-01');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="hashline-statistics-2025-01-01_2026-01-01.csv"',
    );
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,key,subkey,count,share');
    expect(lines).toContain(
      `report_outcome,duplicate,,${count("select count(*) as n from reports where status = 'closed_duplicate'")},${(4 / 57).toFixed(4)}`,
    );
    expect(lines.every((line) => line.split(',').length === 5)).toBe(true);
    expect(response.body).not.toMatch(/example\.test|demo report|01STATS/);
    const audit = await store.hotline.listAudit({ action: 'statistics_exported', limit: 10 });
    const analyst = await store.hotline.getAnalystByUsername('ana');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: analyst!.id,
      subjectType: 'statistics',
      subjectId: '2025-01-01/2026-01-01',
      details: { from: '2025-01-01', to: '2026-01-01', rows: lines.length - 1, format: 'csv' },
    });
  });
});

describe('the public figures', () => {
  type Published = { value: number } | { suppressed: 'small' | 'complement' };
  type Table = {
    id: string;
    rows: string[];
    columns: string[] | null;
    cells: Published[][];
    total: Published;
  };

  it('publish a completed year: small counts withheld, never their numbers', async () => {
    const response = await get('/v1/public/figures?year=2025', {});
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { year: number; k: number; years: number[]; tables: Table[] };
    expect(body).toMatchObject({ year: 2025, k: 10 });
    expect(body.years[0]).toBe(2025);
    const countries = body.tables.find((t) => t.id === 'hosting_countries')!;
    expect(Object.fromEntries(countries.rows.map((row, i) => [row, countries.cells[i]![0]]))).toEqual({
      NL: { value: 14 },
      US: { value: 11 },
      DE: { suppressed: 'small' },
      FR: { suppressed: 'small' },
      unknown: { suppressed: 'small' },
    });
    const months = body.tables.find((t) => t.id === 'reports_by_month_channel')!;
    expect(months.rows).toHaveLength(12);
    expect(months.total).toEqual({ value: 57 });
    // Every published count is 0 or at least k.
    for (const table of body.tables) {
      for (const published of [...table.cells.flat(), table.total]) {
        if ('value' in published) expect(published.value === 0 || published.value >= 10, table.id).toBe(true);
      }
    }
    expect(response.body).not.toMatch(/example\.test|01STATS|demo report|2025-03-\d\d/);
  });

  it('refuse the unfinished year, years before the first, and malformed years', async () => {
    const current = await get('/v1/public/figures?year=2026', {});
    expect(current.statusCode).toBe(404);
    expect(problemBody(current).code).toBe('FIGURES_NOT_PUBLISHED');
    expect(problemBody(await get('/v1/public/figures?year=1999', {})).code).toBe('FIGURES_NOT_PUBLISHED');
    expect(problemBody(await get('/v1/public/figures?year=20x5', {})).code).toBe('VALIDATION_FAILED');
    expect(((await get('/v1/public/figures', {})).json() as { year: number }).year).toBe(2025);
  });

  it('serve the page under the web CSP', async () => {
    const page = await get('/figures', {});
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('limit requests per address', async () => {
    let limited = 0;
    for (let i = 0; i < 70; i++) {
      const response = await app.inject({
        method: 'GET',
        url: '/v1/public/figures?year=2025',
        remoteAddress: '198.51.100.7',
      });
      if (response.statusCode === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
  });
});
