// Videos through POST /v1/hash and POST /v1/match/media: streamed to a temporary file, probed,
// hashed in the pool's child processes, answered inline or as a job; hostile files refused with
// problem+json codes while the server keeps answering; the temporary files always deleted.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHashingPool, type HashingPool } from '@hashline/media-node';
import { formatVpdqLines, type VpdqFrame } from '@hashline/pdq';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  HOSTILE_VIDEOS,
  SAMPLE_VIDEO,
  writeHostileVideos,
} from '../../../packages/media-node/test/support/hostile-videos.js';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import type { ServerConfig } from '../src/config.js';
import { videoPoolOptions } from '../src/media/video-uploads.js';
import { createTestApp, problemBody, testConfig, type TestApp } from './support/test-app.js';

const IMAGE = readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg'));
const SAMPLE = readFileSync(SAMPLE_VIDEO);

let hostileDir: string;
let spoolDir: string;
let pool: HashingPool;
let t: TestApp;
let jobsApp: TestApp;
let writer: string;
let matcher: string;
let verdict: string;
let sampleFrames: VpdqFrame[];

function videoConfig(overrides: Partial<ServerConfig['video']>): ServerConfig {
  const base = testConfig();
  return { ...base, video: { ...base.video, tempDir: spoolDir, ...overrides } };
}

function multipart(bytes: Uint8Array, filename: string, type: string) {
  const boundary = '----hashline-video-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, bytes, tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const raw = (bytes: Uint8Array, type: string) => ({
  payload: Buffer.from(bytes),
  headers: { 'content-type': type },
});
const hostile = (name: string) => readFileSync(join(hostileDir, name));
const spoolIsEmpty = () => expect(readdirSync(spoolDir)).toEqual([]);

/** Polls a job until it is no longer running (the condition, not a time, ends the wait). */
async function finished(app: TestApp, token: string, location: string): Promise<LightMyRequestResponse> {
  for (;;) {
    const response = await app.call(token, { method: 'GET', url: location });
    if (response.statusCode !== 200 || response.json().status !== 'running') return response;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

beforeAll(async () => {
  hostileDir = mkdtempSync(join(tmpdir(), 'hashline-server-hostile-'));
  spoolDir = mkdtempSync(join(tmpdir(), 'hashline-server-video-spool-'));
  await writeHostileVideos(hostileDir);
  const config = videoConfig({ inlineMaxSeconds: 60, maxBytes: 8 * 1024 * 1024 });
  pool = createHashingPool({
    threads: 1,
    isolation: 'process',
    timeoutMs: 20_000,
    decode: { maxBytes: config.maxUploadBytes },
    video: videoPoolOptions(config.video),
  });
  t = await createTestApp({ hashingPool: pool, config });
  jobsApp = await createTestApp({ hashingPool: pool, config: videoConfig({ inlineMaxSeconds: 0 }) });
  [writer, matcher, verdict] = await Promise.all([
    t.key(['banks:write']),
    t.key(['match']),
    t.key(['match:verdict']),
  ]);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await jobsApp?.close();
  await pool?.close();
  rmSync(hostileDir, { recursive: true, force: true });
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('POST /v1/hash with a video', () => {
  test("answers the vPDQ frames inline, equal to the reference's sample hashes, and deletes the upload", async () => {
    const response = await t.call(writer, { method: 'POST', url: '/v1/hash', ...raw(SAMPLE, 'video/mp4') });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      kind: 'video',
      signalType: 'vpdq',
      secondsPerHash: 1,
      frameStep: 30,
      width: 1280,
      height: 720,
      framesPerSecond: 30,
      codec: 'h264',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    sampleFrames = body.frames;
    expect(sampleFrames.map((f) => f.frameNumber)).toEqual([0, 30, 60, 90]);
    const reference = readFileSync(join(PDQ_FIXTURES, 'vpdq-sample-hashes', 'doorknob-hd-no-bar.txt'), 'utf8')
      .split('\n')
      .filter((line) => /^(0|30|60|90),/.test(line));
    expect(formatVpdqLines(sampleFrames).trim().split('\n')).toEqual(reference);
    spoolIsEmpty();
  });

  test('an octet-stream or multipart upload is recognised as a video by its bytes; secondsPerHash applies', async () => {
    const sniffed = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash?secondsPerHash=2&crypto=false',
      ...raw(SAMPLE, 'application/octet-stream'),
    });
    expect(sniffed.statusCode).toBe(200);
    expect(sniffed.json().frames.map((f: VpdqFrame) => f.frameNumber)).toEqual([0, 60]);
    expect(sniffed.json().sha256).toBeUndefined();
    const form = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash',
      ...multipart(SAMPLE, 'clip.mp4', 'application/octet-stream'),
    });
    expect(form.statusCode).toBe(200);
    expect(form.json().frames).toEqual(sampleFrames);
    // Images still take the image path.
    const image = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash',
      ...raw(IMAGE, 'application/octet-stream'),
    });
    expect(image.json()).toMatchObject({ format: 'jpeg', usable: true });
    spoolIsEmpty();
  });

  test('a video over HASHLINE_VIDEO_MAX_BYTES is refused while it streams', async () => {
    const big = Buffer.concat([SAMPLE, Buffer.alloc(8 * 1024 * 1024)]);
    const response = await t.call(matcher, { method: 'POST', url: '/v1/hash', ...raw(big, 'video/mp4') });
    expect(response.statusCode).toBe(413);
    expect(problemBody(response).code).toBe('MEDIA_TOO_LARGE');
    spoolIsEmpty();
  });
});

