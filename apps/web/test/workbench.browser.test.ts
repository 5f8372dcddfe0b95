// The analyst workbench in the system's headless Chromium against a real server (SQLite in a
// temporary folder, the real capture worker fetching a loopback test site, the real hashing pool),
// issue #4's must-show: known material is labelled and never shown; new material loads blurred and
// greyscale until revealed; reveals are counted against a daily limit; one analyst can never
// publish, two can; the audit log's hash chain is verified and a single edited row is caught, by
// the page and by `hashline audit verify`.
// Test images are generated here (shapes and gradients): benign by construction.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as domain from '@hashline/domain';
import { pdqHash, toHex } from '@hashline/pdq';
import { currentTotp, loadConfig, startServer, type RunningServer } from '@hashline/server';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { REPO_ROOT } from '../../../tools/test-fixtures.js';
import * as vocabulary from '../src/workbench/workbench-vocabulary.js';
import {
  TEST_PASSWORD,
  apiSignIn as signInOverHttp,
  buildWorkbench,
  screenshotDir,
  signInPage as signInBrowserPage,
  type ApiSession,
} from './support/workbench-harness.js';

// Chromium, the capture and the hashing pool share two cores with other work: generous limits,
// no timed assertions (waits poll until a state is reached).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;
const HOTLINE_BANK = 'hotline-known-csam';
const KNOWN_BANK = 'partner-known';
const SCREENSHOTS = screenshotDir('workbench');

/** A benign generated PNG: shapes, a gradient and a label, distinct per `variant`. */
async function testImage(variant: 'A' | 'B'): Promise<Buffer> {
  const shapes =
    variant === 'A'
      ? '<circle cx="160" cy="120" r="90" fill="#f5c518"/><circle cx="160" cy="120" r="55" fill="#1f5fbf"/><circle cx="160" cy="120" r="20" fill="#ffffff"/>'
      : '<rect x="20" y="30" width="110" height="180" fill="#1d7a46"/><rect x="170" y="60" width="130" height="60" fill="#a12a2a"/><polygon points="180,220 300,220 240,130" fill="#ffffff"/>';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${variant === 'A' ? '#203050' : '#502030'}"/>
      <stop offset="1" stop-color="${variant === 'A' ? '#90c0f0' : '#f0c090'}"/>
    </linearGradient></defs>
    <rect width="320" height="240" fill="url(#g)"/>${shapes}
    <text x="12" y="228" font-family="sans-serif" font-size="22" fill="#000">TEST IMAGE ${variant}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The PDQ hash of an image as the reference computes it from its RGB pixels. */
async function pdqOf(bytes: Buffer): Promise<{ pdq: string; quality: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const result = pdqHash({ data, width: info.width, height: info.height, channels: 3 });
  return { pdq: toHex(result.hash), quality: result.quality };
}

let server: RunningServer;
let dataDir: string;
let site: Server;
let pageUrl: string;
let browser: Browser;
let imageA: Buffer;
let imageB: Buffer;
let reportId: string;
let mediaA: number;
let mediaB: number;
let pdqB: string;
const contexts: BrowserContext[] = [];
/** Console errors that are CSP violations, from every page (the UI must live within the CSP). */
const cspViolations: string[] = [];

/** Signs in over HTTP (outside the browser) and calls the workbench API with cookie and CSRF token. */
function apiSignIn(username: string): Promise<ApiSession> {
  return signInOverHttp(server.url, username);
}

/** Calls the bank API with the initial admin key. */
function adminApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.initialAdminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

interface EntryView {
  signalType: string;
  value: string;
  provenance: { source: string };
  reviewerCount: number;
}

/** Every entry of the hotline's own bank (none when the bank does not exist yet). */
async function hotlineBankEntries(): Promise<EntryView[]> {
  const response = await adminApi('GET', `/v1/banks/${HOTLINE_BANK}/entries?limit=1000`);
  if (response.status === 404) return [];
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: EntryView[] }).entries;
}

