import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ExportFormat, ImportFormat, ImportSummary } from '@hashline/domain';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { CommandError } from '../command-error.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec, ParsedArgs } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/target.js';
import type { BankBackend, BankView } from '../bank/bank-backend.js';

// Kept in step with the domain's vocabularies (BANK_KINDS, BANK_ACTIONS, IMPORT_FORMATS,
// EXPORT_FORMATS); a test checks they agree. Listed here so `--help` does not load the domain.
const BANK_KINDS = ['known_csam', 'self_submitted_minors', 'ncii_adults', 'allow_list', 'test'] as const;
const BANK_ACTIONS = ['block', 'review', 'report_ncmec', 'notify'] as const;
const IMPORT_FORMATS = ['csv', 'tsv', 'threatexchange', 'ncmec-xml', 'stopncii-json'] as const;
const EXPORT_FORMATS = ['csv', 'tsv', 'threatexchange'] as const;
/** Videos (vPDQ): imported and exported apart from hash lists (see bank/video-files.ts). */
const VIDEO_FORMAT = 'vpdq';

const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } satisfies OptionSpec;

const CREATE_OPTIONS = {
  ...TARGET_OPTIONS,
  ...HELP_OPTION,
  kind: { type: 'string' },
  threshold: { type: 'string' },
  description: { type: 'string' },
  actions: { type: 'string' },
} satisfies OptionSpec;

const LIST_OPTIONS = {
  ...TARGET_OPTIONS,
  ...HELP_OPTION,
  format: { type: 'string', short: 'f', default: 'table' },
} satisfies OptionSpec;

const IMPORT_OPTIONS = {
  ...TARGET_OPTIONS,
  ...HELP_OPTION,
  format: { type: 'string', short: 'f' },
  'on-error': { type: 'string', default: 'skip' },
  'create-kind': { type: 'string' },
  'no-progress': { type: 'boolean', default: false },
} satisfies OptionSpec;

const ADD_OPTIONS = {
  ...TARGET_OPTIONS,
  ...HELP_OPTION,
  note: { type: 'string' },
  'create-kind': { type: 'string' },
} satisfies OptionSpec;

const EXPORT_OPTIONS = {
  ...TARGET_OPTIONS,
  ...HELP_OPTION,
  format: { type: 'string', short: 'f', default: 'csv' },
  output: { type: 'string', short: 'o' },
} satisfies OptionSpec;

