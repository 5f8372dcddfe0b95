import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MatchEngine, parseVpdqReferenceLines, usableVpdqFrames, type HashlineStore } from '@hashline/domain';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import {
  createTestApp,
  flipBits,
  NO_HASHING,
  problemBody,
  randomPdq,
  type TestApp,
} from './support/test-app.js';

// The API over the real stores: SQLite (the embedded default) and PostgreSQL (production).
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Engine {
  readonly name: string;
  open(): Promise<{
    store: HashlineStore;
    reopen(): Promise<HashlineStore>;
    drop(): Promise<void>;
    /** SQLite: the database file (the server reads active entries from it in a worker). */
    file?: string;
  }>;
}

const ENGINES: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const file = join(mkdtempSync(join(tmpdir(), 'hashline-api-')), 'hashline.db');
      const url = `sqlite:${file}`;
      return { store: await openStore(url), reopen: () => openStore(url), drop: async () => {}, file };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `hl_api_${randomBytes(6).toString('hex')}`;
      const open = () => openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4 });
      return {
        store: await open(),
        reopen: open,
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

describe.each(ENGINES)('the API on $name', (kind) => {
  let t: TestApp;
  let opened: Awaited<ReturnType<Engine['open']>>;
  let writer: string;
  let matcher: string;
  let admin: string;
  beforeAll(async () => {
    opened = await kind.open();
    t = await createTestApp({ store: opened.store });
    [writer, matcher, admin] = await Promise.all([
      t.key(['banks:write']),
      t.key(['match']),
      t.key(['admin']),
    ]);
  });
  afterAll(async () => {
    await t.close();
    await opened.store.close();
    await opened.drop();
  });

  test('bank, bulk add, match on the next request, records, feed, disable, delete', async () => {
    const created = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'main', kind: 'known_csam' },
    });
    expect(created.statusCode).toBe(201);
    const hashes = Array.from({ length: 2000 }, () => randomPdq());
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/main/entries',
      payload: {
        entries: [
          ...hashes.map((value, i) => ({
            signalType: 'pdq',
            value,
            quality: 80,
            classification: i === 7 ? { industry: 'A2' } : {},
          })),
          { signalType: 'sha256', value: 'c'.repeat(64) },
        ],
      },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().created).toHaveLength(2001);

    const hit = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match',
      payload: {
        hashes: [
          { signalType: 'pdq', value: flipBits(hashes[7]!, 12) },
          { signalType: 'sha256', value: 'c'.repeat(64) },
        ],
      },
    });
    const [pdq, sha] = hit.json().results;
    expect(pdq).toMatchObject({
      matched: true,
      matches: [{ bank: 'main', distance: 12, classification: { industry: 'A2' } }],
    });
    expect(sha.matched).toBe(true);

    const record = await t.call(matcher, { method: 'GET', url: `/v1/match-records/${pdq.recordId}` });
    expect(record.json()).toMatchObject({
      value: flipBits(hashes[7]!, 12),
      matches: [{ bank: 'main', distance: 12 }],
    });

    let after = 0;
    let upserts = 0;
    for (;;) {
      const page = (
        await t.call(writer, { method: 'GET', url: `/v1/banks/main/changes?after=${after}&limit=700` })
      ).json();
      upserts += page.changes.filter((c: { op: string }) => c.op === 'entry_upsert').length;
      after = page.nextAfter;
      if (!page.hasMore) break;
    }
    expect(upserts).toBe(2001);

    const entryId = pdq.matches[0].entryId;
    await t.call(writer, { method: 'PATCH', url: `/v1/entries/${entryId}`, payload: { disabled: true } });
    const miss = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'pdq', value: hashes[7] }] },
    });
    expect(miss.json().results[0].matched).toBe(false);
    const list = (await t.call(writer, { method: 'GET', url: '/v1/banks/main/entries?limit=3' })).json();
    expect(list.entries).toHaveLength(3);
    expect(list.nextAfter).toBe(list.entries[2].id);
  });

  test('a restarted process loads the index from the store (in a worker thread)', async () => {
    const { createWorkerIndexBuilder } = await import('../src/index-build/worker-index-builder.js');
    const store = await opened.reopen();
    const engine = new MatchEngine(store, { buildIndex: createWorkerIndexBuilder() });
    await engine.load();
    expect(engine.status().pdqEntries).toBeGreaterThanOrEqual(1999);
    const app = await buildApp({ config: t.config, store, engine, hashingPool: NO_HASHING });
    const entries = (await t.call(writer, { method: 'GET', url: '/v1/banks/main/entries?limit=1' })).json()
      .entries;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/match',
      headers: { authorization: `Bearer ${matcher}` },
      payload: { hashes: [{ signalType: 'pdq', value: flipBits(entries[0].value, 20) }] },
    });
    expect(response.json().results[0]).toMatchObject({ matched: true, matches: [{ distance: 20 }] });
    const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready).toMatchObject({ ready: true, lag: 0, store: kind.name });
    await app.close();
    await store.close();
  });

  test('a video (vpdq) entry: stored with its frames, in /v1/changes, an image of one of its frames reports it, a restart loads it', async () => {
    const lines = readFileSync(join(PDQ_FIXTURES, 'vpdq-sample-hashes', 'chair-orig-22-sd-bar.txt'), 'utf8');
    const frames = parseVpdqReferenceLines(lines);
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'videos', kind: 'known_csam' },
    });
    const before = (await t.call(admin, { method: 'GET', url: '/v1/changes' })).json().latestSeq;
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/videos/entries',
      payload: { entries: [{ signalType: 'vpdq', frames: lines, fileSha256: 'd'.repeat(64) }] },
    });
    expect(added.statusCode).toBe(201);
    const [entry] = added.json().created;
    expect(entry).toMatchObject({ signalType: 'vpdq', value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const changes = (await t.call(admin, { method: 'GET', url: `/v1/changes?after=${before}` })).json()
      .changes;
    expect(changes).toMatchObject([
      {
        op: 'entry_upsert',
        bank: 'videos',
        entryId: entry.id,
        signalType: 'vpdq',
        value: entry.value,
        active: true,
      },
    ]);
    const read = (await t.call(admin, { method: 'GET', url: `/v1/entries/${entry.id}` })).json();
    expect(read).toMatchObject({
      signalType: 'vpdq',
      frames: lines.endsWith('\n') ? lines : `${lines}\n`,
      fileMd5: null,
      fileSha256: 'd'.repeat(64),
    });
    expect(await opened.store.getVideoSignals([entry.id])).toEqual(
      new Map([[entry.id, { frames, fileMd5: null, fileSha256: 'd'.repeat(64) }]]),
    );

    const frame = usableVpdqFrames(frames)[40]!;
    const hit = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'pdq', value: flipBits(frame.pdqHex, 5) }] },
    });
    expect(hit.json().results[0]).toMatchObject({
      matched: true,
      matches: [{ bank: 'videos', entryId: entry.id, videoFrame: expect.any(Number) }],
    });

    // A query video through the API: both percentages, a match record, the bank's threshold.
    const sample = (name: string) => readFileSync(join(PDQ_FIXTURES, 'vpdq-sample-hashes', name), 'utf8');
    const video = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match/video',
      payload: { frames: sample('chair-22-sd-grey-bar.txt'), contentRef: 'upload-1' },
    });
    expect(video.statusCode).toBe(200);
    const answer = video.json();
    expect(answer).toMatchObject({
      matched: true,
      contentRef: 'upload-1',
      matches: [{ bank: 'videos', entryId: entry.id, queryMatchPercent: 100, comparedMatchPercent: 100 }],
    });
    const record = (
      await t.call(matcher, { method: 'GET', url: `/v1/match-records/${answer.recordId}` })
    ).json();
    expect(record).toMatchObject({ signalType: 'vpdq', matches: [{ entryId: entry.id }] });
    const logo = parseVpdqReferenceLines(sample('chair-22-with-large-logo-bar.txt'));
    const asked = () =>
      t.call(matcher, { method: 'POST', url: '/v1/match/video', payload: { frames: logo } });
    expect((await asked()).json()).toMatchObject({ matched: false, matches: [] });
    await t.call(writer, { method: 'PATCH', url: '/v1/banks/videos', payload: { vpdqMatchPercent: 5 } });
    const lowered = (await asked()).json();
    expect(lowered.matched).toBe(true);
    expect(lowered.matches[0].comparedMatchPercent).toBeLessThan(20);
    await t.call(writer, { method: 'PATCH', url: '/v1/banks/videos', payload: { vpdqMatchPercent: 80 } });
    const bad = await t.call(matcher, { method: 'POST', url: '/v1/match/video', payload: { frames: 'x' } });
    expect(bad.statusCode).toBe(400);

    // A restarted process: the frames come from the store (SQLite: the worker's reader).
    const { createWorkerIndexBuilder } = await import('../src/index-build/worker-index-builder.js');
    const { createActiveSignalsReader } = await import('../src/index-build/active-signals-reader.js');
    const store = await opened.reopen();
    const engine = new MatchEngine(store, {
      buildIndex: createWorkerIndexBuilder(),
      ...(opened.file
        ? { readActive: createActiveSignalsReader({ kind: 'sqlite', file: opened.file }) }
        : {}),
    });
    await engine.load();
    expect(engine.status()).toMatchObject({ videoEntries: 1, videoFrames: usableVpdqFrames(frames).length });
    expect(engine.queryVideo(frames).matches).toMatchObject([
      { entryId: entry.id, queryMatchPercent: 100, comparedMatchPercent: 100 },
    ]);
    await store.close();
  });

  test('API keys persist; a revoked key is refused', async () => {
    const created = (
      await t.call(admin, { method: 'POST', url: '/v1/api-keys', payload: { name: 'p', scopes: ['match'] } })
    ).json();
    expect((await t.call(created.token, { method: 'GET', url: '/v1/me' })).statusCode).toBe(200);
    await t.call(admin, { method: 'DELETE', url: `/v1/api-keys/${created.apiKey.id}` });
    const refused = await t.call(created.token, { method: 'GET', url: '/v1/me' });
    expect(refused.statusCode).toBe(401);
    expect(problemBody(refused).code).toBe('UNAUTHENTICATED');
  });
});
