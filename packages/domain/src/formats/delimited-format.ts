import {
  INDUSTRY_CLASSIFICATIONS,
  UK_CATEGORIES,
  type Classification,
  type SignalType,
} from '../vocabulary.js';
import { isSignalType } from '../banks/signal-validation.js';
import type { BankEntry, Provenance } from '../banks/bank.js';
import type { ImportRecord, ImportedHash, TextSource } from './import-record.js';
import { splitDelimited, textLineBatches } from './text-lines.js';
import { plainNewEntry } from '../banks/bank.service.js';
import { THREATEXCHANGE_SIGNAL_NAMES } from './threatexchange-format.js';

/** Columns of Hashline's CSV/TSV hash lists, in export order. `signal_type` and `value` are required. */
export const DELIMITED_COLUMNS = [
  'signal_type',
  'value',
  'quality',
  'industry',
  'uk',
  'baseline',
  'source',
  'external_id',
  'member',
  'reviewer_count',
  'note',
] as const;
/**
 * Columns of python-threatexchange's `threatexchange dataset -P --csv` output that are not ours:
 * `category` (a collaboration's opinion: a NEGATIVE_CLASS row says "not this kind of material"
 * and is not imported) and `tags` (kept in the note). `collab` and `signal_str` are aliases.
 */
const PYTX_COLUMNS = ['category', 'tags'] as const;
type Column = (typeof DELIMITED_COLUMNS)[number] | (typeof PYTX_COLUMNS)[number];

/** The pytx category whose rows are not imported (an opinion that the signal is not a match). */
const PYTX_NEGATIVE_CATEGORY = 'NEGATIVE_CLASS'; // enumeration value (python-threatexchange SignalOpinionCategory)

/** Hex lengths of hashes in a bare list (one per line, no header): 64 is read as PDQ. */
const BARE_HASH_TYPES: Readonly<Record<number, SignalType>> = { 64: 'pdq', 32: 'md5', 40: 'sha1' };

/**
 * Free-text columns: written as they are, read back as they are (leading and trailing spaces and
 * tabs are data), and guarded against spreadsheet formulas ({@link spreadsheetSafe}). The other
 * columns are typed and validated on import (a hash's hex digits, integers, A1–B2, …), so no value
 * a bank holds there can start a formula and they stay exactly as they are.
 */
const TEXT_COLUMNS: ReadonlySet<Column> = new Set(['source', 'external_id', 'member', 'note']);

/**
 * A text cell a spreadsheet would read as a formula or command (OWASP "CSV injection": a leading
 * `=`, `+`, `-`, `@`, tab or carriage return), possibly behind quotes this rule added earlier.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * A free-text cell made safe to open in a spreadsheet: one `'` is put in front of a cell that
 * starts like a formula (spreadsheets show the text and do not evaluate it). A cell that already
 * starts with quotes before such a character gets one more, so {@link fromSpreadsheetSafe} can
 * take exactly one off and every value round-trips: `=1+1` → `'=1+1` → `=1+1`, `'=x` → `''=x` → `'=x`,
 * `'plain` stays `'plain`.
 */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes {@link spreadsheetSafe}: a text cell of `'` + a formula-like start loses that one quote. */
export function fromSpreadsheetSafe(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

/** Other names for columns, as found in lists made by other tools. */
const ALIASES: Readonly<Record<string, Column>> = {
  hash: 'value',
  signal: 'value',
  hash_value: 'value',
  type: 'signal_type',
  algorithm: 'signal_type',
  classification: 'industry',
  uk_category: 'uk',
  signal_str: 'value',
  collab: 'member',
};

/**
 * Parses a CSV or TSV hash list with a header row naming its columns (see {@link DELIMITED_COLUMNS};
 * order free, unknown columns refused), including python-threatexchange's `threatexchange dataset
 * -P --csv` output (`collab,signal_type,signal_str,category,tags`: the collaboration becomes the
 * member, the tags the note, pytx signal names are mapped, NEGATIVE_CLASS rows are not imported).
 * A file without a header whose first field is a hex hash is a bare list or `hashline hash` /
 * `pdq-photo-hasher` output: `hash[,quality[,path]]`, 64 digits read as PDQ, 32 as MD5, 40 as SHA-1.
 */
export async function* parseDelimited(
  source: TextSource,
  delimiter: ',' | '\t',
  origin: string,
): AsyncGenerator<ImportRecord> {
  for await (const records of parseDelimitedBatches(source, delimiter, origin)) yield* records;
}

/**
 * {@link parseDelimited} a chunk of text at a time: the records of each chunk's lines, in file
 * order. Plain rows (`signal_type,value[,quality]` columns, or a bare list) carry their entry
 * already validated ({@link plainNewEntry}), so the import skips the generic validation.
 */
export async function* parseDelimitedBatches(
  source: TextSource,
  delimiter: ',' | '\t',
  origin: string,
): AsyncGenerator<ImportRecord[]> {
  const reader = delimitedLineReader(delimiter, origin);
  for await (const { first, lines } of textLineBatches(source)) {
    const out: ImportRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (!reader(first + i, lines[i]!, out)) {
        yield out;
        return;
      }
    }
    if (out.length > 0) yield out;
  }
}

