import type {
  AnchorSignatureCheck,
  AnchorVerification,
  AuditActorDirectory,
  AuditEvent,
  AuditVerification,
  HotlineStore,
  PublishedAuditAnchor,
} from '@hashline/domain';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec, ParsedArgs } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import {
  HOTLINE_TARGET_HELP,
  HOTLINE_TARGET_OPTIONS,
  openHotline,
  resolveHotlineTarget,
} from '../target/hotline-target.js';

/** Rows read per query while walking the chain (the store's page cap). */
const PAGE = 1000;

const OPTIONS = {
  ...HOTLINE_TARGET_OPTIONS,
  after: { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string', short: 'f', default: 'table' },
  anchors: { type: 'string' },
  'public-key': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline audit verify [--anchors <file> [--public-key <pem>]] [--format table|json]
       hashline audit list [--after <seq>] [--limit <n>] [--format table|json]
       hashline audit anchor-key --out <file>
       (each also takes the options below that say where the data is)

The hotline's audit log records every sign-in, view, reveal, assessment, publication and account
change. Each row holds the SHA-256 of its content and of the row before it, and a head anchor names
the last row, so a row edited, deleted or inserted afterwards breaks the chain.

audit verify             walk the whole chain and check every row. Prints
                           "audit log intact: N rows verified (last hash <sha256>)" and exits 0, or
                           "audit log BROKEN at row N: <reason>" and exits 4. Rows appended while it
                           runs are left for the next run. Safe while a server runs on the data.
  -f, --format <fmt>       table (default: the sentence above) or json
      --anchors <file>     also compare the chain with signed anchors published outside the
                           database (the server's HASHLINE_AUDIT_ANCHOR_TARGET file, one JSON line
                           each): detects a chain rewritten as a whole, head included. Exit 4 when
                           an anchored row differs or is missing, or an anchor is not signed by the key
      --public-key <pem>   the Ed25519 public key the anchors must be signed with (PEM); default:
                           the public half of HASHLINE_AUDIT_ANCHOR_KEY_FILE

audit anchor-key         make the Ed25519 key that signs audit anchors
      --out <file>         where to write the private key (PEM, mode 0600; refuses to overwrite).
                           Keep it outside the database and its backups; prints the public key.

audit list               print audit rows in order
      --after <seq>        rows after this sequence number (default 0: from the start)
      --limit <n>          at most this many rows, 1-${PAGE} (default 100)
  -f, --format <fmt>       table (default) or json

${HOTLINE_TARGET_HELP}
  -h, --help              show this help

Exit codes:
  0  verify: the audit log is intact; list: done
  2  usage error or failure (no database, database unreachable)
  4  verify: the audit log is BROKEN (a row was changed, deleted or inserted)

Examples:
  hashline audit verify --data-dir /var/lib/hashline
  hashline audit verify --database postgres://hashline@db/hashline -f json
  hashline audit list --after 1200 --limit 50
  hashline audit anchor-key --out /etc/hashline/audit-anchor.pem
  hashline audit verify --anchors /srv/anchors/hashline.jsonl --public-key audit-anchor.pub.pem
`;

/** `hashline audit verify|list`. */
export const auditCommand: Command = {
  name: 'audit',
  summary: "verify the hotline's hash-chained audit log, or list its rows",
  help: HELP,
  run: runAudit,
};

async function runAudit(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError('give a subcommand: verify or list', 'audit');
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (sub !== 'verify' && sub !== 'list' && sub !== 'anchor-key') {
    throw new UsageError(
      sub.startsWith('-')
        ? `the subcommand comes first: hashline audit verify|list|anchor-key [options] (got ${sub})`
        : `unknown subcommand "${sub}" (expected verify, list or anchor-key)`,
      'audit',
    );
  }
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, 'audit');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0)
    throw new UsageError(`audit ${sub} takes no arguments (got "${positionals[0]}")`, 'audit');
  if (sub === 'anchor-key') return anchorKey(values, context);
  if (values.out !== undefined) throw new UsageError('--out goes with audit anchor-key', 'audit');
  if (sub === 'list') {
    for (const flag of ['anchors', 'public-key'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with audit verify`, 'audit');
    }
  }
  const format = values.format;
  if (format !== 'table' && format !== 'json')
    throw new UsageError('--format must be table or json', 'audit');
  return sub === 'verify' ? verify(values, format, context) : list(values, format, context);
}

