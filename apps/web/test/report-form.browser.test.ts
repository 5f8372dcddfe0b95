// The public report form (/report) in the system's headless Chromium, against a real server
// (SQLite in a temporary folder, capture worker off so nothing is fetched) serving the built web
// app: the four languages end to end (report → receipt → status), out-of-remit guidance without a
// request, one report per attempt (double click, lost answer, manual retry: one idempotency key),
// field errors from the page and from the server, the honeypot, rate limiting, keyboard only,
// WCAG AA contrast, the CSP, and that no request leaves the origin.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT_CONCERNS, SITE_TYPES as DOMAIN_SITE_TYPES } from '@hashline/domain';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { REPO_ROOT } from '../../../tools/test-fixtures.js';
import { CONCERNS, SITE_TYPES } from '../src/report/report-api.js';

const WEB_DIST = fileURLToPath(new URL('../dist/report.html', import.meta.url));
// Committed screenshots are refreshed on request only.
const SCREENSHOTS =
  process.env.HASHLINE_UPDATE_SCREENSHOTS === '1'
    ? join(REPO_ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'hashline-screenshots-'));
// The web CSP, written out here (not imported) so a change to it is a visible decision.
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
  "worker-src 'self' blob:; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const RECEIPT = /^HL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REPORTS = '/v1/public/reports';

// Chromium shares two cores with the rest of the suite: generous limits, no timed assertions.
vi.setConfig({ testTimeout: 90_000 });

/** Words the test knows independently of the page's messages file: one oracle per language. */
const KNOWN = {
  en: {
    title: 'Report child sexual abuse material',
    dontDownload: 'We never ask you to upload images.',
    send: 'Send the report',
    check: 'Check',
    received: 'Received',
    addUrl: '+ Add another web address',
  },
  nl: {
    title: 'Beelden van seksueel misbruik van kinderen melden',
    dontDownload: 'We vragen nooit om beelden op te laden.',
    send: 'Melding versturen',
    check: 'Bekijken',
    received: 'Ontvangen',
    addUrl: '+ Nog een webadres toevoegen',
  },
  fr: {
    title: "Signaler des images d'abus sexuels sur des enfants",
    dontDownload: "Nous ne vous demanderons jamais d'envoyer des images.",
    send: 'Envoyer le signalement',
    check: 'Vérifier',
    received: 'Reçu',
    addUrl: '+ Ajouter une autre adresse web',
  },
  de: {
    title: 'Darstellungen sexuellen Kindesmissbrauchs melden',
    dontDownload: 'Wir bitten Sie nie, Bilder hochzuladen.',
    send: 'Meldung senden',
    check: 'Nachsehen',
    received: 'Eingegangen',
    addUrl: '+ Weitere Internetadresse hinzufügen',
  },
} as const;
type Lang = keyof typeof KNOWN;

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function serve(env: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-report-test-')),
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_CAPTURE_WORKER: 'false',
    HASHLINE_REPORTS_PER_MINUTE: '10000',
    ...env,
  });
  const server = await startServer({ config, indexWorkers: false, webhooks: false, captureWorker: false });
  await server.indexLoaded;
  return server;
}

/** Reports stored by the server (open ones: nothing closes them in these tests). */
async function storedReportCount(target: RunningServer): Promise<number> {
  return (await target.app.hashlineHotline.store.listQueue({ limit: 10_000 })).length;
}

async function storedByReceipt(target: RunningServer, code: string) {
  const store = target.app.hashlineHotline.store;
  const report = await store.getReportByReceiptHash(sha256Hex(code));
  return report ? { report, urls: await store.listUrls(report.id) } : undefined;
}

interface Opened {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request the page made, in order. */
  readonly requests: Request[];
  /** The POSTs to /v1/public/reports. */
  reportPosts(): Request[];
}

let browser: Browser;
let server: RunningServer;

async function open(
  target: RunningServer,
  path = '/report?lang=en',
  options: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<Opened> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: options.viewport ?? { width: 1000, height: 900 },
    deviceScaleFactor: 1,
    ...(options.locale ? { locale: options.locale } : {}),
  });
  const page = await context.newPage();
  const requests: Request[] = [];
  context.on('request', (request) => requests.push(request));
  const response = await page.goto(`${target.url}${path}`);
  expect(response?.status()).toBe(200);
  await page.locator('#report-url-0').waitFor();
  // The hotline's settings have loaded (the brand shows the server's name, not the fallback only).
  await page.waitForLoadState('networkidle');
  return {
    context,
    page,
    requests,
    reportPosts: () => requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname === REPORTS),
  };
}

