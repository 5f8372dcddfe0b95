// Chain of custody (issue 16): the audit head signed with Ed25519 and published outside the
// database; an insider who rewrites the whole chain (every row re-hashed, the head moved to match)
// passes `hashline audit verify`, but not `hashline audit verify --anchors`.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditDigestInput, AUDIT_GENESIS_HASH, type AuditEvent } from '@hashline/domain';
import { loadAnchorKey, publishAuditHead } from '@hashline/server';
import { openStore } from '@hashline/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { cleanEnv } from './cli-process.js';
import { captureContext } from './test-streams.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

let dir: string;
let dbFile: string;
let keyFile: string;
let publicKeyFile: string;
let anchorsFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-anchors-'));
  mkdirSync(join(dir, 'data'));
  dbFile = join(dir, 'data', 'hashline.db');
  keyFile = join(dir, 'anchor.pem');
  publicKeyFile = join(dir, 'anchor.pub.pem');
  anchorsFile = join(dir, 'anchors.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Appends `count` audit rows through the store, as the server does. */
async function appendRows(from: number, count: number): Promise<void> {
  const store = await openStore(`sqlite:${dbFile}`);
  try {
    for (let i = from; i < from + count; i++) {
      await store.hotline.appendAudit(
        {
          actor: 'analyst-1',
          action: 'media_revealed',
          subjectType: 'media',
          subjectId: String(i),
          details: { count: i },
        },
        new Date(Date.UTC(2026, 0, 1, 0, i)),
      );
    }
  } finally {
    await store.close();
  }
}

/** One round of the server's anchor publisher. */
async function publish(): Promise<void> {
  const store = await openStore(`sqlite:${dbFile}`);
  try {
    const key = await loadAnchorKey(keyFile);
    await publishAuditHead({
      store: store.hotline,
      key,
      target: anchorsFile,
      clock: { now: () => new Date() },
    });
  } finally {
    await store.close();
  }
}

/**
 * What an insider with the database could do: change row 2, then re-hash every row from there and
 * move the head, so the chain is consistent again.
 */
function rewriteWholeChain(): void {
  const db = new Database(dbFile);
  try {
    db.prepare(`update audit_events set details = '{"count":999}' where seq = 2`).run();
    const rows = db.prepare('select * from audit_events order by seq').all() as Record<string, unknown>[];
    let previous = AUDIT_GENESIS_HASH;
    for (const row of rows) {
      const event: Omit<AuditEvent, 'hash'> = {
        seq: Number(row.seq),
        at: new Date(String(row.at)),
        actor: row.actor as string | null,
        action: row.action as AuditEvent['action'],
        subjectType: String(row.subject_type),
        subjectId: String(row.subject_id),
        details: JSON.parse(String(row.details)) as AuditEvent['details'],
        prevHash: previous,
      };
      const hash = sha256Hex(auditDigestInput(event));
      db.prepare('update audit_events set prev_hash = ?, hash = ? where seq = ?').run(
        previous,
        hash,
        event.seq,
      );
      previous = hash;
    }
    db.prepare('update audit_head set hash = ? where id = 1').run(previous);
  } finally {
    db.close();
  }
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const { context, stdout, stderr } = captureContext({ cwd: dir });
  const code = await runCli([...args, '--data-dir', join(dir, 'data')], {
    ...context,
    env: { ...cleanEnv(), ...env },
  });
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('hashline audit verify --anchors', () => {
  it('detects a chain rewritten as a whole, which the chain check alone cannot', async () => {
    const made = await cli(['audit', 'anchor-key', '--out', keyFile]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/key id [0-9a-f]{64}/);
    writeFileSync(publicKeyFile, made.stdout.slice(made.stdout.indexOf('-----BEGIN PUBLIC KEY-----')));

    await appendRows(1, 3);
    await publish(); // anchors row 3
    await appendRows(4, 2);
    await publish(); // anchors row 5
    await publish(); // the head did not move: nothing new
    const anchors = readFileSync(anchorsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(anchors.map((a: { seq: number }) => a.seq)).toEqual([3, 5]);

    const intact = await cli(['audit', 'verify', '--anchors', anchorsFile, '--public-key', publicKeyFile]);
    expect(intact.stdout).toContain('audit log intact: 5 rows verified');
    expect(intact.stdout).toContain('anchors match: 2 signed anchors agree with the chain (up to row 5)');
    expect(intact.code).toBe(0);

    rewriteWholeChain();
    // The chain is consistent again: the plain check passes ...
    const plain = await cli(['audit', 'verify']);
    expect(plain.stdout).toContain('audit log intact: 5 rows verified');
    expect(plain.code).toBe(0);
    // ... and the anchors published before the rewrite catch it (the key from the key file here).
    const caught = await cli(['audit', 'verify', '--anchors', anchorsFile], {
      HASHLINE_AUDIT_ANCHOR_KEY_FILE: keyFile,
    });
    expect(caught.stdout).toContain('audit log does NOT match its anchors: row 3 is not the row anchored on');
    expect(caught.code).toBe(4);
  });

  it('refuses anchors signed by another key, even one they carry themselves', async () => {
    await cli(['audit', 'anchor-key', '--out', keyFile]);
    await appendRows(1, 2);
    await publish();
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' });
    writeFileSync(publicKeyFile, other);
    const result = await cli(['audit', 'verify', '--anchors', anchorsFile, '--public-key', publicKeyFile]);
    expect(result.stdout).toContain('is not signed by the trusted key');
    expect(result.code).toBe(4);
  });

  it('detects rows deleted from the end together with the head', async () => {
    await cli(['audit', 'anchor-key', '--out', keyFile]);
    await appendRows(1, 4);
    await publish();
    const db = new Database(dbFile);
    try {
      db.prepare('delete from audit_events where seq > 2').run();
      const last = db.prepare('select hash from audit_events where seq = 2').get() as { hash: string };
      db.prepare('update audit_head set seq = 2, hash = ? where id = 1').run(last.hash);
    } finally {
      db.close();
    }
    const result = await cli(['audit', 'verify', '--anchors', anchorsFile], {
      HASHLINE_AUDIT_ANCHOR_KEY_FILE: keyFile,
    });
    expect(result.stdout).toContain('audit log intact: 2 rows verified');
    expect(result.stdout).toContain('row 4, anchored on');
    expect(result.code).toBe(4);
  });

  it('says what is wrong with a bad anchors file or a missing key', async () => {
    writeFileSync(anchorsFile, 'not json\n');
    const bad = await cli(['audit', 'verify', '--anchors', anchorsFile, '--public-key', publicKeyFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('line 1 is not JSON');
    writeFileSync(anchorsFile, '');
    const noKey = await cli(['audit', 'verify', '--anchors', join(dir, 'missing.jsonl')]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('cannot read the anchors file');
  });
});
