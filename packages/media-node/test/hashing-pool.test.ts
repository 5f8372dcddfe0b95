// The worker-thread pool: same results as in process, typed errors for hostile inputs, and
// recovery from timeouts and crashed workers. Under Vitest the pool runs its worker from the
// TypeScript sources through source-worker-bootstrap.mjs; dist/ is covered at the end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  createHashingPool,
  hashImageBytes,
  MediaDecodeError,
  type HashingPool,
  type ImageHashes,
} from '../src/index.js';
import { workerExecArgv } from '../src/pool-worker-handle.js';
import { PDQ_DATA, readVectors } from './support/fixtures.js';
import { hostileCases, type HostileCase } from './support/hostile-inputs.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

async function errorOf(promise: Promise<unknown>): Promise<MediaDecodeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaDecodeError);
  return error as MediaDecodeError;
}

const small = (): Buffer => readFileSync(join(PDQ_DATA, 'bridge-mods/square-128x128.jpg'));
const SMALL_PDQ = 'd8f8f1eec0f4a84f0e37022a078f63f0b36e2ed596621e1d33e6239c4e9c9b22';

describe('a pool of 2 workers', () => {
  let pool: HashingPool;
  let cases: HostileCase[] = [];

  beforeAll(async () => {
    pool = createHashingPool({ threads: 2 });
    cases = await hostileCases();
  });
  afterAll(async () => {
    await pool.close();
  });

  test('parallel hashing gives exactly the in-process results (pdq, quality, dihedral, digests)', async () => {
    const files = readVectors()
      .filter((_, i) => i % 4 === 0) // 13 files across every folder and format
      .map((row) => join(PDQ_DATA, row.path));
    const options = { dihedral: true, crypto: true } as const;
    const pooled = await Promise.all(files.map((file) => pool.hashFile(file, options)));
    const viaBytes = await Promise.all(files.map((file) => pool.hashBytes(readFileSync(file), options)));
    const inProcess: ImageHashes[] = [];
    for (const file of files) inProcess.push(await hashImageBytes(readFileSync(file), options));
    expect(pooled).toEqual(inProcess);
    expect(viaBytes).toEqual(inProcess);
    expect(inProcess.every((h) => h.dihedral !== undefined && h.sha256?.length === 64)).toBe(true);
    expect(pool.stats()).toMatchObject({ threads: 2, busy: 0, queued: 0, crashes: 0, timeouts: 0 });
  });

  test('hostile inputs give the same typed errors as in process, and the pool keeps serving', async () => {
    const rssBefore = process.memoryUsage().rss; // the workers are threads of this process
    const codes = await Promise.all(cases.map(async (c) => (await errorOf(pool.hashBytes(c.bytes))).code));
    expect(codes).toEqual(cases.map((c) => c.code));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(500 * 1024 * 1024);
    expect((await pool.hashBytes(small())).pdq).toBe(SMALL_PDQ);
    expect(pool.stats().crashes).toBe(0);
  });

  test('hashFile: a text file named .jpg, a missing file, a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-node-pool-'));
    const text = join(dir, 'holiday.jpg');
    writeFileSync(text, 'Definitely not a JPEG.\n');
    expect((await errorOf(pool.hashFile(text))).code).toBe('MEDIA_UNSUPPORTED_FORMAT');
    expect((await errorOf(pool.hashFile(join(dir, 'missing.png')))).code).toBe('MEDIA_READ_FAILED');
    expect((await errorOf(pool.hashFile(dir))).code).toBe('MEDIA_READ_FAILED');
  });

  test('crypto: false leaves the digests out; preResize: false changes large images only', async () => {
    const hashes = await pool.hashBytes(small(), { crypto: false });
    expect(hashes).toEqual({ pdq: SMALL_PDQ, quality: 100, width: 128, height: 128, format: 'jpeg' });
    const large = readFileSync(join(PDQ_DATA, 'bridge-mods/aaa-orig.jpg'));
    const [resized, full] = await Promise.all([
      pool.hashBytes(large),
      pool.hashBytes(large, { preResize: false }),
    ]);
    expect(resized.pdq).toBe('d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22');
    expect(full.pdq).not.toBe(resized.pdq);
  });

  test('transfer: true hands the buffer over (the caller’s copy is detached); the default copies', async () => {
    const copied = new Uint8Array(small());
    await pool.hashBytes(copied);
    expect(copied.byteLength).toBeGreaterThan(0);
    const handed = new Uint8Array(small());
    expect((await pool.hashBytes(handed, { transfer: true })).pdq).toBe(SMALL_PDQ);
    expect(handed.byteLength).toBe(0);
  });
});