/** Nothing the page asked for left the server's origin. */
function expectSameOrigin(opened: Opened, target: RunningServer = server): void {
  expect(opened.requests.length).toBeGreaterThan(0);
  for (const request of opened.requests)
    expect(new URL(request.url()).origin, request.url()).toBe(target.url);
}

/**
 * Makes a request the page must send after anything it would have sent before (a status lookup),
 * and waits for its answer: afterwards, a request that was not made will not be made.
 */
async function settle(page: Page, lang: Lang = 'en'): Promise<void> {
  await page.locator('#report-status-code').fill('HL-0000-0000-0000-0000');
  await page.getByRole('button', { name: KNOWN[lang].check, exact: true }).click();
  await page.getByTestId('status-error').waitFor();
  await page.locator('#report-status-code').fill('');
}

async function fillReport(page: Page, urls: readonly string[], lang: Lang = 'en'): Promise<void> {
  for (const [i, url] of urls.entries()) {
    if (i > 0) await page.getByRole('button', { name: KNOWN[lang].addUrl }).click();
    await page.locator(`#report-url-${i}`).fill(url);
  }
  await page.locator('#report-concerns').check(); // the first concern: child sexual abuse material
}

async function receiptOf(page: Page): Promise<string> {
  const code = (await page.getByTestId('receipt-code').textContent())!.trim();
  expect(code).toMatch(RECEIPT);
  return code;
}

beforeAll(async () => {
  if (!existsSync(WEB_DIST)) {
    // `npm test` builds every workspace first; a direct vitest run may not have.
    const { build } = await import('vite');
    await build({
      configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
      logLevel: 'warn',
    });
  }
  browser = await launchBrowser();
  server = await serve();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the page speaks the vocabulary of the server', () => {
  it('offers exactly the concerns and site types the server accepts', () => {
    expect([...CONCERNS].sort()).toEqual([...REPORT_CONCERNS].sort());
    expect([...SITE_TYPES].sort()).toEqual([...DOMAIN_SITE_TYPES].sort());
  });
});

describe('reporting in each language', () => {
  it.each(['nl', 'fr', 'de', 'en'] as const)(
    '%s: report two URLs → receipt (focused) → status "received"; stored as sent',
    async (lang) => {
      const known = KNOWN[lang];
      const c = await open(server, `/report?lang=${lang}`);
      const { page } = c;
      await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(known.title);
      await expect.poll(() => page.getByRole('note').textContent()).toContain(known.dontDownload);
      await expect
        .poll(() => page.locator(`.report-language[lang="${lang}"]`).getAttribute('aria-pressed'))
        .toBe('true');

      const urls = [
        `https://images.example.test/${lang}/a?id=1`,
        `http://forum.example.test/${lang}/thread/7`,
      ];
      const description = `Seen on page 2 (${lang}) – test report`;
      await fillReport(page, urls, lang);
      await page.locator('#report-description').fill(description);
      await page.getByRole('button', { name: known.send }).click();
      const code = await receiptOf(page);
      // Focus moved to the receipt code.
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
        .toBe('receipt-code');

      // One POST, with a v4 UUID idempotency key and exactly the fields of the contract.
      const posts = c.reportPosts();
      expect(posts).toHaveLength(1);
      expect(await posts[0]!.headerValue('idempotency-key')).toMatch(UUID_V4);
      const body = posts[0]!.postDataJSON() as Record<string, unknown>;
      expect(body).toEqual({ urls, concerns: ['csam'], description, imminentDanger: false, language: lang });

      // The status section finds it: received, in this language (typed in lower case with spaces).
      await page.locator('#report-status-code').fill(code.toLowerCase().replace(/-/g, ' '));
      await page.getByRole('button', { name: known.check, exact: true }).click();
      const status = page.getByTestId('report-status');
      await expect.poll(() => status.getAttribute('data-status')).toBe('received');
      await expect.poll(() => status.locator('strong').textContent()).toBe(known.received);
      await expect.poll(() => status.textContent()).toContain('2');

      // Stored as sent, anonymous, no contact.
      const stored = await storedByReceipt(server, code);
      expect(stored).toBeDefined();
      expect(stored!.report).toMatchObject({
        language: lang,
        concerns: ['csam'],
        description,
        imminentDanger: false,
        anonymous: true,
        contactId: null,
        status: 'received',
        channel: 'web_form',
      });
      expect(stored!.urls.map((u) => u.url)).toEqual(urls);
      expectSameOrigin(c);
      await c.context.close();
    },
  );

  it('starts in the browser language without ?lang=, English otherwise; the switch updates <html lang>', async () => {
    const french = await open(server, '/report', { locale: 'fr-BE' });
    await expect
      .poll(() => french.page.getByRole('heading', { level: 1 }).textContent())
      .toBe(KNOWN.fr.title);
    await expect.poll(() => french.page.evaluate(() => document.documentElement.lang)).toBe('fr');
    // Switch to Dutch with the language buttons (each button is labelled in its own language).
    await french.page.locator('.report-language[lang="nl"]').click();
    await expect
      .poll(() => french.page.getByRole('heading', { level: 1 }).textContent())
      .toBe(KNOWN.nl.title);
    await expect.poll(() => french.page.evaluate(() => document.documentElement.lang)).toBe('nl');
    expect(new URL(french.page.url()).searchParams.get('lang')).toBe('nl');
    await french.context.close();

    const other = await open(server, '/report', { locale: 'ja-JP' });
    await expect.poll(() => other.page.getByRole('heading', { level: 1 }).textContent()).toBe(KNOWN.en.title);
    await expect.poll(() => other.page.evaluate(() => document.documentElement.lang)).toBe('en');
    await other.context.close();
  });
});

