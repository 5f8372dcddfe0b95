// Issue #13 item 4: the workbench shows a captured video as a contact sheet of a few frames,
// blurred and greyscale, instead of playing it; a reveal shows the sheet in colour, counted once
// against the exposure budget and audited like an image's. The capture worker fetches a loopback
// test page with a benign test-pattern video made here by FFmpeg, hashes it in the hashing pool's
// child processes and makes the sheet from the same decode. On SQLite and PostgreSQL, with media
// kept (HASHLINE_KEEP_MEDIA) and without.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MatchEngine, type HashlineStore } from '@hashline/domain';
import { createHashingPool, resolveFfmpegBinaries, type HashingPool } from '@hashline/media-node';
import { openPostgresStore, openStore } from '@hashline/storage';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { videoPoolOptions } from '../../src/media/video-uploads.js';
import { problemBody, testConfig } from '../support/test-app.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery';
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let site: Server;
let siteUrl: string;
let videoDir: string;
let video: Buffer;

beforeAll(async () => {
  videoDir = mkdtempSync(join(tmpdir(), 'hashline-sheet-video-'));
  const path = join(videoDir, 'pattern.mp4');
  // 12 s of FFmpeg's test pattern at 10 fps: 12 hashed frames, 9 of them on the sheet.
  await run(resolveFfmpegBinaries().ffmpeg, [
    '-nostdin',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10:duration=12',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  video = readFileSync(path);
  site = createServer((request, response) => {
    if (request.url === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<html><body><video controls src="/clip.mp4"></video><p>benign test page</p></body></html>',
      );
    } else if (request.url === '/clip.mp4') {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      response.end(video);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => site?.close(resolve));
  rmSync(videoDir, { recursive: true, force: true });
});

/** Variance of the 4-neighbour Laplacian inside one rectangle of a one-channel image. */
function laplacianVariance(
  data: Buffer,
  width: number,
  [left, top, w, h]: readonly [number, number, number, number],
): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = top + 1; y < top + h - 1; y++) {
    for (let x = left + 1; x < left + w - 1; x++) {
      const at = y * width + x;
      const v = data[at - 1]! + data[at + 1]! + data[at - width]! + data[at + width]! - 4 * data[at]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  return sumSq / n - (sum / n) ** 2;
}

interface Session {
  call(method: 'GET' | 'POST', url: string): Promise<LightMyRequestResponse>;
}

interface Setup {
  readonly app: FastifyInstance;
  readonly store: HashlineStore;
  readonly pool: HashingPool;
  readonly tempDir: string;
  close(): Promise<void>;
}

const ENGINES: readonly {
  name: string;
  open: () => Promise<{ store: HashlineStore; drop(): Promise<void> }>;
}[] = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hashline-sheet-db-'));
      return {
        store: await openStore(`sqlite:${join(dir, 'hashline.db')}`),
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const schema = `hl_sheet_${randomBytes(6).toString('hex')}`;
      return {
        store: await openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4 }),
        drop: async () => {
          const client = new pg.Client({ connectionString: POSTGRES_URL });
          await client.connect();
          await client.query(`drop schema if exists "${schema}" cascade`);
          await client.end();
        },
      };
    },
  },
];