describe.each(['thread', 'process'] as const)('recovery, isolation: %s', (isolation) => {
  test('a job over the time limit fails with MEDIA_TIMEOUT; its worker is replaced; the pool keeps serving', async () => {
    // The short limit is the hung job's own: the replacement's first job (which may load sharp in a
    // fresh process on a busy machine) keeps the pool's default, so no outcome depends on load.
    const pool = createHashingPool({ threads: 1, isolation, testHooks: true });
    try {
      const hung = await errorOf(pool.hashBytes(small(), { fault: 'hang', timeoutMs: 500 }));
      expect(hung.code).toBe('MEDIA_TIMEOUT');
      expect((await pool.hashBytes(small())).pdq).toBe(SMALL_PDQ);
      expect(pool.stats()).toMatchObject({ isolation, timeouts: 1, restarts: 1, completed: 1 });
    } finally {
      await pool.close();
    }
  });

  test('a real decode over the limit times out; the old worker is stopped when libvips is done (threads) or at once (processes)', async () => {
    // 6000×6000 JPEG (36 MP, under the pixel limit): a few hundred ms of native decoding, far over 20 ms.
    const big = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#345678' } })
      .jpeg()
      .toBuffer();
    const pool = createHashingPool({ threads: 1, isolation });
    try {
      expect((await errorOf(pool.hashBytes(big, { timeoutMs: 20 }))).code).toBe('MEDIA_TIMEOUT');
      expect(pool.stats()).toMatchObject({ timeouts: 1, restarts: 1 });
      // The replacement serves while the old worker is being stopped.
      expect((await pool.hashBytes(small())).pdq).toBe(SMALL_PDQ);
      await vi.waitFor(() => expect(pool.stats().retiring).toBe(0), { timeout: 10_000, interval: 50 });
      expect((await pool.hashBytes(big)).width).toBe(6000);
    } finally {
      await pool.close();
    }
  });

  test('a worker that dies fails its job with MEDIA_WORKER_CRASHED; it is replaced; the pool keeps serving', async () => {
    const pool = createHashingPool({ threads: 2, isolation, testHooks: true });
    try {
      const pending = [0, 1, 2, 3].map(() => pool.hashBytes(small()));
      const crashed = await errorOf(pool.hashBytes(small(), { fault: 'crash' }));
      expect(crashed.code).toBe('MEDIA_WORKER_CRASHED');
      expect(crashed.message).toMatch(/Injected worker crash/);
      expect((await Promise.all(pending)).map((h) => h.pdq)).toEqual(Array(4).fill(SMALL_PDQ));
      expect((await pool.hashBytes(small())).pdq).toBe(SMALL_PDQ);
      expect(pool.stats()).toMatchObject({ crashes: 1, restarts: 1 });
    } finally {
      await pool.close();
    }
  });

  test('fault injection is ignored unless the pool was created with testHooks', async () => {
    const pool = createHashingPool({ threads: 1, isolation });
    try {
      expect((await pool.hashBytes(small(), { fault: 'crash' })).pdq).toBe(SMALL_PDQ);
    } finally {
      await pool.close();
    }
  });
});

describe('isolation: process', () => {
  test('a native crash (SIGSEGV) kills one child, not this process; the pool keeps serving', async () => {
    const pool = createHashingPool({ threads: 1, isolation: 'process', testHooks: true });
    try {
      const crashed = await errorOf(pool.hashBytes(small(), { fault: 'segfault' }));
      expect(crashed.code).toBe('MEDIA_WORKER_CRASHED');
      expect(crashed.message).toMatch(/SIGSEGV/);
      expect((await pool.hashBytes(small())).pdq).toBe(SMALL_PDQ);
    } finally {
      await pool.close();
    }
  });

  test('same results as in process, and the same typed errors for hostile inputs', async () => {
    const pool = createHashingPool({ threads: 2, isolation: 'process' });
    try {
      const files = [
        'misc-images/modes/CMYK.jpg',
        'misc-images/modes/LA.png',
        'misc-images/modes/PA.webp',
      ].map((p) => join(PDQ_DATA, p));
      const pooled = await Promise.all(files.map((f) => pool.hashFile(f, { dihedral: true })));
      const inProcess: ImageHashes[] = [];
      for (const f of files) inProcess.push(await hashImageBytes(readFileSync(f), { dihedral: true }));
      expect(pooled).toEqual(inProcess);
      const cases = await hostileCases();
      const codes = await Promise.all(cases.map(async (c) => (await errorOf(pool.hashBytes(c.bytes))).code));
      expect(codes).toEqual(cases.map((c) => c.code));
      // Inputs are copied over IPC: transfer is ignored and the caller keeps its bytes.
      const bytes = new Uint8Array(small());
      expect((await pool.hashBytes(bytes, { transfer: true })).pdq).toBe(SMALL_PDQ);
      expect(bytes.byteLength).toBeGreaterThan(0);
      expect(pool.stats()).toMatchObject({ isolation: 'process', crashes: 0 });
    } finally {
      await pool.close();
    }
  });
});