describe('checking a report', () => {
  it('shows "being handled" and "closed" as the hotline works on it, nothing more; unknown codes are explained', async () => {
    const c = await open(server);
    const { page } = c;
    await fillReport(page, ['https://status.example.test/1']);
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    const code = await receiptOf(page);
    const store = server.app.hashlineHotline.store;
    const { report } = (await storedByReceipt(server, code))!;
    const status = page.getByTestId('report-status');
    const lookUp = async (typed: string) => {
      await page.locator('#report-status-code').fill(typed);
      await page.getByRole('button', { name: 'Check', exact: true }).click();
    };

    await store.updateReport(report.id, { status: 'in_assessment' });
    await lookUp(code);
    await expect.poll(() => status.getAttribute('data-status')).toBe('in_progress');
    await expect.poll(() => status.locator('strong').textContent()).toBe('Being handled');
    await expect.poll(() => status.textContent()).toContain('1 web address');

    await store.updateReport(report.id, { status: 'closed_not_illegal', closedAt: new Date() });
    await lookUp(code);
    await expect.poll(() => status.getAttribute('data-status')).toBe('closed');
    await expect.poll(() => status.locator('strong').textContent()).toBe('Closed');
    // The outcome of the assessment is not shown to the public.
    await expect.poll(() => status.textContent()).not.toMatch(/illegal/i);

    await lookUp('HL-ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    const error = page.getByTestId('status-error');
    await error.waitFor();
    await expect.poll(() => error.getAttribute('role')).toBe('alert');
    await expect.poll(() => error.textContent()).toContain('We cannot find a report with this code');
    await expect.poll(() => status.count()).toBe(0);
    // The code travels in a POST body, never in a URL.
    for (const request of c.requests) expect(request.url()).not.toContain(code);
    await c.context.close();
  });
});

describe('guidance instead of a report', () => {
  it('only "intimate images of an adult": guidance (StopNCII, helpline), no submit button, no POST', async () => {
    const c = await open(server);
    const { page } = c;
    const before = await storedReportCount(server);
    await page.locator('#report-url-0').fill('https://pictures.example.test/adult');
    await page.locator('#report-concern-ncii_adult').check();
    const guidance = page.getByTestId('adult-guidance');
    await guidance.waitFor();
    await expect.poll(() => guidance.textContent()).toContain('StopNCII.org');
    await expect.poll(() => guidance.textContent()).toContain('116 000');
    await expect.poll(() => page.getByRole('button', { name: KNOWN.en.send }).count()).toBe(0);
    // Enter in the URL field (implicit submission) sends nothing either.
    await page.locator('#report-url-0').press('Enter');
    await settle(page);
    expect(c.reportPosts()).toHaveLength(0);
    expect(await storedReportCount(server)).toBe(before);

    // Adding a concern the hotline handles brings the form back.
    await page.locator('#report-concern-ncii_minor').check();
    await expect.poll(() => guidance.count()).toBe(0);
    await page.getByRole('button', { name: KNOWN.en.send }).waitFor();
    // A child's own images: the self-submission page (Take It Down pattern), in the same language.
    await expect
      .poll(() => page.getByTestId('own-images').getByRole('link').getAttribute('href'))
      .toBe('/?lang=en');
    expectSameOrigin(c);
    await c.context.close();
  });

  it('sexual extortion shows the advice (do not pay, keep the messages) with the helpline; danger shows the police', async () => {
    const c = await open(server);
    const { page } = c;
    await page.locator('#report-concern-sexual_extortion').check();
    const advice = page.getByTestId('extortion-advice');
    await expect.poll(() => advice.textContent()).toContain('Do not pay');
    await expect.poll(() => advice.textContent()).toContain('116 000');
    await page.locator('#report-imminent-danger').check();
    const danger = page.getByTestId('danger-now');
    await expect.poll(() => danger.getAttribute('role')).toBe('alert');
    await expect.poll(() => danger.textContent()).toContain('112');
    await expect.poll(() => danger.getByRole('link').getAttribute('href')).toBe('tel:112');
    await c.context.close();
  });
});

describe('one report per attempt', () => {
  it('a double click sends one report (and two clicks in the same task too)', async () => {
    const before = await storedReportCount(server);
    const c = await open(server);
    await fillReport(c.page, ['https://double.example.test/1']);
    await c.page.getByRole('button', { name: KNOWN.en.send }).dblclick();
    const code = await receiptOf(c.page);
    await c.page.waitForLoadState('networkidle');
    expect(c.reportPosts()).toHaveLength(1);
    expect(await storedReportCount(server)).toBe(before + 1);
    expect(await storedByReceipt(server, code)).toBeDefined();
    await c.context.close();

    // Two clicks before React can re-render: the in-flight guard stops the second.
    const d = await open(server);
    await fillReport(d.page, ['https://double.example.test/2']);
    await d.page.evaluate(() => {
      const button = document.querySelector<HTMLButtonElement>('button[type="submit"]')!;
      button.click();
      button.click();
    });
    await receiptOf(d.page);
    await d.page.waitForLoadState('networkidle');
    expect(d.reportPosts()).toHaveLength(1);
    expect(await storedReportCount(server)).toBe(before + 2);
    await d.context.close();
  });

  it('an answer lost after the server stored the report: the retry reuses the key, one report, same receipt', async () => {
    const before = await storedReportCount(server);
    const c = await open(server);
    let first = true;
    await c.page.route(`**${REPORTS}`, async (route) => {
      if (!first) return route.continue();
      first = false;
      // The request reaches the real server (which stores the report); the browser never hears back.
      await route.fetch();
      await route.abort('connectionreset');
    });
    await fillReport(c.page, ['https://lost.example.test/answer']);
    const replayed = c.page.waitForResponse(
      (r) => new URL(r.url()).pathname === REPORTS && r.headers()['idempotent-replayed'] === 'true',
    );
    await c.page.getByRole('button', { name: KNOWN.en.send }).click();
    const code = await receiptOf(c.page);
    expect((await replayed).status()).toBe(201);
    const keys = await Promise.all(c.reportPosts().map((r) => r.headerValue('idempotency-key')));
    expect(keys.length).toBe(2);
    expect(new Set(keys).size).toBe(1);
    expect(await storedReportCount(server)).toBe(before + 1);
    expect(await storedByReceipt(server, code)).toBeDefined();

    // A new report after success gets a new key.
    await c.page.getByRole('button', { name: 'Make another report' }).click();
    await fillReport(c.page, ['https://lost.example.test/next']);
    await c.page.getByRole('button', { name: KNOWN.en.send }).click();
    await receiptOf(c.page);
    const lastKey = await c.reportPosts().at(-1)!.headerValue('idempotency-key');
    expect(lastKey).toMatch(UUID_V4);
    expect(lastKey).not.toBe(keys[0]);
    expect(await storedReportCount(server)).toBe(before + 2);
    await c.context.close();
  });

  it('no connection: a readable error with "Try again"; the retry uses the same key and succeeds', async () => {
    const before = await storedReportCount(server);
    const c = await open(server);
    await c.page.route(`**${REPORTS}`, (route) => route.abort('internetdisconnected'));
    await fillReport(c.page, ['https://offline.example.test/page']);
    await c.page.getByRole('button', { name: KNOWN.en.send }).click();
    const error = c.page.getByTestId('send-error');
    await error.waitFor();
    await expect.poll(() => error.getAttribute('role')).toBe('alert');
    await expect.poll(() => error.textContent()).toContain('Your report is still here');
    // The form kept what was typed.
    await expect
      .poll(() => c.page.locator('#report-url-0').inputValue())
      .toBe('https://offline.example.test/page');
    await c.page.unroute(`**${REPORTS}`);
    await c.page.getByRole('button', { name: 'Try again' }).click();
    await receiptOf(c.page);
    const keys = await Promise.all(c.reportPosts().map((r) => r.headerValue('idempotency-key')));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(await storedReportCount(server)).toBe(before + 1);
    await c.context.close();
  });
});

describe('errors', () => {
  it('invalid URLs: field errors linked with aria-describedby, a summary announced and focused; nothing sent', async () => {
    const before = await storedReportCount(server);
    const c = await open(server);
    const { page } = c;
    await fillReport(page, ['javascript:alert(1)', 'not a url']);
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    const summary = page.getByTestId('error-summary');
    await summary.getByRole('listitem').first().waitFor();
    await expect.poll(() => summary.getAttribute('role')).toBe('alert');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('report-error-summary');
    for (const i of [0, 1]) {
      const input = page.locator(`#report-url-${i}`);
      await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await input.getAttribute('aria-describedby'))!.split(' ');
      expect(describedBy).toContain(`report-url-${i}-error`);
      await expect
        .poll(() => page.locator(`#report-url-${i}-error`).textContent())
        .toContain('This is not a web address');
    }
    await expect.poll(() => summary.getByRole('listitem').count()).toBe(2);
    // A summary link moves focus to its field.
    await summary.getByRole('link').nth(1).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('report-url-1');
    await settle(page);
    expect(c.reportPosts()).toHaveLength(0);
    expect(await storedReportCount(server)).toBe(before);

    // Missing concern and a contact without consent.
    await page.locator('#report-url-0').fill('https://ok.example.test/a');
    await page.locator('#report-url-1').fill('ok.example.test/b');
    await page.locator('#report-concerns').uncheck();
    await page.locator('#report-contactEmail').fill('parent@example.test');
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    await expect.poll(() => summary.getByRole('listitem').count()).toBe(2);
    await expect
      .poll(() => page.locator('#report-concerns-error').textContent())
      .toContain('Choose at least one');
    await expect.poll(() => page.locator('#report-consent-error').textContent()).toContain('Tick this box');

    // Fixed: the report goes, with the contact and the consent, and the scheme-less URL completed.
    await page.locator('#report-concerns').check();
    await page.locator('#report-consent').check();
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    const code = await receiptOf(page);
    const body = c.reportPosts().at(-1)!.postDataJSON() as Record<string, unknown>;
    expect(body.urls).toEqual(['https://ok.example.test/a', 'https://ok.example.test/b']);
    expect(body.contact).toEqual({ email: 'parent@example.test' });
    expect(body.consentToContact).toBe(true);
    const stored = await storedByReceipt(server, code);
    expect(stored!.report.anonymous).toBe(false);
    expect(stored!.report.contactId).not.toBeNull();
    await c.context.close();
  });

  it("the server's field errors (errors[].at = /urls/1) land on the right field", async () => {
    const before = await storedReportCount(server);
    const c = await open(server);
    const { page } = c;
    // The page never sends a bad URL itself: rewrite the body in flight so the real server judges one.
    await page.route(`**${REPORTS}`, (route) => {
      const body = route.request().postDataJSON() as { urls: string[] };
      body.urls[1] = 'ftp://files.example.test/x';
      return route.continue({ postData: JSON.stringify(body) });
    });
    await fillReport(page, ['https://a.example.test/1', 'https://b.example.test/2']);
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    await page.locator('#report-url-1-error').waitFor();
    await expect.poll(() => page.locator('#report-url-1').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.locator('#report-url-0').getAttribute('aria-invalid')).toBeNull();
    await expect
      .poll(() => page.getByTestId('error-summary').textContent())
      .toContain('This is not a web address');
    expect(await storedReportCount(server)).toBe(before);
    await c.context.close();
  });

  it('too many reports: 429 is explained with the wait, and nothing is lost from the form', async () => {
    const limited = await serve({ HASHLINE_REPORTS_PER_MINUTE: '1' });
    try {
      const c = await open(limited);
      await fillReport(c.page, ['https://limit.example.test/1']);
      await c.page.getByRole('button', { name: KNOWN.en.send }).click();
      await receiptOf(c.page);
      await c.page.getByRole('button', { name: 'Make another report' }).click();
      await fillReport(c.page, ['https://limit.example.test/2']);
      await c.page.getByRole('button', { name: KNOWN.en.send }).click();
      const error = c.page.getByTestId('send-error');
      await error.waitFor();
      await expect.poll(() => error.textContent()).toMatch(/Please wait \d+ minutes and try again/);
      await expect
        .poll(() => c.page.locator('#report-url-0').inputValue())
        .toBe('https://limit.example.test/2');
      expect(c.reportPosts().at(-1)!.url()).toBe(`${limited.url}${REPORTS}`);
      expectSameOrigin(c, limited);
      await c.context.close();
    } finally {
      await limited.close();
    }
  });
});

