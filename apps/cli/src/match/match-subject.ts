import { isDomainError, normalizeSignal } from '@hashline/domain';
import { QUERY_VARIANT_NAMES, type DihedralName } from '@hashline/pdq';
import type { FileHashResult } from '../hash/file-hasher.js';

/** The signal types Hashline matches on. */
export type SignalName = 'pdq' | 'md5' | 'sha1' | 'sha256';

/** One hash to match: validated, lower-case hex; PDQ may carry its dihedral variants. */
export interface MatchQuery {
  readonly signalType: SignalName;
  readonly value: string;
  readonly quality: number | null;
  /** PDQ hashes of the rotated and mirrored image (not `orig`), with `--dihedral`. */
  readonly variants?: readonly { readonly name: string; readonly value: string }[];
}

/** A hash that was not matched, and why (e.g. `LOW_QUALITY_HASH`). */
export interface SkippedSignal {
  readonly signalType: string;
  readonly code: string;
  readonly message: string;
}

/** One input of `hashline match` (a file, or a hash given as an argument or a line) and its queries. */
export interface MatchSubject {
  /** The file path as given, the label of a `--hashes-from` line, or the hash itself. */
  readonly input: string;
  readonly type: 'file' | 'hash';
  /** What is printed under `hashes` in json output. */
  readonly hashes: Readonly<Record<string, string | number>>;
  readonly queries: readonly MatchQuery[];
  readonly skipped: readonly SkippedSignal[];
}

const SIGNALS: readonly SignalName[] = ['pdq', 'md5', 'sha1', 'sha256'];

/**
 * Validates one hash with the domain's own rule (the one the server applies: hex length; PDQ
 * quality ≥ 50 when known; no all-zero or all-one PDQ) and returns it as lower-case hex, or why it
 * cannot be matched. Checked before sending, so one bad hash cannot sink a whole batch request.
 */
export function checkSignal(
  signalType: SignalName,
  value: string,
  quality: number | null,
): { ok: true; value: string } | { ok: false; skipped: SkippedSignal } {
  try {
    return { ok: true, value: normalizeSignal(signalType, value, quality) };
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return { ok: false, skipped: { signalType, code: error.code, message: error.message } };
  }
}

/**
 * A hashed file as a subject: its PDQ hash (when usable, with the 7 other dihedral variants and
 * the query's robust variants `trim`, `frame`, `screen` if computed), MD5 and SHA-256. SHA-1 is computed but not sent: banks exchange MD5 and SHA-256.
 */
export function fileSubject(path: string, result: FileHashResult): MatchSubject {
  const queries: MatchQuery[] = [];
  const skipped: SkippedSignal[] = [];
  const pdq = checkSignal('pdq', result.pdq, result.quality);
  if (pdq.ok) {
    const found = [
      ...(result.dihedral
        ? (Object.entries(result.dihedral) as [DihedralName, string][])
            .filter(([name, value]) => name !== 'orig' && checkSignal('pdq', value, null).ok)
            .map(([name, value]) => ({ name, value }))
        : []),
      ...(result.variants ?? [])
        .filter(
          (v) =>
            (QUERY_VARIANT_NAMES as readonly string[]).includes(v.name) && checkSignal('pdq', v.pdq, null).ok,
        )
        .map((v) => ({ name: v.name, value: v.pdq })),
    ];
    const variants = found.length > 0 ? found : undefined;
    queries.push({
      signalType: 'pdq',
      value: pdq.value,
      quality: result.quality,
      ...(variants ? { variants } : {}),
    });
  } else skipped.push(pdq.skipped);
  for (const type of ['md5', 'sha256'] as const) {
    const value = result[type];
    if (value) queries.push({ signalType: type, value, quality: null });
  }
  const hashes: Record<string, string | number> = { pdq: result.pdq, quality: result.quality };
  if (result.md5) hashes.md5 = result.md5;
  if (result.sha256) hashes.sha256 = result.sha256;
  return { input: path, type: 'file', hashes, queries, skipped };
}