describe('the libvips loader policy with worker threads', () => {
  // libvips is one per process: applying the policy blocks every loader for a moment, so a worker
  // thread applying it while another decodes made that decode fail a good PNG as unsupported
  // (the CLI's 'hashline hash' lost a file that way under load).
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
  );
  const svgLoads = () =>
    sharp(svg)
      .metadata()
      .then(
        () => true,
        () => false,
      );

  test('the pool applies it in its own thread before any worker starts, and no worker applies it again', async () => {
    const pool = createHashingPool({ threads: 1, testHooks: true });
    try {
      expect(await svgLoads()).toBe(false);
      // An unblocked loader stands for a decode in flight: it stays usable only if no worker
      // thread re-applies the policy (block all, then unblock the allowed ones) meanwhile.
      sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });
      expect(await svgLoads()).toBe(true);
      const crashed = await errorOf(pool.hashBytes(small(), { fault: 'crash' }));
      expect(crashed.code).toBe('MEDIA_WORKER_CRASHED');
      // Served by the replacement, started after the unblock.
      expect((await pool.hashBytes(small())).pdq).toBe(SMALL_PDQ);
      expect(pool.stats()).toMatchObject({ crashes: 1, restarts: 1 });
      expect(await svgLoads()).toBe(true);
    } finally {
      sharp.block({ operation: ['VipsForeignLoadSvgBuffer'] });
      await pool.close();
    }
    expect(await svgLoads()).toBe(false);
  });
});

describe('lifecycle', () => {
  test('close() finishes running jobs, fails queued ones, then refuses new ones', async () => {
    const pool = createHashingPool({ threads: 1 });
    const jobs = [0, 1, 2].map(() => pool.hashBytes(small()));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const closing = pool.close();
    const settled = await Promise.allSettled(jobs);
    await closing;
    const codes = settled.map((s) =>
      s.status === 'fulfilled' ? s.value.pdq : (s.reason as MediaDecodeError).code,
    );
    // The first job may or may not have been dispatched when close() came (workers start asynchronously).
    expect(codes.slice(1)).toEqual(['MEDIA_POOL_CLOSED', 'MEDIA_POOL_CLOSED']);
    expect([SMALL_PDQ, 'MEDIA_POOL_CLOSED']).toContain(codes[0]);
    expect((await errorOf(pool.hashBytes(small()))).code).toBe('MEDIA_POOL_CLOSED');
    await pool.close(); // idempotent
  });

  test('workers do not inherit flags of the main script (node -e CODE must not fork CODE again)', () => {
    const parent = ['--input-type=module', '-e', 'startPool()', '--conditions=x', '--inspect-brk=9229'];
    const more = ['--enable-source-maps', '--eval=1', '-p', 'x', '--watch', '--max-old-space-size=512'];
    expect(workerExecArgv([...parent, ...more])).toEqual([
      '--conditions=x',
      '--enable-source-maps',
      '--max-old-space-size=512',
    ]);
  });

  test('defaults to os.availableParallelism() threads and validates options', async () => {
    const pool = createHashingPool();
    expect(pool.stats().threads).toBe(availableParallelism());
    await pool.close();
    expect(() => createHashingPool({ threads: 0 })).toThrow(RangeError);
    expect(() => createHashingPool({ timeoutMs: -1 })).toThrow(RangeError);
    // @ts-expect-error: not an isolation mode
    expect(() => createHashingPool({ isolation: 'vm' })).toThrow(RangeError);
  });
});

// Plain Node from dist/ (what apps run after `npm run build`): the compiled worker must start
// from beside the compiled pool. `npm test` builds first; a bare `vitest run` without dist skips.
describe.skipIf(!existsSync(join(PACKAGE_DIR, 'dist/hashing-worker.js')))(
  'from dist/ with plain Node',
  () => {
    test.each(['thread', 'process'])(
      'the compiled pool hashes through its compiled worker (%s)',
      (isolation) => {
        const script = `
      import { createHashingPool } from '@hashline/media-node';
      const pool = createHashingPool({ threads: 1, isolation: '${isolation}' });
      const hashes = await pool.hashFile(${JSON.stringify(join(PDQ_DATA, 'bridge-mods/square-128x128.jpg'))});
      await pool.close();
      console.log(hashes.pdq);`;
        const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: PACKAGE_DIR,
          encoding: 'utf8',
        });
        expect(output.trim()).toBe(SMALL_PDQ);
      },
    );
  },
);