describe('POST /v1/match/media with a video', () => {
  beforeAll(async () => {
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'videos', kind: 'known_csam' },
    });
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/videos/entries',
      payload: { entries: [{ signalType: 'vpdq', frames: formatVpdqLines(sampleFrames) }] },
    });
    expect(added.statusCode).toBe(201);
  });

  test('matches the banked video with both percentages, records the match, and the file digests are matched too', async () => {
    const response = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match/media?contentRef=upload-7',
      ...raw(SAMPLE, 'video/mp4'),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      kind: 'video',
      matched: true,
      video: {
        matched: true,
        // Frames 0, 30, 60, 90 of a still scene: identical hashes count once.
        usableQueryFrames: expect.any(Number),
        recorded: true,
        contentRef: 'upload-7',
        matches: [{ bank: 'videos', distance: 0, queryMatchPercent: 100, comparedMatchPercent: 100 }],
      },
      hashes: { kind: 'video', frames: sampleFrames },
    });
    expect(body.results.map((r: { signalType: string }) => r.signalType)).toEqual(['md5', 'sha1', 'sha256']);
    const record = await t.call(matcher, { method: 'GET', url: `/v1/match-records/${body.video.recordId}` });
    expect(record.json()).toMatchObject({
      source: 'media',
      signalType: 'vpdq',
      contentRef: 'upload-7',
      matches: [{ bank: 'videos', queryMatchPercent: 100, comparedMatchPercent: 100 }],
    });
    spoolIsEmpty();
  });

  test('a match:verdict key learns yes or no only', async () => {
    const response = await t.call(verdict, {
      method: 'POST',
      url: '/v1/match/media',
      ...raw(SAMPLE, 'video/mp4'),
    });
    expect(response.json()).toEqual({ results: [{ matched: true }] });
  });
});

