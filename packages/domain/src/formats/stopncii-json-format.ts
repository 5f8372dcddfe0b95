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
          fatal: true,
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
      for (const record of page.hashRecords) yield* recordToImport(record, line, index++, origin);
    } else if (isRecord(page) && 'hashValue' in page) {
      yield* recordToImport(page, line, 0, origin);
    } else {
      yield {
        kind: 'error',
        line,
        message: 'Expected a FetchHashes page ({ "hashRecords": [...] }) or a hash record.',
      };
    }
  }
}

/** StopNCII statuses that mean "stop using this hash". */
const WITHDRAWN_STATUSES = new Set(['Withdrawn', 'Deleted']); // enumeration values (StopNCII hashStatus)

/**
 * The records of one hash: its `caseNumbers` (an object of case number → case status in the API;
 * an array of case numbers in older exports) each become a source of the hash (source
 * `stopncii`, the case number as external id), so a case withdrawn later removes only that case;
 * a case whose own status is Withdrawn/Deleted yields a withdrawal of that case, and an
 * aggregate `hashStatus` of Withdrawn/Deleted a withdrawal of the hash. Platforms' (CSPs')
 * feedback is kept in the note (`StopNCII partner feedback: Blocked ×2, NotBlocked ×1`).
 */
function* recordToImport(
  record: unknown,
  line: number,
  index: number,
  origin: string,
): Generator<ImportRecord> {
  if (!isRecord(record) || typeof record.hashValue !== 'string' || typeof record.signalType !== 'string') {
    yield { kind: 'error', line, message: `hashRecords[${index}] needs signalType and hashValue.` };
    return;
  }
  const signalType = SIGNALS[record.signalType];
  if (!signalType) {
    yield {
      kind: 'skipped',
      line,
      reason: `hashRecords[${index}]: signal type ${record.signalType} is not one Hashline matches on.`,
    };
    return;
  }
  if (typeof record.hashStatus === 'string' && WITHDRAWN_STATUSES.has(record.hashStatus)) {
    yield { kind: 'withdrawal', line, withdrawn: { signalType, value: record.hashValue } };
    return;
  }
  const cases: { id: string; status: string | null }[] = [];
  if (Array.isArray(record.caseNumbers)) {
    for (const c of record.caseNumbers) if (typeof c === 'string') cases.push({ id: c, status: null });
  } else if (isRecord(record.caseNumbers)) {
    for (const [id, status] of Object.entries(record.caseNumbers)) {
      cases.push({ id, status: typeof status === 'string' ? status : null });
    }
  }
  const note = feedbackNote(record.CSPFeedbacks);
  const live = cases.filter((c) => c.status === null || !WITHDRAWN_STATUSES.has(c.status));
  for (const c of cases) {
    if (c.status !== null && WITHDRAWN_STATUSES.has(c.status)) {
      yield { kind: 'withdrawal', line, withdrawn: { source: origin, externalId: c.id } };
    }
  }
  if (cases.length > 0 && live.length === 0) return;
  const hash = (externalId: string | null): ImportRecord => ({
    kind: 'hash',
    line,
    hash: { signalType, value: record.hashValue as string, provenance: { source: origin, externalId }, note },
  });
  if (live.length === 0) yield hash(null);
  for (const c of live) yield hash(c.id);
}

/** Platforms' feedback on a hash, counted per value, as a note; null when there is none. */
function feedbackNote(feedbacks: unknown): string | null {
  if (!Array.isArray(feedbacks)) return null;
  const counts = new Map<string, number>();
  for (const f of feedbacks) {
    if (isRecord(f) && typeof f.feedbackValue === 'string') {
      counts.set(f.feedbackValue, (counts.get(f.feedbackValue) ?? 0) + 1);
    }
  }
  if (counts.size === 0) return null;
  return `StopNCII partner feedback: ${[...counts].map(([v, n]) => `${v} ×${n}`).join(', ')}`;
}
