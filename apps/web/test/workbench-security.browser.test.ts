// Issue 15: the workbench's security page lists probing alerts on verdict-only API keys (which
// key, what was seen, when, suspended or not), and a senior analyst lifts a suspension with a
// reason that goes to the audit log. In headless Chromium against a running server: a platform
// key walks along a banked hash's match threshold until the server suspends it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { buildWorkbench, TEST_PASSWORD } from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;

/** `hex` with bit `i` (0 = most significant of the first digit) flipped. */
function flipBit(hex: string, i: number): string {
  const digits = hex.split('').map((d) => parseInt(d, 16));
  digits[i >> 2]! ^= 8 >> (i & 3);
  return digits.map((d) => d.toString(16)).join('');
}

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  const webDir = await buildWorkbench('security');
  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-security-')),
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_CAPTURE_WORKER: '0',
    HASHLINE_TAKEDOWN_SCHEDULER: '0',
  });
  server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  const auth = server.app.hashlineHotline.auth;
  await auth.createAnalyst(
    { username: 'sam', displayName: 'Sam Senior', role: 'senior_analyst', password: PASSWORD },
    null,
  );
  await auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function api(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function signIn(username: string): Promise<Page> {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${server.url}/workbench`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Security' }).click();
  await page.getByRole('heading', { name: 'Security' }).waitFor();
  return page;
}

describe('security alerts in the workbench', () => {
  it('lists a suspended key probing a threshold, and a senior analyst lifts the suspension with a reason', async () => {
    const admin = server.initialAdminToken!;
    expect((await api(admin, 'POST', '/v1/banks', { name: 'known', kind: 'known_csam' })).status).toBe(201);
    const banked = 'f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff';
    const added = await api(admin, 'POST', '/v1/banks/known/entries', {
      entries: [{ signalType: 'pdq', value: banked, quality: 100 }],
    });
    expect(added.status).toBe(201);
    const key = await api(admin, 'POST', '/v1/api-keys', { name: 'platform-x', scopes: ['match:verdict'] });
    expect(key.status).toBe(201);
    const token = key.body.token as string;
    const keyId = (key.body.apiKey as { id: string }).id;

    // The walk: 31 bits off (still a match at the default threshold 31), then one flip at a time.
    let edge = banked;
    for (let i = 0; i < 31; i++) edge = flipBit(edge, i);
    let refused: { status: number; body: Record<string, unknown> } | undefined;
    for (let bit = 0; bit < 64 && !refused; bit++) {
      const answer = await api(token, 'POST', '/v1/match', {
        hashes: [{ signalType: 'pdq', value: bit === 0 ? edge : flipBit(edge, 31 + bit) }],
      });
      if (answer.status !== 200) refused = answer;
    }
    expect(refused?.status).toBe(403);
    expect(refused?.body.code).toBe('API_KEY_SUSPENDED');

    const page = await signIn('sam');
    const row = page.getByTestId('alert-row').first();
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('platform-x');
    expect(text).toContain(keyId);
    expect(text).toContain("Queries at a banked hash's match threshold");
    expect(await row.getByTestId('alert-state').getAttribute('data-suspended')).toBe('true');

    await row.getByRole('button', { name: 'Lift the suspension' }).click();
    await row
      .getByLabel('Why is it safe to lift it? (kept in the audit log)')
      .fill('Known partner re-testing its own matcher');
    await row.getByRole('button', { name: 'Lift', exact: true }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('The suspension of platform-x was lifted; the key works again.');
    await expect.poll(() => row.getByTestId('alert-state').getAttribute('data-suspended')).toBe('false');
    expect(await row.getByTestId('alert-state').textContent()).toContain('Suspension lifted');
    await page.context().close();

    // The key works again, and the lift is in the audit log with who and why.
    expect(
      (await api(token, 'POST', '/v1/match', { hashes: [{ signalType: 'pdq', value: banked }] })).status,
    ).toBe(200);
    const lifts = await server.app.hashlineHotline.store.listAudit({
      action: 'api_key_suspension_lifted',
      limit: 10,
    });
    expect(lifts).toHaveLength(1);
    expect(lifts[0]).toMatchObject({
      subjectId: keyId,
      details: { reason: 'Known partner re-testing its own matcher' },
    });

    // An analyst's security page has no alerts section.
    const analystPage = await signIn('ana');
    expect(await analystPage.getByTestId('probing-alerts').count()).toBe(0);
    await analystPage.context().close();
  });
});
