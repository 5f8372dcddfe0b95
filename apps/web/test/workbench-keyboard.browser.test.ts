// Issue 17's keyboard-only run: a report with 40 captured items (benign images generated here:
// numbered tiles), assessed in the system's headless Chromium with the keyboard only — the
// full-width view, the usual classifications on 1–5, Ctrl+Enter to record, X / A / B to select
// and bulk-assess, "?" for the help, and no key firing while the analyst types in a field. Every
// assessment is checked in the store: recorded, audited per item, and still awaiting the second
// analyst (four eyes). The elapsed time is printed, not asserted (timing asserts fail on a busy
// machine; the target "well under 2 minutes" is reported).
// Care for analysts on the same server: the break reminder after a run of reveals (set to 2 here),
// the 30-day exposure page (reveals of earlier days are seeded into the audit log, as reveals
// would have recorded them) for senior analysts and for an analyst's own, and the analysts page
// for senior analysts.
// Screenshots (HASHLINE_UPDATE_SCREENSHOTS=1): the full-width view, its help and the exposure page
// in Dutch and French.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { WORKBENCH_CATALOGUES } from '../src/workbench/workbench-messages.js';
import type { Language } from '../src/shared/language.js';
import {
  TEST_PASSWORD,
  buildWorkbench,
  screenshotDir,
  startTestSite,
  type TestSite,
} from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const ITEMS = 40;
/** Items assessed one by one in the full-width view; the rest in one bulk assessment. */
const ONE_BY_ONE = 4;
const SCREENSHOTS = screenshotDir('keyboard');

let server: RunningServer;
let site: TestSite;
let browser: Browser;
let reportId: string;
const contexts: BrowserContext[] = [];

/** A benign generated PNG: a numbered tile with shapes placed by its number. */
async function tile(n: number): Promise<Buffer> {
  const hue = (n * 37) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <rect width="320" height="240" fill="hsl(${hue}, 55%, 45%)"/>
    <circle cx="${40 + ((n * 23) % 240)}" cy="${40 + ((n * 41) % 160)}" r="${20 + (n % 5) * 8}" fill="#f5f0e0"/>
    <rect x="${(n * 53) % 220}" y="${(n * 29) % 140}" width="70" height="50" fill="hsl(${(hue + 180) % 360}, 60%, 30%)"/>
    <text x="12" y="228" font-family="sans-serif" font-size="22" fill="#000">KEYBOARD TILE ${n}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A fresh browser context in `locale`, signed in with the keyboard only. */
async function keyboardSignIn(username: string, language: Language = 'en'): Promise<Page> {
  const t = WORKBENCH_CATALOGUES[language].text;
  const context = await browser.newContext({
    serviceWorkers: 'block',
    locale: WORKBENCH_CATALOGUES[language].locale,
    viewport: { width: 1440, height: 1000 },
  });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server.url}/workbench`);
  const usernameField = page.getByLabel(t.username);
  await usernameField.waitFor();
  // Tab from the top of the page to the username field.
  await expect
    .poll(async () => {
      if (await usernameField.evaluate((element) => element === document.activeElement)) return true;
      await page.keyboard.press('Tab');
      return false;
    })
    .toBe(true);
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(TEST_PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: t.signOut }).waitFor();
  return page;
}

/** The media id the full-width view shows. */
/**
 * Presses F until the full-width view is open. The page listens for shortcuts once the report has
 * rendered, and a busy machine can take a press before that (CI lost one); opening an open view
 * does nothing, so a repeated press is harmless.
 */
async function openStage(page: Page): Promise<Locator> {
  const stage = page.getByTestId('assessment-stage');
  await expect
    .poll(
      async () => {
        if (await stage.isVisible()) return true;
        await page.keyboard.press('f');
        return stage.isVisible();
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  return stage;
}

function stageItem(page: Page): Promise<string | null> {
  return page.getByTestId('assessment-stage').getAttribute('data-media-id');
}

/** Whether the element with focus is a text field (where shortcuts must not fire). */
function focusedTag(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.tagName.toLowerCase() ?? '');
}

/**
 * Describes the item with the keyboard after a usual classification put focus on the age band:
 * type-ahead in the age band and sex lists, Ctrl+Enter (every missing field named, focus on the
 * first: confidence), Space for "certain", Ctrl+Enter again.
 */
async function describeAndRecord(page: Page, age: string, sex: string): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-field')))
    .toBe('ageBand');
  await page.keyboard.type(age);
  await page.keyboard.press('Tab');
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-field')))
    .toBe('sex');
  await page.keyboard.type(sex);
  await page.keyboard.press('Control+Enter');
  await expect
    .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value))
    .toBe('certain');
  await page.keyboard.press('Space');
  await page.keyboard.press('Control+Enter');
}

beforeAll(async () => {
  const webDir = await buildWorkbench('keyboard');
  const tiles = await Promise.all(Array.from({ length: ITEMS }, (_, i) => tile(i + 1)));
  const routes = new Map<string, { type: string; body: Buffer | string }>();
  routes.set('/series.html', {
    type: 'text/html; charset=utf-8',
    body: `<html><body><p>benign test series</p>${tiles.map((_, i) => `<img src="/t${i + 1}.png" alt="">`).join('')}</body></html>`,
  });
  tiles.forEach((bytes, i) => routes.set(`/t${i + 1}.png`, { type: 'image/png', body: bytes }));
  site = await startTestSite(routes);

  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-keyboard-test-')),
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
    HASHLINE_CAPTURE_POLL_MS: '100',
    HASHLINE_KEEP_MEDIA: '1',
    HASHLINE_BREAK_AFTER_REVEALS: '2',
  });
  server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  const auth = server.app.hashlineHotline.auth;
  await auth.createAnalyst(
    { username: 'kim', displayName: 'Kim Keys', role: 'analyst', password: TEST_PASSWORD },
    null,
  );
  // Two senior analysts, one working in Dutch, one in French.
  for (const [username, displayName, language] of [
    ['nora', 'Nora Peeters', 'nl'],
    ['france', 'France Dubois', 'fr'],
  ] as const) {
    const created = await auth.createAnalyst(
      { username, displayName, role: 'senior_analyst', password: TEST_PASSWORD },
      null,
    );
    await server.app.hashlineHotline.store.updateAnalyst(created.id, { language });
  }
  const reported = await fetch(`${server.url}/v1/public/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ urls: [`${site.base}/series.html`], concerns: ['csam'], language: 'en' }),
  });
  expect(reported.status).toBe(201);
  // Wait (polling the store) until the capture worker has fetched and hashed all 40 tiles.
  const store = server.app.hashlineHotline.store;
  reportId = await vi.waitFor(
    async () => {
      const series = (await store.listQueue({ limit: 10 })).find((i) => i.mediaCount === ITEMS);
      if (!series) throw new Error(`The capture has not stored all ${ITEMS} tiles yet.`);
      return series.report.id;
    },
    { timeout: 240_000, interval: 250 },
  );
  await seedEarlierReveals();
  browser = await launchBrowser();
});

