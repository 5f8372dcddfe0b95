import { DIHEDRAL_NAMES } from '@hashline/pdq';
import type { HashRecord } from './hash-record.js';

/** Names accepted by `--format`. */
export const OUTPUT_FORMATS = ['plain', 'csv', 'tsv', 'json', 'ndjson'] as const;

/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormatName = (typeof OUTPUT_FORMATS)[number];

/** Which optional columns a run prints. */
export interface OutputColumns {
  readonly dihedral: boolean;
  readonly crypto: boolean;
  /** The robust variants, as one field (`--robust`). */
  readonly robust?: boolean;
}

/**
 * Turns records into text. `begin()` is written once before the first record and `end()` once after
 * the last, even when there are no records, so `json` output is always a valid document.
 */
export interface OutputFormatter {
  begin(): string;
  record(record: HashRecord, index: number): string;
  end(): string;
}

const CRYPTO_FIELDS = ['md5', 'sha1', 'sha256'] as const;

/** Creates the formatter for `--format name`. */
export function createOutputFormatter(name: OutputFormatName, columns: OutputColumns): OutputFormatter {
  switch (name) {
    case 'plain':
      return plainFormatter(columns);
    case 'csv':
      return delimitedFormatter(',', csvField, columns);
    case 'tsv':
      return delimitedFormatter('\t', tsvField, columns);
    case 'json':
      return {
        begin: () => '[',
        record: (record, index) =>
          (index === 0 ? '\n' : ',\n') + '  ' + JSON.stringify(jsonObject(record, columns)),
        end: () => '\n]\n',
      };
    case 'ndjson':
      return {
        begin: () => '',
        record: (record) => JSON.stringify(jsonObject(record, columns)) + '\n',
        end: () => '',
      };
  }
}

/**
 * Meta's `pdq-photo-hasher` layout: `hash,quality,path`, or with `--dihedral` its `--pdqdih-across`
 * layout `orig,rot90,rot180,rot270,flipx,flipy,flipp,flipm,quality,path`. `--crypto` adds
 * `md5,sha1,sha256` just before the path. No header and no quoting, as in the reference: the path
 * is always the last field, so split on the first commas only.
 */
function plainFormatter(columns: OutputColumns): OutputFormatter {
  return {
    begin: () => '',
    record: (record) => {
      const fields = columns.dihedral
        ? DIHEDRAL_NAMES.map((name) => dihedralHash(record, name))
        : [record.pdq];
      fields.push(String(record.quality));
      if (columns.crypto) fields.push(...CRYPTO_FIELDS.map((field) => record[field] ?? ''));
      if (columns.robust) fields.push(variantsField(record));
      fields.push(record.path);
      return fields.join(',') + '\n';
    },
    end: () => '',
  };
}

function delimitedFormatter(
  separator: string,
  escape: (value: string) => string,
  columns: OutputColumns,
): OutputFormatter {
  const header = ['path', 'pdq', 'quality', 'width', 'height'];
  if (columns.dihedral) header.push(...DIHEDRAL_NAMES.map((name) => `dih_${name}`));
  if (columns.crypto) header.push(...CRYPTO_FIELDS);
  if (columns.robust) header.push('variants');
  return {
    begin: () => header.join(separator) + '\n',
    record: (record) => {
      const fields = [
        escape(record.path),
        record.pdq,
        String(record.quality),
        String(record.width),
        String(record.height),
      ];
      if (columns.dihedral) fields.push(...DIHEDRAL_NAMES.map((name) => dihedralHash(record, name)));
      if (columns.crypto) fields.push(...CRYPTO_FIELDS.map((field) => record[field] ?? ''));
      if (columns.robust) fields.push(variantsField(record));
      return fields.join(separator) + '\n';
    },
    end: () => '',
  };
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling inner quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** TSV has no quoting: backslash-escape the characters that would break a row (`\\`, `\t`, `\n`, `\r`). */
export function tsvField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

function dihedralHash(record: HashRecord, name: (typeof DIHEDRAL_NAMES)[number]): string {
  // The orig variant is the plain hash by definition; fall back to it if a hasher omitted it.
  return record.dihedral?.[name] ?? (name === 'orig' ? record.pdq : '');
}

function jsonObject(record: HashRecord, columns: OutputColumns): Record<string, unknown> {
  const object: Record<string, unknown> = {
    path: record.path,
    pdq: record.pdq,
    quality: record.quality,
    width: record.width,
    height: record.height,
  };
  if (columns.dihedral) {
    object.dihedral = Object.fromEntries(DIHEDRAL_NAMES.map((name) => [name, dihedralHash(record, name)]));
  }
  if (columns.crypto) for (const field of CRYPTO_FIELDS) object[field] = record[field] ?? null;
  if (columns.robust) object.variants = record.variants ?? [];
  return object;
}

/** The robust variants as one field: `name:hash` pairs joined by `;` (empty when none). */
function variantsField(record: HashRecord): string {
  return (record.variants ?? []).map((v) => `${v.name}:${v.pdq}`).join(';');
}