const HELP = `Usage: hashline bank create <name> --kind <kind> [--threshold <n>] [--description <text>] [--actions <a,b>]
       hashline bank list [--format table|json]
       hashline bank import <name> <file> [--format <fmt>] [--on-error skip|abort] [--create-kind <kind>]
       hashline bank add <name> <image>... [--note <text>] [--create-kind <kind>]
       hashline bank export <name> [--format csv|tsv|threatexchange] [-o <file>]
       (each also takes the options below that say where the banks are)

Manage hash banks: create and list them, import hash lists into them, export them.

bank create <name>       create a bank. Names: 1-64 lower-case letters, digits, "-", "_"
      --kind <kind>        ${BANK_KINDS.join(', ')} (required)
      --threshold <n>      largest PDQ distance that matches, 0-63 (default 31)
      --description <t>    free text
      --actions <a,b>      advised actions on a match: ${BANK_ACTIONS.join(', ')}

bank list                list banks with their kind, entry count and threshold
  -f, --format <fmt>       table (default) or json

bank import <name> <file>  stream a hash list into a bank, in constant memory, with a progress bar
                         on a terminal and a summary on stderr (bad rows with their line numbers)
  -f, --format <fmt>       ${IMPORT_FORMATS.join(', ')}, ${VIDEO_FORMAT}; default: from the
                           file's first lines (then its extension), printed on stderr
                           (.csv, .tsv/.tab, .txt = threatexchange, .xml = ncmec-xml,
                           .json/.ndjson/.jsonl = stopncii-json)
                           vpdq: videos. <file> is the vPDQ reference hasher's output (one video,
                           lines frame,quality,pdqHex,timestamp), a file of ThreatExchange/HMA
                           lines "vpdq,<JSON>" (one video each), or a directory of such .txt files
      --on-error <mode>    skip (default): report bad rows and import the rest;
                           abort: check the whole file first and import nothing if a row is bad
      --create-kind <k>    create the bank with this kind if it does not exist
      --no-progress        never draw the progress bar

bank add <name> <image>...  hash images on this machine and add their hashes to the bank, as
                         POST /v1/banks/{bank}/media does: PDQ (with its robust variants: trim when
                         bordered, and the crops that let cropped copies match), MD5 and SHA-256.
                         Only hashes are written or sent, never the images. A PDQ hash of quality
                         below 50 is skipped (listed on stderr); the digests are still added
      --note <text>        a note on every entry
      --create-kind <k>    create the bank with this kind if it does not exist

bank export <name>       write the bank's active entries (re-importable)
  -f, --format <fmt>       ${EXPORT_FORMATS.join(', ')}, ${VIDEO_FORMAT} (default csv). Videos: threatexchange
                           writes "vpdq,<JSON>" lines (HMA's shape), csv/tsv leave them out,
                           vpdq writes one reference file per video into the directory -o
  -o, --output <file>      write to a file instead of stdout (vpdq: the directory, required)

${TARGET_HELP}
  -h, --help            show this help

Exit codes:
  0  done (import: every row imported; rows of signal types Hashline does not match on, such as
     PhotoDNA, are listed but not counted as errors)
  1  import: some bad rows were skipped (listed with their line numbers); the rest was imported
  2  usage error, a failure (no such bank, server unreachable, API error), an aborted import,
     or a file with nothing importable

Examples:
  hashline bank create hotline --kind known_csam --actions block,review
  hashline bank import hotline ncmec-2024-06.xml
  hashline bank import hotline list.csv --on-error abort
  hashline bank add hotline assessed/1234.jpg
  hashline hash photos/ > photos.csv && hashline bank import test photos.csv --create-kind test
  hashline bank export hotline -f threatexchange -o hotline.txt
  hashline bank import videos vpdq-hashes/ -f vpdq --create-kind test
  hashline bank export videos -f vpdq -o videos/
  hashline bank list --server https://hashline.example.org --key-file ~/.hashline-key
`;

/** `hashline bank create|list|import|export`. */
export const bankCommand: Command = {
  name: 'bank',
  summary: 'create, list, import into and export hash banks (locally or on a server)',
  help: HELP,
  run: runBank,
};

async function runBank(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const [sub, ...rest] = args;
  if (sub === undefined)
    throw new UsageError('give a subcommand: create, list, import, add or export', 'bank');
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  switch (sub) {
    case 'create':
      return createBank(rest, context);
    case 'list':
      return listBanks(rest, context);
    case 'import':
      return importFile(rest, context);
    case 'export':
      return exportBank(rest, context);
    case 'add':
      return addImages(rest, context);
    default:
      throw new UsageError(
        sub.startsWith('-')
          ? `the subcommand comes first: hashline bank create|list|import|add|export [options] (got ${sub})`
          : `unknown subcommand "${sub}" (expected create, list, import, add or export)`,
        'bank',
      );
  }
}

/** Parses a subcommand's arguments; undefined when it only asked for help (printed). */
function parse(
  args: readonly string[],
  options: OptionSpec,
  context: CommandContext,
): ParsedArgs | undefined {
  const parsed = parseCommandArgs(args, options, 'bank');
  if (parsed.values.help === true) {
    context.stdout.write(HELP);
    return undefined;
  }
  return parsed;
}

async function withBackend<T>(
  values: ParsedArgs['values'],
  context: CommandContext,
  create: boolean,
  use: (backend: BankBackend) => Promise<T>,
): Promise<T> {
  const target = await resolveTarget(values, context, 'bank');
  const { openBankBackend } = await import('../bank/bank-backend.js');
  const backend = await openBankBackend(target, { create });
  try {
    return await use(backend);
  } finally {
    await backend.close();
  }
}