/** A fresh browser context (its own cookies) on the workbench, signed in as `username`. */
function signInPage(username: string, path = '/workbench'): Promise<Page> {
  return signInBrowserPage(browser, server.url, {
    username,
    path,
    contexts,
    onConsoleError: (text) => {
      if (/Content Security Policy/i.test(text)) cspViolations.push(text);
    },
  });
}

function mediaCard(page: Page, id: number): Locator {
  return page.locator(`[data-testid="media-item"][data-media-id="${id}"]`);
}

/** The computed CSS `filter` of an element. */
function filterOf(locator: Locator): Promise<string> {
  return locator.evaluate((element) => getComputedStyle(element).filter);
}

/** Waits until an <img> has decoded (it loaded under the CSP) and returns its natural width. */
async function loadedWidth(image: Locator): Promise<number> {
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), {
      timeout: 30_000,
    })
    .toBeGreaterThan(0);
  return image.evaluate((img: HTMLImageElement) => img.naturalWidth);
}

/** Fills the assessment form of one card (DOMAIN.md §8.4) and records it. */
async function assess(card: Locator, choice: { international: string; uk: string }): Promise<void> {
  await card.getByRole('button', { name: 'Assess' }).click();
  const form = card.getByTestId('assessment-form');
  await form
    .getByRole('group', { name: 'International status' })
    .getByRole('radio', { name: choice.international, exact: true })
    .check();
  await form
    .getByRole('group', { name: 'National status' })
    .getByRole('radio', { name: 'illegal', exact: true })
    .check();
  await expect.poll(() => form.getByLabel('Jurisdiction (ISO country code)').inputValue()).toBe('BE');
  await form.getByLabel('UK category').selectOption(choice.uk);
  await form.getByLabel('Industry classification').selectOption('B2');
  await form.getByLabel('Age band of the youngest visible child').selectOption('14-15');
  await form.getByLabel('Sex of the children visible').selectOption('girls');
  await form.getByLabel('Number of children visible').fill('1');
  await form
    .getByRole('group', { name: '“Self-generated”' })
    .getByRole('radio', { name: 'yes', exact: true })
    .check();
  await form.getByLabel('Origin').selectOption('photographic');
  await form.getByRole('checkbox', { name: 'viral' }).check();
  await form
    .getByRole('group', { name: 'Confidence' })
    .getByRole('radio', { name: 'certain', exact: true })
    .check();
  await form.getByRole('button', { name: 'Record assessment' }).click();
  await card.getByTestId('my-assessment').waitFor();
}