/**
 * The reading of a delimited file, line by line: appends each line's record (if any) to `out`;
 * false when the file cannot be read further (a bad header).
 */
function delimitedLineReader(
  delimiter: ',' | '\t',
  origin: string,
): (line: number, text: string, out: ImportRecord[]) => boolean {
  let columns: (Column | null)[] | null = null;
  let hasherOutput = false;
  // The plain shape (only signal_type, value and quality columns): where each one is.
  let plain: { readonly signalType: number; readonly value: number; readonly quality: number } | null = null;
  // One provenance object for every row of the file that names no other (parseNewEntry's shape).
  const fileProvenance = plainProvenance(origin);
  const read = (line: number, text: string, out: ImportRecord[]): boolean => {
    if (plain && fileProvenance && !text.includes('"')) {
      const record = plainDelimitedRecord(text.split(delimiter), plain, line, origin, fileProvenance);
      if (record) {
        out.push(record);
        return true;
      }
    }
    if (text.trim() === '' || text.startsWith('#')) return true;
    const fields = splitDelimited(text, delimiter);
    if (!fields) {
      out.push({ kind: 'error', line, message: 'An opening double quote is never closed.' });
      return true;
    }
    if (!columns && !hasherOutput) {
      if (/^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(fields[0]!.trim())) {
        hasherOutput = true;
      } else {
        const named = fields.map((f) => {
          const key = f
            .trim()
            .toLowerCase()
            .replace(/[\s-]+/g, '_');
          return (DELIMITED_COLUMNS as readonly string[]).includes(key) ||
            (PYTX_COLUMNS as readonly string[]).includes(key)
            ? (key as Column)
            : (ALIASES[key] ?? null);
        });
        const unknown = fields.filter((_, i) => named[i] === null);
        if (unknown.length > 0 || !named.includes('signal_type') || !named.includes('value')) {
          out.push({
            kind: 'error',
            line,
            message:
              `The header must name the columns, with signal_type and value required` +
              (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
              `. Known columns: ${DELIMITED_COLUMNS.join(', ')}.`,
          });
          return false;
        }
        columns = named;
        plain = plainColumns(named);
        return true;
      }
    }
    if (hasherOutput) {
      out.push(hasherOutputRecord(fields, line, origin, fileProvenance));
      return true;
    }
    const row: Partial<Record<Column, string>> = {};
    columns!.forEach((column, i) => {
      if (!column) return;
      // Free text keeps its leading and trailing whitespace (`\t=1+1` must not become `=1+1`);
      // typed columns are trimmed.
      const value = TEXT_COLUMNS.has(column) ? fromSpreadsheetSafe(fields[i] ?? '') : fields[i]?.trim();
      if (value) row[column] = value;
    });
    if (row.category?.toUpperCase() === PYTX_NEGATIVE_CATEGORY) {
      out.push({
        kind: 'skipped',
        line,
        reason: `Not imported: the collaboration's opinion is ${PYTX_NEGATIVE_CATEGORY} (not a match).`,
      });
      return true;
    }
    const record = rowToHash(row, origin);
    if (typeof record === 'object' && 'skip' in record) {
      out.push({ kind: 'skipped', line, reason: record.skip });
      return true;
    }
    out.push(
      typeof record === 'string'
        ? { kind: 'error', line, message: record }
        : { kind: 'hash', line, hash: record },
    );
    return true;
  };
  return read;
}

/** A line of a bare list or hasher output (`hash[,quality[,path]]`). */
function hasherOutputRecord(
  fields: readonly string[],
  line: number,
  origin: string,
  fileProvenance: Provenance | undefined,
): ImportRecord {
  const quality = Number(fields[1]);
  const value = fields[0]!.trim();
  const signalType = BARE_HASH_TYPES[value.length];
  if (!signalType || !/^[0-9a-fA-F]+$/.test(value)) {
    return {
      kind: 'error',
      line,
      message: `Expected a hex hash (64 digits PDQ, 32 MD5, 40 SHA-1); got ${JSON.stringify(value.slice(0, 80))}.`,
    };
  }
  const hash: ImportedHash = {
    signalType,
    value,
    quality: fields[1] !== undefined && fields[1].trim() !== '' && Number.isFinite(quality) ? quality : null,
    provenance: { source: origin },
  };
  const entry = fileProvenance && plainNewEntry(signalType, value, hash.quality ?? null, fileProvenance);
  return entry ? { kind: 'hash', line, hash, entry } : { kind: 'hash', line, hash };
}

/** The provenance parseNewEntry makes of `{ source: origin }`, or undefined if it would refuse it. */
function plainProvenance(origin: string): Provenance | undefined {
  if (origin.length === 0 || origin.length > 200) return undefined;
  return Object.freeze({ source: origin, externalId: null, member: null });
}

/** Where the columns of the plain shape are, when a header names only signal_type, value and quality. */
function plainColumns(
  named: readonly (Column | null)[],
): { readonly signalType: number; readonly value: number; readonly quality: number } | null {
  const at = (column: Column): number => named.indexOf(column);
  const ok = named.every(
    (c, i) => (c === 'signal_type' || c === 'value' || c === 'quality') && named.indexOf(c) === i,
  );
  return ok ? { signalType: at('signal_type'), value: at('value'), quality: at('quality') } : null;
}

/**
 * A plain row's record with its entry validated, exactly as the general path would read it; or
 * undefined whenever that path could say anything else (an odd signal name, a bad value or
 * quality, a blank or comment line): the line then takes the general path, for its exact message.
 */
function plainDelimitedRecord(
  fields: readonly string[],
  at: { readonly signalType: number; readonly value: number; readonly quality: number },
  line: number,
  origin: string,
  provenance: Provenance,
): ImportRecord | undefined {
  const signalType = fields[at.signalType];
  if (signalType === undefined || !PLAIN_SIGNAL_TYPES.has(signalType)) return undefined;
  const value = (fields[at.value] ?? '').trim();
  if (value === '') return undefined;
  const rawQuality = at.quality < 0 ? '' : (fields[at.quality] ?? '').trim();
  const quality = rawQuality === '' ? null : Number(rawQuality);
  if (quality !== null && !Number.isInteger(quality)) return undefined;
  const entry = plainNewEntry(signalType as SignalType, value, quality, provenance);
  if (!entry) return undefined;
  return {
    kind: 'hash',
    line,
    hash: {
      signalType: signalType as SignalType,
      value,
      quality,
      classification: {},
      provenance: { source: origin, externalId: null, member: null },
      note: null,
    },
    entry,
  };
}

/** Signal types a plain row may name as they are (lower case, no alias, not a video). */
const PLAIN_SIGNAL_TYPES: ReadonlySet<string> = new Set(['pdq', 'md5', 'sha1', 'sha256']);

/** pytx signal types Hashline does not match on: their rows are skipped, not errors. */
const FOREIGN_SIGNAL_NAMES = new Set([
  'photodna',
  'pdna',
  'url',
  'url_md5',
  'raw_text',
  'trend_query',
  'tmk',
  'video_tmk_pdqf',
  'vpdq',
  'video_vpdq',
]);

function rowToHash(
  row: Partial<Record<Column, string>>,
  origin: string,
): ImportedHash | string | { readonly skip: string } {
  const named = row.signal_type?.toLowerCase();
  const signalType = named && !isSignalType(named) ? THREATEXCHANGE_SIGNAL_NAMES[named] : named;
  if (named && FOREIGN_SIGNAL_NAMES.has(named))
    return { skip: `Not imported: signal type ${row.signal_type} is not one Hashline matches on here.` };
  if (!signalType || !isSignalType(signalType))
    return `signal_type must be pdq, md5, sha1 or sha256; got ${JSON.stringify(row.signal_type ?? '')}.`;
  if (!row.value) return 'value is empty.';
  const classification: { -readonly [K in keyof Classification]: Classification[K] } = {};
  if (row.industry) {
    const v = row.industry.toUpperCase();
    if (!INDUSTRY_CLASSIFICATIONS.includes(v as never))
      return `industry must be A1, A2, B1 or B2; got ${JSON.stringify(row.industry)}.`;
    classification.industry = v as Classification['industry'];
  }
  if (row.uk) {
    const v = row.uk.toUpperCase();
    if (!UK_CATEGORIES.includes(v as never)) return `uk must be A, B or C; got ${JSON.stringify(row.uk)}.`;
    classification.uk = v as Classification['uk'];
  }
  if (row.baseline) {
    const v = row.baseline.toLowerCase();
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(v))
      return `baseline must be true or false; got ${JSON.stringify(row.baseline)}.`;
    classification.baseline = ['true', '1', 'yes'].includes(v);
  }
  const number = (name: 'quality' | 'reviewer_count'): number | null | string => {
    const raw = row[name];
    if (raw === undefined) return null;
    const n = Number(raw);
    return Number.isInteger(n) ? n : `${name} must be an integer; got ${JSON.stringify(raw)}.`;
  };
  const quality = number('quality');
  if (typeof quality === 'string') return quality;
  const reviewerCount = number('reviewer_count');
  if (typeof reviewerCount === 'string') return reviewerCount;
  return {
    signalType: signalType as SignalType,
    value: row.value,
    quality,
    classification,
    provenance: {
      source: row.source ?? origin,
      externalId: row.external_id ?? null,
      member: row.member ?? null,
    },
    ...(reviewerCount !== null ? { reviewerCount } : {}),
    note: row.note ?? (row.tags ? `tags: ${row.tags}` : null),
  };
}

