// End-to-end: `hashline bank add <bank> <image>...` as a child process on a temporary data
// folder: a benign image's PDQ (with its robust variants, as /v1/banks/:bank/media stores them),
// MD5 and SHA-256 are added; the image itself is not kept anywhere.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@hashline/storage';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { assertBuilt, hashline } from './cli-process.js';

const IMAGE = join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg');
let dir: string;
let data: string;
const run = (args: string[]) => hashline([...args, '--data-dir', data], { cwd: dir });

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-bank-add-e2e-'));
  data = join(dir, 'data');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashline bank add', () => {
  it('adds an image’s PDQ with its robust variants and its digests; a broken file is skipped', async () => {
    const broken = join(dir, 'broken.jpg');
    writeFileSync(broken, 'not an image');
    const added = await run(['bank', 'add', 'photos', IMAGE, broken, '--create-kind', 'test']);
    expect(added.stdout).toMatch(
      /aaa-orig\.jpg: 3 added, 0 already there \(PDQ [0-9a-f]{64}, \d+ variants\)/,
    );
    expect(added.stderr).toContain('skipped');
    expect(added.code).toBe(1);

    const store = await openStore(`sqlite:${join(data, 'hashline.db')}`);
    try {
      const bank = await store.getBankByName('photos');
      const entries = await store.listEntries(bank!.id, { limit: 10 });
      expect(entries.map((e) => e.signalType).sort()).toEqual(['md5', 'pdq', 'sha256']);
      const pdq = entries.find((e) => e.signalType === 'pdq')!;
      const kinds = pdq.pdqVariants!.map((v) => v.kind);
      expect(kinds).toContain('crop-c8');
      expect(kinds).toContain('crop-r9');
      // The change log carries them, for a server or replica following it.
      const changes = await store.changesSince(0, 100);
      expect(changes.find((c) => c.op === 'entry_upsert' && c.entryId === pdq.id)).toMatchObject({
        pdqVariants: pdq.pdqVariants,
      });
    } finally {
      await store.close();
    }
    // Only hashes are kept: no 64-byte window from the middle of the image's compressed data
    // (high entropy, unique) is in the data folder's database.
    const image = readFileSync(IMAGE);
    const db = readFileSync(join(data, 'hashline.db'));
    for (const at of [0.3, 0.5, 0.7]) {
      const start = Math.floor(image.length * at);
      expect(db.includes(image.subarray(start, start + 64))).toBe(false);
    }

    const again = await run(['bank', 'add', 'photos', IMAGE]);
    expect(again.stdout).toContain('0 added, 3 already there');
    expect(again.code).toBe(0);
  });
});