async function verify(
  values: ParsedArgs['values'],
  format: 'table' | 'json',
  context: CommandContext,
): Promise<ExitCodeValue> {
  for (const flag of ['after', 'limit'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with audit list`, 'audit');
  }
  if (values['public-key'] !== undefined && values.anchors === undefined) {
    throw new UsageError('--public-key goes with --anchors', 'audit');
  }
  // Anchors and the key are read before the database is opened: a bad file is a usage error.
  const anchors =
    values.anchors === undefined ? null : await readAnchors(String(values.anchors), values, context);
  const target = await resolveHotlineTarget(values, context, 'audit');
  const { store, hotline } = await openHotline(target, { create: false });
  let head: { seq: number; hash: string };
  let result: AuditVerification;
  let anchored: AnchorVerification | null = null;
  try {
    ({ head, result } = await verifyWholeChain(hotline));
    if (anchors !== null) anchored = await verifyAgainstAnchors(hotline, anchors.anchors, anchors.check);
  } finally {
    await store.close();
  }
  const ok = result.ok && (anchored === null || anchored.ok);
  if (format === 'json') {
    context.stdout.write(JSON.stringify({ ...result, head, anchors: anchored }, null, 2) + '\n');
  } else {
    if (result.ok) {
      context.stdout.write(
        `audit log intact: ${result.checked} ${result.checked === 1 ? 'row' : 'rows'} verified` +
          (result.checked > 0 ? ` (last hash ${head.hash})` : '') +
          '\n',
      );
    } else {
      context.stdout.write(`audit log BROKEN at row ${result.firstBadSeq}: ${result.problem}\n`);
    }
    if (anchored?.ok) {
      context.stdout.write(
        `anchors match: ${anchored.matched} signed ${anchored.matched === 1 ? 'anchor' : 'anchors'} agree with the chain (up to row ${anchored.anchoredSeq})\n`,
      );
    } else if (anchored) {
      context.stdout.write(`audit log does NOT match its anchors: ${anchored.problem}\n`);
    }
  }
  return ok ? ExitCode.Ok : ExitCode.AuditBroken;
}

/** Reads the anchors file and the trusted public key (`--public-key`, or the anchor key file's). */
async function readAnchors(
  file: string,
  values: ParsedArgs['values'],
  context: CommandContext,
): Promise<{ anchors: PublishedAuditAnchor[]; check: AnchorSignatureCheck }> {
  const { readFile } = await import('node:fs/promises');
  const { createPublicKey } = await import('node:crypto');
  const { parseAuditAnchors } = await import('@hashline/domain');
  const { anchorSignatureCheck, loadAnchorKey } = await import('@hashline/server');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read the anchors file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      'audit',
    );
  }
  let anchors: PublishedAuditAnchor[];
  try {
    anchors = parseAuditAnchors(text);
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`, 'audit');
  }
  if (anchors.length === 0) throw new UsageError(`${file} holds no anchors`, 'audit');
  const keyFile = values['public-key'];
  if (keyFile !== undefined) {
    let key;
    try {
      key = createPublicKey(await readFile(String(keyFile)));
    } catch {
      throw new UsageError(`${String(keyFile)} is not a PEM public key`, 'audit');
    }
    if (key.asymmetricKeyType !== 'ed25519')
      throw new UsageError(`${String(keyFile)} is not an Ed25519 key`, 'audit');
    return { anchors, check: anchorSignatureCheck(key) };
  }
  const privateFile = context.env?.HASHLINE_AUDIT_ANCHOR_KEY_FILE;
  if (!privateFile) {
    throw new UsageError(
      'say which key the anchors must be signed with: --public-key <pem>, or set HASHLINE_AUDIT_ANCHOR_KEY_FILE',
      'audit',
    );
  }
  try {
    return { anchors, check: anchorSignatureCheck((await loadAnchorKey(privateFile)).publicKey) };
  } catch (error) {
    throw new UsageError((error as Error).message, 'audit');
  }
}

/** Walks the chain in seq order once more, comparing anchored rows with the signed hashes. */
async function verifyAgainstAnchors(
  hotline: HotlineStore,
  anchors: readonly PublishedAuditAnchor[],
  check: AnchorSignatureCheck,
): Promise<AnchorVerification> {
  const { verifyAuditAnchors } = await import('@hashline/domain');
  async function* rows(): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const page = await hotline.listAudit({ afterSeq: after, limit: PAGE });
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1]!.seq;
    }
  }
  return verifyAuditAnchors(rows(), anchors, check);
}