/**
 * Quotes a field when it holds the delimiter, a quote or a line break (RFC 4180); free text is
 * made {@link spreadsheetSafe} first.
 */
function field(
  value: string | number | boolean | null | undefined,
  delimiter: string,
  freeText: boolean,
): string {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  if (delimiter === '\t') {
    // TSV has no quoting: tabs and line breaks become spaces first, then the formula guard.
    const flat = raw.replace(/[\t\r\n]/g, ' ');
    return freeText ? spreadsheetSafe(flat) : flat;
  }
  const text = freeText ? spreadsheetSafe(raw) : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line of an export. */
export function delimitedHeader(delimiter: ',' | '\t'): string {
  return DELIMITED_COLUMNS.join(delimiter) + '\n';
}

/**
 * One entry as a line of a CSV/TSV export (re-importable by {@link parseDelimited}), then one more
 * line per further source that vouches for its hash (`otherSources`): re-imported, the first line
 * creates the entry and the others add their sources, so no provenance is lost.
 */
export function delimitedLine(
  entry: BankEntry,
  delimiter: ',' | '\t',
  otherSources: readonly Provenance[] = [],
): string {
  let out = delimitedRow(entry, delimiter);
  for (const provenance of otherSources) out += delimitedRow({ ...entry, provenance }, delimiter);
  return out;
}

function delimitedRow(entry: BankEntry, delimiter: ',' | '\t'): string {
  const values: Record<(typeof DELIMITED_COLUMNS)[number], string | number | boolean | null | undefined> = {
    signal_type: entry.signalType,
    value: entry.value,
    quality: entry.quality,
    industry: entry.classification.industry,
    uk: entry.classification.uk,
    baseline: entry.classification.baseline,
    source: entry.provenance.source,
    external_id: entry.provenance.externalId,
    member: entry.provenance.member,
    reviewer_count: entry.reviewerCount,
    note: entry.note,
  };
  return (
    DELIMITED_COLUMNS.map((c) => field(values[c], delimiter, TEXT_COLUMNS.has(c))).join(delimiter) + '\n'
  );
}
