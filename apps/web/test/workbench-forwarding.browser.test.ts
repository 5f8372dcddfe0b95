// Issue #5 in the analyst workbench, in the system's headless Chromium against a real server
// (SQLite in a temporary folder, the real capture worker fetching a loopback test site, the real
// hashing pool): the referral plan and its reasons (own country → police, partner country → the
// partner hotline, unknown host → "trace needed"), recording referrals and their external
// reference, the referral package (hashes, no description, no contact), sending the case to a
// partner hotline's exchange API (a loopback stand-in that records what it receives), a notice
// and takedown mailed to a local SMTP sink, "Check now" finding the page online, then removed
// once the test site drops it, with the removal bucket; and the statistics tab.
// Test images are generated here (shapes and gradients): benign by construction.
import { randomUUID, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { TEST_PASSWORD, buildWorkbench, screenshotDir } from './support/workbench-harness.js';

// Chromium, the capture and the hashing pool share two cores with other work: generous limits,
// no timed assertions (waits poll until a state is reached).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;
const POLICE_EMAIL = 'child-abuse@police.example';
const POLICE_NAME = 'Federal Police – Child Abuse team';
const PARTNER_NAME = 'Meldpunt Test NL';
const PARTNER_TOKEN = 'partner-test-token-0123456789abcdef';
const PARTNER_RECEIPT = 'NL-HOTLINE-0001';
const HOST_ABUSE = 'abuse@hosting.example';
const DESCRIPTION = 'A benign test description that must never leave the hotline.';
const REPORTER_EMAIL = 'reporter@example.org';
const SCREENSHOTS = screenshotDir('forwarding');

/** Where each test page is "hosted", as the stand-in tracer reports it (null: the dataset does not know). */
const COUNTRY_OF: Readonly<Record<string, string | null>> = { be: 'BE', nl: 'NL', unknown: null };
type Place = 'be' | 'nl' | 'unknown';
const PLACES: readonly Place[] = ['be', 'nl', 'unknown'];

/** A benign generated PNG: shapes and a gradient, distinct per place. */
async function testImage(place: Place): Promise<Buffer> {
  const colours: Readonly<Record<Place, readonly [string, string]>> = {
    be: ['#203050', '#f5c518'],
    nl: ['#502030', '#1d7a46'],
    unknown: ['#304020', '#a12a2a'],
  };
  const [background, fill] = colours[place];
  const shape =
    place === 'be'
      ? '<circle cx="160" cy="120" r="80" fill="COLOUR"/>'
      : place === 'nl'
        ? '<rect x="40" y="40" width="200" height="120" fill="COLOUR"/>'
        : '<polygon points="60,220 280,220 170,30" fill="COLOUR"/>';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${background}"/><stop offset="1" stop-color="#e0e8f0"/>
    </linearGradient></defs>
    <rect width="320" height="240" fill="url(#g)"/>${shape.replace('COLOUR', fill)}
    <text x="12" y="228" font-family="sans-serif" font-size="20" fill="#000">TEST ${place.toUpperCase()}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A local SMTP sink that keeps every message, parsed. */
interface Sink {
  readonly url: string;
  readonly messages: { readonly rcpt: string[]; readonly mail: ParsedMail }[];
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const messages: Sink['messages'] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            messages.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

interface ApiSession {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response>;
}

let server: RunningServer;
let site: Server;
let siteBase: string;
let partner: Server;
let sink: Sink;
let browser: Browser;
let reportId: string;
const images = new Map<Place, Buffer>();
const urlIds = new Map<Place, number>();
/** How the page numbers each URL: its place in the report (1, 2, ...), never its database id. */
const urlNumbers = new Map<Place, number>();
const dropped = new Set<string>();
/** What the partner hotline's stand-in received: the bodies and the headers that matter. */
const partnerReceived: {
  body: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
}[] = [];
/** The stand-in answers the next case with 503 (once). */
let partnerRefusesNext = true;
const contexts: BrowserContext[] = [];
const cspViolations: string[] = [];

const pageUrl = (place: Place) => `${siteBase}/${place}/page.html`;

/** Signs in over HTTP (outside the browser) and calls the workbench API with cookie and CSRF token. */
async function apiSignIn(username: string): Promise<ApiSession> {
  const response = await fetch(`${server.url}/v1/workbench/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return {
    call: (method, path, body) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          cookie,
          ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** A fresh browser context (its own cookies) on the workbench, signed in as `username`. */
async function signInPage(username: string, path = '/workbench'): Promise<Page> {
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
  const response = await page.goto(`${server.url}${path}`);
  expect(response?.status()).toBe(200);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** An assessment of "illegal" (DOMAIN.md §8.4), the same from both analysts. */
const ILLEGAL = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: null,
  severityUk: 'B',
  industryClassification: 'B2',
  ageBand: '14-15',
  sex: 'girls',
  victimCount: 1,
  selfGenerated: 'unknown',
  contentOrigin: 'photographic',
  flags: [],
  confidence: 'certain',
  notes: null,
};

/** Polls until the value matches; generous, as the machine is shared (no timed assertion). */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 30_000, interval: 100 });
}

/** The data-testid of the focused element. */
function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

function plainText(locator: Locator): Promise<string> {
  return locator.innerText().then((t) => t.replace(/\s+/g, ' ').trim());
}

beforeAll(async () => {
  const webDir = await buildWorkbench('forwarding');
  for (const place of PLACES) images.set(place, await testImage(place));
  site = createServer((request, response) => {
    const path = request.url ?? '/';
    const match = /^\/(be|nl|unknown)\/(page\.html|img\.png)$/.exec(path);
    if (!match || dropped.has(path)) {
      response.writeHead(404).end();
    } else if (match[2] === 'page.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<html><body><p>benign test page</p><img src="/${match[1]}/img.png" alt=""></body></html>`,
      );
    } else {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(images.get(match[1] as Place));
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

  // The partner hotline's exchange API, as far as the sender can tell: it answers with a receipt.
  partner = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/exchange/reports') {
        response.writeHead(404).end();
        return;
      }
      if (partnerRefusesNext) {
        // Down for a moment: the sender records the failure and the analyst sends again.
        partnerRefusesNext = false;
        partnerReceived.push({
          body: Buffer.concat(chunks).toString('utf8'),
          authorization: request.headers.authorization,
          idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        });
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"code":"UNAVAILABLE"}');
        return;
      }
      partnerReceived.push({
        body: Buffer.concat(chunks).toString('utf8'),
        authorization: request.headers.authorization,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      });
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ receiptReference: PARTNER_RECEIPT, status: 'received' }));
    });
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  const partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
  sink = await startSink();

  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-forwarding-test-')),
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
    HASHLINE_CAPTURE_POLL_MS: '100',
    HASHLINE_HOTLINE_NAME: 'Test Hotline BE',
    // Belgium: domestic cases go to the Federal Police, who also deliver notices (the default).
    HASHLINE_REFERRAL_COUNTRY: 'BE',
    HASHLINE_POLICE_UNIT_NAME: POLICE_NAME,
    HASHLINE_POLICE_UNIT_EMAIL: POLICE_EMAIL,
    HASHLINE_PARTNER_HOTLINES: JSON.stringify([
      { country: 'NL', name: PARTNER_NAME, baseUrl: partnerUrl, token: PARTNER_TOKEN },
    ]),
    HASHLINE_EXCHANGE_ALLOW_PRIVATE: '1',
    HASHLINE_EXCHANGE_ATTEMPTS: '1',
    HASHLINE_SMTP_URL: sink.url,
    HASHLINE_NOTICE_FROM: 'ntd@hotline.example',
  });
  server = await startServer({
    config,
    indexWorkers: false,
    webhooks: false,
    // "Check now" only: no scheduled re-check may race the ones the test asks for.
    takedownScheduler: false,
    hotline: {
      // The test pages are all on 127.0.0.1; the stand-in tracer places them by their path.
      tracer: {
        trace: async (url) => {
          const place = (new URL(url).pathname.split('/')[1] ?? 'unknown') as Place;
          return {
            host: new URL(url).hostname,
            ipAddress: '127.0.0.1',
            country: COUNTRY_OF[place] ?? null,
            asn: 64500,
            network: 'Test Hosting',
            dataset: 'test',
            datasetDate: '2026-11-01',
            tracedAt: new Date(),
          };
        },
      },
    },
  });
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
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  await sink?.close();
  for (const s of [site, partner])
    await new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)));
});

