// End-to-end: `hashline analyst create|list` and `hashline audit verify|list` as child processes
// (the built CLI) on a SQLite data folder and on a PostgreSQL schema; the audit log is then
// tampered with raw SQL, as an insider with database access would, and verify must say where.
// The terminal prompt is checked in-process with a fake terminal (a child has no TTY).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { ANALYST_ROLES, MIN_PASSWORD_LENGTH } from '@hashline/domain';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../packages/storage/test/support/postgres.js';
import { runCli } from '../src/cli.js';
import { ANALYST_ROLE_NAMES, MIN_STAFF_PASSWORD_LENGTH } from '../src/commands/analyst.command.js';
import { assertBuilt, cleanEnv, hashline } from './cli-process.js';
import { captureContext } from './test-streams.js';

const PASSWORD = 'correct horse battery staple';

/** How a test reaches one engine: CLI arguments, and raw SQL for the tampering. */
interface Engine {
  readonly args: string[];
  sql(text: string): Promise<void>;
  cleanup(): Promise<void>;
}

const engines: Record<'sqlite' | 'postgres', () => Promise<Engine>> = {
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-audit-e2e-'));
    return {
      args: ['--data-dir', join(dir, 'data')],
      async sql(text) {
        const db = new Database(join(dir, 'data', 'hashline.db'));
        try {
          db.exec(text);
        } finally {
          db.close();
        }
      },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async postgres() {
    await requirePostgres();
    const schema = freshSchemaName();
    const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.query(`set search_path to "${schema}"`);
    const url = new URL(POSTGRES_TEST_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return {
      args: ['--database', url.toString()],
      async sql(text) {
        await admin.query(text);
      },
      async cleanup() {
        await admin.end();
        await dropSchema(schema);
      },
    };
  },
};

beforeAll(() => assertBuilt());

describe.each(['sqlite', 'postgres'] as const)('hashline analyst and audit (built CLI, %s)', (name) => {
  let engine: Engine;
  let home: string;
  const run = (args: string[], input?: string) =>
    hashline([...args, ...engine.args], { cwd: home, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'hashline-audit-cwd-'));
  });
  // In beforeEach so an unreachable PostgreSQL fails the tests instead of skipping them.
  beforeEach(async () => {
    engine ??= await engines[name]();
  });
  afterAll(async () => {
    await engine?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates staff with the password on stdin, lists them without secrets, and verifies the log', async () => {
    const ids: string[] = [];
    for (const [username, role] of [
      ['Alex', 'admin'],
      ['sam', 'analyst'],
      ['robin', 'senior_analyst'],
    ] as const) {
      const created = await run(
        [
          'analyst',
          'create',
          '--username',
          username,
          '--name',
          `${username} Example`,
          '--role',
          role,
          '--password-stdin',
        ],
        `${PASSWORD}\n`,
      );
      expect(created.stderr).toContain(`created ${role} "${username.toLowerCase()}"`);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^[0-9A-Z]{20,}\n$/);
      ids.push(created.stdout.trim());
    }

    const table = await run(['analyst', 'list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USERNAME\s+ROLE\s+TOTP\s+DISABLED\s+CREATED\s+NAME$/);
    expect(
      lines
        .slice(1)
        .map((line) => line.split(/\s+/)[1])
        .sort(),
    ).toEqual(['alex', 'robin', 'sam']);

    const json = await run(['analyst', 'list', '--format', 'json']);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(listed.map((a) => a.id).sort()).toEqual([...ids].sort());
    expect(listed.find((a) => a.username === 'alex')).toMatchObject({
      displayName: 'Alex Example',
      role: 'admin',
      totpEnabled: false,
      disabled: false,
    });
    expect(Object.keys(listed[0]!).sort()).toEqual(
      ['createdAt', 'disabled', 'displayName', 'id', 'role', 'totpEnabled', 'username'].sort(),
    );
    expect(json.stdout).not.toContain('scrypt');
    expect(json.stdout).not.toContain(PASSWORD);

    // Every creation is audited as done by the CLI.
    const audit = await run(['audit', 'list', '--format', 'json']);
    expect(audit.code).toBe(0);
    const rows = JSON.parse(audit.stdout) as {
      seq: number;
      actor: string;
      action: string;
      subjectId: string;
    }[];
    expect(rows.map((r) => [r.seq, r.actor, r.action, r.subjectId])).toEqual(
      ids.map((id, i) => [i + 1, 'system:cli', 'analyst_created', id]),
    );
    // People read names, not ids (issue 17): the table names the actor; JSON keeps the id beside it.
    expect((rows as unknown as { actorName: string }[]).map((r) => r.actorName)).toEqual(
      ids.map(() => 'system (cli)'),
    );
    const auditTable = await run(['audit', 'list']);
    expect(auditTable.stdout.split('\n')[1]).toContain('system (cli)');

    const verified = await run(['audit', 'verify']);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^audit log intact: 3 rows verified \(last hash [0-9a-f]{64}\)\n$/);
  });

  it('refuses a taken user name, a wrong role, a missing user name and a short password readably', async () => {
    const taken = await run(
      [
        'analyst',
        'create',
        '--username',
        'sam',
        '--name',
        'Sam Two',
        '--role',
        'analyst',
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('USERNAME_TAKEN');

    const role = await run(
      ['analyst', 'create', '--username', 'kim', '--name', 'Kim', '--role', 'boss', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('unknown role "boss" (expected: analyst, senior_analyst, admin)');
    expect(role.stderr).toContain('Run "hashline analyst --help" for more.');

    const missing = await run(
      ['analyst', 'create', '--name', 'Kim', '--role', 'admin', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('hashline: --username is required');

    const flag = await run([
      'analyst',
      'create',
      '--username',
      'kim',
      '--name',
      'Kim',
      '--role',
      'admin',
      '--password',
      PASSWORD,
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('the password is never given as an option');

    const short = await run(
      ['analyst', 'create', '--username', 'kim', '--name', 'Kim', '--role', 'admin', '--password-stdin'],
      'short\n',
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(`the password must be ${MIN_PASSWORD_LENGTH}-200 characters`);

    // A pipe without --password-stdin is not read by accident.
    const noFlag = await run(
      ['analyst', 'create', '--username', 'kim', '--name', 'Kim', '--role', 'admin'],
      `${PASSWORD}\n`,
    );
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toContain('pipe it with --password-stdin');

    for (const result of [taken, role, missing, flag, short, noFlag])
      expect(result.stderr).not.toContain('    at ');
    const list = JSON.parse((await run(['analyst', 'list', '-f', 'json'])).stdout) as { username: string }[];
    expect(list.map((a) => a.username)).not.toContain('kim');
    // Nothing refused was audited: the log still verifies, with the same three rows.
    expect((await run(['audit', 'verify'])).stdout).toContain('audit log intact: 3 rows verified');
  });

  it('reports an edited middle row, exit 4, and is intact again once the row is restored', async () => {
    const before = JSON.parse((await run(['audit', 'list', '-f', 'json'])).stdout) as {
      seq: number;
      details: object;
    }[];
    const original = JSON.stringify(before[1]!.details);
    await engine.sql(`update audit_events set details = '{"username":"sam","role":"admin"}' where seq = 2`);

    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toBe('audit log BROKEN at row 2: row 2 was changed after it was written\n');
    const json = await run(['audit', 'verify', '--format', 'json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, checked: 1, firstBadSeq: 2 });

    await engine.sql(`update audit_events set details = '${original}' where seq = 2`);
    const restored = await run(['audit', 'verify']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('audit log intact: 3 rows verified');
  });

  it('reports a row appended behind the appender (no head anchor names it), exit 4', async () => {
    await engine.sql(
      'insert into audit_events (seq, at, actor, action, subject_type, subject_id, details, prev_hash, hash) ' +
        'select 4, at, actor, action, subject_type, subject_id, details, hash, hash from audit_events where seq = 3',
    );
    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toBe(
      'audit log BROKEN at row 4: row 4 follows the head anchor (row 3): it was not written by the appender\n',
    );
    await engine.sql('delete from audit_events where seq = 4');
    expect((await run(['audit', 'verify'])).code).toBe(0);
  });

  it('reports the deleted last row (the head anchor still names it), exit 4', async () => {
    await engine.sql('delete from audit_events where seq = 3');
    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toMatch(/^audit log BROKEN at row 3: rows 3–3 were deleted/);
  });

  it('reports a deleted middle row as the gap it leaves', async () => {
    await engine.sql('delete from audit_events where seq = 1');
    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toBe('audit log BROKEN at row 2: row 1 is missing\n');
  });
});

describe('hashline audit on a missing data folder (built CLI)', () => {
  it('says there is no database instead of verifying an empty one it made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-audit-none-'));
    try {
      const { code, stdout, stderr } = await hashline(['audit', 'verify', '--data-dir', 'data'], {
        cwd: dir,
      });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('No Hashline database at data/hashline.db');
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hashline analyst and audit (in-process)', () => {
  it('lists the same roles and password minimum as the domain', () => {
    expect(ANALYST_ROLE_NAMES).toEqual(ANALYST_ROLES);
    expect(MIN_STAFF_PASSWORD_LENGTH).toBe(MIN_PASSWORD_LENGTH);
  });

  it('asks for the password twice on a terminal without echoing it, and creates the account', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-analyst-tty-'));
    try {
      const { context, stdout, stderr } = captureContext({ cwd: dir });
      const raw: boolean[] = [];
      const tty = Object.assign(new PassThrough(), {
        isTTY: true,
        setRawMode(mode: boolean) {
          raw.push(mode);
          return tty;
        },
      });
      // Typed one key at a time, with a mistake corrected by backspace.
      let prompts = 0;
      const typed = (): void => {
        const answer = `${PASSWORD}x\u007f\r`;
        for (const char of answer) tty.write(char);
      };
      const watch = setInterval(() => {
        const seen = (stderr().match(/Password( again)?: /g) ?? []).length;
        if (seen > prompts) {
          prompts = seen;
          typed();
        }
      }, 5);
      let code: number;
      try {
        code = await runCli(
          [
            'analyst',
            'create',
            '--username',
            'tty',
            '--name',
            'On A Terminal',
            '--role',
            'admin',
            '--data-dir',
            'data',
          ],
          { ...context, stdin: tty, env: cleanEnv() },
        );
      } finally {
        clearInterval(watch);
      }
      expect(stderr()).toContain('created admin "tty"');
      expect(code).toBe(0);
      expect(stderr()).toMatch(/^Password: \nPassword again: \n/);
      expect(stderr()).not.toContain('correct');
      expect(stdout()).toMatch(/^[0-9A-Z]{20,}\n$/);
      expect(raw).toEqual([true, false, true, false]);

      // The stored password is the typed one, without the corrected "x".
      const { openStore } = await import('@hashline/storage');
      const { scryptPinHasher } = await import('@hashline/server');
      const store = await openStore(`sqlite:${join(dir, 'data', 'hashline.db')}`);
      try {
        const analyst = await store.hotline.getAnalystByUsername('tty');
        expect(await scryptPinHasher.verify(PASSWORD, analyst!.passwordHash)).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
