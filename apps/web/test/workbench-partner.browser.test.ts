// A case forwarded by a partner hotline, as the receiving analysts see it in headless Chromium:
// the queue marks it as a partner report, and the report view shows the partner's classification
// and assessment summary per item (never media: none is exchanged). The message is sent to the
// real exchange API with a partner key holding only `exchange:submit`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { TEST_PASSWORD, buildWorkbench } from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;
const SHA256 = 'a'.repeat(63) + 'b';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  const webDir = await buildWorkbench('partner');
  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-partner-')),
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_WEB_DIR: webDir,
    // The partner's URL is never fetched here: the capture worker stays off.
    HASHLINE_CAPTURE_WORKER: '0',
    HASHLINE_TAKEDOWN_SCHEDULER: '0',
  });
  server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  await server.app.hashlineHotline.auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('an incoming partner report in the workbench', () => {
  it('is marked in the queue and shows the partner assessment, never media', async () => {
    const admin = { authorization: `Bearer ${server.initialAdminToken}` };
    const key = await fetch(`${server.url}/v1/api-keys`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'partner NL', scopes: ['exchange:submit'] }),
    });
    expect(key.status).toBe(201);
    const token = ((await key.json()) as { token: string }).token;
    const message = {
      version: 1,
      sender: { name: 'Meldpunt Test NL', country: 'NL' },
      reference: 'nl-exchange-0001',
      sentAt: '2026-11-26T10:00:00.000Z',
      concerns: ['csam'],
      imminentDanger: false,
      urls: [
        {
          url: 'https://images.example/gallery/1',
          siteType: 'image_host',
          trace: {
            ipAddress: '203.0.113.7',
            country: 'BE',
            asn: 64500,
            network: 'Example Hosting',
            dataset: 'test',
            datasetDate: '2026-06-17',
            tracedAt: '2026-11-26T09:00:00.000Z',
          },
        },
      ],
      media: [
        {
          urlIndex: 0,
          mediaType: 'image',
          md5: 'c'.repeat(32),
          sha256: SHA256,
          pdq: null,
          pdqQuality: null,
          classification: { industry: 'B2', uk: 'B', baseline: false },
          knownMaterial: false,
          assessment: {
            internationalStatus: 'not_baseline',
            nationalStatus: 'illegal',
            jurisdiction: 'NL',
            ageBand: '14-15',
            sex: 'girls',
            selfGenerated: 'yes',
            contentOrigin: 'photographic',
            flags: [],
            assessedBy: 2,
          },
        },
      ],
    };
    const sent = await fetch(`${server.url}/v1/exchange/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(sent.status, await sent.clone().text()).toBe(201);

    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const mediaRequests: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'image' || r.resourceType() === 'media') mediaRequests.push(r.url());
    });
    await page.goto(`${server.url}/workbench`);
    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const item = page.getByTestId('queue-item').first();
    await expect.poll(() => item.getByTestId('partner-report').textContent()).toBe('Partner report');
    await item.getByRole('link').click();
    const panel = page.getByTestId('partner-assessments');
    // The panel's frame renders before its data: wait for an item, which comes with the data.
    await panel.getByTestId('partner-item').first().waitFor();
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain('Meldpunt Test NL (NL)');
    expect(text).toContain('nl-exchange-0001');
    expect(text).toContain('B2, UK category B');
    expect(text).toContain('under NL law');
    expect(text).toContain('"self-generated": yes');
    await expect.poll(() => panel.getByTestId('partner-item-match').textContent()).toContain('Not found');
    expect(mediaRequests).toEqual([]);
    await context.close();
  });
});
