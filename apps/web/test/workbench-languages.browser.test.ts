// The workbench in Dutch, French, German and English (issue 17), in the system's headless Chromium
// against a real server on its DEFAULT media setting (HASHLINE_KEEP_MEDIA off): each browser's
// language picks the sign-in page's words; the analyst's stored choice follows them to another
// browser; the switch changes every word at once and is kept on the server. Honest reveal: with no
// kept preview the card offers no Reveal, says the thumbnail is all there is, and nothing counts.
// Screenshots (HASHLINE_UPDATE_SCREENSHOTS=1) of the workbench and the dashboard in nl and fr.
// The reported image is generated here (shapes and a gradient): benign by construction.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import type { Language } from '../src/shared/language.js';
import { WORKBENCH_CATALOGUES } from '../src/workbench/workbench-messages.js';
import { TEST_PASSWORD, buildWorkbench, screenshotDir } from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;
const SCREENSHOTS = screenshotDir('languages');
/** Each language's browser locale and the analyst signing in with it. */
const PEOPLE: Readonly<Record<Language, { locale: string; username: string }>> = {
  nl: { locale: 'nl-BE', username: 'anke' },
  fr: { locale: 'fr-BE', username: 'fleur' },
  de: { locale: 'de-DE', username: 'dieter' },
  en: { locale: 'en-GB', username: 'eve' },
};

let server: RunningServer;
let site: Server;
let browser: Browser;
let reportId: string;
let failedReportId: string;
let seriesReportId: string;
const contexts: BrowserContext[] = [];

async function testImage(n = 0): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#204060"/><stop offset="1" stop-color="#e0b070"/>
    </linearGradient></defs>
    <rect width="320" height="240" fill="url(#g)"/>
    <circle cx="${90 + n * 40}" cy="110" r="${60 - n * 10}" fill="#f0f0f0"/><rect x="180" y="${50 + n * 20}" width="100" height="140" fill="#2a7a4a"/>
    <text x="12" y="228" font-family="sans-serif" font-size="22" fill="#000">TEST IMAGE L${n}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A browser context speaking `language` (Accept-Language and navigator.languages). */
async function pageIn(language: Language): Promise<Page> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    locale: PEOPLE[language].locale,
    viewport: { width: 1280, height: 900 },
  });
  contexts.push(context);
  return context.newPage();
}

async function signIn(page: Page, language: Language, username = PEOPLE[language].username): Promise<void> {
  const t = WORKBENCH_CATALOGUES[language].text;
  await page.goto(`${server.url}/workbench`);
  await page.getByLabel(t.username).fill(username);
  await page.getByLabel(t.password).fill(PASSWORD);
  await page.getByRole('button', { name: t.signIn, exact: true }).click();
}

beforeAll(async () => {
  const webDir = await buildWorkbench('languages');
  const image = await testImage();
  const series = await Promise.all([1, 2, 3].map((n) => testImage(n)));
  site = createServer((request, response) => {
    if (request.url === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<html><body><p>benign test page</p><img src="/l.png" alt=""></body></html>');
    } else if (request.url === '/l.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(image);
    } else if (request.url === '/series.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<html><body><img src="/s1.png" alt=""><img src="/s2.png" alt=""><img src="/s3.png" alt=""></body></html>',
      );
    } else if (/^\/s[123]\.png$/.test(request.url ?? '')) {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(series[Number(request.url![2]) - 1]);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const pageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/page.html`;
  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-languages-test-')),
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
    HASHLINE_CAPTURE_POLL_MS: '100',
    // HASHLINE_KEEP_MEDIA is left at its default (off): the server keeps no preview.
  });
  expect(config.hotline.keepMedia).toBe(false);
  server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  const auth = server.app.hashlineHotline.auth;
  for (const { username } of Object.values(PEOPLE)) {
    await auth.createAnalyst({ username, displayName: username, role: 'admin', password: PASSWORD }, null);
  }
  // One report whose page is gone (404: a final capture failure), one whose page has an image.
  for (const url of [
    pageUrl.replace('page.html', 'gone.html'),
    pageUrl,
    pageUrl.replace('page.html', 'series.html'),
  ]) {
    const reported = await fetch(`${server.url}/v1/public/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ urls: [url], concerns: ['csam'], language: 'nl' }),
    });
    expect(reported.status).toBe(201);
  }
  const store = server.app.hashlineHotline.store;
  // Wait (polling the store) until the capture worker has fetched and hashed the one image.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const items = await store.listQueue({ limit: 10 });
    const failed = items.find((i) => i.urls[0]?.captureError != null);
    const captured = items.find((i) => i.mediaCount === 1);
    const seriesItem = items.find((i) => i.mediaCount === 3);
    if (failed && captured && seriesItem) {
      reportId = captured.report.id;
      failedReportId = failed.report.id;
      seriesReportId = seriesItem.report.id;
      break;
    }
    if (Date.now() > deadline) throw new Error('The capture did not finish within 120 s.');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
});

