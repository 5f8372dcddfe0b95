// The capture worker hashes the videos a reported page shows (vPDQ in the hashing pool's child
// processes) and labels one that is in a known-CSAM bank "previously assessed", as it does images.
// A loopback test site serves a page with two benign sample videos; one of them is banked.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchEngine, type HashlineStore } from '@hashline/domain';
import { createHashingPool, hashVideoFile, type HashingPool } from '@hashline/media-node';
import { formatVpdqLines } from '@hashline/pdq';
import { openStore } from '@hashline/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDQ_FIXTURES } from '../../../../tools/test-fixtures.js';
import { buildApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-key-tokens.js';
import { videoPoolOptions } from '../../src/media/video-uploads.js';
import { testConfig } from '../support/test-app.js';

const KNOWN = readFileSync(join(PDQ_FIXTURES, 'vpdq-videos', 'doorknob-hd-no-bar.mp4'));
const FRESH = readFileSync(join(PDQ_FIXTURES, 'vpdq-videos', 'pattern-sd-grey-bar.mp4'));

let site: Server;
let siteUrl: string;
let app: FastifyInstance;
let store: HashlineStore;
let pool: HashingPool;
let tempDir: string;

beforeAll(async () => {
  site = createServer((request, response) => {
    if (request.url === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<html><body><video controls><source src="/known.mp4" type="video/mp4"></video>' +
          '<video src="/fresh.mp4"></video><p>benign test page</p></body></html>',
      );
    } else if (request.url === '/known.mp4' || request.url === '/fresh.mp4') {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      response.end(request.url === '/known.mp4' ? KNOWN : FRESH);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  tempDir = mkdtempSync(join(tmpdir(), 'hashline-capture-video-test-'));
  store = await openStore(
    `sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-capture-video-')), 'hashline.db')}`,
  );
  const engine = new MatchEngine(store);
  await engine.load();
  const base = testConfig();
  const config = {
    ...base,
    video: { ...base.video, tempDir },
    hotline: { ...base.hotline, reportsPerMinute: 10_000, captureAllowLoopbackForTests: true },
  };
  pool = createHashingPool({ threads: 1, isolation: 'process', video: videoPoolOptions(config.video) });
  app = await buildApp({ config, store, engine, hashingPool: pool });
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await pool?.close();
  await store?.close();
  await new Promise((resolve) => site?.close(resolve));
  rmSync(tempDir, { recursive: true, force: true });
});

describe('capture of a page with videos', () => {
  it('hashes both videos and labels the banked one previously assessed', async () => {
    const token = (await createApiKey(store, { name: 'admin', scopes: ['admin'], rateLimitPerSecond: null }))
      .token;
    const headers = { authorization: `Bearer ${token}` };
    await app.inject({
      method: 'POST',
      url: '/v1/banks',
      headers,
      payload: { name: 'partner-videos', kind: 'known_csam' },
    });
    // The bank holds the known clip's vPDQ (as a partner would have shared it).
    const banked = await hashVideoFile(join(PDQ_FIXTURES, 'vpdq-videos', 'doorknob-hd-no-bar.mp4'));
    const added = await app.inject({
      method: 'POST',
      url: '/v1/banks/partner-videos/entries',
      headers,
      payload: {
        entries: [
          { signalType: 'vpdq', frames: formatVpdqLines(banked.frames), classification: { industry: 'A1' } },
        ],
      },
    });
    expect(added.statusCode, added.body).toBe(201);

    const reported = await app.inject({
      method: 'POST',
      url: '/v1/public/reports',
      headers: { 'idempotency-key': 'capture-video-0001' },
      payload: { urls: [`${siteUrl}/page.html`], concerns: ['csam'], language: 'en' },
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const hotline = app.hashlineHotline;
    while ((await hotline.capture.runOnce()) > 0);
    const [entry] = (await hotline.store.listQueue({ limit: 10 })).filter(
      (i) => i.urls[0]?.url === `${siteUrl}/page.html`,
    );
    const media = await hotline.store.listMedia(entry!.report.id);
    expect(media).toHaveLength(2);
    const known = media.find((m) => m.sourceUrl.endsWith('/known.mp4'))!;
    const fresh = media.find((m) => m.sourceUrl.endsWith('/fresh.mp4'))!;
    expect(known).toMatchObject({
      mediaType: 'video',
      status: 'previously_assessed',
      knownMatch: { bankName: 'partner-videos', signalType: 'vpdq', classification: { industry: 'A1' } },
    });
    expect(fresh).toMatchObject({ mediaType: 'video', status: 'pending_assessment', knownMatch: null });
    // The temporary files the videos were hashed from are gone.
    expect(readdirSync(tempDir)).toEqual([]);
  }, 120_000);
});