async function setUp(engine: (typeof ENGINES)[number], keepMedia: boolean): Promise<Setup> {
  const { store, drop } = await engine.open();
  const matchEngine = new MatchEngine(store);
  await matchEngine.load();
  const tempDir = mkdtempSync(join(tmpdir(), 'hashline-sheet-capture-'));
  const base = testConfig();
  const config = {
    ...base,
    video: { ...base.video, tempDir },
    hotline: {
      ...base.hotline,
      reportsPerMinute: 10_000,
      captureAllowLoopbackForTests: true,
      exposureDailyLimit: 5,
      keepMedia,
    },
  };
  const pool = createHashingPool({ threads: 1, isolation: 'process', video: videoPoolOptions(config.video) });
  const app = await buildApp({ config, store, engine: matchEngine, hashingPool: pool });
  await app.ready();
  await app.hashlineHotline.auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  return {
    app,
    store,
    pool,
    tempDir,
    close: async () => {
      await app.close();
      await pool.close();
      await store.close();
      await drop();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

async function signIn(app: FastifyInstance): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/workbench/session',
    payload: { username: 'ana', password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(200);
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  const csrf = response.json().csrfToken as string;
  return {
    call: (method, url) =>
      app.inject({ method, url, headers: { cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }) } }),
  };
}

/** Reports the test page, runs the capture and returns the report id and its one video item. */
async function captureVideo(app: FastifyInstance, key: string) {
  const reported = await app.inject({
    method: 'POST',
    url: '/v1/public/reports',
    headers: { 'idempotency-key': key },
    payload: { urls: [`${siteUrl}/page.html`], concerns: ['csam'], language: 'en' },
  });
  expect(reported.statusCode, reported.body).toBe(201);
  const hotline = app.hashlineHotline;
  while ((await hotline.capture.runOnce()) > 0);
  const [entry] = await hotline.store.listQueue({ limit: 10 });
  const media = await hotline.store.listMedia(entry!.report.id);
  expect(media).toHaveLength(1);
  return { reportId: entry!.report.id, item: media[0]! };
}

describe.each(ENGINES)('a captured video on $name', (engine) => {
  describe('with media kept', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await setUp(engine, true);
    }, 60_000);
    afterAll(() => setup?.close());

    it('is a contact sheet: blurred greyscale by default, sealed in colour, revealed once, counted and audited', async () => {
      const { app } = setup;
      const { reportId, item } = await captureVideo(app, `sheet-kept-${engine.name}`);
      expect(item).toMatchObject({
        mediaType: 'video',
        status: 'pending_assessment',
        width: 320,
        height: 240,
        storedContent: true,
        contactSheet: { frames: 9, columns: 3, rows: 3 },
      });
      expect(item.contactSheet!.durationSeconds).toBeCloseTo(12, 0);
      expect(item.contactSheet!.timestamps).toHaveLength(9);
      // The video was hashed from a temporary file, gone now.
      expect(readdirSync(setup.tempDir)).toEqual([]);

      const ana = await signIn(app);
      const detail = (await ana.call('GET', `/v1/workbench/reports/${reportId}`)).json();
      expect(detail.media[0]).toMatchObject({
        mediaType: 'video',
        thumbnailUrl: `/v1/workbench/media/${item.id}/thumbnail`,
        previewAvailable: true,
        contactSheet: { frames: 9, columns: 3, rows: 3, timestamps: item.contactSheet!.timestamps },
      });

      // The default view: one channel, and far smoother inside each frame than the revealed sheet.
      const thumbnail = await ana.call('GET', `/v1/workbench/media/${item.id}/thumbnail`);
      expect(thumbnail.statusCode).toBe(200);
      expect(thumbnail.headers['content-type']).toMatch(/^image\/jpeg/);
      expect((await sharp(thumbnail.rawPayload).metadata()).channels).toBe(1);

      // Sealed at rest: the stored preview is no JPEG, and opens to one.
      const sealed = await app.hashlineHotline.store.getSealedPreview(item.id);
      expect(sealed).toBeDefined();
      expect([...sealed!.subarray(0, 3)]).not.toEqual([0xff, 0xd8, 0xff]);
      const opened = app.hashlineHotline.secrets.openBytes('media', sealed!);
      expect([...opened.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);

      // No preview before a reveal; a reveal counts one against the budget, for the whole sheet.
      expect(problemBody(await ana.call('GET', `/v1/workbench/media/${item.id}/preview`)).code).toBe(
        'REVEAL_REQUIRED',
      );
      const before = (await ana.call('GET', '/v1/workbench/session')).json().exposure.today as number;
      const revealed = await ana.call('POST', `/v1/workbench/media/${item.id}/reveal`);
      expect(revealed.statusCode, revealed.body).toBe(200);
      expect(revealed.json()).toMatchObject({
        exposure: { today: before + 1 },
        previewUrl: `/v1/workbench/media/${item.id}/preview`,
      });
      const preview = await ana.call('GET', `/v1/workbench/media/${item.id}/preview`);
      expect(preview.statusCode).toBe(200);
      expect(Buffer.from(preview.rawPayload).equals(Buffer.from(opened))).toBe(true);
      const colour = await sharp(preview.rawPayload).raw().toBuffer({ resolveWithObject: true });
      expect([colour.info.width, colour.info.height, colour.info.channels]).toEqual([968, 728, 3]);
      // Looking at the revealed sheet again is no new reveal.
      await ana.call('GET', `/v1/workbench/media/${item.id}/preview`);
      expect((await ana.call('GET', '/v1/workbench/session')).json().exposure.today).toBe(before + 1);

      const thumb = await sharp(thumbnail.rawPayload)
        .toColourspace('b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const reference = await sharp(preview.rawPayload)
        .resize(thumb.info.width, thumb.info.height, { fit: 'fill' })
        .greyscale()
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      const tileWidth = (thumb.info.width - 4) / 3;
      const tileHeight = (thumb.info.height - 4) / 3;
      for (let i = 0; i < 9; i++) {
        const inside: [number, number, number, number] = [
          Math.round((i % 3) * (tileWidth + 2)) + 8,
          Math.round(Math.floor(i / 3) * (tileHeight + 2)) + 8,
          Math.floor(tileWidth) - 16,
          Math.floor(tileHeight) - 16,
        ];
        expect(laplacianVariance(thumb.data, thumb.info.width, inside)).toBeLessThan(
          laplacianVariance(reference, thumb.info.width, inside) / 20,
        );
      }

      // Audited like an image: the view of the blurred sheet, one reveal, each look at the preview.
      const audit = await app.hashlineHotline.store.listAudit({ subjectId: String(item.id), limit: 100 });
      const actions = audit.filter((e) => e.subjectType === 'media').map((e) => e.action);
      expect(actions.filter((a) => a === 'media_viewed')).toHaveLength(1);
      expect(actions.filter((a) => a === 'media_revealed')).toHaveLength(1);
      expect(actions.filter((a) => a === 'media_preview_viewed')).toHaveLength(2);
    }, 180_000);
  });

  describe('without media kept', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await setUp(engine, false);
    }, 60_000);
    afterAll(() => setup?.close());

    it('keeps the blurred sheet only: nothing to reveal, and a reveal is neither counted nor audited', async () => {
      const { app } = setup;
      const { item } = await captureVideo(app, `sheet-not-kept-${engine.name}`);
      expect(item).toMatchObject({ mediaType: 'video', storedContent: false, contactSheet: { frames: 9 } });
      expect(await app.hashlineHotline.store.getSealedPreview(item.id)).toBeUndefined();
      const ana = await signIn(app);
      const thumbnail = await ana.call('GET', `/v1/workbench/media/${item.id}/thumbnail`);
      expect(thumbnail.statusCode).toBe(200);
      expect((await sharp(thumbnail.rawPayload).metadata()).channels).toBe(1);
      expect(problemBody(await ana.call('POST', `/v1/workbench/media/${item.id}/reveal`)).code).toBe(
        'PREVIEW_NOT_KEPT',
      );
      expect((await ana.call('GET', '/v1/workbench/session')).json().exposure.today).toBe(0);
      const audit = await app.hashlineHotline.store.listAudit({ action: 'media_revealed', limit: 10 });
      expect(audit).toEqual([]);
    }, 180_000);
  });
});