describe('the honeypot', () => {
  it('is hidden by a class, out of the tab order and the accessibility tree; filled, it stores nothing', async () => {
    const before = await storedReportCount(server);
    const c = await open(server);
    const { page } = c;
    const trap = page.locator('input[name="website"]');
    expect(
      await trap.evaluate((input) => ({
        tabIndex: input.tabIndex,
        autocomplete: input.getAttribute('autocomplete'),
        hidden: input.closest('[aria-hidden="true"]') !== null,
        styleAttribute: input.closest('[style]') !== null,
        offScreen: input.getBoundingClientRect().right < 0,
      })),
    ).toEqual({ tabIndex: -1, autocomplete: 'off', hidden: true, styleAttribute: false, offScreen: true });
    // A bot fills every field.
    await trap.fill('https://spam.example.test', { force: true });
    await fillReport(page, ['https://bot.example.test/1']);
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    const code = await receiptOf(page);
    expect(c.reportPosts()[0]!.postDataJSON()).toMatchObject({ website: 'https://spam.example.test' });
    expect(await storedReportCount(server)).toBe(before);
    expect(await storedByReceipt(server, code)).toBeUndefined();
    await c.context.close();
  });
});

describe('accessibility', () => {
  it('labels every control, groups with legends, and completes with the keyboard only; focus lands on the receipt', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const c = await open(server, '/report?lang=en', { viewport: { width: 390, height: 844 } });
    const { page } = c;
    await page.screenshot({ path: join(SCREENSHOTS, 'report-form-phone.png'), fullPage: true });
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !el.closest('[aria-hidden="true"]'))
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          const name = el.getAttribute('aria-label') ?? (el.tagName === 'BUTTON' ? el.textContent : '');
          return !(labels && labels.length > 0) && !(name ?? '').trim();
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
    expect(
      await page.evaluate(() =>
        [...document.querySelectorAll('fieldset')].every(
          (f) => f.querySelector(':scope > legend')?.textContent,
        ),
      ),
    ).toBe(true);

    const focused: string[] = [];
    const tabUntil = async (test: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        focused.push(
          await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''),
        );
        if (await test()) return;
      }
      throw new Error(`Tab never reached ${what}: ${focused.join(' | ')}`);
    };
    const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
    await tabUntil(async () => (await activeId()) === 'report-url-0', 'the first URL');
    // The focus is visible (an outline, not the browser default suppressed).
    await expect
      .poll(() => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle))
      .not.toBe('none');
    await page.keyboard.type('https://keyboard.example.test/page');
    await tabUntil(async () => (await activeId()) === 'report-concerns', 'the first concern');
    await page.keyboard.press('Space');
    await expect.poll(() => page.locator('#report-concerns').isChecked()).toBe(true);
    await tabUntil(
      async () => (await page.evaluate(() => document.activeElement?.textContent)) === KNOWN.en.send,
      'the send button',
    );
    expect(focused).not.toContain('report-website');
    await page.keyboard.press('Enter');
    const code = await receiptOf(page);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('receipt-code');
    await page.screenshot({ path: join(SCREENSHOTS, 'report-form-receipt.png'), fullPage: true });
    // The next Tab reaches the copy button; it copies the code.
    await c.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Copy the code');
    await page.keyboard.press('Enter');
    await page.getByText('Copied', { exact: true }).waitFor();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    // Nothing overflows the phone's width.
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(390);
    expectSameOrigin(c);
    await c.context.close();
  });

  it('every visible text has WCAG AA contrast in every state of the page', async () => {
    const c = await open(server);
    const { page } = c;
    const failures: string[] = [];
    const check = async (state: string) => {
      const found = await page.evaluate(contrastFailures);
      failures.push(...found.map((f) => `${state}: ${f}`));
    };
    await check('empty form');
    await page.locator('#report-url-0').fill('not a url');
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    await page.getByTestId('error-summary').getByRole('listitem').first().waitFor();
    await check('errors');
    for (const concern of ['csam', 'sexual_extortion', 'ncii_minor', 'ai_generated']) {
      await page.locator(concern === 'csam' ? '#report-concerns' : `#report-concern-${concern}`).check();
    }
    await page.locator('#report-imminent-danger').check();
    await page.locator('#report-url-0').fill('https://contrast.example.test/');
    await check('notes and danger');
    // While sending: hold the request until the disabled button has been measured.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**${REPORTS}`, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: KNOWN.en.send }).click();
    await page.getByRole('button', { name: 'Sending…' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Sending…' }).isDisabled()).toBe(true);
    await check('sending');
    release();
    const code = await receiptOf(page);
    await check('receipt');
    await page.locator('#report-status-code').fill(code);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByTestId('report-status').waitFor();
    await page.locator('.report-language[lang="de"]').click();
    await check('status (de)');
    await page.getByRole('button', { name: 'Noch etwas melden' }).click();
    await page.locator('#report-concern-ncii_adult').check();
    await page.getByTestId('adult-guidance').waitFor();
    await check('adult guidance');
    await page.unroute(`**${REPORTS}`);
    await page.route(`**${REPORTS}`, (route) => route.abort('internetdisconnected'));
    await page.locator('#report-concern-ncii_adult').uncheck();
    await page.locator('#report-concerns').check();
    await page.locator('#report-url-0').fill('https://contrast.example.test/2');
    await page.getByRole('button', { name: KNOWN.de.send }).click();
    await page.getByTestId('send-error').waitFor();
    await check('send error');
    expect(failures).toEqual([]);
    await c.context.close();
  });
});