/** Reveals per analyst and day offset (1–29 days ago), as the audit log would hold them. */
const SEEDED = new Map<string, Map<number, number>>();

/** Appends reveals of this report's items on earlier days for kim, nora and france. */
async function seedEarlierReveals(): Promise<void> {
  const store = server.app.hashlineHotline.store;
  const media = await store.listMedia(reportId);
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const analysts = await store.listAnalysts();
  for (const [k, username] of ['kim', 'nora', 'france'].entries()) {
    const id = analysts.find((a) => a.username === username)!.id;
    const perDay = new Map<number, number>();
    for (let ago = 1; ago <= 29; ago++) {
      // Working days only, a varied load (0–14 a day).
      const count = (ago + k) % 7 >= 5 ? 0 : (ago * 7 + k * 5) % 15;
      perDay.set(ago, count);
      for (let n = 0; n < count; n++)
        await store.appendAudit(
          // Every third reveal a capture's screenshot (counted, never assessed), the rest items.
          (n + ago) % 3 === 0
            ? {
                actor: id,
                action: 'media_revealed',
                subjectType: 'capture_screenshot',
                subjectId: String(1000 + ago),
                details: { count: n + 1 },
              }
            : {
                actor: id,
                action: 'media_revealed',
                subjectType: 'media',
                subjectId: String(media[(ago + n) % media.length]!.id),
                details: { count: n + 1 },
              },
          new Date(today - ago * 86_400_000 + (9 * 60 + n * 7) * 60_000),
        );
    }
    SEEDED.set(username, perDay);
  }
}

/** `YYYY-MM-DD` of `ago` days before today (UTC). */
const dayAgo = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  await site?.close();
});

