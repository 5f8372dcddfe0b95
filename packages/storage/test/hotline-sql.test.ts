import { auditDigestInput, type HotlineStore } from '@hashline/domain';
import { createMemoryHotlineStore, createMemoryStore } from '@hashline/domain/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  hasHotlineStore,
  openPostgresStore,
  openStore,
  type HashlineStoreWithHotline,
} from '../src/index.js';
import { reportRecord, sha256Hex, verifyStoreAudit } from './contract/hotline-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';
import { postgresEngine, sqliteEngine, type SqlEngine } from './support/sql-engines.js';

const T0 = new Date(Date.UTC(2026, 2, 1, 9));

async function appendSome(hotline: HotlineStore, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    await hotline.appendAudit(
      {
        actor: `analyst-${n % 2}`,
        action: 'media_viewed',
        subjectType: 'media',
        subjectId: String(n),
        details: { n, reason: 'assessment' },
      },
      new Date(T0.getTime() + n * 1000),
    );
  }
}

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('hotline store on %s', (engineName, makeEngine) => {
  let engine: SqlEngine | undefined;
  let stores: HashlineStoreWithHotline[] = [];

  beforeEach(async () => {
    if (engineName === 'postgres') await requirePostgres();
    engine = makeEngine();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await engine?.dispose();
    engine = undefined;
  });

  const open = async () => {
    const store = await engine!.open();
    stores.push(store);
    return store;
  };

  describe('a tampered audit log fails verification', () => {
    it('at the row whose details were edited', async () => {
      const { hotline } = await open();
      await appendSome(hotline, 6);
      expect(await verifyStoreAudit(hotline)).toMatchObject({ ok: true, checked: 6 });
      await engine!.exec(`update audit_events set details = '{"n":3,"reason":"curiosity"}' where seq = 3`);
      expect((await hotline.listAudit({ afterSeq: 2, limit: 1 }))[0]!.details).toEqual({
        n: 3,
        reason: 'curiosity',
      });
      expect(await verifyStoreAudit(hotline)).toMatchObject({ ok: false, checked: 2, firstBadSeq: 3 });
    });

    it('at the next row when the edited row was re-hashed too', async () => {
      const { hotline } = await open();
      await appendSome(hotline, 6);
      const [row] = await hotline.listAudit({ afterSeq: 2, limit: 1 });
      const forged = { ...row!, actor: 'analyst-9' };
      const { hash: _old, ...content } = forged;
      await engine!.exec(
        `update audit_events set actor = 'analyst-9', hash = '${sha256Hex(auditDigestInput(content))}' where seq = 3`,
      );
      expect(await verifyStoreAudit(hotline)).toMatchObject({ ok: false, checked: 3, firstBadSeq: 4 });
    });

    it('when a middle row was deleted', async () => {
      const { hotline } = await open();
      await appendSome(hotline, 6);
      await engine!.exec('delete from audit_events where seq = 4');
      expect(await verifyStoreAudit(hotline)).toMatchObject({ ok: false, checked: 3, firstBadSeq: 5 });
    });

    it('when the last row was deleted without touching the head', async () => {
      const { hotline } = await open();
      await appendSome(hotline, 6);
      await engine!.exec('delete from audit_events where seq = 6');
      const result = await verifyStoreAudit(hotline);
      expect(result).toMatchObject({ ok: false, checked: 5, firstBadSeq: 6 });
      expect(result.problem).toMatch(/deleted/);
    });
  });

  it('keeps reports, jobs and the audit chain across reopening; the chain goes on from the head', async () => {
    const first = await open();
    const created = await first.hotline.createReport(reportRecord(1));
    await appendSome(first.hotline, 3);
    await first.close();
    stores = [];

    const second = await open();
    expect(await second.hotline.getReport(created.report.id)).toEqual(created.report);
    expect(await second.hotline.countCaptureJobs()).toEqual({ pending: 2, done: 0, failed: 0 });
    const replay = await second.hotline.createReport(reportRecord(2, { keyHash: sha256Hex('key-1') }));
    expect(replay.replayed).toBe(true);
    await appendSome(second.hotline, 2);
    expect((await second.hotline.auditHead()).seq).toBe(5);
    expect(await verifyStoreAudit(second.hotline)).toMatchObject({ ok: true, checked: 5 });
  });

  it('is reached as store.hotline, and the type guard says so', async () => {
    const store = await open();
    expect(hasHotlineStore(store)).toBe(true);
    expect(hasHotlineStore(createMemoryStore())).toBe(false);
    const partial = Object.assign(createMemoryStore(), {
      hotline: { ...createMemoryHotlineStore({ sha256Hex }), appendAudit: undefined },
    });
    expect(hasHotlineStore(partial)).toBe(false);
  });
});

