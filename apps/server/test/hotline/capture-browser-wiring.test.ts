// Which capture a server runs (issue 16): the browser when Chromium is installed, plain HTTP with
// the reason when it is missing or switched off; the loopback switch logs a warning at start and
// the workbench session says so (for its banner).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServerConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const configWith = (env: Record<string, string>): ServerConfig =>
  loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-capture-wiring-')),
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    ...env,
  });

let app: TestApp | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await app?.close();
  await server?.close();
  app = undefined;
  server = undefined;
});

describe('capture wiring', () => {
  it('falls back to HTTP capture, saying why, when Chromium is missing', async () => {
    app = await createTestApp({
      config: configWith({ HASHLINE_CAPTURE_CHROMIUM_PATH: '/nonexistent/chromium' }),
    });
    expect(app.app.hashlineHotline.browser).toEqual({
      enabled: false,
      reason: 'Chromium is not installed at /nonexistent/chromium: captured over plain HTTP.',
    });
  });

  it('captures over HTTP when switched off, and in the browser when Chromium is there', async () => {
    app = await createTestApp({ config: configWith({ HASHLINE_CAPTURE_BROWSER: 'off' }) });
    expect(app.app.hashlineHotline.browser.enabled).toBe(false);
    expect(app.app.hashlineHotline.browser.reason).toContain('HASHLINE_CAPTURE_BROWSER=off');
    await app.close();
    app = await createTestApp({ config: configWith({}) });
    expect(app.app.hashlineHotline.browser).toEqual({ enabled: true, reason: null });
  });

  it('refuses a bad mode and a key file without a target', () => {
    expect(() => configWith({ HASHLINE_CAPTURE_BROWSER: 'sometimes' })).toThrow(
      /HASHLINE_CAPTURE_BROWSER must be auto or off/,
    );
    expect(() => configWith({ HASHLINE_AUDIT_ANCHOR_KEY_FILE: '/tmp/k.pem' })).toThrow(/go together/);
  });

  it('warns at start while the loopback switch is on', async () => {
    const lines: string[] = [];
    server = await startServer({
      config: configWith({
        HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
        HASHLINE_CAPTURE_WORKER: 'false',
      }),
      indexWorkers: false,
      webhooks: false,
      logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
    });
    expect(lines.some((l) => l.includes('HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS is on'))).toBe(true);
  });
});
