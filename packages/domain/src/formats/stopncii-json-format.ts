import { isRecord } from '../validation.js';
import type { SignalType } from '../vocabulary.js';
import type { ImportRecord, TextSource } from './import-record.js';
import { textLines } from './text-lines.js';

/** StopNCII signal types we match on. VideoTMK, Text and URL are skipped. */
const SIGNALS: Readonly<Record<string, SignalType>> = { ImagePDQ: 'pdq', VideoMD5: 'md5' };
/** A single JSON document larger than this must be given as NDJSON (one page per line). */
export const MAX_JSON_DOCUMENT_CHARS = 64 * 1024 * 1024;

/**
 * Parses StopNCII `FetchHashes` responses: a JSON page `{ hashRecords: [...] }`, an array of pages,
 * or NDJSON with one page (or one hash record) per line, for exports of any size in constant
 * memory. Records with status `Withdrawn` or `Deleted` yield withdrawals: the person who submitted
 * them asked for them to stop being used. `line` is the line of the page (NDJSON) and the record's
 * position within it is in messages.
 */
export async function* parseStopNciiJson(
  source: TextSource,
  origin = 'stopncii',
): AsyncGenerator<ImportRecord> {
  let buffered = '';
  let ndjson: boolean | null = null;
  for await (const { line, text } of textLines(source)) {
    const trimmed = text.trim();
    if (ndjson === null && trimmed !== '') ndjson = trimmed.startsWith('{') && isCompleteJson(trimmed);
    if (ndjson) {
      if (trimmed === '') continue;
      yield* parseDocument(trimmed, line, origin);
    } else {
      buffered += text + '\n';
      if (buffered.length > MAX_JSON_DOCUMENT_CHARS) {
        yield {
          kind: 'error',
          line,
          message: 'The JSON document is too large: export it as NDJSON, one page per line.',
        };
        return;
      }
    }
  }
  if (!ndjson && buffered.trim() !== '') yield* parseDocument(buffered, 1, origin);
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function* parseDocument(text: string, line: number, origin: string): Generator<ImportRecord> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    yield { kind: 'error', line, message: `Not valid JSON: ${(error as Error).message}` };
    return;
  }
  const pages = Array.isArray(document) ? document : [document];
  for (const page of pages) {
    if (isRecord(page) && Array.isArray(page.hashRecords)) {
      let index = 0;
      for (const record of page.hashRecords) yield recordToImport(record, line, index++, origin);
    } else if (isRecord(page) && 'hashValue' in page) {
      yield recordToImport(page, line, 0, origin);
    } else {
      yield {
        kind: 'error',
        line,
        message: 'Expected a FetchHashes page ({ "hashRecords": [...] }) or a hash record.',
      };
    }
  }
}

function recordToImport(record: unknown, line: number, index: number, origin: string): ImportRecord {
  if (!isRecord(record) || typeof record.hashValue !== 'string' || typeof record.signalType !== 'string') {
    return { kind: 'error', line, message: `hashRecords[${index}] needs signalType and hashValue.` };
  }
  const signalType = SIGNALS[record.signalType];
  if (!signalType) {
    return {
      kind: 'skipped',
      line,
      reason: `hashRecords[${index}]: signal type ${record.signalType} is not one Hashline matches on.`,
    };
  }
  if (record.hashStatus === 'Withdrawn' || record.hashStatus === 'Deleted') {
    return { kind: 'withdrawal', line, withdrawn: { signalType, value: record.hashValue } };
  }
  const cases = Array.isArray(record.caseNumbers)
    ? record.caseNumbers.filter((c) => typeof c === 'string')
    : [];
  return {
    kind: 'hash',
    line,
    hash: {
      signalType,
      value: record.hashValue,
      provenance: { source: origin, externalId: (cases[0] as string | undefined) ?? null },
    },
  };
}
