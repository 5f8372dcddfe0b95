import { SaxesParser } from 'saxes';
import { INDUSTRY_CLASSIFICATIONS, type Classification, type SignalType } from '../vocabulary.js';
import type { ImportRecord, TextSource } from './import-record.js';

/** NCMEC fingerprint elements we match on; the others are skipped with a reason. */
const FINGERPRINTS: Readonly<Record<string, SignalType>> = {
  pdq: 'pdq',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
};
const ENTRY_ELEMENTS = new Set(['image', 'video', 'deletedimage', 'deletedvideo']);

interface EntryState {
  readonly element: string;
  readonly line: number;
  id: string | null;
  member: string | null;
  memberId: string | null;
  classification: string | null;
  fingerprints: { name: string; value: string }[];
}

/**
 * Streams the entries of an NCMEC hash-sharing v2 `entries` response (or several concatenated
 * pages): each `<image>`/`<video>` yields one record per fingerprint (PDQ, MD5, SHA-1) with its
 * classification and provenance (NCMEC id, member); `<deletedImage>`/`<deletedVideo>` yield
 * withdrawals by NCMEC id. Element names are matched case-insensitively and namespaces ignored.
 * PhotoDNA and other proprietary fingerprints are skipped with a reason.
 */
export async function* parseNcmecXml(source: TextSource, origin = 'ncmec'): AsyncGenerator<ImportRecord> {
  const parser = new SaxesParser({ fragment: false });
  const out: ImportRecord[] = [];
  const path: string[] = [];
  let text = '';
  let entry: EntryState | null = null;
  let failed = false;

  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    path.push(name);
    text = '';
    if (ENTRY_ELEMENTS.has(name) && path.length >= 2) {
      entry = {
        element: name,
        line: parser.line,
        id: null,
        member: null,
        memberId: null,
        classification: null,
        fingerprints: [],
      };
    } else if (entry && name === 'member') {
      entry.memberId = (tag.attributes as Record<string, string>).id ?? null;
    }
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    const parent = path[path.length - 2];
    path.pop();
    const value = text.trim();
    text = '';
    if (!entry) return;
    if (ENTRY_ELEMENTS.has(name)) {
      out.push(...finishEntry(entry, origin));
      entry = null;
    } else if (parent === 'fingerprints' && value) {
      entry.fingerprints.push({ name, value });
    } else if (ENTRY_ELEMENTS.has(parent ?? '')) {
      if (name === 'id') entry.id = value;
      else if (name === 'member') entry.member = value || null;
      else if (name === 'classification') entry.classification = value;
    }
  });
  parser.on('error', (error) => {
    failed = true;
    out.push({
      kind: 'error',
      line: parser.line,
      message: `Not well-formed XML: ${error.message.split('\n')[0]}`,
    });
  });

  for await (const chunk of source) {
    parser.write(chunk);
    yield* out.splice(0);
    if (failed) return;
  }
  parser.close();
  yield* out.splice(0);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
}

function finishEntry(entry: EntryState, origin: string): ImportRecord[] {
  const { line } = entry;
  if (entry.element.startsWith('deleted')) {
    return entry.id
      ? [{ kind: 'withdrawal', line, withdrawn: { externalId: entry.id, source: origin } }]
      : [{ kind: 'error', line, message: `<${entry.element}> without an <id>.` }];
  }
  const classification: Classification = INDUSTRY_CLASSIFICATIONS.includes(
    entry.classification?.toUpperCase() as never,
  )
    ? { industry: entry.classification!.toUpperCase() as Classification['industry'] }
    : {};
  if (entry.fingerprints.length === 0)
    return [{ kind: 'skipped', line, reason: `<${entry.element}> ${entry.id ?? ''} has no fingerprints.` }];
  return entry.fingerprints.map((fp): ImportRecord => {
    const signalType = FINGERPRINTS[fp.name];
    if (!signalType)
      return {
        kind: 'skipped',
        line,
        reason: `Fingerprint ${fp.name.toUpperCase()} is not one Hashline matches on.`,
      };
    return {
      kind: 'hash',
      line,
      hash: {
        signalType,
        value: fp.value,
        classification,
        provenance: { source: origin, externalId: entry.id, member: entry.member ?? entry.memberId },
      },
    };
  });
}
