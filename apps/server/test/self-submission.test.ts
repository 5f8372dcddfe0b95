import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchEngine } from '@hashline/domain';
import { openSqliteStore } from '@hashline/storage';
import { createMemoryStore } from '@hashline/domain/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import {
  WEB_CSP,
  scryptPinHasher,
  type SelfSubmissionOptions,
} from '../src/routes/self-submission.routes.js';
import { NO_HASHING, problemBody, randomPdq, testConfig } from './support/test-app.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const image = () => ({ pdq: randomPdq(), quality: 92, md5: hex(16), sha256: hex(32) });

const ICON = Buffer.from([0, 0, 1, 0, 0, 0]);

function webDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.ico'), ICON);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

async function makeApp(extra: Partial<SelfSubmissionOptions> = {}) {
  const store = createMemoryStore();
  const engine = new MatchEngine(store);
  await engine.load();
  const app = await buildApp({
    config: testConfig(),
    store,
    engine,
    hashingPool: NO_HASHING,
    selfSubmission: {
      webDir: webDir(),
      helpline: { name: 'Child Focus', phone: '116 000' },
      police: { name: 'Police', phone: '112' },
      ...extra,
    },
  });
  await app.ready();
  return { app, store, engine };
}

let t: Awaited<ReturnType<typeof makeApp>>;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.app.close());

describe('self-submission API', () => {
  test('submit → status → withdraw; the hashes stop matching at once and the deletions are in the change feed', async () => {
    const img = image();
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions',
      payload: { caseType: 'minor', images: [img] },
    });
    expect(submitted.statusCode).toBe(201);
    const receipt = submitted.json<{ caseNumber: string; pin: string }>();
    expect(receipt.caseNumber).toMatch(/^\d{13}$/);
    expect(receipt.pin).toMatch(/^\d{8}$/);
    expect(t.engine.query({ signalType: 'pdq', value: img.pdq }).matches).toHaveLength(1);
    expect(t.engine.query({ signalType: 'sha256', value: img.sha256 }).matches).toHaveLength(1);

    const status = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions/status',
      payload: { caseNumber: receipt.caseNumber, pin: receipt.pin },
    });
    expect(status.json()).toMatchObject({ status: 'active', caseType: 'minor', imageCount: 1 });

    const seq = await t.store.latestSeq();
    const withdrawn = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions/withdraw',
      payload: { caseNumber: receipt.caseNumber, pin: receipt.pin },
    });
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', removedEntries: 3 });
    expect(t.engine.query({ signalType: 'pdq', value: img.pdq }).matches).toHaveLength(0);
    const changes = await t.store.changesSince(seq, 100);
    expect(changes.filter((c) => c.op === 'entry_delete')).toHaveLength(3);
  });

  test('a wrong PIN answers 404 like an unknown case', async () => {
    const receipt = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/public/self-submissions',
        payload: { caseType: 'adult', images: [image()] },
      })
    ).json<{ caseNumber: string; pin: string }>();
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions/status',
      payload: { caseNumber: receipt.caseNumber, pin: receipt.pin === '12345678' ? '87654321' : '12345678' },
    });
    expect(problemBody(wrong).code).toBe('NOT_FOUND');
  });

  test('refuses unknown keys (a file name), low quality and large bodies', async () => {
    const withName = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions',
      payload: { caseType: 'minor', images: [{ ...image(), name: 'me.jpg' }] },
    });
    expect(problemBody(withName).code).toBe('VALIDATION_FAILED');
    const low = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions',
      payload: { caseType: 'minor', images: [{ ...image(), quality: 20 }] },
    });
    expect(low.statusCode).toBe(422);
    expect(problemBody(low).errors?.[0]?.message).toMatch(/clearer original/);
    const big = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ caseType: 'minor', images: [image()], pad: 'x'.repeat(120_000) }),
    });
    expect(big.statusCode).toBe(413);
  });

  test('a locked case answers exactly as an unknown one: status, code and body (issue 15)', async () => {
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions',
      payload: { caseType: 'minor', images: [image()] },
    });
    const { caseNumber, pin } = submitted.json<{ caseNumber: string; pin: string }>();
    const wrong = pin === '00000000' ? '11111111' : '00000000';
    const ask = (body: { caseNumber: string; pin: string }, path = 'status') =>
      t.app.inject({ method: 'POST', url: `/v1/public/self-submissions/${path}`, payload: body });
    const unknown = await ask({ caseNumber: '0000000000000', pin });
    expect(unknown.statusCode).toBe(404);
    for (let i = 0; i < 5; i++) {
      const r = await ask({ caseNumber, pin: wrong });
      expect([r.statusCode, r.body]).toEqual([unknown.statusCode, unknown.body]);
    }
    // Locked now: the right PIN, to status and to withdraw, gets the unknown case's answer.
    for (const path of ['status', 'withdraw']) {
      const locked = await ask({ caseNumber, pin }, path);
      expect([locked.statusCode, locked.headers['content-type'], locked.body]).toEqual([
        unknown.statusCode,
        unknown.headers['content-type'],
        unknown.body,
      ]);
      expect(locked.headers['retry-after']).toBeUndefined();
    }
  });

  test('limits requests per address in memory', async () => {
    const limited = await makeApp({ perIpPerSecond: 0.05 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await limited.app.inject({
        method: 'POST',
        url: '/v1/public/self-submissions/status',
        payload: { caseNumber: '0000000000000', pin: '12345678' },
      });
      codes.push(r.statusCode);
    }
    // Bucket of 0.05/s × 40 s = 2 requests.
    expect(codes).toEqual([404, 404, 429, 429]);
    await limited.app.close();
  });
});

