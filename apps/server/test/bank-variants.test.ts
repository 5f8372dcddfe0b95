import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashlineStore } from '@hashline/domain';
import { createHashingPool, type HashingPool } from '@hashline/media-node';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { createTestApp, randomPdq, type TestApp } from './support/test-app.js';

// Robust variants stored with bank entries (issue 18, ADR 0021), over the real stores.
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORIGINAL = readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg'));

const ENGINES = [
  {
    name: 'sqlite',
    async open(): Promise<{ store: HashlineStore; drop(): Promise<void> }> {
      const file = join(mkdtempSync(join(tmpdir(), 'hashline-variants-')), 'hashline.db');
      return { store: await openStore(`sqlite:${file}`), drop: async () => {} };
    },
  },
  {
    name: 'postgres',
    async open(): Promise<{ store: HashlineStore; drop(): Promise<void> }> {
      const schema = `hl_variants_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4 });
      return {
        store,
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

/** A benign copy of the image with `fraction` of its height cut from the top, re-encoded. */
async function croppedFromTop(bytes: Uint8Array, fraction: number): Promise<Buffer> {
  const { width, height } = await sharp(bytes).metadata();
  const cut = Math.round(height! * fraction);
  return sharp(bytes)
    .extract({ left: 0, top: cut, width: width!, height: height! - cut })
    .jpeg({ quality: 90 })
    .toBuffer();
}

const raw = (bytes: Uint8Array, type = 'image/jpeg') => ({
  payload: Buffer.from(bytes),
  headers: { 'content-type': type },
});

let pool: HashingPool;
let cropped: Buffer;

beforeAll(async () => {
  pool = createHashingPool({ threads: 1, timeoutMs: 20_000, decode: { maxBytes: 2 * 1024 * 1024 } });
  cropped = await croppedFromTop(ORIGINAL, 0.1);
});
afterAll(async () => {
  await pool.close();
});

describe.each(ENGINES)('bank entries with robust variants ($name)', (engine) => {
  let t: TestApp;
  let drop: () => Promise<void>;
  let writer: string;
  let matcher: string;

  beforeAll(async () => {
    const opened = await engine.open();
    drop = opened.drop;
    t = await createTestApp({ store: opened.store, hashingPool: pool });
    [writer, matcher] = await Promise.all([t.key(['banks:write', 'banks:read']), t.key(['match'])]);
    for (const name of ['with-variants', 'hash-only'])
      await t.call(writer, { method: 'POST', url: '/v1/banks', payload: { name, kind: 'test' } });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await t.store.close();
    await drop();
  });

  test('an image added as media keeps its variants; /v1/changes and the entry carry them', async () => {
    const after = await t.store.latestSeq();
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/with-variants/media',
      ...raw(ORIGINAL),
    });
    expect(added.statusCode, added.body).toBe(201);
    const pdq = added.json().created.find((e: { signalType: string }) => e.signalType === 'pdq');
    const kinds = pdq.pdqVariants.map((v: { kind: string }) => v.kind);
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.every((k: string) => k === 'trim' || k.startsWith('crop-'))).toBe(true);
    for (const v of pdq.pdqVariants) expect(v.value).toMatch(/^[0-9a-f]{64}$/);
    // The hashes the server computed are the ones stored: the response's hashes name them too.
    expect(
      added
        .json()
        .hashes.variants.filter((v: { name: string }) => kinds.includes(v.name))
        .map((v: { pdq: string }) => v.pdq),
    ).toEqual(pdq.pdqVariants.map((v: { value: string }) => v.value));

    const changes = (await t.call(writer, { method: 'GET', url: `/v1/changes?after=${after}` })).json();
    const upsert = changes.changes.find((c: { entryId?: number }) => c.entryId === pdq.id);
    expect(upsert).toMatchObject({ op: 'entry_upsert', signalType: 'pdq', value: pdq.value });
    expect(upsert.pdqVariants).toEqual(pdq.pdqVariants);
    expect(upsert.entry.pdqVariants).toEqual(pdq.pdqVariants);
    const md5 = changes.changes.find((c: { signalType?: string }) => c.signalType === 'md5');
    expect(md5).not.toHaveProperty('pdqVariants');
    const entry = (await t.call(writer, { method: 'GET', url: `/v1/entries/${pdq.id}` })).json();
    expect(entry.pdqVariants).toEqual(pdq.pdqVariants);

    // The same image's primary hash alone, in another bank: a control for the crop test below.
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hash-only/entries',
      payload: { entries: [{ signalType: 'pdq', value: pdq.value, quality: pdq.quality }] },
    });
  });

  test('a copy cropped by 10 % matches through /v1/match/media thanks to the bank variants', async () => {
    const body = (await t.call(matcher, { method: 'POST', url: '/v1/match/media', ...raw(cropped) })).json();
    const hits = body.results.find((r: { signalType: string }) => r.signalType === 'pdq').matches;
    // Only the entry with variants: the primary hash alone is too far from a cropped copy.
    expect(hits.map((h: { bank: string }) => h.bank)).toEqual(['with-variants']);
    expect(hits[0].bankVariant).toMatch(/^crop-/);
    expect(hits[0].distance).toBeLessThanOrEqual(31);
  });

  test('variants a client sends with an entry are validated, stored and followed', async () => {
    const after = await t.store.latestSeq();
    const value = randomPdq();
    const variants = [
      { kind: 'trim', value: randomPdq() },
      { kind: 'crop-c8', value: randomPdq() },
    ];
    const bad = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/with-variants/entries',
      payload: { entries: [{ signalType: 'pdq', value, pdqVariants: [{ kind: 'crop-q1', value }] }] },
    });
    expect(bad.statusCode).toBe(400);
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/with-variants/entries',
      payload: { entries: [{ signalType: 'pdq', value, pdqVariants: variants }] },
    });
    expect(added.statusCode, added.body).toBe(201);
    const changes = (await t.call(writer, { method: 'GET', url: `/v1/changes?after=${after}` })).json();
    expect(changes.changes.map((c: { pdqVariants?: unknown }) => c.pdqVariants)).toEqual([variants]);
    const match = (
      await t.call(matcher, {
        method: 'POST',
        url: '/v1/match',
        payload: { hashes: [{ signalType: 'pdq', value: variants[1]!.value }] },
      })
    ).json();
    expect(match.results[0].matches[0]).toMatchObject({
      bank: 'with-variants',
      distance: 0,
      bankVariant: 'crop-c8',
    });
  });
});