async function createBank(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const parsed = parse(args, CREATE_OPTIONS, context);
  if (!parsed) return ExitCode.Ok;
  const { values, positionals } = parsed;
  const name = single(positionals, 'bank create needs exactly one bank name');
  const kind = values.kind as string | undefined;
  if (kind === undefined) throw new UsageError(`--kind is required: one of ${BANK_KINDS.join(', ')}`, 'bank');
  oneOf(kind, BANK_KINDS, '--kind');
  const input: Record<string, unknown> = { name, kind };
  if (values.threshold !== undefined) {
    const threshold = Number(values.threshold);
    if (!/^\d+$/.test(values.threshold as string) || threshold > 63) {
      throw new UsageError(
        `--threshold must be a whole number from 0 to 63, got "${values.threshold}"`,
        'bank',
      );
    }
    input.pdqThreshold = threshold;
  }
  if (values.description !== undefined) input.description = values.description;
  if (values.actions !== undefined) {
    const actions = (values.actions as string)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    for (const action of actions) oneOf(action, BANK_ACTIONS, '--actions');
    input.defaultActions = actions;
  }
  const bank = await withBackend(values, context, true, (backend) => backend.createBank(input));
  context.stdout.write(
    `created bank ${bank.name} (kind ${bank.kind}, PDQ threshold ${bank.pdqThreshold}` +
      `${bank.defaultActions.length > 0 ? `, actions ${bank.defaultActions.join(',')}` : ''})\n`,
  );
  return ExitCode.Ok;
}

/**
 * `bank add`: hashes each image here (the media-node pool, robust variants of the bank side) and
 * adds its entries in one call per image; the images themselves never leave this machine.
 */
async function addImages(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const parsed = parse(args, ADD_OPTIONS, context);
  if (!parsed) return ExitCode.Ok;
  const { values, positionals } = parsed;
  const [name, ...files] = positionals;
  if (name === undefined || files.length === 0)
    throw new UsageError('bank add needs a bank name and at least one image file', 'bank');
  const createKind = values['create-kind'] as string | undefined;
  if (createKind !== undefined) oneOf(createKind, BANK_KINDS, '--create-kind');
  const note = values.note as string | undefined;
  const { createMediaFileHasher } = await import('../hash/file-hasher.js');
  const { bankVariantsOf } = await import('@hashline/domain');
  const { PDQ_MIN_QUALITY } = await import('@hashline/pdq');
  const hasher = await createMediaFileHasher({ threads: 1 });
  try {
    return await withBackend(values, context, createKind !== undefined, async (backend) => {
      if (!(await backend.findBank(name))) {
        if (createKind === undefined)
          throw new CommandError(`no bank named "${name}" (create it, or pass --create-kind <kind>)`);
        await backend.createBank({ name, kind: createKind });
      }
      let failed = 0;
      for (const file of files) {
        let hashes: Awaited<ReturnType<typeof hasher.hashFile>>;
        try {
          hashes = await hasher.hashFile(resolve(file), { dihedral: false, crypto: true, robust: 'bank' });
        } catch (error) {
          failed++;
          const code = (error as { code?: unknown }).code;
          context.stderr.write(`skipped ${file}: ${typeof code === 'string' ? code : String(error)}\n`);
          continue;
        }
        const common = { provenance: { source: 'cli:bank-add' }, ...(note !== undefined ? { note } : {}) };
        const entries: Record<string, unknown>[] = [];
        if (hashes.quality >= PDQ_MIN_QUALITY) {
          const pdqVariants = bankVariantsOf(hashes.variants);
          entries.push({
            ...common,
            signalType: 'pdq',
            value: hashes.pdq,
            quality: hashes.quality,
            ...(pdqVariants.length > 0 ? { pdqVariants } : {}),
          });
        } else {
          context.stderr.write(
            `${file}: PDQ quality ${hashes.quality} is below ${PDQ_MIN_QUALITY}; only its digests are added\n`,
          );
        }
        for (const type of ['md5', 'sha256'] as const) {
          const value = hashes[type];
          if (value) entries.push({ ...common, signalType: type, value });
        }
        const result = await backend.addEntries(name, entries);
        const pdq = [...result.created, ...result.existing].find((e) => e.signalType === 'pdq');
        context.stdout.write(
          `${file}: ${result.created.length} added, ${result.existing.length} already there` +
            `${pdq ? ` (PDQ ${pdq.value}, ${pdq.pdqVariants?.length ?? 0} variants)` : ''}\n`,
        );
      }
      return failed > 0 ? ExitCode.Partial : ExitCode.Ok;
    });
  } finally {
    await hasher.close();
  }
}

