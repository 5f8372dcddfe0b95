import { once } from 'node:events';
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { collectInputs, DEFAULT_IMAGE_EXTENSIONS, skipFromError } from '../hash/input-walker.js';
import type { InputEntry } from '../hash/input-walker.js';
import { createMediaFileHasher } from '../hash/file-hasher.js';
import type { FileHasherFactory } from '../hash/file-hasher.js';
import { runInOrder } from '../hash/ordered-runner.js';
import { isVideoPath, parseSecondsPerHash, VIDEO_EXTENSIONS } from '../hash/video-hashing.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/target.js';
import type { Target } from '../target/target.js';
import type { MatchQuery, MatchSubject } from '../match/match-subject.js';
import type { HashMatcher } from '../match/hash-matcher.js';
import type { MatchOutputFormat, MatchResult } from '../match/match-output.js';

const FORMATS = ['plain', 'csv', 'json', 'ndjson'] as const;

const OPTIONS = {
  ...TARGET_OPTIONS,
  format: { type: 'string', short: 'f', default: 'plain' },
  dihedral: { type: 'boolean', short: 'd', default: false },
  'no-dihedral': { type: 'boolean', default: false },
  'no-robust': { type: 'boolean', default: false },
  'hashes-from': { type: 'string' },
  banks: { type: 'string' },
  'fail-on-match': { type: 'boolean', default: false },
  threads: { type: 'string', short: 'j' },
  ext: { type: 'string' },
  'seconds-per-hash': { type: 'string', short: 'r' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline match [options] <file|folder|hash|video>...
       hashline match [options] --hashes-from <file|->

Match images, videos or hashes against the hash banks: locally against a data folder, or against
a server. Files are hashed on this machine (images: PDQ, MD5, SHA-256; videos: vPDQ, MD5,
SHA-256); only the hashes are sent.

Inputs:
  files and folders     hashed locally, in parallel (folders recursively, image extensions only)
  hashes                64 hex digits = PDQ, 32 = MD5, 40 = SHA-1; or prefixed: pdq:<hex>,
                        md5:<hex>, sha1:<hex>, sha256:<hex> (SHA-256 needs its prefix). An
                        argument that looks like a hash is one: write ./name for such a file
  videos                files named one by one with a video extension (${VIDEO_EXTENSIONS.join(', ')}):
                        vPDQ frame hashes matched against the banked videos (\`POST
                        /v1/match/video\` on a server), MD5 and SHA-256 as hashes; a video
                        hit shows query/banked shares of matched frames instead of a distance
  --hashes-from <f>     more hashes, one per line ("-" = standard input): a hash as above,
                        "type,hex", or "hex,quality,path" as \`hashline hash\` prints, so
                        \`hashline hash dir | hashline match --hashes-from -\` works

Options:
  -f, --format <fmt>    plain (default): a table, one row per hit and one "no match" row per
                        input, the input last; csv (one row per hit); json (one array);
                        ndjson (one object per input, with hashes and every hit)
  -d, --dihedral        also match the 7 rotated and mirrored versions of each image (PDQ);
                        on by default for image files, --no-dihedral turns it off
      --no-robust       do not match the robust variants of image files (the picture without
                        uniform borders or letterboxing, "trim" and "frame", or between a
                        screenshot's bars, "screen"), on by default
      --banks <a,b>     only report matches in these banks (allow-lists always apply)
      --fail-on-match   exit with 3 when anything matched (for scripts and CI gates)
  -j, --threads <n>     hashing threads (default: number of cores, here ${availableParallelism()})
      --ext <list>      extensions taken from folders (default: ${DEFAULT_IMAGE_EXTENSIONS.join(',')})
  -r, --seconds-per-hash <s>  videos: seconds between hashed frames (default 1; 0 = every frame)
${TARGET_HELP}
  -h, --help            show this help

Matching follows each bank's PDQ threshold (default: distance 31 or less) and allow-lists. Every
match is recorded as a match record (in the data folder, or on the server). PDQ hashes with
quality below 50, or all zeros or ones, are not matched (listed on stderr); MD5 and SHA-256 of
such a file still are.

Exit codes:
  0  every input was matched against the banks (whether or not anything matched)
  1  some inputs were skipped (unreadable, not an image, not a valid hash); the rest were matched
  2  usage error, an API or connection error, or nothing could be matched
  3  with --fail-on-match: something matched (wins over 1)

Examples:
  hashline match photo.jpg uploads/                          # against ./.data
  hashline match --server http://127.0.0.1:8080 --key-file .data/initial-admin-token photo.jpg
  hashline match d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22
  hashline hash -j 4 uploads/ | hashline match --hashes-from - -f ndjson
  hashline match --fail-on-match --dihedral incoming/ || echo "known material found"
  hashline match --server http://127.0.0.1:8080 --key-file .data/initial-admin-token clip.mp4
`;

/** Dependencies of the match command, replaceable in tests. */
export interface MatchCommandDependencies {
  readonly createHasher: FileHasherFactory;
}

/** Builds the `hashline match` command. */
export function createMatchCommand(
  dependencies: MatchCommandDependencies = { createHasher: createMediaFileHasher },
): Command {
  return {
    name: 'match',
    summary: 'match images or hashes against the banks (locally or on a server; only hashes are sent)',
    help: HELP,
    run: (args, context) => runMatch(args, context, dependencies),
  };
}

/** `hashline match` wired to the media-node worker pool. */
export const matchCommand: Command = createMatchCommand();

/** An input that could not be matched, with why. */
interface SkippedInput {
  readonly input: string;
  readonly code: string;
  readonly message: string;
}

type Item = { readonly kind: 'hash'; readonly subject: MatchSubject } | InputEntry;

async function runMatch(
  args: readonly string[],
  context: CommandContext,
  dependencies: MatchCommandDependencies,
): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, 'match');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  const format = values.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format "${format}" (expected one of: ${FORMATS.join(', ')})`, 'match');
  }
  const threads = parseThreads(values.threads as string | undefined);
  const extensions = parseExtensions(values.ext as string | undefined);
  const hashesFrom = values['hashes-from'] as string | undefined;
  const banks = parseBanks(values.banks as string | undefined);
  if (positionals.length === 0 && hashesFrom === undefined) {
    throw new UsageError('give files, folders or hashes to match (or --hashes-from)', 'match');
  }
  if (values.dihedral === true && values['no-dihedral'] === true) {
    throw new UsageError('--dihedral and --no-dihedral contradict each other', 'match');
  }
  // Image files: rotations, mirrors and the trim variant by default (see README, "Robust matching").
  const dihedral = values['no-dihedral'] !== true;
  const robust = values['no-robust'] !== true;
  const secondsPerHash = parseSecondsPerHash(values['seconds-per-hash'] as string | undefined, 'match');
  if (hashesFrom !== undefined && hashesFrom !== '-')
    await checkReadable(resolve(context.cwd, hashesFrom), hashesFrom);
  const target = await resolveTarget(values, context, 'match');

  const { parseHashArgument, hashSubject, fileSubject, parseHashLine } =
    await import('../match/match-subject.js');
  const { createMatchFormatter } = await import('../match/match-output.js');
  const { openHashMatcher } = await import('../match/hash-matcher.js');

  const items: Item[] = [];
  const videos: string[] = [];
  for (const argument of positionals) {
    const hash = parseHashArgument(argument);
    if (hash) items.push({ kind: 'hash', subject: hashSubject(hash.signalType, hash.value, null, argument) });
    else if (isVideoPath(argument)) videos.push(argument);
    else items.push(...(await collectInputs([argument], { extensions, cwd: context.cwd })));
  }

  await checkRemoteKey(target);
  const matcher = await openHashMatcher(target, banks ? { banks } : {});
  const formatter = createMatchFormatter(format as MatchOutputFormat, { bankNames: matcher.bankNames });
  const skipped: SkippedInput[] = [];
  const warnings: string[] = [];
  let inputs = 0;
  let matchedInputs = 0;
  let resultIndex = 0;
  const matchedBanks = new Set<string>();

  const out = async (text: string): Promise<void> => {
    if (text !== '' && !context.stdout.write(text)) await once(context.stdout, 'drain');
  };

  let batch: MatchSubject[] = [];
  let batchCost = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const subjects = batch;
    batch = [];
    batchCost = 0;
    const answers = await matcher.match(subjects.flatMap((s) => s.queries));
    let next = 0;
    let text = '';
    for (const subject of subjects) {
      const own = answers.slice(next, next + subject.queries.length);
      next += subject.queries.length;
      const result: MatchResult = {
        subject,
        matched: own.some((a) => a.matched),
        verdictOnly: own.some((a) => a.verdictOnly),
        hits: own.flatMap((a) => a.hits),
      };
      if (result.matched) matchedInputs++;
      for (const hit of result.hits) matchedBanks.add(hit.bank);
      text += formatter.result(result, resultIndex++);
    }
    await out(text);
  };
  const add = async (subject: MatchSubject): Promise<void> => {
    inputs++;
    for (const s of subject.skipped) {
      if (subject.queries.length > 0)
        warnings.push(`${subject.input}: ${s.signalType} not matched: ${s.code}: ${s.message}`);
    }
    if (subject.queries.length === 0) {
      const reason = subject.skipped[0];
      skipped.push({
        input: subject.input,
        code: reason?.code ?? 'NOTHING_TO_MATCH',
        message: reason?.message ?? 'no usable hash',
      });
      return;
    }
    const cost = subject.queries.length;
    if (batchCost + cost > matcher.maxBatch) await flush();
    batch.push(subject);
    batchCost += cost;
  };

  await out(formatter.begin());
  const fileCount = items.filter((item) => item.kind === 'file').length;
  let hasher =
    fileCount > 0 ? await dependencies.createHasher({ threads: Math.min(threads, fileCount) }) : undefined;
  const closeHasher = async (): Promise<void> => {
    const open = hasher;
    hasher = undefined;
    await open?.close();
  };
  try {
    await runInOrder<Item, MatchSubject | undefined>(
      items,
      async (item) => {
        if (item.kind === 'hash') return item.subject;
        if (item.kind === 'file' && hasher) {
          return fileSubject(
            item.path,
            await hasher.hashFile(item.absolutePath, {
              dihedral,
              crypto: true,
              ...(robust ? { robust: 'query' as const } : {}),
            }),
          );
        }
        return undefined;
      },
      async (outcome, item) => {
        if (item.kind === 'skip') {
          inputs++;
          skipped.push({ input: item.path, code: item.code, message: item.message });
        } else if (!outcome.ok || outcome.value === undefined) {
          inputs++;
          const label = item.kind === 'hash' ? item.subject.input : item.path;
          const skip = skipFromError(label, outcome.ok ? new Error('no result') : outcome.error);
          skipped.push({ input: skip.path, code: skip.code, message: skip.message });
        } else {
          await add(outcome.value);
        }
      },
      { concurrency: threads * 2, window: threads * 16 },
    );
    await closeHasher(); // the workers are not needed for the hashes that follow
    await flush(); // results stay in input order: images before the videos that follow
    for (const video of videos) {
      inputs++;
      try {
        const result = await matchVideoFile(video, resolve(context.cwd, video), secondsPerHash, matcher);
        if (result.matched) matchedInputs++;
        for (const hit of result.hits) matchedBanks.add(hit.bank);
        await out(formatter.result(result, resultIndex++));
      } catch (error) {
        // A bad video is skipped like an unreadable image; API and connection errors stop the run.
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !code.startsWith('MEDIA_')) throw error;
        skipped.push({ input: video, code, message: (error as Error).message });
      }
    }
    if (hashesFrom !== undefined) {
      const lines = createInterface({
        input: hashesFrom === '-' ? context.stdin : createReadStream(resolve(context.cwd, hashesFrom)),
        crlfDelay: Infinity,
      });
      let number = 0;
      for await (const text of lines) {
        number++;
        const line = parseHashLine(text);
        if (line.kind === 'empty') continue;
        const where = `${hashesFrom === '-' ? 'stdin' : hashesFrom}:${number}`;
        if (line.kind === 'error') {
          inputs++;
          skipped.push({ input: where, code: 'INVALID_LINE', message: line.message });
          continue;
        }
        await add(hashSubject(line.signalType, line.value, line.quality, line.label ?? line.value));
      }
    }
    await flush();
  } finally {
    await closeHasher();
    await matcher.close();
  }
  await out(formatter.end());

  const matchable = inputs - skipped.length;
  const lines: string[] = [];
  if (skipped.length > 0) {
    lines.push(`hashline match: skipped ${skipped.length} of ${inputs} ${plural(inputs, 'input')}:`);
    for (const s of skipped.slice(0, 50)) lines.push(`  ${s.input}: ${s.code}: ${s.message}`);
    if (skipped.length > 50) lines.push(`  ... and ${skipped.length - 50} more`);
  }
  if (warnings.length > 0) {
    lines.push('hashline match: warnings:');
    for (const w of warnings.slice(0, 50)) lines.push(`  ${w}`);
    if (warnings.length > 50) lines.push(`  ... and ${warnings.length - 50} more`);
  }
  const where = matcher.mode === 'remote' ? 'on the server' : 'in the data folder';
  lines.push(
    `hashline match: ${matchedInputs} of ${matchable} ${plural(matchable, 'input')} matched ${where}` +
      (matchedBanks.size > 0
        ? ` (${plural(matchedBanks.size, 'bank')} ${[...matchedBanks].join(', ')})`
        : ''),
  );
  context.stderr.write(lines.join('\n') + '\n');

  if (matchable === 0) return ExitCode.Failure;
  if (matchedInputs > 0 && values['fail-on-match'] === true) return ExitCode.Matched;
  return skipped.length > 0 ? ExitCode.Partial : ExitCode.Ok;
}

/**
 * Hashes one video on this machine (vPDQ, MD5, SHA-256 of the file) and matches it: the frames
 * against the banked videos, the digests as hashes. Only hashes leave the machine.
 * @throws {MediaDecodeError} when the video cannot be hashed (the caller skips it)
 */
async function matchVideoFile(
  input: string,
  absolutePath: string,
  secondsPerHash: number,
  matcher: HashMatcher,
): Promise<MatchResult> {
  const { hashVideoFile } = await import('@hashline/media-node');
  const video = await hashVideoFile(absolutePath, { secondsPerHash, digests: true });
  const digests = video.digests!;
  const queries: MatchQuery[] = [
    { signalType: 'md5', value: digests.md5, quality: null },
    { signalType: 'sha256', value: digests.sha256, quality: null },
  ];
  const answers = [await matcher.matchVideo(video.frames), ...(await matcher.match(queries))];
  const subject: MatchSubject = {
    input,
    type: 'file',
    hashes: { vpdqFrames: video.frames.length, md5: digests.md5, sha256: digests.sha256 },
    queries,
    skipped: [],
  };
  return {
    subject,
    matched: answers.some((a) => a.matched),
    verdictOnly: answers.some((a) => a.verdictOnly),
    hits: answers.flatMap((a) => a.hits),
  };
}

/** In remote mode, checks the key with `GET /v1/me` before hashing anything, so a typo fails fast. */
async function checkRemoteKey(target: Target): Promise<void> {
  if (target.kind === 'remote') await target.client.get('/v1/me');
}

async function checkReadable(path: string, shown: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    throw new UsageError(`cannot read --hashes-from ${shown}: ${(error as Error).message}`, 'match');
  }
}

function parseBanks(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const banks = value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (banks.length === 0) throw new UsageError('--banks needs at least one bank name', 'match');
  return banks;
}

function parseThreads(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const threads = Number(value);
  if (!/^\d+$/.test(value) || threads < 1 || threads > 256) {
    throw new UsageError(`--threads must be a whole number from 1 to 256, got "${value}"`, 'match');
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
    throw new UsageError('--ext needs at least one extension, e.g. --ext jpg,png', 'match');
  return new Set(list);
}

function plural(count: number, singular: string): string {
  return count === 1 ? singular : `${singular}s`;
}