/** `hashline audit anchor-key --out <file>`: a new Ed25519 key for signing audit anchors. */
async function anchorKey(values: ParsedArgs['values'], context: CommandContext): Promise<ExitCodeValue> {
  const out = values.out;
  if (typeof out !== 'string' || out === '')
    throw new UsageError('give --out <file> for the private key', 'audit');
  const { generateKeyPairSync } = await import('node:crypto');
  const { writeFile } = await import('node:fs/promises');
  const { describePublicKey } = await import('@hashline/server');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  try {
    await writeFile(out, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'EEXIST' ? `${out} exists already: not overwritten` : `cannot write ${out}: ${code ?? error}`,
      'audit',
    );
  }
  const { keyId } = describePublicKey(publicKey);
  context.stdout.write(
    `wrote the audit anchor key to ${out} (keep it outside the database and its backups)\n` +
      `key id ${keyId}\npublic key (give it to whoever verifies the anchors):\n` +
      String(publicKey.export({ format: 'pem', type: 'spki' })),
  );
  return ExitCode.Ok;
}

/**
 * Verifies the chain up to the head read first: rows a running server appends meanwhile (after
 * the head) are not part of this check, so a busy server never looks like a broken log.
 */
async function verifyWholeChain(
  hotline: HotlineStore,
): Promise<{ head: { seq: number; hash: string }; result: AuditVerification }> {
  const { createHash } = await import('node:crypto');
  const { verifyAuditChain } = await import('@hashline/domain');
  const head = await hotline.auditHead();
  async function* rows(): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const page = await hotline.listAudit({ afterSeq: after, beforeSeq: head.seq + 1, limit: PAGE });
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1]!.seq;
    }
  }
  const result = await verifyAuditChain(rows(), head, (text) =>
    createHash('sha256').update(text, 'utf8').digest('hex'),
  );
  if (result.ok) {
    // A row after the head is either a concurrent append (the head has moved on since) or one
    // inserted behind the appender's back, which no head names.
    const [beyond] = await hotline.listAudit({ afterSeq: head.seq, limit: 1 });
    if (beyond !== undefined && (await hotline.auditHead()).seq === head.seq) {
      return {
        head: { seq: head.seq, hash: head.hash },
        result: {
          ok: false,
          checked: result.checked,
          firstBadSeq: beyond.seq,
          problem: `row ${beyond.seq} follows the head anchor (row ${head.seq}): it was not written by the appender`,
        },
      };
    }
  }
  return { head: { seq: head.seq, hash: head.hash }, result };
}

async function list(
  values: ParsedArgs['values'],
  format: 'table' | 'json',
  context: CommandContext,
): Promise<ExitCodeValue> {
  const after = wholeNumber(values.after, '--after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = wholeNumber(values.limit, '--limit', 1, PAGE) ?? 100;
  const target = await resolveHotlineTarget(values, context, 'audit');
  const { store, hotline } = await openHotline(target, { create: false });
  let rows: AuditEvent[];
  let directory: AuditActorDirectory;
  try {
    rows = await hotline.listAudit({ afterSeq: after, limit });
    directory = { analysts: await hotline.listAnalysts(), apiKeys: await store.listApiKeys() };
  } finally {
    await store.close();
  }
  const { auditActorName } = await import('@hashline/domain');
  const named = rows.map((row) => ({ ...row, actorName: auditActorName(row.actor, directory) }));
  if (format === 'json') {
    context.stdout.write(
      JSON.stringify(
        named.map((row) => ({ ...row, at: row.at.toISOString() })),
        null,
        2,
      ) + '\n',
    );
  } else {
    context.stdout.write(auditTable(named));
  }
  return ExitCode.Ok;
}

function wholeNumber(
  value: ParsedArgs['values'][string],
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max}, got "${String(value)}"`,
      'audit',
    );
  }
  return number;
}

function auditTable(rows: readonly (AuditEvent & { readonly actorName: string | null })[]): string {
  if (rows.length === 0) return 'no audit rows\n';
  const table = [
    ['SEQ', 'AT', 'ACTOR', 'ACTION', 'SUBJECT', 'DETAILS'],
    ...rows.map((row) => [
      String(row.seq),
      row.at.toISOString().slice(0, 19).replace('T', ' '),
      row.actorName ?? '-',
      row.action,
      `${row.subjectType}:${row.subjectId}`,
      Object.keys(row.details).length === 0 ? '-' : JSON.stringify(row.details),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return (
    table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}