describe('hotline store on PostgreSQL under concurrency', () => {
  let schema: string;
  let stores: HashlineStoreWithHotline[] = [];

  beforeEach(async () => {
    await requirePostgres();
    schema = freshSchemaName();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await dropSchema(schema);
  });

  /** Two stores (two pools) on one schema, as two server processes would be. */
  const openTwo = async () => {
    const a = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, maxConnections: 10 });
    stores.push(a);
    const b = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, maxConnections: 10 });
    stores.push(b);
    return [a.hotline, b.hotline] as const;
  };

  it('20 parallel appends from two processes never fork the chain', async () => {
    const [a, b] = await openTwo();
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        (n % 2 === 0 ? a : b).appendAudit(
          {
            actor: `analyst-${n % 3}`,
            action: 'report_viewed',
            subjectType: 'report',
            subjectId: String(n),
            details: { n },
          },
          new Date(T0.getTime() + n),
        ),
      ),
    );
    expect(appended.map((row) => row.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(new Set(appended.map((row) => row.prevHash)).size).toBe(20);
    expect(await verifyStoreAudit(a, 6)).toMatchObject({ ok: true, checked: 20 });
    expect(await b.auditHead()).toEqual(await a.auditHead());
  });

  it('requests with one idempotency key from two processes create one report', async () => {
    const [a, b] = await openTwo();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        (n % 2 === 0 ? a : b).createReport(reportRecord(100 + n, { keyHash: sha256Hex('one-key') })),
      ),
    );
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.report.id)).size).toBe(1);
    expect(await a.countCaptureJobs()).toEqual({ pending: 2, done: 0, failed: 0 });
    expect(await a.listQueue({ limit: 100 })).toHaveLength(1);
  });

  it('a request whose key another transaction is committing waits for it and answers as a replay', async () => {
    const [hotline] = await openTwo();
    const held = reportRecord(1);
    const holder = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await holder.connect();
    try {
      await holder.query(`set search_path to "${schema}"`);
      await holder.query('begin');
      await holder.query(
        `insert into reports (id, received_at, channel, reporter_type, anonymous, consent_to_contact, language,
           concerns, imminent_danger, status, priority, receipt_hash, updated_at)
         values ($1, $2, 'web_form', 'public', true, false, 'en', '["csam"]', false, 'received', 2, $3, $2)`,
        [held.report.id, T0, held.report.receiptHash],
      );
      await holder.query(
        `insert into report_idempotency (key_hash, report_id, body_hash, receipt_sealed, created_at)
         values ($1, $2, $3, $4, $5)`,
        [
          held.idempotency.keyHash,
          held.report.id,
          held.idempotency.bodyHash,
          held.idempotency.receiptSealed,
          T0,
        ],
      );
      const {
        rows: [{ pid }],
      } = await holder.query('select pg_backend_pid() as pid');

      let settled = false;
      const creating = hotline
        .createReport(reportRecord(2, { keyHash: held.idempotency.keyHash }))
        .finally(() => {
          settled = true;
        });
      // Wait (by condition, not by time) until the request is blocked behind the holder.
      for (let tries = 0; ; tries++) {
        const { rows } = await holder.query(
          'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
          [pid],
        );
        if (rows[0].n > 0) break;
        if (tries > 500) throw new Error('the request never waited for the holder');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(settled).toBe(false);
      await holder.query('commit');
      const result = await creating;
      expect(result).toMatchObject({
        replayed: true,
        report: { id: held.report.id },
        bodyHash: held.idempotency.bodyHash,
        receiptSealed: held.idempotency.receiptSealed,
        urls: [],
      });
      // The waiting request's own rows were rolled back whole.
      expect(await hotline.getReport(reportRecord(2).report.id)).toBeUndefined();
      expect(await hotline.countCaptureJobs()).toEqual({ pending: 0, done: 0, failed: 0 });
    } finally {
      await holder.end();
    }
  });

  it('concurrent workers claim each due capture job exactly once', async () => {
    const [a, b] = await openTwo();
    for (let n = 0; n < 30; n++) await a.createReport(reportRecord(200 + n));
    const claimed: number[] = [];
    const worker = async (hotline: HotlineStore) => {
      for (;;) {
        const batch = await hotline.claimCaptureJobs(new Date(T0.getTime() + 60_000), 4, 600_000);
        if (batch.length === 0) return;
        claimed.push(...batch.map((job) => job.id));
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, i) => worker(i % 2 === 0 ? a : b)));
    expect(claimed).toHaveLength(60);
    expect(new Set(claimed).size).toBe(60);
  });

  it('two workers completing the same job with different findings: one capture wins whole', async () => {
    const [a, b] = await openTwo();
    const { report } = await a.createReport(reportRecord(300));
    const [job] = await a.claimCaptureJobs(T0, 1, 60_000);
    const item = (n: number) => ({
      sourceUrl: `https://images.example.org/${n}.png`,
      mediaType: 'image' as const,
      md5: 'd'.repeat(31) + n,
      sha256: sha256Hex(`bytes-${n}`),
      pdq: null,
      pdqQuality: null,
      width: 10,
      height: 10,
      byteLength: 100,
      knownMatch: null,
      thumbnail: Uint8Array.from([n]),
      previewSealed: null,
    });
    const outcome = (media: number[]) => ({
      accessibility: 'online' as const,
      capturedAt: T0,
      captureError: null,
      trace: null,
      media: media.map(item),
    });
    // The page changed between two workers' fetches (the first worker's lease ran out).
    const [fromA, fromB] = await Promise.all([
      a.completeCapture(job!.id, outcome([1, 2, 3])),
      b.completeCapture(job!.id, outcome([3, 4])),
    ]);
    expect(fromA).toEqual(fromB);
    const hashes = fromA.map((m) => m.sha256);
    expect(
      [
        [1, 2, 3],
        [3, 4],
      ].map((ns) => ns.map((n) => sha256Hex(`bytes-${n}`))),
    ).toContainEqual(hashes);
    expect(await a.listMedia(report.id)).toEqual(fromA);
    expect(await a.countCaptureJobs()).toEqual({ pending: 1, done: 1, failed: 0 });
  });
});

describe('openStore', () => {
  it('gives a store with the hotline on sqlite: URLs', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(hasHotlineStore(store)).toBe(true);
      expect(await store.hotline.auditHead()).toEqual({ seq: 0, hash: '0'.repeat(64) });
    } finally {
      await store.close();
    }
  });
});
