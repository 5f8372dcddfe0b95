import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { HashlineStore } from '@hashline/domain';
import type { LightMyRequestResponse } from 'fastify';
import { createMemoryStore } from '@hashline/domain/testing';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, problemBody, randomPdq, testConfig, type TestApp } from './support/test-app.js';

// Bulk imports over the API (issue 12): upload, job, progress, idempotency, withdrawals, errors,
// on the in-memory store and both SQL engines.
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Engine {
  readonly name: string;
  open(): Promise<{ store: HashlineStore; drop(): Promise<void> }>;
}

const ENGINES: Engine[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore(), drop: async () => {} }) },
  {
    name: 'sqlite',
    async open() {
      const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-imports-')), 'hashline.db')}`;
      const store = await openStore(url);
      return { store, drop: () => store.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `hl_imp_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4 });
      return {
        store,
        drop: async () => {
          await store.close();
          const client = new pg.Client({ connectionString: POSTGRES_URL });
          await client.connect();
          await client.query(`drop schema if exists "${schema}" cascade`);
          await client.end();
        },
      };
    },
  },
];

/** A CSV of `hashes` (PDQ, quality 80) with a header. */
function csvOf(hashes: readonly string[]): string {
  return `signal_type,value,quality\n${hashes.map((h) => `pdq,${h},80`).join('\n')}\n`;
}

interface JobBody {
  id: string;
  status: string;
  reused: boolean;
  fileSha256: string;
  bank: string;
  format: string;
  progress: { recordsCommitted: number; bytesProcessed: number; totalBytes: number; fraction: number };
  counts: Record<string, number>;
  problems: { at: string; line: number; kind: string; message: string }[];
  error: { code: string; detail: string; status: number } | null;
}

describe.each(ENGINES)('bulk imports over the API on $name', (engine) => {
  let t: TestApp;
  let opened: Awaited<ReturnType<Engine['open']>>;
  let writer: string;
  let spoolDir: string;
  beforeAll(async () => {
    opened = await engine.open();
    const base = testConfig();
    spoolDir = base.imports.spoolDir;
    t = await createTestApp({
      store: opened.store,
      config: { ...base, imports: { ...base.imports, batchSize: 100, maxBytes: 200_000 } },
    });
    writer = await t.key(['banks:write']);
    for (const name of ['imports', 'withdrawals', 'errors', 'keys']) {
      const created = await t.call(writer, {
        method: 'POST',
        url: '/v1/banks',
        payload: { name, kind: 'test' },
      });
      expect(created.statusCode).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    await opened?.drop();
  });

  const upload = (
    bank: string,
    body: string | Readable,
    contentType = 'text/csv',
    query = '',
    headers: Record<string, string> = {},
    token: string | null = writer,
  ) =>
    t.call(token, {
      method: 'POST',
      url: `/v1/banks/${bank}/imports${query}`,
      headers: { 'content-type': contentType, ...headers },
      payload: body,
    });

  const job = async (id: string): Promise<JobBody> => {
    const response = await t.call(writer, { method: 'GET', url: `/v1/imports/${id}` });
    expect(response.statusCode).toBe(200);
    return response.json() as JobBody;
  };

  const finished = async (id: string): Promise<JobBody> => {
    await expect
      .poll(async () => (await job(id)).status, { timeout: 60_000, interval: 50 })
      .toMatch(/^(succeeded|failed|aborted)$/);
    return job(id);
  };

  test('NCMEC XML: a hash two members share keeps both sources; one member deletion leaves it; broken XML adds nothing (issue 14)', async () => {
    const md5 = randomPdq().slice(0, 32);
    const page = (body: string) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">${body}</queryResult>\n`;
    const image = (member: string, id: string) =>
      `<image><member id="${member}">M${member}</member><id>${id}</id><classification>A1</classification>` +
      `<fingerprints><md5>${md5}</md5></fingerprints></image>`;
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'ncmec-shared', kind: 'test' },
    });
    const first = await finished(
      (await upload('ncmec-shared', page(image('42', 'e1') + image('43', 'e1')), 'application/xml')).json()
        .id,
    );
    expect(first).toMatchObject({ status: 'succeeded', counts: { added: 1, existing: 1 } });
    const listed = (await t.call(writer, { method: 'GET', url: '/v1/banks/ncmec-shared/entries' })).json();
    const id = listed.entries[0].id as number;
    const entry = (await t.call(writer, { method: 'GET', url: `/v1/entries/${id}` })).json();
    expect(entry.provenance).toMatchObject({ source: 'ncmec', externalId: 'e1', member: '42' });
    expect(entry.otherSources).toEqual([{ source: 'ncmec', externalId: 'e1', member: '43' }]);

    const deletion = page('<deletedImage><member id="42">M42</member><id>e1</id></deletedImage>');
    expect(
      (await finished((await upload('ncmec-shared', deletion, 'application/xml')).json().id)).status,
    ).toBe('succeeded');
    const after = (await t.call(writer, { method: 'GET', url: `/v1/entries/${id}` })).json();
    expect(after.provenance).toMatchObject({ externalId: 'e1', member: '43' });
    expect(after.otherSources).toEqual([]);

    const broken = page(image('44', 'e9').replace(md5, randomPdq().slice(0, 32)) + '<image><id>x</image>');
    const aborted = await finished((await upload('ncmec-shared', broken, 'application/xml')).json().id);
    expect(aborted.status).toBe('aborted');
    expect(aborted.problems[0]!.message).toMatch(/Not well-formed XML/);
    expect(
      (await t.call(writer, { method: 'GET', url: '/v1/banks/ncmec-shared/entries' })).json().entries,
    ).toHaveLength(1);
  });

  test('an upload answers 202 with the job; it runs in batches and its entries are in the bank', async () => {
    const hashes = Array.from({ length: 350 }, () => randomPdq());
    const file = csvOf(hashes);
    const response = await upload('imports', file);
    expect(response.statusCode).toBe(202);
    const accepted = response.json() as JobBody;
    expect(response.headers.location).toBe(`/v1/imports/${accepted.id}`);
    expect(accepted).toMatchObject({ bank: 'imports', format: 'csv', reused: false });
    expect(['queued', 'running', 'succeeded']).toContain(accepted.status);
    expect(accepted.fileSha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(accepted.progress.totalBytes).toBe(Buffer.byteLength(file));

    const done = await finished(accepted.id);
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ read: 350, added: 350, existing: 0, errors: 0 });
    expect(done.progress).toEqual({
      recordsCommitted: 350,
      bytesProcessed: Buffer.byteLength(file),
      totalBytes: Buffer.byteLength(file),
      fraction: 1,
    });
    const bank = await t.store.getBankByName('imports');
    expect(await t.store.countEntries(bank!.id)).toBe(350);
    const listed = await t.store.listEntries(bank!.id, { limit: 1000 });
    expect(new Set(listed.map((e) => e.value))).toEqual(new Set(hashes));
    // The entries match from the next request, like any added entry: those of the last batch too
    // (the matcher follows the batches in the background; the job ends once it has applied them).
    const match = await t.call(await t.key(['match']), {
      method: 'POST',
      url: '/v1/match',
      payload: {
        hashes: [
          { signalType: 'pdq', value: hashes[0] },
          { signalType: 'pdq', value: hashes[hashes.length - 1] },
        ],
      },
    });
    expect(match.json().results[0].matches[0].bank).toBe('imports');
    expect(match.json().results[1].matches[0].bank).toBe('imports');
    // The file is deleted once its job ended (just after the end is recorded).
    await expect.poll(() => readdirSync(spoolDir).filter((name) => name.startsWith(accepted.id))).toEqual([]);

    // The running gauge drops in the job's `finally`, just after its file is deleted: wait on it.
    await expect
      .poll(async () => (await t.call(null, { method: 'GET', url: '/metrics' })).body)
      .toMatch(/^hashline_imports_running 0$/m);
    const metrics = await t.call(null, { method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^hashline_import_records_total \d+/m);
    expect(Number(/^hashline_import_records_total (\d+)/m.exec(metrics.body)![1])).toBeGreaterThanOrEqual(
      350,
    );

    const list = await t.call(writer, { method: 'GET', url: '/v1/banks/imports/imports' });
    expect(list.statusCode).toBe(200);
    expect((list.json() as { imports: JobBody[] }).imports.map((j) => j.id)).toContain(accepted.id);

    // The same file again: the same job (200), nothing changes.
    const seq = await t.store.latestSeq();
    const again = await upload('imports', file);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toMatchObject({ id: accepted.id, reused: true, status: 'succeeded' });
    // Forced: a second job, which folds every row into the existing entries.
    const forced = await upload('imports', file, 'text/csv', '?force=true');
    expect(forced.statusCode).toBe(202);
    expect(forced.json().id).not.toBe(accepted.id);
    const refolded = await finished(forced.json().id);
    expect(refolded.counts).toMatchObject({ read: 350, added: 0, existing: 350 });
    expect(await t.store.latestSeq()).toBe(seq);
    expect(await t.store.countEntries(bank!.id)).toBe(350);
  });

  test('withdrawals in the file are applied over the API (StopNCII NDJSON)', async () => {
    const hashes = Array.from({ length: 3 }, () => randomPdq());
    const added = await finished((await upload('withdrawals', csvOf(hashes))).json().id);
    expect(added.counts.added).toBe(3);
    const record = (value: string, hashStatus: string) => ({
      lastModtimestamp: 1,
      signalType: 'ImagePDQ',
      hashValue: value,
      hashStatus,
    });
    const page = (records: unknown[]) =>
      JSON.stringify({ count: records.length, hasMoreRecords: false, hashRecords: records });
    const ndjson = `${page([record(hashes[0]!, 'Withdrawn'), record(randomPdq(), 'Withdrawn')])}\n`;
    const response = await upload('withdrawals', ndjson, 'application/x-ndjson');
    expect(response.statusCode).toBe(202);
    const done = await finished(response.json().id);
    expect(done).toMatchObject({ status: 'succeeded', format: 'stopncii-json' });
    expect(done.counts).toMatchObject({ withdrawalsApplied: 1, withdrawalsUnmatched: 1 });
    const bank = await t.store.getBankByName('withdrawals');
    const left = await t.store.listEntries(bank!.id, { limit: 10 });
    expect(left.map((e) => e.value).sort()).toEqual([hashes[1], hashes[2]].sort());
  });

  test('bad rows: listed with line numbers (skip), or nothing added (abort)', async () => {
    const file = `signal_type,value,quality\npdq,${randomPdq()},80\npdq,xyz,80\npdq,${randomPdq()},80\n`;
    const skipped = await finished((await upload('errors', file)).json().id);
    expect(skipped.status).toBe('succeeded');
    expect(skipped.counts).toMatchObject({ read: 3, added: 2, errors: 1 });
    expect(skipped.problems).toEqual([
      { at: 'line 3', line: 3, kind: 'error', message: expect.stringContaining('64 hex digits') },
    ]);
    const other = `signal_type,value,quality\npdq,${randomPdq()},80\npdq,xyz,80\n`;
    const aborted = await finished((await upload('errors', other, 'text/csv', '?onError=abort')).json().id);
    expect(aborted.status).toBe('aborted');
    expect(aborted.counts).toMatchObject({ added: 0, errors: 1 });
    const bank = await t.store.getBankByName('errors');
    expect(await t.store.countEntries(bank!.id)).toBe(2);
  });

  test('an Idempotency-Key returns the job it made; with another file it is refused', async () => {
    const key = `k-${randomBytes(4).toString('hex')}`;
    const file = csvOf([randomPdq()]);
    const first = await upload('keys', file, 'text/csv', '', { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const retry = await upload('keys', file, 'text/csv', '?force=true', { 'idempotency-key': key });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ id: first.json().id, reused: true });
    // Another key with the same file still joins the job made for the file.
    const sameFile = await upload('keys', file, 'text/csv', '', { 'idempotency-key': `${key}-2` });
    expect(sameFile.statusCode).toBe(200);
    expect(sameFile.json()).toMatchObject({ id: first.json().id, reused: true });
    const reused = await upload('keys', csvOf([randomPdq()]), 'text/csv', '', { 'idempotency-key': key });
    expect(reused.statusCode).toBe(422);
    expect(problemBody(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
    await finished(first.json().id);
  });

  test('refuses an unknown bank, a wrong type or format, an empty or oversized body, and unknown jobs', async () => {
    const file = csvOf([randomPdq()]);
    const cases: [Promise<LightMyRequestResponse>, number, string][] = [
      [upload('nope', file), 404, 'BANK_NOT_FOUND'],
      [upload('errors', file, 'application/pdf'), 415, 'IMPORT_UNSUPPORTED_TYPE'],
      [upload('errors', file, 'text/csv', '?format=pdf'), 400, 'VALIDATION_FAILED'],
      [upload('errors', '', 'text/csv'), 400, 'IMPORT_EMPTY'],
      // Declared too large: refused before a byte is read.
      [upload('errors', 'x'.repeat(200_001), 'text/csv'), 413, 'IMPORT_TOO_LARGE'],
      // Streamed without a length: refused once the limit is passed.
      [
        upload(
          'errors',
          Readable.from([Buffer.alloc(150_000, 0x61), Buffer.alloc(150_000, 0x61)]),
          'text/csv',
        ),
        413,
        'IMPORT_TOO_LARGE',
      ],
      [t.call(writer, { method: 'GET', url: '/v1/imports/imp_nope' }), 404, 'IMPORT_JOB_NOT_FOUND'],
      [t.call(writer, { method: 'GET', url: '/v1/banks/nope/imports' }), 404, 'BANK_NOT_FOUND'],
    ];
    for (const [request, status, code] of cases) {
      const response = await request;
      expect(response.statusCode, response.body).toBe(status);
      expect(problemBody(response).code).toBe(code);
    }
    // A format given in the query accepts any content type.
    const byQuery = await upload('errors', file, 'application/octet-stream', '?format=csv');
    expect(byQuery.statusCode).toBe(202);
    await finished(byQuery.json().id);
    // Nothing refused was left in the spool.
    expect(readdirSync(spoolDir).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  test('needs banks:write: a read-only key gets 403, no key 401', async () => {
    const reader = await t.key(['banks:read']);
    const file = csvOf([randomPdq()]);
    const refused = await upload('imports', file, 'text/csv', '', {}, reader);
    expect(refused.statusCode).toBe(403);
    expect(problemBody(refused).code).toBe('FORBIDDEN');
    expect((await upload('imports', file, 'text/csv', '', {}, null)).statusCode).toBe(401);
    const list = await t.call(reader, { method: 'GET', url: '/v1/banks/imports/imports' });
    expect(list.statusCode).toBe(403);
  });
});