describe('long videos become jobs', () => {
  test('202 with Location; the job holds the hashes, then the match; only its uploader sees it', async () => {
    const [writer, matcher] = await Promise.all([jobsApp.key(['banks:write']), jobsApp.key(['match'])]);
    const accepted = await jobsApp.call(writer, {
      method: 'POST',
      url: '/v1/hash',
      ...raw(SAMPLE, 'video/mp4'),
    });
    expect(accepted.statusCode).toBe(202);
    const location = accepted.headers.location as string;
    expect(location).toMatch(/^\/v1\/media-jobs\/[\w-]+$/);
    expect(accepted.json()).toMatchObject({ kind: 'hash', status: 'running', statusUrl: location });
    const other = await jobsApp.call(matcher, { method: 'GET', url: location });
    expect(other.statusCode).toBe(404);
    expect(problemBody(other).code).toBe('MEDIA_JOB_NOT_FOUND');
    const done = await finished(jobsApp, writer, location);
    expect(done.json()).toMatchObject({
      status: 'succeeded',
      finishedAt: expect.any(String),
      result: { kind: 'video', frames: sampleFrames },
    });
    spoolIsEmpty();

    const match = await jobsApp.call(matcher, {
      method: 'POST',
      url: '/v1/match/media',
      ...raw(SAMPLE, 'video/mp4'),
    });
    expect(match.statusCode).toBe(202);
    const matched = await finished(jobsApp, matcher, match.headers.location as string);
    // The jobs app has its own (empty) store: the answer is a clean "no match".
    expect(matched.json()).toMatchObject({ kind: 'match', status: 'succeeded', result: { matched: false } });
  });

  test('a job that fails holds its problem', async () => {
    const writer = await jobsApp.key(['banks:write']);
    const accepted = await jobsApp.call(writer, {
      method: 'POST',
      url: '/v1/hash',
      ...raw(hostile(HOSTILE_VIDEOS.truncated), 'video/mp4'),
    });
    expect(accepted.statusCode).toBe(202);
    const done = await finished(jobsApp, writer, accepted.headers.location as string);
    expect(done.json()).toMatchObject({ status: 'failed', problem: { status: 422, code: 'MEDIA_CORRUPT' } });
    spoolIsEmpty();
  });
});

describe('hostile videos', () => {
  const cases: [string, string, string, number, string][] = [
    ['truncated', HOSTILE_VIDEOS.truncated, 'video/mp4', 422, 'MEDIA_CORRUPT'],
    ['huge dimensions', HOSTILE_VIDEOS.huge, 'video/x-msvideo', 413, 'MEDIA_TOO_MANY_PIXELS'],
    ['999 streams', HOSTILE_VIDEOS.streams, 'video/mp4', 415, 'MEDIA_UNSUPPORTED_FORMAT'],
    ['absurd frame rate', HOSTILE_VIDEOS.absurdRate, 'video/mp4', 422, 'MEDIA_CORRUPT'],
    ['a ZIP renamed .mp4', HOSTILE_VIDEOS.archive, 'video/mp4', 415, 'MEDIA_UNSUPPORTED_FORMAT'],
    [
      'a ZIP sent as octet-stream',
      HOSTILE_VIDEOS.archive,
      'application/octet-stream',
      415,
      'MEDIA_UNSUPPORTED_FORMAT',
    ],
    ['a PNG renamed .mp4', HOSTILE_VIDEOS.image, 'video/mp4', 415, 'MEDIA_UNSUPPORTED_FORMAT'],
  ];
  test.each(cases)(
    '%s is refused with problem+json, and the server still answers',
    async (_name, file, type, status, code) => {
      for (const url of ['/v1/hash', '/v1/match/media']) {
        const response = await t.call(matcher, { method: 'POST', url, ...raw(hostile(file), type) });
        expect(response.statusCode).toBe(status);
        expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(problemBody(response).code).toBe(code);
      }
      spoolIsEmpty();
      expect((await t.call(null, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    },
  );

  test('an empty video upload is MEDIA_EMPTY; after all of them a good video still hashes', async () => {
    const empty = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash',
      ...multipart(Buffer.alloc(0), 'a.mp4', 'video/mp4'),
    });
    expect(problemBody(empty).code).toBe('MEDIA_EMPTY');
    const good = await t.call(matcher, { method: 'POST', url: '/v1/hash', ...raw(SAMPLE, 'video/mp4') });
    expect(good.statusCode).toBe(200);
    expect(good.json().frames).toEqual(sampleFrames);
    expect(pool.stats().crashes).toBe(0);
    spoolIsEmpty();
  });
});