describe('assessing 40 items with the keyboard only (issue 17)', () => {
  it('records 40 assessments, each audited and awaiting the second analyst; prints the time', async () => {
    const t = WORKBENCH_CATALOGUES.en.text;
    const page = await keyboardSignIn('kim');
    // Reaching the report is navigation, not assessment: the run is timed from its first key.
    await page.goto(`${server.url}/workbench#/reports/${reportId}`);
    await expect.poll(() => page.getByTestId('media-item').count(), { timeout: 60_000 }).toBe(ITEMS);
    const started = performance.now();

    // F: the full-width view opens on the first item not yet assessed, blurred and greyscale.
    const stage = await openStage(page);
    const first = await stageItem(page);
    expect(await stage.getByTestId('stage-image').getAttribute('class')).toContain('media--protected');
    expect(await page.getByTestId('shortcut-legend').textContent()).toContain(t.stageNext);

    // V reveals it (counted, audited); J and K move between items.
    await page.keyboard.press('v');
    await expect.poll(() => stage.locator('.wb-stage-body').getAttribute('data-revealed')).toBe('true');
    expect(await page.getByTestId('exposure').textContent()).toBe(
      t.exposure.replace('{today}', '1').replace('{limit}', '100'),
    );
    await page.keyboard.press('j');
    await expect.poll(() => stageItem(page)).not.toBe(first);
    // A new item starts blurred again.
    expect(await stage.getByTestId('stage-image').getAttribute('class')).toContain('media--protected');
    await page.keyboard.press('k');
    await expect.poll(() => stageItem(page)).toBe(first);

    // "?" opens the help (a modal dialog with every key); Escape closes it.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: t.shortcutsTitle });
    await help.waitFor();
    expect(await help.textContent()).toContain(t.keySelectAll);
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);

    // One by one: a usual classification (1: illegal, baseline), the item described, recorded;
    // the view moves on to the next item not yet assessed.
    for (let i = 0; i < ONE_BY_ONE; i++) {
      const before = await stageItem(page);
      await page.keyboard.press('1');
      await describeAndRecord(page, '14', 'g');
      await expect.poll(() => stageItem(page)).not.toBe(before);
    }

    // Typing in a text field fires no shortcut: "j" in the legal-basis field is text.
    const current = await stageItem(page);
    const legalBasis = stage.getByLabel(t.legalBasis);
    await expect
      .poll(async () => {
        if (
          (await focusedTag(page)) === 'input' &&
          (await legalBasis.evaluate((e) => e === document.activeElement))
        )
          return true;
        await page.keyboard.press('Tab');
        return false;
      })
      .toBe(true);
    await page.keyboard.type('jkx');
    expect(await legalBasis.inputValue()).toBe('jkx');
    expect(await stageItem(page)).toBe(current);
    expect(await stage.getByTestId('stage-select').isChecked()).toBe(false);
    // Escape leaves the field first (what was typed stays), a second Escape closes the view.
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedTag(page)).not.toBe('input');
    expect(await legalBasis.inputValue()).toBe('jkx');
    expect(await stage.count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => stage.count()).toBe(0);

    // X selects the item in view; A selects all not yet assessed; B opens the bulk form.
    await openStage(page);
    await page.keyboard.press('x');
    await expect.poll(() => stage.getByTestId('stage-select').isChecked()).toBe(true);
    await page.keyboard.press('a');
    await expect
      .poll(() => page.getByTestId('bulk-open').textContent())
      .toBe(t.bulkAssess.replace('{n}', String(ITEMS - ONE_BY_ONE)));
    await page.keyboard.press('b');
    const bulkForm = page.getByTestId('bulk-assessment').getByTestId('assessment-form');
    await bulkForm.waitFor();
    await page.keyboard.press('2');
    await describeAndRecord(page, '16', 'b');
    await page.getByTestId('bulk-notice').waitFor({ timeout: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `Keyboard-only run: ${ITEMS} items assessed in ${seconds.toFixed(1)} s (${ONE_BY_ONE} one by one, ${ITEMS - ONE_BY_ONE} in bulk; target: well under 120 s, reported, not asserted)`,
    );
    expect(await page.getByTestId('bulk-notice').textContent()).toContain(
      t.bulkDone.replace('{n}', String(ITEMS - ONE_BY_ONE)),
    );

    // The store: one assessment by kim per item, one audit row per item, none published.
    const store = server.app.hashlineHotline.store;
    const kim = (await store.listAnalysts()).find((a) => a.username === 'kim')!;
    const detail = await server.app.hashlineHotline.workbench.report(kim, reportId);
    expect(detail.media).toHaveLength(ITEMS);
    for (const item of detail.media) {
      expect(item.assessments.map((a) => [a.analystId, a.nationalStatus])).toEqual([[kim.id, 'illegal']]);
      // Four eyes: one analyst's "illegal" publishes nothing.
      expect(item.media.bankEntryIds).toEqual([]);
    }
    const oneByOne = detail.media.filter((m) => m.assessments[0]!.internationalStatus === 'baseline');
    expect(oneByOne).toHaveLength(ONE_BY_ONE);
    expect(
      oneByOne.every((m) => m.assessments[0]!.ageBand === '14-15' && m.assessments[0]!.sex === 'girls'),
    ).toBe(true);
    const audited = await store.listAudit({ action: 'assessment_recorded', actor: kim.id, limit: 1000 });
    expect(audited.map((e) => e.subjectId).sort()).toEqual(
      detail.media.map((m) => String(m.media.id)).sort(),
    );

    // The page says so too: every item awaits the second analyst.
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.locator('[data-testid="assessment-state"][data-state="awaiting_second"]').count())
      .toBe(ITEMS);

    // Kim (an analyst) sees their own 30 days, nobody else's, and no analysts page.
    await page.goto(`${server.url}/workbench#/exposure`);
    await page.getByTestId('exposure-page').waitFor();
    await expect.poll(() => page.getByTestId('exposure-analyst').count()).toBe(1);
    expect(await page.getByTestId('exposure-analyst').getAttribute('data-username')).toBe('kim');
    expect(await page.getByRole('link', { name: t.navAnalysts }).count()).toBe(0);
  });

  for (const language of ['nl', 'fr'] as const) {
    it(`${language}: the full-width view and its help in the analyst's language (screenshots)`, async () => {
      const t = WORKBENCH_CATALOGUES[language].text;
      const page = await keyboardSignIn(language === 'nl' ? 'nora' : 'france', language);
      await page.goto(`${server.url}/workbench#/reports/${reportId}`);
      await expect.poll(() => page.getByTestId('media-item').count(), { timeout: 60_000 }).toBe(ITEMS);
      const stage = await openStage(page);
      expect(await stage.getByRole('heading', { level: 2 }).textContent()).toContain(
        t.stageTitle.split('{n}')[0]!.trim(),
      );
      expect(await page.getByTestId('shortcut-legend').textContent()).toContain(t.stageNext);
      await stage.evaluate((element) => element.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: join(SCREENSHOTS, `workbench-full-width-${language}.png`) });
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: t.shortcutsTitle }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `workbench-shortcuts-${language}.png`) });
      // Escape closes the help, and only the help.
      await page.keyboard.press('Escape');
      await stage.waitFor();
      await page.keyboard.press('1');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-field')))
        .toBe('ageBand');

      // Two reveals in a row (the run set for this server): the kind reminder, in the language.
      await page.keyboard.press('Escape');
      await page.keyboard.press('f');
      await stage.waitFor();
      expect(await page.getByTestId('break-reminder').count()).toBe(0);
      await page.keyboard.press('v');
      await expect.poll(() => stage.locator('.wb-stage-body').getAttribute('data-revealed')).toBe('true');
      await page.keyboard.press('j');
      await page.keyboard.press('v');
      const reminder = page.getByTestId('break-reminder');
      await reminder.waitFor();
      expect(await reminder.locator('span').textContent()).toBe(
        t.breakRun.replace('{n}', '2').replace('{minutes}', '60'),
      );
      await reminder.getByRole('button', { name: t.breakTaken }).click();
      await expect.poll(() => reminder.count()).toBe(0);

      // The 30-day exposure page: a senior analyst sees every analyst, on one scale.
      await page.goto(`${server.url}/workbench#/exposure`);
      await page.getByRole('heading', { name: t.exposureTitle, level: 1 }).waitFor();
      await expect.poll(() => page.getByTestId('exposure-analyst').count()).toBe(3);
      const store = server.app.hashlineHotline.store;
      for (const username of ['kim', 'nora', 'france']) {
        const article = page.locator(`[data-testid="exposure-analyst"][data-username="${username}"]`);
        expect(await article.getByTestId('exposure-bar').count()).toBe(30);
        for (const [ago, count] of SEEDED.get(username)!) {
          const bar = article.locator(`[data-testid="exposure-bar"][data-day="${dayAgo(ago)}"]`);
          expect(await bar.getAttribute('data-reveals'), `${username} ${ago} days ago`).toBe(String(count));
        }
      }
      // The share of illegal material: reveals of items an analyst assessed illegal.
      const analystId = (await store.listAnalysts()).find((a) => a.username === 'nora')!.id;
      const reveals = (await store.listReveals(new Date(`${dayAgo(29)}T00:00:00Z`))).filter(
        (r) => r.actor === analystId,
      );
      const nora = page.locator('[data-testid="exposure-analyst"][data-username="nora"]');
      expect(await nora.getAttribute('data-reveals')).toBe(String(reveals.length));
      expect(await nora.getAttribute('data-illegal')).toBe(String(reveals.filter((r) => r.illegal).length));
      await page.screenshot({
        path: join(SCREENSHOTS, `workbench-exposure-${language}.png`),
        fullPage: true,
      });

      // The analysts page, for a senior analyst: the team's exposure today and the raise; no account creation.
      await page.goto(`${server.url}/workbench#/admin/analysts`);
      await page.getByTestId('analysts-table').waitFor();
      expect(await page.getByTestId('team-intro').textContent()).toBe(t.analystsTeamIntro);
      expect(
        await page
          .locator('[data-testid="analysts-table"] tr[data-username="kim"]')
          .getByTestId('raise-limit')
          .count(),
      ).toBe(1);
      expect(await page.getByRole('heading', { name: t.createAnalystTitle }).count()).toBe(0);
    });
  }
});
