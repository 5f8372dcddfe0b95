// The workbench's hash exchanges page (issue 14) in the system's headless Chromium against a real
// server: an admin sees the exchanges with their status in their language, runs one now, pauses
// and resumes it; an analyst has no such page. The feed is a hash list served on loopback.
import type { HashExchangeStore } from '@hashline/domain';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { WORKBENCH_CATALOGUES } from '../src/workbench/workbench-messages.js';
import { buildWorkbench, TEST_PASSWORD } from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;
let server: RunningServer;
let feed: Server;
let browser: Browser;
/** A call with the admin key (set up below). */
let adminCall: (method: string, url: string, body?: unknown) => Promise<Response>;

beforeAll(async () => {
  const webDir = await buildWorkbench('exchanges');
  feed = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/csv' });
    response.end(`signal_type,value,quality\npdq,${randomBytes(32).toString('hex')},90\n`);
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  server = await startServer({
    config: loadConfig({
      HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-exchanges-browser-')),
      HASHLINE_WEB_DIR: webDir,
      HASHLINE_LOG_LEVEL: 'silent',
      PORT: '0',
      HASHLINE_HASHING_THREADS: '1',
      HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
      HASHLINE_CAPTURE_WORKER: 'false',
      // Runs only when asked here.
      HASHLINE_EXCHANGES: 'false',
    }),
    indexWorkers: false,
    webhooks: false,
  });
  await server.indexLoaded;
  const auth = server.app.hashlineHotline.auth;
  await auth.createAnalyst(
    { username: 'nora', displayName: 'Nora', role: 'admin', password: PASSWORD },
    null,
  );
  await auth.createAnalyst(
    { username: 'ana', displayName: 'Ana', role: 'analyst', password: PASSWORD },
    null,
  );
  const { token } = await createApiKey(server.store, {
    name: 'admin',
    scopes: ['admin'],
    rateLimitPerSecond: null,
  });
  const call = (url: string, body: unknown) =>
    fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  adminCall = (method, url, body) =>
    fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  expect((await call('/v1/banks', { name: 'lists', kind: 'known_csam' })).status).toBe(201);
  const port = (feed.address() as AddressInfo).port;
  const created = await call('/v1/exchanges', {
    name: 'daily-list',
    bank: 'lists',
    type: 'feed',
    endpointUrl: `http://127.0.0.1:${port}/list.csv`,
  });
  expect(created.status).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => (feed ? feed.close(resolve) : resolve(undefined)));
});

describe('the hash exchanges page', () => {
  it('lists exchanges to an admin (in Dutch), runs one now, pauses and resumes it', async () => {
    const t = WORKBENCH_CATALOGUES.nl.text;
    const context = await browser.newContext({ serviceWorkers: 'block', locale: 'nl-BE' });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/workbench`);
      await page.getByLabel(t.username).fill('nora');
      await page.getByLabel(t.password).fill(PASSWORD);
      await page.getByRole('button', { name: t.signIn, exact: true }).click();
      await page.getByRole('link', { name: t.navExchanges }).click();
      await page.getByRole('heading', { name: t.exchangesTitle, level: 1 }).waitFor();
      const row = page.locator('tr[data-exchange="daily-list"]');
      await row.waitFor();
      expect(await row.textContent()).toContain(t.exchTypeFeed);
      expect(await row.getByTestId('exchange-state').textContent()).toBe(t.exchStateScheduled);

      await row.getByRole('button', { name: t.exchRunNow }).click();
      await page.getByText(t.exchRunDone.replace('{name}', 'daily-list')).waitFor();
      await expect
        .poll(async () => row.textContent())
        .toContain(t.exchLastRunCounts.replace('{added}', '1').replace('{updated}', '0').split(', ')[0]!);

      // Feedback is off: no votes go back. A feed cannot send votes, so the API refuses to turn
      // them on; the page's vote counts are shown here on the feed with the flag set in the store
      // (what an NCMEC or StopNCII exchange shows: exchange-feedback.test.ts sends real votes).
      expect(await row.getByTestId('exchange-votes').textContent()).toBe(t.exchVotesOff);
      expect((await adminCall('PATCH', '/v1/exchanges/daily-list', { feedback: true })).status).toBe(400);
      const exchangeStore = (server.store as unknown as { hashExchanges: HashExchangeStore }).hashExchanges;
      const stored = (await exchangeStore.listExchanges()).find((e) => e.name === 'daily-list')!;
      await exchangeStore.updateExchange(stored.id, { at: new Date(), feedback: true });
      const entries = (await (await adminCall('GET', '/v1/banks/lists/entries')).json()) as {
        entries: { id: number }[];
      };
      const voted = await adminCall('PATCH', `/v1/entries/${entries.entries[0]!.id}`, {
        feedback: 'negative',
      });
      expect(voted.status).toBe(200);
      await page.getByRole('button', { name: t.refresh }).click();
      await expect
        .poll(async () => row.getByTestId('exchange-votes').textContent())
        .toBe(t.exchVoteCounts.replace('{pending}', '1').replace('{sent}', '0').replace('{refused}', '0'));

      await row.getByRole('button', { name: t.exchPause }).click();
      await expect.poll(async () => row.getByTestId('exchange-state').textContent()).toBe(t.exchStatePaused);
      expect(await row.getByRole('button', { name: t.exchRunNow }).count()).toBe(0);
      await row.getByRole('button', { name: t.exchResume }).click();
      await expect
        .poll(async () => row.getByTestId('exchange-state').textContent())
        .toBe(t.exchStateScheduled);
    } finally {
      await context.close();
    }
  });

  it('has no link for an analyst, and the page refuses them', async () => {
    const t = WORKBENCH_CATALOGUES.en.text;
    const context = await browser.newContext({ serviceWorkers: 'block', locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/workbench`);
      await page.getByLabel(t.username).fill('ana');
      await page.getByLabel(t.password).fill(PASSWORD);
      await page.getByRole('button', { name: t.signIn, exact: true }).click();
      await page.getByRole('button', { name: t.signOut }).waitFor();
      expect(await page.getByRole('link', { name: t.navExchanges }).count()).toBe(0);
      await page.goto(`${server.url}/workbench#/admin/exchanges`);
      await page.getByText(t.errForbidden).waitFor();
    } finally {
      await context.close();
    }
  });
});
