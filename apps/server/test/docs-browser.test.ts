import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// The interactive docs render in a real browser under the page's CSP, loading nothing from
// anywhere but the server itself (no CDN).
describe('/docs in Chromium', () => {
  let t: TestApp;
  let origin: string;
  beforeAll(async () => {
    t = await createTestApp();
    origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => t.close());

  test('renders every operation, with only same-origin requests and no CSP violations', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${origin}/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
      await expect.poll(() => page.textContent('.swagger-ui .info .title')).toContain('Hashline API');
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      await expect.poll(() => page.locator('.opblock').count()).toBeGreaterThanOrEqual(25);
      if (process.env.HASHLINE_DOCS_SCREENSHOT)
        await page.screenshot({ path: process.env.HASHLINE_DOCS_SCREENSHOT, fullPage: false });
      expect(requests.length).toBeGreaterThan(3);
      for (const url of requests)
        expect(url.startsWith(`${origin}/`) || url.startsWith('data:'), url).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