describe('security headers', () => {
  it('serves /report (and with ?lang=) under the exact web CSP', async () => {
    for (const path of ['/report', '/report?lang=fr']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      const html = await response.text();
      expect(html).not.toMatch(/style="|<style/i);
    }
  });
});

/**
 * Runs in the page: every visible element with its own text, its colour against the background
 * it is drawn on (backgrounds composited from the root down), and WCAG's ratio: ≥ 4.5, or ≥ 3 for
 * large text (24 px, or 18.66 px bold). Returns the failures.
 */
function contrastFailures(): string[] {
  const parse = (value: string): [number, number, number, number] => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(value);
    if (!m) throw new Error(`unparsed colour ${value}`);
    return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
  };
  const over = (top: number[], bottom: number[]): [number, number, number] => [
    top[0]! * top[3]! + bottom[0]! * (1 - top[3]!),
    top[1]! * top[3]! + bottom[1]! * (1 - top[3]!),
    top[2]! * top[3]! + bottom[2]! * (1 - top[3]!),
  ];
  const luminance = ([r, g, b]: number[]) => {
    const lin = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
  };
  const background = (el: Element): [number, number, number] => {
    const chain: Element[] = [];
    for (let e: Element | null = el; e; e = e.parentElement) chain.unshift(e);
    let colour: [number, number, number] = [255, 255, 255];
    for (const e of chain) colour = over(parse(getComputedStyle(e).backgroundColor), [...colour, 1]);
    return colour;
  };
  const failures: string[] = [];
  for (const el of document.body.querySelectorAll('*')) {
    const ownText = [...el.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '',
    );
    if (!ownText || el.closest('[aria-hidden="true"]')) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (rect.width === 0 || rect.height === 0 || style.visibility !== 'visible' || rect.right < 0) continue;
    const bg = background(el);
    const fg = over(parse(style.color), [...bg, 1]);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1! + 0.05) / (l2! + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(
        `${el.tagName.toLowerCase()} "${el.textContent!.trim().slice(0, 40)}" ${ratio.toFixed(2)}:1`,
      );
    }
  }
  return failures;
}
