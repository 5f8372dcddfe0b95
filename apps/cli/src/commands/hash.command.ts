import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { PDQ_MIN_QUALITY } from '@hashline/pdq';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { collectInputs, DEFAULT_IMAGE_EXTENSIONS, skipFromError } from '../hash/input-walker.js';
import type { InputEntry } from '../hash/input-walker.js';
import { createMediaFileHasher } from '../hash/file-hasher.js';
import type { FileHasherFactory, FileHashResult } from '../hash/file-hasher.js';
import { createOutputFormatter, OUTPUT_FORMATS } from '../hash/output-format.js';
import type { OutputFormatName } from '../hash/output-format.js';
import type { HashRecord } from '../hash/hash-record.js';
import { runInOrder } from '../hash/ordered-runner.js';
import { ProgressBar } from '../hash/progress-bar.js';
import {
  isVideoPath,
  parseSecondsPerHash,
  parseSquareSize,
  runVideoHashing,
  VIDEO_EXTENSIONS,
} from '../hash/video-hashing.js';

const OPTIONS = {
  format: { type: 'string', short: 'f', default: 'plain' },
  dihedral: { type: 'boolean', short: 'd', default: false },
  crypto: { type: 'boolean', short: 'c', default: false },
  robust: { type: 'boolean', default: false },
  threads: { type: 'string', short: 'j' },
  ext: { type: 'string' },
  'files-from': { type: 'string' },
  'no-progress': { type: 'boolean', default: false },
  'seconds-per-hash': { type: 'string', short: 'r' },
  size: { type: 'string', short: 's' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline hash [options] <file|folder>...

Compute the PDQ hash (and optionally the dihedral and cryptographic hashes) of image files,
or the vPDQ hash of video files (${VIDEO_EXTENSIONS.join(', ')}).
Folders are walked recursively and only image files are taken (by extension); files named
on the command line are always tried. Files are hashed in parallel on all cores, and results are
printed in input order (folder contents sorted by path), so the output is deterministic.

Options:
  -f, --format <fmt>    plain (default): "hash,quality,path" lines exactly like Meta's
                        pdq-photo-hasher; csv, tsv (with a header row); json (one array);
                        ndjson (one object per line)
  -d, --dihedral        add the 8 dihedral hashes (orig, rot90, rot180, rot270, flipx, flipy,
                        flipp, flipm); in plain format the line becomes
                        "orig,rot90,rot180,rot270,flipx,flipy,flipp,flipm,quality,path"
                        like pdq-photo-hasher --pdqdih-across
  -c, --crypto          add md5, sha1 and sha256 of the file bytes (plain: before the path)
      --robust          add the robust variants: PDQ hashes of "trim" (the picture without
                        uniform borders, letterboxing or a screenshot's bars, when it has
                        them) and of the crops a banked image keeps (crop-c4, crop-c8 centred;
                        crop-t5 … crop-r9 from one edge); plain and csv/tsv: one field
                        "name:hash;name:hash…" before the path; json: "variants" objects
  -j, --threads <n>     worker threads (default: number of cores, here ${availableParallelism()})
      --ext <list>      extensions taken from folders, comma-separated
                        (default: ${DEFAULT_IMAGE_EXTENSIONS.join(',')})
      --files-from <f>  also read paths from file f, one per line ("-" for standard input)
      --no-progress     never draw the progress bar (it is drawn on stderr only when stderr
                        is a terminal and the run is long: over 20 files or over 1 second)
  -h, --help            show this help

Videos (every file named is a video; folders are not walked for videos):
  -r, --seconds-per-hash <s>  hash one frame every s seconds (default 1; 0 = every frame):
                        frame n is hashed when n % max(1, int(s*fps)) == 0, as Meta's vPDQ
  -s, --size <n>        hash frames scaled to n×n (default: native size, the reference's default)
  Output (plain): Meta's vpdq-hash-video lines "frame,quality,hash,timestamp"; with several
  videos or --crypto each video starts with "# <path> [md5=… sha1=… sha256=…]".
  json/ndjson: {path, frameRate, secondsPerHash, width, height, [md5, sha1, sha256], frames}.

Output goes to stdout; progress, warnings and the summary of skipped files go to stderr.
In plain format the path is the last field and is printed as is, so split on the first
commas only. Hashes with quality below ${PDQ_MIN_QUALITY} are printed but listed in a warning: Meta
recommends discarding them.

Exit codes:
  0  every file was hashed
  1  some files were skipped (unreadable, not an image, too large, ...); the others were hashed
  2  usage error, or nothing could be hashed

Examples:
  hashline hash photo.jpg                       # d8f8f0ce…,100,photo.jpg
  hashline hash ~/Pictures > hashes.txt         # a whole folder, recursively
  hashline hash -f csv --crypto uploads/ > hashes.csv
  hashline hash --dihedral -f ndjson a.png b.webp
  hashline hash --robust -f json banked.jpg      # with the trim and crop variants
  hashline hash clip.mp4                        # 0,100,9f3c…,0.000 (one line per second)
  hashline hash -r 0 --crypto clip.mp4          # every frame, with the file's digests
  find . -name '*.jpg' | hashline hash --files-from -
`;

/** Dependencies of the hash command, replaceable in tests. */
export interface HashCommandDependencies {
  readonly createHasher: FileHasherFactory;
}

/** Builds the `hashline hash` command (see its help text for the behaviour). */
export function createHashCommand(
  dependencies: HashCommandDependencies = { createHasher: createMediaFileHasher },
): Command {
  return {
    name: 'hash',
    summary: 'compute PDQ (and dihedral, MD5, SHA-1, SHA-256) hashes of images, vPDQ hashes of videos',
    help: HELP,
    run: (args, context) => runHash(args, context, dependencies),
  };
}

/** The `hashline hash` command wired to the media-node worker pool. */
export const hashCommand: Command = createHashCommand();

async function runHash(
  args: readonly string[],
  context: CommandContext,
  dependencies: HashCommandDependencies,
): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, 'hash');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  const format = parseFormat(values.format as string);
  const threads = parseThreads(values.threads as string | undefined);
  const extensions = parseExtensions(values.ext as string | undefined);
  const columns = {
    dihedral: values.dihedral === true,
    crypto: values.crypto === true,
    robust: values.robust === true,
  };

  const inputs = [...positionals];
  const videos = inputs.filter(isVideoPath);
  if (videos.length > 0) {
    if (videos.length !== inputs.length || values['files-from'] !== undefined) {
      throw new UsageError('hash videos and images in separate runs (videos are named one by one)', 'hash');
    }
    if (format !== 'plain' && format !== 'json' && format !== 'ndjson') {
      throw new UsageError(`videos are printed as plain, json or ndjson, not ${format}`, 'hash');
    }
    if (values.dihedral === true) throw new UsageError('--dihedral applies to images only', 'hash');
    if (values.robust === true) throw new UsageError('--robust applies to images only', 'hash');
    return runVideoHashing(
      videos,
      {
        format,
        crypto: values.crypto === true,
        secondsPerHash: parseSecondsPerHash(values['seconds-per-hash'] as string | undefined),
        squareSize: parseSquareSize(values.size as string | undefined),
        threads,
      },
      context,
    );
  }
  if (values['seconds-per-hash'] !== undefined || values.size !== undefined) {
    throw new UsageError('-r/--seconds-per-hash and --size apply to videos only', 'hash');
  }
  const filesFrom = values['files-from'] as string | undefined;
  if (filesFrom !== undefined) inputs.push(...(await readPathList(filesFrom, context)));
  if (inputs.length === 0) throw new UsageError('give at least one file or folder to hash', 'hash');

  const started = Date.now();
  const entries = await collectInputs(inputs, { extensions, cwd: context.cwd });
  const fileCount = entries.filter((entry) => entry.kind === 'file').length;

  const formatter = createOutputFormatter(format, columns);
  const skipped: (InputEntry & { kind: 'skip' })[] = [];
  const lowQuality: HashRecord[] = [];
  let hashed = 0;

  const progress = new ProgressBar({
    stream: context.stderr,
    total: entries.length,
    enabled: context.stderr.isTTY === true && values['no-progress'] !== true,
  });
  const sharesTerminal = context.stdout.isTTY === true;
  const out = async (text: string): Promise<void> => {
    if (text === '') return;
    if (sharesTerminal) progress.clear();
    if (!context.stdout.write(text)) await once(context.stdout, 'drain');
  };

  await out(formatter.begin());
  const hasher =
    fileCount > 0 ? await dependencies.createHasher({ threads: Math.min(threads, fileCount) }) : undefined;
  try {
    await runInOrder<InputEntry, FileHashResult | undefined>(
      entries,
      (entry) =>
        entry.kind === 'file' && hasher
          ? hasher.hashFile(entry.absolutePath, {
              dihedral: columns.dihedral,
              crypto: columns.crypto,
              ...(columns.robust ? { robust: 'bank' as const } : {}),
            })
          : Promise.resolve(undefined),
      async (outcome, entry) => {
        progress.tick();
        if (entry.kind === 'skip') {
          skipped.push(entry);
        } else if (!outcome.ok || outcome.value === undefined) {
          skipped.push(
            skipFromError(
              entry.path,
              outcome.ok ? new Error('the hasher returned no result') : outcome.error,
            ),
          );
        } else {
          const record: HashRecord = { ...outcome.value, path: entry.path };
          if (record.quality < PDQ_MIN_QUALITY) lowQuality.push(record);
          await out(formatter.record(record, hashed));
          hashed++;
        }
      },
      { concurrency: threads * 2, window: threads * 16 },
    );
  } finally {
    progress.stop();
    await hasher?.close();
  }
  await out(formatter.end());

  writeSummary(context, {
    total: entries.length,
    hashed,
    skipped,
    lowQuality,
    seconds: (Date.now() - started) / 1000,
  });
  if (hashed === 0) return ExitCode.Failure;
  return skipped.length > 0 ? ExitCode.Partial : ExitCode.Ok;
}

function writeSummary(
  context: CommandContext,
  run: {
    total: number;
    hashed: number;
    skipped: readonly (InputEntry & { kind: 'skip' })[];
    lowQuality: readonly HashRecord[];
    seconds: number;
  },
): void {
  const lines: string[] = [];
  if (run.total === 0) lines.push('hashline hash: no image files found (see --ext)');
  if (run.skipped.length > 0) {
    lines.push(`hashline hash: skipped ${run.skipped.length} of ${run.total} ${plural(run.total, 'file')}:`);
    for (const entry of run.skipped) lines.push(`  ${entry.path}: ${entry.code}: ${entry.message}`);
  }
  if (run.lowQuality.length > 0) {
    lines.push(
      `hashline hash: warning: ${run.lowQuality.length} ${plural(run.lowQuality.length, 'hash', 'hashes')} ` +
        `with quality below ${PDQ_MIN_QUALITY} (too little detail to match reliably; Meta recommends discarding them):`,
    );
    for (const record of run.lowQuality) lines.push(`  ${record.path}: quality ${record.quality}`);
  }
  if (lines.length > 0 || context.stderr.isTTY === true) {
    const rate = run.seconds > 0 ? ` (${(run.hashed / run.seconds).toFixed(1)} files/s)` : '';
    lines.push(
      `hashline hash: hashed ${run.hashed} of ${run.total} ${plural(run.total, 'file')} in ${run.seconds.toFixed(1)} s${rate}`,
    );
  }
  if (lines.length > 0) context.stderr.write(lines.join('\n') + '\n');
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return count === 1 ? singular : pluralForm;
}

function parseFormat(value: string): OutputFormatName {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormatName;
  throw new UsageError(`unknown format "${value}" (expected one of: ${OUTPUT_FORMATS.join(', ')})`, 'hash');
}

function parseThreads(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const threads = Number(value);
  if (!/^\d+$/.test(value) || threads < 1 || threads > 256) {
    throw new UsageError(`--threads must be a whole number from 1 to 256, got "${value}"`, 'hash');
  }
  return threads;
}

function parseExtensions(value: string | undefined): ReadonlySet<string> {
  if (value === undefined) return new Set(DEFAULT_IMAGE_EXTENSIONS);
  const list = value
    .split(',')
    .map((ext) => ext.trim().replace(/^\./, '').toLowerCase())
    .filter((ext) => ext !== '');
  if (list.length === 0)
    throw new UsageError('--ext needs at least one extension, e.g. --ext jpg,png', 'hash');
  return new Set(list);
}

async function readPathList(source: string, context: CommandContext): Promise<string[]> {
  let text: string;
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of context.stdin) chunks.push(Buffer.from(chunk as Buffer | string));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(resolve(context.cwd, source), 'utf8');
    } catch (error) {
      const skip = skipFromError(source, error);
      throw new UsageError(`cannot read --files-from ${source}: ${skip.message}`, 'hash');
    }
  }
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '');
}