async function listBanks(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const parsed = parse(args, LIST_OPTIONS, context);
  if (!parsed) return ExitCode.Ok;
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    throw new UsageError(`bank list takes no arguments, got "${positionals[0]}"`, 'bank');
  const format = values.format as string;
  oneOf(format, ['table', 'json'], '--format');
  const banks = await withBackend(values, context, false, (backend) => backend.listBanks());
  context.stdout.write(format === 'json' ? JSON.stringify(banks, null, 2) + '\n' : bankTable(banks));
  return ExitCode.Ok;
}

/** The banks as an aligned table with a header (an empty list says so on one line). */
export function bankTable(banks: readonly BankView[]): string {
  if (banks.length === 0) return 'no banks yet (create one: hashline bank create <name> --kind <kind>)\n';
  const rows = [
    ['NAME', 'KIND', 'ENTRIES', 'THRESHOLD', 'ENABLED', 'ACTIONS', 'DESCRIPTION'],
    ...banks.map((b) => [
      b.name,
      b.kind,
      b.entryCount.toLocaleString('en'),
      String(b.pdqThreshold),
      b.enabled ? 'yes' : 'no',
      b.defaultActions.join(',') || '-',
      b.description.replace(/\s+/g, ' ').slice(0, 60),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const numeric = new Set([2, 3]);
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) =>
            i === row.length - 1
              ? cell
              : numeric.has(i)
                ? cell.padStart(widths[i]!)
                : cell.padEnd(widths[i]!),
          )
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

async function importFile(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const parsed = parse(args, IMPORT_OPTIONS, context);
  if (!parsed) return ExitCode.Ok;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError('bank import needs a bank name and a file', 'bank');
  const [name, file] = positionals as [string, string];
  const onError = values['on-error'] as string;
  oneOf(onError, ['skip', 'abort'], '--on-error');
  const createKind = values['create-kind'] as string | undefined;
  if (createKind !== undefined) oneOf(createKind, BANK_KINDS, '--create-kind');
  if (values.format === VIDEO_FORMAT) return importVideos(name, file, values, context, createKind);
  let format = values.format as string | undefined;
  if (format === undefined) {
    // No --format: the file's first bytes decide (then its extension), and we say what we chose.
    const { detectHashListFormat } = await import('@hashline/domain');
    const detected = detectHashListFormat(file, await fileHead(resolve(context.cwd, file), file));
    if (detected === undefined) {
      throw new UsageError(
        `cannot tell the format of ${file}: give --format (${IMPORT_FORMATS.join(', ')}, ${VIDEO_FORMAT})`,
        'bank',
      );
    }
    context.stderr.write(`hashline bank import: reading ${file} as ${detected.format}: ${detected.reason}\n`);
    if (detected.format === VIDEO_FORMAT) return importVideos(name, file, values, context, createKind);
    format = detected.format;
  }
  oneOf(format, IMPORT_FORMATS, '--format');
  const path = resolve(context.cwd, file);
  const size = await fileSize(path, file);

  return withBackend(values, context, createKind !== undefined, async (backend) => {
    await ensureImportBank(backend, name, createKind, context);
    const { readTextFile } = await import('../bank/text-file-source.js');
    const { ImportProgressBar } = await import('../bank/import-progress.js');
    const { formatImportReport, importExitCode } = await import('../bank/import-report.js');
    const progress = new ImportProgressBar({
      stream: context.stderr,
      totalBytes: size,
      enabled: context.stderr.isTTY === true && values['no-progress'] !== true,
      unit: format === 'ncmec-xml' ? 'lines' : 'rows',
    });
    let passes = 0;
    let last: ImportSummary | undefined;
    const started = Date.now();
    const open = (): AsyncIterable<string> => {
      passes++;
      const read = { bytes: 0, lines: 0 };
      progress.follow(onError === 'abort' && passes === 1 ? 'checking' : 'importing', read);
      return readTextFile(path, read);
    };
    let summary;
    try {
      summary = await backend.importFile(
        name,
        { path, open },
        {
          format: format as ImportFormat,
          onError: onError as 'skip' | 'abort',
          origin: `import:${basename(file)}`,
          onProgress: (s) => {
            last = s;
          },
          follow: (label, read) => progress.follow(label, read),
          onAccepted: (job) => {
            if (job.reused) {
              const when = job.status === 'succeeded' ? 'imported this file' : 'is importing this file';
              context.stderr.write(
                `hashline bank import: the server ${when} into "${name}" already (job ${job.id}); ` +
                  'following that import (nothing is imported twice)\n',
              );
            }
          },
        },
      );
    } catch (error) {
      progress.stop();
      if (last && last.added > 0) {
        context.stderr.write(
          `hashline bank import: stopped by the error below after adding ${last.added.toLocaleString('en')} entries ` +
            `(${last.read.toLocaleString('en')} records read); importing the file again skips those already in the bank\n`,
        );
      }
      throw error;
    }
    progress.stop();
    const seconds = (Date.now() - started) / 1000;
    context.stderr.write(
      formatImportReport(summary, {
        file,
        bank: name,
        seconds,
        onError: onError as 'skip' | 'abort',
        withdrawalsNotApplied: summary.withdrawalsNotApplied,
      }),
    );
    return importExitCode(summary, summary.withdrawalsNotApplied);
  });
}

/** The first 64 KiB of a file as text (for format detection), or a readable error. */
async function fileHead(path: string, shown: string): Promise<string> {
  const { open } = await import('node:fs/promises');
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${(error as Error).message}`, 'bank');
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function exportBank(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const parsed = parse(args, EXPORT_OPTIONS, context);
  if (!parsed) return ExitCode.Ok;
  const { values, positionals } = parsed;
  const name = single(positionals, 'bank export needs exactly one bank name');
  const format = values.format as string;
  if (format === VIDEO_FORMAT) return exportVideos(name, values, context);
  oneOf(format, EXPORT_FORMATS, '--format');
  const output = values.output as string | undefined;

  return withBackend(values, context, false, async (backend) => {
    // The file is created only once the first chunk arrives, so a missing bank leaves no empty file.
    let sink: NodeJS.WritableStream | undefined = output === undefined ? context.stdout : undefined;
    let lines = 0;
    let pending = '';
    const write = async (text: string): Promise<void> => {
      sink ??= createWriteStream(resolve(context.cwd, output!));
      if (!sink.write(text)) await once(sink, 'drain');
    };
    for await (const chunk of backend.exportBank(name, format as ExportFormat)) {
      pending += chunk;
      if (pending.length >= 1 << 16) {
        lines += countLines(pending);
        await write(pending);
        pending = '';
      }
    }
    lines += countLines(pending);
    if (pending !== '' || sink === undefined) await write(pending);
    const entries = format === 'threatexchange' ? lines : Math.max(0, lines - 1);
    if (output !== undefined && sink) {
      const file = sink as ReturnType<typeof createWriteStream>;
      await new Promise<void>((done, fail) => {
        file.once('error', fail);
        file.end(done);
      });
    }
    context.stderr.write(
      `hashline bank export: ${entries.toLocaleString('en')} ${entries === 1 ? 'entry' : 'entries'} of bank "${name}"` +
        `${output !== undefined ? ` written to ${output}` : ''} (${format})\n`,
    );
    return ExitCode.Ok;
  });
}

/** The bank an import goes into: it must exist, unless `--create-kind` says to create it. */
async function ensureImportBank(
  backend: BankBackend,
  name: string,
  createKind: string | undefined,
  context: CommandContext,
): Promise<void> {
  if (await backend.findBank(name)) return;
  if (createKind === undefined) {
    throw new CommandError(
      `No bank named "${name}". Create it first (hashline bank create ${name} --kind <kind>) or pass --create-kind <kind>.`,
    );
  }
  const bank = await backend.createBank({ name, kind: createKind });
  context.stderr.write(`hashline bank import: created bank ${bank.name} (kind ${bank.kind})\n`);
}

/** `bank import --format vpdq`: every video of a file or directory, added through the bank service. */
async function importVideos(
  name: string,
  file: string,
  values: ParsedArgs['values'],
  context: CommandContext,
  createKind: string | undefined,
): Promise<ExitCodeValue> {
  const { readVideoFiles } = await import('../bank/video-files.js');
  const read = await readVideoFiles(resolve(context.cwd, file), file);
  if (values['on-error'] === 'abort' && read.problems.length > 0) {
    for (const p of read.problems) context.stderr.write(`  ${p.where}: ${p.message}\n`);
    throw new CommandError(
      `${read.problems.length} bad video file(s) or line(s); nothing imported (--on-error abort)`,
    );
  }
  return withBackend(values, context, createKind !== undefined, async (backend) => {
    await ensureImportBank(backend, name, createKind, context);
    const summary = await backend.importVideos(name, read.items, `import:${basename(file)}`);
    const problems = [...read.problems, ...summary.problems];
    for (const p of problems) context.stderr.write(`  ${p.where}: ${p.message}\n`);
    context.stderr.write(
      `hashline bank import: ${summary.added.toLocaleString('en')} videos added, ` +
        `${summary.existing.toLocaleString('en')} already in "${name}", ${problems.length} refused` +
        `${read.skipped > 0 ? `, ${read.skipped} lines of other signal types skipped` : ''} ` +
        `(${read.files} file${read.files === 1 ? '' : 's'}, vpdq)\n`,
    );
    if (summary.added + summary.existing === 0) return ExitCode.Failure;
    return problems.length > 0 ? ExitCode.Partial : ExitCode.Ok;
  });
}

/** `bank export --format vpdq -o <dir>`: one reference-format file per video. */
async function exportVideos(
  name: string,
  values: ParsedArgs['values'],
  context: CommandContext,
): Promise<ExitCodeValue> {
  const output = values.output as string | undefined;
  if (output === undefined)
    throw new UsageError('--format vpdq writes one file per video: give the directory with -o', 'bank');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { formatVpdqReferenceLines, vpdqReferenceFileName } = await import('@hashline/domain');
  return withBackend(values, context, false, async (backend) => {
    const dir = resolve(context.cwd, output);
    let count = 0;
    for await (const video of backend.exportVideos(name)) {
      if (count === 0) await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, vpdqReferenceFileName(video.entryId, video.key)),
        formatVpdqReferenceLines(video.frames),
      );
      count++;
    }
    context.stderr.write(
      `hashline bank export: ${count.toLocaleString('en')} video${count === 1 ? '' : 's'} of bank "${name}" written to ${output} (vpdq)\n`,
    );
    return ExitCode.Ok;
  });
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

async function fileSize(path: string, shown: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CommandError(`${shown} is not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`cannot read ${shown}: ${(error as Error).message}`);
  }
}

function single(positionals: readonly string[], message: string): string {
  if (positionals.length !== 1) throw new UsageError(message, 'bank');
  return positionals[0]!;
}

function oneOf(value: string, allowed: readonly string[], flag: string): void {
  if (!allowed.includes(value)) {
    throw new UsageError(
      `${flag}: unknown value "${value}" (expected one of: ${allowed.join(', ')})`,
      'bank',
    );
  }
}