beforeAll(async () => {
  const webDir = await buildWorkbench('workbench');
  imageA = await testImage('A');
  imageB = await testImage('B');
  site = createServer((request, response) => {
    if (request.url === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<html><body><p>benign test page</p><img src="/a.png" alt=""><img src="/b.png" alt=""></body></html>',
      );
    } else if (request.url === '/a.png' || request.url === '/b.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(request.url === '/a.png' ? imageA : imageB);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/page.html`;

  dataDir = mkdtempSync(join(tmpdir(), 'hashline-workbench-test-'));
  const config = loadConfig({
    HASHLINE_DATA_DIR: dataDir,
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
    HASHLINE_CAPTURE_POLL_MS: '100',
    HASHLINE_EXPOSURE_DAILY_LIMIT: '2',
    HASHLINE_KEEP_MEDIA: '1',
  });
  server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  const auth = server.app.hashlineHotline.auth;
  await auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  await auth.createAnalyst(
    { username: 'bert', displayName: 'Bert Senior', role: 'senior_analyst', password: PASSWORD },
    null,
  );
  await auth.createAnalyst(
    { username: 'root', displayName: 'Ada Admin', role: 'admin', password: PASSWORD },
    null,
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
});

describe('the analyst workbench (issue #4)', () => {
  it('offers exactly the assessment vocabularies of the domain (DOMAIN.md §8.4)', () => {
    expect(vocabulary.INTERNATIONAL_STATUSES).toEqual(domain.INTERNATIONAL_STATUSES);
    expect(vocabulary.NATIONAL_STATUSES).toEqual(domain.NATIONAL_STATUSES);
    expect(vocabulary.AGE_BANDS).toEqual(domain.AGE_BANDS);
    expect(vocabulary.VICTIM_SEXES).toEqual(domain.VICTIM_SEXES);
    expect(vocabulary.SELF_GENERATED_VALUES).toEqual(domain.SELF_GENERATED_VALUES);
    expect(vocabulary.CONTENT_ORIGINS).toEqual(domain.CONTENT_ORIGINS);
    expect(vocabulary.ASSESSMENT_FLAGS).toEqual(domain.ASSESSMENT_FLAGS);
    expect(vocabulary.ASSESSMENT_CONFIDENCE).toEqual(domain.ASSESSMENT_CONFIDENCE);
    expect(vocabulary.ANALYST_ROLES).toEqual(domain.ANALYST_ROLES);
    expect(vocabulary.UK_CATEGORIES).toEqual(domain.UK_CATEGORIES);
    expect(vocabulary.INDUSTRY_CLASSIFICATIONS).toEqual(domain.INDUSTRY_CLASSIFICATIONS);
  });

  it('1–2: captures a reported page whose image A is in a known bank and image B is new', async () => {
    // Image A was assessed before: its hashes are in a partner's known_csam bank.
    const a = await pdqOf(imageA);
    expect(a.quality).toBeGreaterThanOrEqual(50);
    expect((await adminApi('POST', '/v1/banks', { name: KNOWN_BANK, kind: 'known_csam' })).status).toBe(201);
    const added = await adminApi('POST', `/v1/banks/${KNOWN_BANK}/entries`, {
      entries: [
        { signalType: 'md5', value: md5(imageA), classification: { industry: 'A1', uk: 'A' } },
        { signalType: 'pdq', value: a.pdq, quality: a.quality, classification: { industry: 'A1', uk: 'A' } },
      ],
    });
    expect(added.status, await added.clone().text()).toBeLessThan(300);

    const reported = await fetch(`${server.url}/v1/public/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ urls: [pageUrl], concerns: ['csam'], language: 'en', imminentDanger: true }),
    });
    expect(reported.status).toBe(201);

    // Wait (polling the workbench API) until the capture worker has fetched, hashed and traced it.
    const root = await apiSignIn('root');
    await expect
      .poll(
        async () => {
          const queue = (await (await root.call('GET', '/v1/workbench/queue')).json()) as {
            items: { reportId: string; urls: { url: string }[] }[];
          };
          return queue.items.find((item) => item.urls.some((u) => u.url === pageUrl))?.reportId;
        },
        { timeout: 60_000 },
      )
      .toBeTruthy();
    const queue = (await (await root.call('GET', '/v1/workbench/queue')).json()) as {
      items: { reportId: string; urls: { url: string }[] }[];
    };
    reportId = queue.items.find((item) => item.urls.some((u) => u.url === pageUrl))!.reportId;
    type Detail = {
      urls: { capturedAt: string | null }[];
      media: { id: number; md5: string; pdq: string | null; previouslyAssessed: boolean }[];
    };
    let detail: Detail | undefined;
    await expect
      .poll(
        async () => {
          detail = (await (await root.call('GET', `/v1/workbench/reports/${reportId}`)).json()) as Detail;
          return detail.urls[0]?.capturedAt != null && detail.media.length === 2;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe(true);
    const known = detail!.media.find((m) => m.md5 === md5(imageA))!;
    const fresh = detail!.media.find((m) => m.md5 === md5(imageB))!;
    expect(known.previouslyAssessed).toBe(true);
    expect(fresh.previouslyAssessed).toBe(false);
    mediaA = known.id;
    mediaB = fresh.id;
    pdqB = fresh.pdq!;
    expect(pdqB).toMatch(/^[0-9a-f]{64}$/);
  });

  it('3: analyst 1 sees the queue, known material as a label only, new material blurred until revealed, and assesses', async () => {
    const page = await signInPage('ana');
    const assessmentBodies: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/media/${mediaB}/assessments`))
        assessmentBodies.push(request.postDataJSON());
    });

    // Queue: the report, with its imminent-danger badge, the host only (no full URL) and the counts.
    const row = page.locator(`[data-testid="queue-item"][data-report-id="${reportId}"]`);
    await row.waitFor();
    await expect.poll(() => row.getByTestId('imminent-danger').isVisible()).toBe(true);
    await expect.poll(() => row.getByTestId('queue-hosts').textContent()).toBe(new URL(pageUrl).host);
    await expect.poll(() => row.textContent()).not.toContain('/page.html');
    await expect
      .poll(() => row.getByTestId('queue-counts').textContent())
      .toBe('1 new media to assess / 1 previously assessed');
    await expect.poll(() => page.getByTestId('exposure').textContent()).toBe('Revealed today: 0 / 2');
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-queue.png'), fullPage: true });

    await row.getByRole('link', { name: `Open report ${reportId}` }).click();
    await page.getByTestId('media-grid').waitFor();
    // Focus moves to the new page's heading (keyboard and screen-reader users start there).
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('report-title');

    // Image A: a label, and no image element of any kind.
    const cardA = mediaCard(page, mediaA);
    await expect
      .poll(() => cardA.getByTestId('previously-assessed').textContent())
      .toBe(`Previously assessed: A1, UK category A (${KNOWN_BANK}, distance 0)`);
    await expect.poll(() => cardA.locator('img, video, picture, canvas').count()).toBe(0);

    // Image B: the thumbnail loads (same origin, under the CSP) blurred and greyscale.
    const cardB = mediaCard(page, mediaB);
    const imgB = cardB.locator('img');
    await loadedWidth(imgB);
    await expect.poll(() => imgB.getAttribute('class')).toContain('media--protected');
    const before = await filterOf(imgB);
    expect(before).toContain('blur(');
    expect(before).toContain('grayscale(');
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-report-protected.png'), fullPage: true });

    // Reveal B: that item only loses the filter, the preview loads, the counter goes 0 → 1.
    await cardB.getByRole('button', { name: 'Reveal' }).click();
    await page
      .locator(`[data-testid="media-item"][data-media-id="${mediaB}"][data-revealed="true"]`)
      .waitFor();
    await expect.poll(() => filterOf(imgB)).toBe('none');
    await expect.poll(() => imgB.getAttribute('src')).toBe(`/v1/workbench/media/${mediaB}/preview`);
    await loadedWidth(imgB);
    await expect.poll(() => page.getByTestId('exposure').textContent()).toBe('Revealed today: 1 / 2');
    // warnAt defaults to 80 % of the limit (1 of 2): the page suggests a break.
    await page.getByTestId('exposure-warning').waitFor();

    // Assess B as illegal: recorded, awaiting a second analyst, nothing published yet.
    await assess(cardB, { international: 'not baseline', uk: 'B' });
    const state = cardB.getByTestId('assessment-state');
    await expect.poll(() => state.getAttribute('data-state')).toBe('awaiting_second');
    await expect.poll(() => state.textContent()).toBe('Awaiting a second analyst');
    await expect.poll(() => cardB.getByRole('button', { name: 'Assess' }).count()).toBe(0);
    expect(await hotlineBankEntries()).toEqual([]);
    // The page sent exactly the fields of DOMAIN.md §8.4.
    expect(assessmentBodies).toHaveLength(1);
    expect(assessmentBodies[0]).toEqual({
      internationalStatus: 'not_baseline',
      nationalStatus: 'illegal',
      jurisdiction: 'BE',
      legalBasis: null,
      severityUk: 'B',
      industryClassification: 'B2',
      ageBand: '14-15',
      sex: 'girls',
      victimCount: 1,
      selfGenerated: 'yes',
      contentOrigin: 'photographic',
      flags: ['viral'],
      confidence: 'certain',
      notes: null,
    });
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-report-assessed.png'), fullPage: true });
  });

  it('4: analyst 1 cannot assess again; analyst 2 assesses illegal and the hashes are published', async () => {
    const ana = await apiSignIn('ana');
    const again = await ana.call('POST', `/v1/workbench/media/${mediaB}/assessments`, {
      internationalStatus: 'not_baseline',
      nationalStatus: 'illegal',
      jurisdiction: 'BE',
      legalBasis: null,
      severityUk: 'B',
      industryClassification: null,
      ageBand: 'unknown',
      sex: 'unidentified',
      victimCount: null,
      selfGenerated: 'unknown',
      contentOrigin: 'unknown',
      flags: [],
      confidence: 'certain',
      notes: null,
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('ALREADY_ASSESSED');
    expect(await hotlineBankEntries()).toEqual([]);

    // Analyst 2, in another browser context, assesses from the blurred thumbnail (no reveal needed).
    const page = await signInPage('bert', `/workbench#/reports/${reportId}`);
    const cardB = mediaCard(page, mediaB);
    await cardB.getByTestId('assessment').first().waitFor();
    await expect
      .poll(() => cardB.getByTestId('assessment').allTextContents())
      .toEqual(['Ana Analyst: illegal (not baseline)']);
    await expect.poll(() => filterOf(cardB.locator('img'))).toContain('blur(');
    await assess(cardB, { international: 'baseline (INTERPOL)', uk: 'A' });
    const state = cardB.getByTestId('assessment-state');
    await expect.poll(() => state.getAttribute('data-state')).toBe('published');
    await expect
      .poll(() => state.textContent())
      .toMatch(/^Published to the hotline bank \(entries #\d+(, #\d+)*\)$/);
    await expect.poll(() => page.getByTestId('exposure').textContent()).toBe('Revealed today: 0 / 2');

    // The hotline bank now holds B's hashes, with their provenance and both reviewers.
    const entries = await hotlineBankEntries();
    const values = entries.map((e) => `${e.signalType}:${e.value}`);
    expect(values).toContain(`md5:${md5(imageB)}`);
    expect(values).toContain(`sha256:${sha256(imageB)}`);
    expect(values).toContain(`pdq:${pdqB}`);
    for (const entry of entries) {
      expect(entry.provenance.source).toBe('hotline-assessment');
      expect(entry.reviewerCount).toBe(2);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-published.png'), fullPage: true });
  });

  it('5: the admin sees the audit chain verified, then broken at the one row edited in the database', async () => {
    const page = await signInPage('root');
    await page.getByRole('link', { name: 'Audit log' }).click();
    const chain = page.getByTestId('audit-chain');
    await chain.waitFor();
    await expect.poll(() => chain.getAttribute('data-ok')).toBe('true');
    await expect.poll(() => chain.textContent()).toMatch(/^Chain verified ✓ \d+ rows$/);
    await expect.poll(() => page.locator('[data-testid="audit-table"] tbody tr').count()).toBeGreaterThan(5);
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-audit-verified.png'), fullPage: true });
    const cliBefore = auditVerifyCli();
    expect(cliBefore.status, cliBefore.output).toBe(0);
    expect(cliBefore.output).toContain('audit log intact');

    // Tamper with one row as someone with raw access to the SQLite file would.
    const db = new Database(join(dataDir, 'hashline.db'));
    let tampered: number;
    try {
      const row = db
        .prepare("select seq from audit_events where action = 'media_revealed' order by seq limit 1")
        .get() as { seq: number };
      tampered = row.seq;
      expect(
        db.prepare('update audit_events set details = ? where seq = ?').run('{"note":"edited"}', tampered)
          .changes,
      ).toBe(1);
    } finally {
      db.close();
    }

    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByTestId('audit-chain').waitFor();
    const broken = page.getByTestId('audit-chain');
    await expect.poll(() => broken.getAttribute('data-ok')).toBe('false');
    await expect.poll(() => broken.getAttribute('data-first-bad-seq')).toBe(String(tampered));
    await expect.poll(() => broken.textContent()).toContain(`Chain BROKEN at row ${tampered}:`);
    await expect.poll(() => broken.evaluate((e) => getComputedStyle(e).color)).toBe('rgb(158, 31, 31)');
    expect(
      await page.locator(`[data-testid="audit-table"] tr[data-seq="${tampered}"]`).getAttribute('class'),
    ).toBe('wb-row--bad');
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-audit-broken.png'), fullPage: true });
    const cliAfter = auditVerifyCli();
    expect(cliAfter.status, cliAfter.output).toBe(4);
    expect(cliAfter.output).toContain(`BROKEN at row ${tampered}`);
  });

  it('6: at the daily limit the reveal buttons are disabled and the API answers 429', async () => {
    const page = await signInPage('ana', `/workbench#/reports/${reportId}`);
    const cardB = mediaCard(page, mediaB);
    // A new page view starts protected again, even for an item revealed before.
    await loadedWidth(cardB.locator('img'));
    await expect.poll(() => filterOf(cardB.locator('img'))).toContain('blur(');
    await cardB.getByRole('button', { name: 'Reveal' }).click();
    await page.getByTestId('exposure-limit').waitFor();
    await expect.poll(() => page.getByTestId('exposure').textContent()).toBe('Revealed today: 2 / 2');

    await page.reload();
    const reveal = mediaCard(page, mediaB).getByRole('button', { name: 'Reveal' });
    await reveal.waitFor();
    await expect.poll(() => reveal.isDisabled()).toBe(true);
    await expect
      .poll(() => page.getByTestId('exposure-limit').textContent())
      .toContain('reached today’s limit of 2');
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-exposure-limit.png'), fullPage: true });

    const ana = await apiSignIn('ana');
    const refused = await ana.call('POST', `/v1/workbench/media/${mediaB}/reveal`);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe('EXPOSURE_LIMIT_REACHED');
  });

  it('enrols two-step sign-in in the security panel; the next sign-in asks for the code', async () => {
    const page = await signInPage('bert');
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
    await expect.poll(() => page.getByTestId('totp-url').textContent()).toMatch(/^otpauth:\/\/totp\//);
    await page.getByLabel('One-time code').fill(currentTotp(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Two-step sign-in is now on.').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username').fill('bert');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('One-time code').waitFor();
    await expect
      .poll(() => page.getByTestId('signin-error').textContent())
      .toContain('needs a one-time code');
    await page.getByLabel('One-time code').fill(currentTotp(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('ran every page within the CSP (no violation reported by Chromium)', () => {
    expect(contexts.length).toBeGreaterThan(0);
    expect(cspViolations).toEqual([]);
  });
});

/**
 * `hashline audit verify --data-dir <the test's data folder>`, run from the CLI's TypeScript
 * sources (no build needed) as a separate process, beside the running server.
 */
function auditVerifyCli(): { status: number | null; output: string } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith('HASHLINE_') && name !== 'NODE_OPTIONS') env[name] = value;
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=@hashline/source',
      '--import',
      join(REPO_ROOT, 'packages/node-worker/src/register-source-hooks.mjs'),
      join(REPO_ROOT, 'apps/cli/src/main.ts'),
      'audit',
      'verify',
      '--data-dir',
      dataDir,
    ],
    { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