/** A hash given on the command line or in a `--hashes-from` line, as a subject. */
export function hashSubject(
  signalType: SignalName,
  value: string,
  quality: number | null,
  label: string,
): MatchSubject {
  const checked = checkSignal(signalType, value, quality);
  const hashes: Record<string, string | number> = { [signalType]: checked.ok ? checked.value : value };
  if (quality !== null) hashes.quality = quality;
  return {
    input: label,
    type: 'hash',
    hashes,
    queries: checked.ok ? [{ signalType, value: checked.value, quality }] : [],
    skipped: checked.ok ? [] : [checked.skipped],
  };
}

/**
 * Reads a command-line argument as a hash: `[pdq:|md5:|sha1:|sha256:]<hex>`, where bare hex of 64
 * digits is PDQ, 32 MD5 and 40 SHA-1 (SHA-256 needs its prefix, as it is as long as PDQ). Returns
 * undefined for anything else (then the argument is a path).
 */
export function parseHashArgument(argument: string): { signalType: SignalName; value: string } | undefined {
  const prefixed = /^(pdq|md5|sha1|sha256):([0-9a-fA-F]+)$/i.exec(argument);
  if (prefixed) return { signalType: prefixed[1]!.toLowerCase() as SignalName, value: prefixed[2]! };
  if (!/^[0-9a-fA-F]+$/.test(argument)) return undefined;
  const byLength: Record<number, SignalName> = { 64: 'pdq', 32: 'md5', 40: 'sha1' };
  const signalType = byLength[argument.length];
  return signalType ? { signalType, value: argument } : undefined;
}

/** What one `--hashes-from` line holds, or why it cannot be read. */
export type HashLine =
  | {
      readonly kind: 'hash';
      readonly signalType: SignalName;
      readonly value: string;
      readonly quality: number | null;
      readonly label: string | null;
    }
  | { readonly kind: 'empty' }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Parses one line of a `--hashes-from` file. Accepted: a hash as on the command line
 * (`[type:]hex`); `type,hex` or `type hex` (ThreatExchange style); and `hex,quality[,path]`, the
 * output of `hashline hash` and Meta's `pdq-photo-hasher`, so their output can be piped in (the
 * path becomes the input's label). Blank lines and `#` comments are empty.
 */
export function parseHashLine(text: string): HashLine {
  const line = text.trim();
  if (line === '' || line.startsWith('#')) return { kind: 'empty' };
  const typed = /^(pdq|md5|sha1|sha256)\s*[,\s]\s*([0-9a-fA-F]+)$/i.exec(line);
  if (typed) {
    return {
      kind: 'hash',
      signalType: typed[1]!.toLowerCase() as SignalName,
      value: typed[2]!,
      quality: null,
      label: null,
    };
  }
  const comma = line.indexOf(',');
  const first = comma < 0 ? line : line.slice(0, comma);
  const hash = parseHashArgument(first);
  if (!hash) {
    return {
      kind: 'error',
      message: `expected a hash ([${SIGNALS.join('|')}:]hex, "type,hex" or "pdq,quality,path"); got "${line.slice(0, 80)}"`,
    };
  }
  if (comma < 0) return { kind: 'hash', ...hash, quality: null, label: null };
  const rest = line.slice(comma + 1);
  const second = rest.indexOf(',');
  const qualityText = (second < 0 ? rest : rest.slice(0, second)).trim();
  const quality = /^\d{1,3}$/.test(qualityText) ? Number(qualityText) : null;
  if (quality === null && qualityText !== '') {
    return {
      kind: 'error',
      message: `the field after the hash must be a PDQ quality (0-100); got "${qualityText.slice(0, 20)}"`,
    };
  }
  const label = second < 0 ? null : rest.slice(second + 1);
  return { kind: 'hash', ...hash, quality: hash.signalType === 'pdq' ? quality : null, label: label || null };
}