describe('mitigation of the open self-submission endpoint (issue 15)', () => {
  test('new cases are limited per address per day; status stays open; another address is not affected; the hashes are labelled unreviewed', async () => {
    const limited = await makeApp({ casesPerAddressPerDay: 2 });
    const submit = (remoteAddress: string) =>
      limited.app.inject({
        method: 'POST',
        url: '/v1/public/self-submissions',
        payload: { caseType: 'minor', images: [image()] },
        remoteAddress,
      });
    expect((await submit('198.51.100.7')).statusCode).toBe(201);
    expect((await submit('198.51.100.7')).statusCode).toBe(201);
    const third = await submit('198.51.100.7');
    expect(third.statusCode).toBe(429);
    expect(third.json().code).toBe('RATE_LIMITED');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(3600);
    const status = await limited.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions/status',
      payload: { caseNumber: '0000000000000', pin: '12345678' },
      remoteAddress: '198.51.100.7',
    });
    expect(status.statusCode).toBe(404);
    expect((await submit('203.0.113.9')).statusCode).toBe(201);
    // What platforms weigh: a bank of its own kind, advised review, no reviewer, its provenance.
    const bank = await limited.store.getBankByName('self-submitted-minors');
    expect(bank).toMatchObject({
      kind: 'self_submitted_minors',
      defaultActions: ['review'],
      fourEyes: false,
    });
    const entries = await limited.store.listEntries(bank!.id, { limit: 10 });
    for (const entry of entries) {
      expect(entry.reviewerCount).toBe(0);
      expect(entry.provenance.source).toBe('self-submission');
    }
    await limited.app.close();
  });
});

describe('the web app', () => {
  test('is served at / and /self-submission with the strict CSP, assets too', async () => {
    for (const url of ['/', '/self-submission', '/assets/app.js']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-security-policy'], url).toBe(WEB_CSP);
    }
    const config = await t.app.inject({ method: 'GET', url: '/v1/public/config' });
    expect(config.json()).toEqual({
      helpline: { name: 'Child Focus', phone: '116 000' },
      police: { name: 'Police', phone: '112' },
      maxImages: 50,
    });
  });
});

describe('the site icon (issue 17: /favicon.ico was a 404 on every page)', () => {
  test('is served without credentials, as an icon', async () => {
    const ico = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(ico.statusCode).toBe(200);
    expect(ico.headers['content-type']).toBe('image/x-icon');
    expect(ico.rawPayload.equals(ICON)).toBe(true);
    const svg = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
  });

  test('the built web app ships the icon and every page links it', async () => {
    const web = join(import.meta.dirname, '../../web');
    const ico = readFileSync(join(web, 'public/favicon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1); // an icon resource
    expect(ico.readUInt16LE(4)).toBeGreaterThan(0);
    for (const page of ['index', 'report', 'workbench', 'figures']) {
      expect(readFileSync(join(web, `${page}.html`), 'utf8'), page).toContain(
        'rel="icon" href="/favicon.svg"',
      );
    }
  });
});

test('scrypt PIN hashes verify the right PIN only and are salted', async () => {
  const a = await scryptPinHasher.hash('12345678');
  const b = await scryptPinHasher.hash('12345678');
  expect(a).not.toBe(b);
  expect(await scryptPinHasher.verify('12345678', a)).toBe(true);
  expect(await scryptPinHasher.verify('12345679', a)).toBe(false);
});

test('on a SQL store, cases survive a restart (the store keeps them: migration 0002)', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'hashline-cases-')), 'store.db');
  const start = async () => {
    const store = await openSqliteStore({ file });
    const engine = new MatchEngine(store);
    await engine.load();
    const app = await buildApp({
      config: testConfig(),
      store,
      engine,
      hashingPool: NO_HASHING,
      selfSubmission: {
        webDir: webDir(),
        helpline: { name: 'Child Focus', phone: '116 000' },
        police: { name: 'Police', phone: '112' },
      },
    });
    return { app, store };
  };
  const first = await start();
  const receipt = (
    await first.app.inject({
      method: 'POST',
      url: '/v1/public/self-submissions',
      payload: { caseType: 'minor', images: [image()] },
    })
  ).json<{ caseNumber: string; pin: string }>();
  await first.app.close();
  await first.store.close();
  const second = await start();
  const withdrawn = await second.app.inject({
    method: 'POST',
    url: '/v1/public/self-submissions/withdraw',
    payload: { caseNumber: receipt.caseNumber, pin: receipt.pin },
  });
  expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', removedEntries: 3 });
  await second.app.close();
  await second.store.close();
});