describe('the workbench in four languages (issue 17)', () => {
  for (const language of ['nl', 'fr', 'de', 'en'] as const) {
    it(`${language}: the browser's language picks the words; no Reveal without a kept preview, nothing counted`, async () => {
      const t = WORKBENCH_CATALOGUES[language].text;
      const page = await pageIn(language);
      await signIn(page, language);
      await page.getByRole('button', { name: t.signOut }).waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(language);
      await page.getByRole('heading', { name: t.queueTitle, level: 1 }).waitFor();
      // A failed capture is visible as such in the queue.
      const failedRow = page.locator(`[data-testid="queue-item"][data-report-id="${failedReportId}"]`);
      expect(await failedRow.getByTestId('capture-failed').textContent()).toBe(t.captureFailedNone);
      if (language === 'nl' || language === 'fr')
        await page.screenshot({ path: join(SCREENSHOTS, `workbench-queue-${language}.png`), fullPage: true });

      await page.goto(`${server.url}/workbench#/reports/${reportId}`);
      const card = page.getByTestId('media-item');
      await card.getByTestId('thumbnail-only').waitFor();
      expect(await card.getByTestId('thumbnail-only').textContent()).toBe(t.thumbnailOnly);
      expect(await card.getByTestId('reveal').count()).toBe(0);
      expect(await card.getByTestId('media-image').getAttribute('class')).toContain('media--protected');
      expect(await page.getByTestId('exposure').textContent()).toBe(
        t.exposure.replace('{today}', '0').replace('{limit}', '100'),
      );
      if (language === 'nl' || language === 'fr')
        await page.screenshot({
          path: join(SCREENSHOTS, `workbench-report-${language}.png`),
          fullPage: true,
        });

      // The server refuses a reveal too, and counts nothing.
      const analyst = await server.app.hashlineHotline.store.getAnalystByUsername(PEOPLE[language].username);
      const revealed = await server.app.hashlineHotline.store.listAudit({
        actor: analyst!.id,
        action: 'media_revealed',
        limit: 10,
      });
      expect(revealed).toEqual([]);
    });
  }

  it('the switch changes every word at once, is kept with the analyst, and follows them to another browser', async () => {
    const page = await pageIn('fr');
    await signIn(page, 'fr', 'eve');
    const fr = WORKBENCH_CATALOGUES.fr.text;
    const de = WORKBENCH_CATALOGUES.de.text;
    await page.getByRole('button', { name: fr.signOut }).waitFor();
    await page.getByTestId('language-switch').first().selectOption('de');
    await page.getByRole('button', { name: de.signOut }).waitFor();
    await page.getByRole('heading', { name: de.queueTitle, level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: de.nav }).textContent()).toContain(de.navStatistics);
    await expect
      .poll(async () => (await server.app.hashlineHotline.store.getAnalystByUsername('eve'))?.language)
      .toBe('de');
    // A Dutch browser: the sign-in page is Dutch, the workbench after sign-in is German.
    const other = await pageIn('nl');
    await signIn(other, 'nl', 'eve');
    await other.getByRole('button', { name: de.signOut }).waitFor();
  });

  it('bulk assessment: all not yet assessed, one form, one audited assessment each, four eyes per item', async () => {
    const hotline = server.app.hashlineHotline.store;
    for (const language of ['nl', 'fr'] as const) {
      const t = WORKBENCH_CATALOGUES[language].text;
      const labels = WORKBENCH_CATALOGUES[language].labels;
      const page = await pageIn(language);
      await signIn(page, language);
      await page.getByRole('button', { name: t.signOut }).waitFor();
      await page.goto(`${server.url}/workbench#/reports/${seriesReportId}`);
      const bulk = page.getByTestId('bulk-assessment');
      await bulk.getByTestId('bulk-select-all').click();
      expect(
        await page
          .getByTestId('bulk-select')
          .evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).checked)),
      ).toEqual([true, true, true]);
      await bulk.getByTestId('bulk-open').click();
      const form = bulk.getByTestId('assessment-form');
      // Submitting the empty form names every required field at once.
      await form.getByRole('button', { name: t.submitAssessment }).click();
      const error = await form.getByTestId('assessment-error').textContent();
      for (const field of [t.internationalStatus, t.nationalStatus, t.ageBand, t.sex, t.confidence])
        expect(error).toContain(field);
      expect(await form.getByTestId('required-mark').count()).toBe(6);
      await form
        .getByRole('group', { name: t.internationalStatus })
        .getByRole('radio', { name: labels.international.not_baseline, exact: true })
        .check();
      await form
        .getByRole('group', { name: t.nationalStatus })
        .getByRole('radio', { name: labels.national.illegal, exact: true })
        .check();
      await form.getByLabel(t.ageBand).selectOption('14-15');
      await form.getByLabel(t.sex).selectOption('girls');
      await form
        .getByRole('group', { name: t.confidence })
        .getByRole('radio', { name: labels.confidence.certain, exact: true })
        .check();
      if (language === 'nl')
        await page.screenshot({ path: join(SCREENSHOTS, `workbench-bulk-${language}.png`), fullPage: true });
      await form.getByRole('button', { name: t.submitAssessment }).click();
      await bulk.getByTestId('bulk-notice').waitFor();
      expect(await bulk.getByTestId('bulk-notice').textContent()).toBe(t.bulkDone.replace('{n}', '3'));
      if (language === 'fr')
        await page.screenshot({ path: join(SCREENSHOTS, `workbench-bulk-${language}.png`), fullPage: true });
      const media = await hotline.listMedia(seriesReportId);
      // One analyst (nl): recorded, audited per item, nothing published; the second (fr) publishes.
      expect(
        media
          .map((m) => m.status)
          .every((s) => s === (language === 'nl' ? 'pending_assessment' : 'published')),
      ).toBe(true);
    }
    const audited = await hotline.listAudit({ action: 'assessment_recorded', limit: 50 });
    expect(audited.filter((e) => e.details.bulk === 3)).toHaveLength(6);
  });

  it('shows the statistics dashboard in Dutch and French', async () => {
    for (const language of ['nl', 'fr'] as const) {
      const page = await pageIn(language);
      await signIn(page, language);
      const t = WORKBENCH_CATALOGUES[language].text;
      await page.getByRole('button', { name: t.signOut }).waitFor();
      await page.goto(`${server.url}/workbench#/statistics`);
      await page.getByTestId('statistics-page').waitFor();
      await page.getByTestId('tile-reports_received').waitFor();
      await page.screenshot({
        path: join(SCREENSHOTS, `statistics-dashboard-${language}.png`),
        fullPage: true,
      });
    }
  });
});