describe('forwarding, partner exchange and notice and takedown in the workbench (issue #5)', () => {
  let page: Page;

  it('captures a report of three URLs: hosted in BE, in NL (a partner country) and where the trace found no country', async () => {
    const reported = await fetch(`${server.url}/v1/public/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        urls: PLACES.map(pageUrl),
        concerns: ['csam'],
        language: 'en',
        description: DESCRIPTION,
        contact: { email: REPORTER_EMAIL },
        consentToContact: true,
      }),
    });
    expect(reported.status).toBe(201);
    const ana = await apiSignIn('ana');
    type Detail = {
      reportId: string;
      urls: { id: number; url: string; capturedAt: string | null }[];
      media: unknown[];
    };
    await expect
      .poll(
        async () => {
          const queue = (await (await ana.call('GET', '/v1/workbench/queue')).json()) as {
            items: { reportId: string; urls: { url: string }[] }[];
          };
          reportId = queue.items.find((i) => i.urls.some((u) => u.url === pageUrl('be')))?.reportId ?? '';
          if (!reportId) return false;
          const detail = (await (
            await ana.call('GET', `/v1/workbench/reports/${reportId}`)
          ).json()) as Detail;
          return detail.urls.every((u) => u.capturedAt !== null) && detail.media.length === 3;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe(true);
    const detail = (await (await ana.call('GET', `/v1/workbench/reports/${reportId}`)).json()) as Detail;
    for (const place of PLACES) urlIds.set(place, detail.urls.find((u) => u.url === pageUrl(place))!.id);
    for (const place of PLACES)
      urlNumbers.set(place, detail.urls.findIndex((u) => u.url === pageUrl(place)) + 1);
  });

  it('before any assessment: nothing to forward, and no notice can be sent', async () => {
    page = await signInPage('ana', `/workbench#/reports/${reportId}`);
    const forwarding = page.getByTestId('forwarding');
    await forwarding.getByTestId('plan-empty').waitFor();
    await expect.poll(() => forwarding.getByTestId('create-referrals').isDisabled()).toBe(true);
    const notEligible = page.getByTestId('takedowns').getByTestId('takedown-not-eligible');
    await poll(() => notEligible.count()).toBe(3);
    await expect.poll(() => page.getByTestId('notice-form').count()).toBe(0);
  });

  it('after two analysts assess every item illegal, the plan routes each URL and explains why', async () => {
    const ana = await apiSignIn('ana');
    const bert = await apiSignIn('bert');
    const detail = (await (await ana.call('GET', `/v1/workbench/reports/${reportId}`)).json()) as {
      media: { id: number }[];
    };
    for (const media of detail.media) {
      for (const who of [ana, bert]) {
        const assessed = await who.call('POST', `/v1/workbench/media/${media.id}/assessments`, ILLEGAL);
        expect(assessed.status, await assessed.clone().text()).toBe(201);
      }
    }

    await page.getByRole('button', { name: 'Refresh' }).click();
    const items = page.getByTestId('referral-plan').getByTestId('plan-item');
    await poll(() => items.count()).toBe(4);
    // Police for BE, the partner hotline for NL, the takedown of the BE URL, the untraced URL last.
    await expect
      .poll(() => items.evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))))
      .toEqual(['refer', 'refer', 'takedown', 'needs_manual_trace']);
    const police = items.nth(0);
    await expect.poll(() => police.getAttribute('data-target')).toBe('federal_police_child_abuse');
    await expect.poll(() => police.getAttribute('data-country')).toBe('BE');
    await expect
      .poll(() => plainText(police.getByTestId('plan-basis')))
      .toBe('hosted in our own country → national police');
    await expect.poll(() => police.getByTestId('actionable').textContent()).toBe('referral');
    const nl = items.nth(1);
    await expect.poll(() => nl.getAttribute('data-target')).toBe('inhope_hotline_via_iccam');
    await expect.poll(() => plainText(nl)).toContain(`${PARTNER_NAME} (NL)`);
    await expect
      .poll(() => plainText(nl.getByTestId('plan-basis')))
      .toBe('hosted in a country with an INHOPE partner hotline → that hotline');
    await expect.poll(() => plainText(nl)).toContain('partner’s exchange API');
    const takedown = items.nth(2);
    await expect.poll(() => takedown.getAttribute('data-via')).toBe('police');
    await expect
      .poll(() => plainText(takedown))
      .toContain(`Notice and takedown of URL #${urlNumbers.get('be')}: hosted in BE`);
    const trace = items.nth(3);
    await expect.poll(() => plainText(trace)).toContain('Trace needed');
    await expect.poll(() => plainText(trace)).toContain(`#${urlNumbers.get('unknown')} (`);
    await expect.poll(() => plainText(trace)).not.toContain(`#${urlNumbers.get('be')} (`);
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-forwarding-plan.png'), fullPage: true });
  });

  it('creates the referrals, records an external reference, and the report becomes forwarded', async () => {
    await page.getByRole('button', { name: 'Create referrals' }).click();
    await expect
      .poll(() => page.getByTestId('referrals-outcome').textContent())
      .toBe('2 referral(s) recorded.');
    // The button is disabled now (all recorded): the focus moves to what happened.
    await poll(() => focusedTestId(page)).toBe('referrals-outcome');
    const rows = page.getByTestId('referrals').getByTestId('referral');
    await poll(() => rows.count()).toBe(2);
    await poll(() => page.getByTestId('report-status').getAttribute('data-status')).toBe('forwarded');
    // Every referral of the plan is recorded: nothing more to create.
    await expect.poll(() => page.getByTestId('create-referrals').isDisabled()).toBe(true);

    const police = page.locator('[data-testid="referral"][data-target="federal_police_child_abuse"]');
    await police
      .getByRole('combobox', { name: `Status of the referral to ${POLICE_NAME} (BE)` })
      .selectOption('sent');
    await police
      .getByRole('textbox', { name: `External reference of the referral to ${POLICE_NAME} (BE)` })
      .fill('PV-2026-0042');
    await police.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => police.getByTestId('referral-outcome').textContent())
      .toBe(`Referral to ${POLICE_NAME} (BE) saved.`);
    await poll(() => police.getAttribute('data-status')).toBe('sent');
    await expect
      .poll(() => police.getByTestId('referral-sent-at').textContent())
      .toMatch(/^\d\d\/\d\d\/\d{4},? \d\d:\d\d UTC$/);

    const ana = await apiSignIn('ana');
    const stored = (await (await ana.call('GET', `/v1/workbench/reports/${reportId}/referrals`)).json()) as {
      items: { target: string; status: string; externalRef: string | null; actionable: string }[];
    };
    expect(stored.items.find((r) => r.target === 'federal_police_child_abuse')).toMatchObject({
      status: 'sent',
      externalRef: 'PV-2026-0042',
      actionable: 'referral',
    });
    expect(stored.items.find((r) => r.target === 'inhope_hotline_via_iccam')).toMatchObject({
      status: 'pending',
      externalRef: null,
    });
  });

  it('sends the case to the partner hotline: hashes and trace, never media, and shows its receipt', async () => {
    const exchange = page.getByTestId('partner-exchange');
    const sent = exchange.locator('[data-testid="exchange"][data-partner="NL"]');
    // The partner is down: the refusal is shown in words, and recorded.
    await exchange.getByRole('button', { name: `Send to ${PARTNER_NAME}` }).click();
    const refused = page.getByTestId('exchange-outcome');
    await expect.poll(() => refused.getAttribute('role')).toBe('alert');
    await expect
      .poll(() => refused.textContent())
      .toMatch(
        /^The partner hotline did not accept the case\. Nothing was lost: send it again\. \(.*http_503.*\)$/,
      );
    await poll(() => sent.getAttribute('data-status')).toBe('failed');
    await expect.poll(() => plainText(sent)).toContain('last error: http_503');

    // Sent again: delivered, with the partner's receipt.
    await exchange.getByRole('button', { name: `Send to ${PARTNER_NAME}` }).click();
    await poll(() => page.getByTestId('exchange-outcome').textContent()).toBe(
      `Delivered to ${PARTNER_NAME}: their reference ${PARTNER_RECEIPT}.`,
    );
    await expect.poll(() => page.getByTestId('exchange-outcome').getAttribute('role')).toBe('status');
    await poll(() => sent.getAttribute('data-status')).toBe('delivered');
    await expect.poll(() => exchange.getByTestId('exchange').count()).toBe(1);
    await expect.poll(() => plainText(sent)).toContain(`reference ${PARTNER_RECEIPT}`);
    // The referral to the partner follows the receipt (the row shows the record's new reference).
    const nl = page.locator('[data-testid="referral"][data-target="inhope_hotline_via_iccam"]');
    await poll(() =>
      nl.getByRole('textbox', { name: /^External reference of the referral to/ }).inputValue(),
    ).toBe(PARTNER_RECEIPT);

    // Both sends carried the same idempotency key: the partner makes one case of them.
    expect(partnerReceived).toHaveLength(2);
    const received = partnerReceived[1]!;
    expect(received.authorization).toBe(`Bearer ${PARTNER_TOKEN}`);
    expect(received.idempotencyKey).toBeTruthy();
    expect(partnerReceived[0]!.idempotencyKey).toBe(received.idempotencyKey);
    const message = JSON.parse(received.body) as { urls: { url: string }[]; media: { sha256: string }[] };
    // Only the URL hosted in the partner's country, with its hashes.
    expect(message.urls.map((u) => u.url)).toEqual([pageUrl('nl')]);
    expect(message.media.map((m) => m.sha256)).toEqual([sha256(images.get('nl')!)]);
    expect(received.body).not.toContain(DESCRIPTION);
    expect(received.body).not.toContain(REPORTER_EMAIL);
    expect(received.body).not.toContain(images.get('nl')!.toString('base64').slice(0, 64));
  });

  it('downloads the referral package: hashes and trace, no description, no contact, no media', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('package-json').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`referral-package-${reportId}.json`);
    const text = readFileSync((await download.path())!, 'utf8');
    const pkg = JSON.parse(text) as {
      format: string;
      report: { id: string; description?: unknown };
      urls: { url: string; trace: { country: string | null } | null }[];
      media: { urlId: number; hashes: { sha256: string; md5: string; pdq: string | null } }[];
      referrals: { target: string; externalRef: string | null }[];
    };
    expect(pkg.format).toBe('hashline.referral-package');
    expect(pkg.report.id).toBe(reportId);
    expect(pkg.report).not.toHaveProperty('description');
    expect(text).not.toContain(DESCRIPTION);
    expect(text).not.toContain(REPORTER_EMAIL);
    for (const place of PLACES) {
      const item = pkg.media.find((m) => m.urlId === urlIds.get(place));
      expect(item?.hashes.sha256).toBe(sha256(images.get(place)!));
      expect(item?.hashes.md5).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(text).not.toContain(images.get('be')!.toString('base64').slice(0, 64));
    expect(pkg.urls.find((u) => u.url === pageUrl('be'))?.trace?.country).toBe('BE');
    expect(pkg.referrals.find((r) => r.target === 'federal_police_child_abuse')?.externalRef).toBe(
      'PV-2026-0042',
    );

    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('package-pdf').click()]);
    const bytes = readFileSync((await pdf.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.toString('latin1')).not.toContain(DESCRIPTION);
  });

  it('sends a notice for the BE URL (handed to the police, as the rules say), re-checks it online, then removed', async () => {
    const row = page.locator(`[data-testid="takedown-url"][data-url-id="${urlIds.get('be')}"]`);
    const form = row.getByTestId('notice-form');
    await form.waitFor();
    // Numbered by its place in the report, as in the plan (issue 17: a one-URL report said "URL #2").
    expect(await row.getByRole('heading', { level: 3 }).textContent()).toBe(`URL #${urlNumbers.get('be')}`);
    // The Belgian route is preselected: the police unit delivers notices for domestic hosting.
    expect(
      await form.getByRole('radio', { name: 'the police (handed to the police unit)' }).isChecked(),
    ).toBe(true);
    await form.getByLabel('Recipient (abuse desk e-mail)').fill(HOST_ABUSE);
    await form.getByLabel('Language of the notice').selectOption('nl');
    await form.getByLabel('Police or referral reference').fill('PV-2026-0042');
    await form.getByRole('button', { name: 'Send notice' }).click();
    const takedown = row.getByTestId('takedown');
    await takedown.waitFor();
    // The form is gone (one notice open per URL); the confirmation takes the focus.
    await expect
      .poll(() => row.getByTestId('notice-outcome').textContent())
      .toBe('Notice sent (the police).');
    await poll(() => focusedTestId(page)).toBe('notice-outcome');
    await expect.poll(() => takedown.getAttribute('data-status')).toBe('notice_sent');
    await expect
      .poll(() => row.getByTestId('takedown-status').textContent())
      .toBe('notice sent, re-checking');
    await expect.poll(() => row.getByTestId('takedown-sent-at').textContent()).toMatch(/UTC$/);
    await expect.poll(() => row.getByTestId('takedown-bucket').textContent()).toBe('not removed');
    // One notice open for the URL: no second form.
    await expect.poll(() => row.getByTestId('notice-form').count()).toBe(0);
    await poll(() => page.getByTestId('report-status').getAttribute('data-status')).toBe('ntd_sent');

    // The SMTP sink got the hand-over, in Dutch, to the police unit, about the BE URL only.
    await poll(() => sink.messages.length).toBe(1);
    const mail = sink.messages[0]!;
    expect(mail.rcpt).toEqual([POLICE_EMAIL]);
    expect(mail.mail.subject).toContain('Materiaal van seksueel misbruik van kinderen');
    expect(mail.mail.text).toContain(pageUrl('be'));
    expect(mail.mail.text).toContain(HOST_ABUSE);
    expect(mail.mail.text).toContain('PV-2026-0042');
    expect(mail.mail.text).not.toContain(pageUrl('nl'));
    expect(mail.mail.text).not.toContain(DESCRIPTION);

    // Check now: the page and its image are still there.
    await takedown.getByRole('button', { name: 'Check now' }).click();
    await poll(() => takedown.getByTestId('takedown-check').count()).toBe(1);
    await expect
      .poll(() => takedown.getByTestId('takedown-check').getAttribute('data-result'))
      .toBe('online');
    await expect.poll(() => takedown.getByTestId('check-outcome').textContent()).toBe('Checked: online.');
    await expect.poll(() => takedown.getAttribute('data-status')).toBe('notice_sent');

    // The host removes the page: the next check confirms the removal, the same day.
    dropped.add('/be/page.html');
    dropped.add('/be/img.png');
    await takedown.getByRole('button', { name: 'Check now' }).click();
    await poll(() => takedown.getAttribute('data-status')).toBe('removed');
    await expect
      .poll(() => takedown.getByTestId('takedown-check').nth(1).getAttribute('data-result'))
      .toBe('offline');
    await expect.poll(() => takedown.getByTestId('takedown-bucket').textContent()).toBe('same day');
    await expect.poll(() => takedown.getAttribute('data-bucket')).toBe('same_day');
    await expect
      .poll(() => takedown.getByTestId('takedown-removal-time').textContent())
      .toMatch(/^\d+(\.\d)? h$/);
    await expect.poll(() => takedown.getByTestId('takedown-removed-at').textContent()).toMatch(/UTC$/);
    await expect.poll(() => takedown.getByRole('button', { name: 'Check now' }).count()).toBe(0);
    // Every takedown of the report is removed: the case closes as removal confirmed.
    await poll(() => page.getByTestId('report-status').getAttribute('data-status')).toBe('removed_confirmed');
    await expect.poll(() => page.getByTestId('report-status').textContent()).toBe('removal confirmed');
    // A closed report takes no new notice: the forms are gone, the section says why.
    await page.getByTestId('takedown-closed').waitFor();
    await expect.poll(() => page.getByTestId('notice-form').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-takedown-removed.png'), fullPage: true });

    const ana = await apiSignIn('ana');
    const stored = (await (await ana.call('GET', `/v1/workbench/reports/${reportId}/takedowns`)).json()) as {
      items: {
        status: string;
        removalBucket: string;
        via: string;
        sentTo: string;
        checks: { result: string }[];
      }[];
    };
    expect(stored.items).toHaveLength(1);
    expect(stored.items[0]).toMatchObject({
      status: 'removed',
      removalBucket: 'same_day',
      via: 'police',
      sentTo: POLICE_EMAIL,
    });
    expect(stored.items[0]!.checks.map((c) => c.result)).toEqual(['online', 'offline']);
  });

  it('opens the statistics tab from the navigation', async () => {
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.getByTestId('statistics-page').waitFor();
    await expect
      .poll(() => page.getByRole('link', { name: 'Statistics' }).getAttribute('aria-current'))
      .toBe('page');
    await page.getByRole('heading', { level: 2, name: 'Statistics' }).waitFor();
    // This year's figures: the one report received today, its referrals and its removal.
    const tile = page.getByTestId('tile-reports_received');
    await tile.waitFor();
    await expect.poll(() => tile.getAttribute('data-count')).toBe('1');
    const bar = (chart: string, key: string) =>
      page.getByTestId(`chart-${chart}`).locator(`[data-key="${key}"][data-count]`);
    await expect
      .poll(() => bar('referral_targets', 'federal_police_child_abuse').getAttribute('data-count'))
      .toBe('1');
    await expect
      .poll(() => bar('referral_targets', 'inhope_hotline_via_iccam').getAttribute('data-count'))
      .toBe('1');
    await expect.poll(() => bar('removal_times', 'same_day').getAttribute('data-count')).toBe('1');
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-statistics-tab.png'), fullPage: true });
  });

  it('ran every page within the CSP (no violation reported by Chromium)', () => {
    expect(contexts.length).toBeGreaterThan(0);
    expect(cspViolations).toEqual([]);
  });
});
