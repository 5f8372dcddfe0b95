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
/** Readable names of the fingerprints Hashline does not match on, for "not imported" lines. */
const OTHER_FINGERPRINTS: Readonly<Record<string, string>> = {
  pdna: 'PhotoDNA',
  'tmk-pdqf': 'TMK+PDQF',
  videntifier: 'Videntifier',
};
const ENTRY_ELEMENTS = new Set(['image', 'video', 'deletedimage', 'deletedvideo']);

/** The element that wraps concatenated pages (see {@link parseNcmecXml}); never in NCMEC's own XML. */
const PAGES_ELEMENT = 'hashline-ncmec-pages';

interface EntryState {
  readonly element: string;
  readonly line: number;
  /** Depth of the entry element in the path. */
  readonly depth: number;
  id: string | null;
  member: string | null;
  memberId: string | null;
  classification: string | null;
  fingerprints: { name: string; value: string; href: string | null }[];
}

/**
 * Streams the entries of NCMEC hash-sharing v2 `entries` responses, one page or several pages
 * concatenated (each with its own XML declaration and `queryResult` root, as a client that saves
 * page after page writes them): each `<image>`/`<video>` yields one record per fingerprint (PDQ,
 * MD5, SHA-1, SHA-256) with its classification and provenance (source `ncmec`, the NCMEC id, and
 * the member id: NCMEC ids are unique per member); `<deletedImage>`/`<deletedVideo>` yield
 * withdrawals by (member, id). An entry repeated in a later page replaces the earlier one (its
 * classification is updated). Only the entry's own `<member>` counts, not the members nested in
 * its `<feedback>`. PhotoDNA and other fingerprints Hashline does not match on, including those
 * given only as a link (`<tmk-pdqf href="…"/>`), yield a "not imported" line each. A document that
 * is not well-formed yields a fatal error at the line where it breaks: nothing after it is read.
 * Element names are matched case-insensitively and namespaces ignored.
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
    const attributes = tag.attributes as Record<string, string>;
    if (ENTRY_ELEMENTS.has(name) && path.length >= 2 && !entry) {
      entry = {
        element: name,
        line: parser.line,
        depth: path.length,
        id: null,
        member: null,
        memberId: null,
        classification: null,
        fingerprints: [],
      };
    } else if (entry && name === 'member' && path.length === entry.depth + 1) {
      // Only the entry's own member: feedback lists other members deeper down.
      entry.memberId = attributes.id ?? null;
    } else if (entry && path[path.length - 2] === 'fingerprints' && attributes.href !== undefined) {
      entry.fingerprints.push({ name, value: '', href: attributes.href });
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
    const depth = path.length;
    const parent = path[path.length - 2];
    path.pop();
    const value = text.trim();
    text = '';
    if (!entry) return;
    if (ENTRY_ELEMENTS.has(name) && depth === entry.depth) {
      out.push(...finishEntry(entry, origin));
      entry = null;
    } else if (parent === 'fingerprints' && depth === entry.depth + 2) {
      const linked = entry.fingerprints.find((f) => f.name === name && f.href !== null && f.value === '');
      if (linked && value) linked.value = value;
      else if (!linked && value) entry.fingerprints.push({ name, value, href: null });
    } else if (depth === entry.depth + 1) {
      if (name === 'id') entry.id = value;
      else if (name === 'member') entry.member = value || null;
      else if (name === 'classification') entry.classification = value;
    }
  });
  parser.on('error', (error) => {
    if (failed) return;
    failed = true;
    out.push({
      kind: 'error',
      fatal: true,
      line: parser.line,
      message: `Not well-formed XML: ${error.message.split('\n')[0]}; nothing after line ${parser.line} can be read.`,
    });
  });

  const feed = (chunk: string): void => {
    try {
      parser.write(chunk);
    } catch {
      // saxes reports through the error handler above and may then throw: already recorded.
      failed = true;
    }
  };
  feed(`<${PAGES_ELEMENT}>`);
  for await (const chunk of withoutDeclarations(source)) {
    feed(chunk);
    yield* out.splice(0);
    if (failed) return;
  }
  feed(`</${PAGES_ELEMENT}>`);
  if (!failed) {
    try {
      parser.close();
    } catch {
      failed = true;
    }
  }
  yield* out.splice(0);
}

/**
 * The text with every XML declaration (`<?xml …?>`) replaced by spaces (line breaks kept, so line
 * numbers stay those of the file): concatenated pages each start with one, and only the first
 * would be allowed. Their encoding is moot (the text is already decoded). A declaration split
 * across chunks is held back until it is whole.
 */
async function* withoutDeclarations(source: TextSource): AsyncGenerator<string> {
  let pending = '';
  let first = true;
  for await (let chunk of source) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    pending += chunk;
    let out = '';
    for (;;) {
      const start = pending.indexOf('<?xml');
      if (start < 0) {
        // Keep a tail that may be the start of a declaration.
        const keep = Math.min(pending.length, 4);
        out += pending.slice(0, pending.length - keep);
        pending = pending.slice(pending.length - keep);
        break;
      }
      const end = pending.indexOf('?>', start);
      if (end < 0) {
        out += pending.slice(0, start);
        pending = pending.slice(start);
        break;
      }
      const next = pending[start + 5];
      if (next !== undefined && !/\s/.test(next)) {
        // `<?xml-stylesheet …?>` and the like: a processing instruction, kept.
        out += pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        continue;
      }
      out += pending.slice(0, start) + pending.slice(start, end + 2).replace(/[^\n]/g, ' ');
      pending = pending.slice(end + 2);
    }
    if (out) yield out;
  }
  if (pending) yield pending;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
}

function finishEntry(entry: EntryState, origin: string): ImportRecord[] {
  const { line } = entry;
  // NCMEC ids are unique per member: the member id names the member (its display name may change).
  const member = entry.memberId ?? entry.member;
  if (entry.element.startsWith('deleted')) {
    return entry.id
      ? [{ kind: 'withdrawal', line, withdrawn: { externalId: entry.id, source: origin, member } }]
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
    if (!signalType || fp.value === '') {
      const named = OTHER_FINGERPRINTS[fp.name] ?? fp.name.toUpperCase();
      const how = fp.href !== null && fp.value === '' ? ' (given only as a link)' : '';
      return {
        kind: 'skipped',
        line,
        reason: `Not imported: ${entry.element} ${entry.id ?? ''} fingerprint ${named}${how} is not one Hashline matches on.`,
      };
    }
    return {
      kind: 'hash',
      line,
      hash: {
        signalType,
        value: fp.value,
        classification,
        provenance: { source: origin, externalId: entry.id, member },
      },
    };
  });
}
