import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  detectHashListFormat,
  exportHashList,
  importHashList,
  parseHashList,
  readVpdqFile,
  type BankEntry,
  type BankService,
  type ImportFormat,
  type ImportRecord,
  type ImportSummary,
} from '@hashline/domain';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { randomPdq, seeded, setup } from './support.js';

// Issue 14, item 2: each test here failed on the code before it (see the issue's list).

const ncmecPage = (body: string, next = ''): string =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
${body}
${next ? `<paging><next>${next}</next></paging>` : ''}
</queryResult>
`;

const video = (member: string, id: string, classification: string, md5: string): string => `
  <video>
    <member id="${member}">Member ${member}</member>
    <timestamp>2019-11-25T15:10:00Z</timestamp>
    <id>${id}</id>
    <classification>${classification}</classification>
    <fingerprints><md5>${md5}</md5></fingerprints>
  </video>`;

const deletedVideo = (member: string, id: string): string => `
  <deletedVideo>
    <member id="${member}">Member ${member}</member>
    <id>${id}</id>
    <timestamp>2019-11-26T15:10:00Z</timestamp>
  </deletedVideo>`;

const FACE = 'facefacefacefacefacefacefaceface';
const BACE = 'bacebacebacebacebacebacebacebace';
const CAFE = 'cafecafecafecafecafecafecafecafe';

async function records(text: string, format: ImportFormat): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  for await (const r of parseHashList([text], format, 'import:test')) out.push(r);
  return out;
}

async function run(
  banks: BankService,
  bank: string,
  text: string,
  format: ImportFormat,
  extra: { onError?: 'skip' | 'abort'; batchSize?: number; stageAfterRecords?: number } = {},
): Promise<ImportSummary> {
  return importHashList(banks, bank, () => [text], {
    format,
    onError: extra.onError ?? 'skip',
    addedBy: 'test',
    origin: 'import:test',
    ...(extra.batchSize ? { batchSize: extra.batchSize } : {}),
    ...(extra.stageAfterRecords !== undefined ? { stageAfterRecords: extra.stageAfterRecords } : {}),
  });
}

async function entries(banks: BankService, bank: string): Promise<BankEntry[]> {
  return (await banks.listEntries(bank, { limit: 1000, includeDisabled: true })).entries;
}

async function fresh() {
  const s = await setup();
  await s.banks.createBank({ name: 'ncmec', kind: 'known_csam' });
  return s;
}

describe('NCMEC hash-sharing XML (issue 14)', () => {
  // python-threatexchange's NCMEC test data shows updates this way: the same id, A1 then A2,
  // and a deletion of another id, in the next page.
  const page3 = ncmecPage(video('101', 'willupdate', 'A1', FACE) + video('101', 'willdelete', 'A1', BACE));
  const page4 = ncmecPage(video('101', 'willupdate', 'A2', FACE) + deletedVideo('101', 'willdelete'));

  test('an entry updated in a later page changes the entry; a deletion removes it (pages one by one)', async () => {
    const { banks } = await fresh();
    await run(banks, 'ncmec', page3, 'ncmec-xml');
    const summary = await run(banks, 'ncmec', page4, 'ncmec-xml');
    expect(summary).toMatchObject({ updated: 1, withdrawalsApplied: 1, errors: 0 });
    const list = await entries(banks, 'ncmec');
    expect(list.map((e) => [e.value, e.classification.industry])).toEqual([[FACE, 'A2']]);
  });

  test('concatenated pages (each with its XML declaration) parse as one file, in order', async () => {
    const { banks } = await fresh();
    const summary = await run(banks, 'ncmec', page3 + page4, 'ncmec-xml');
    expect(summary).toMatchObject({ errors: 0, aborted: false });
    const list = await entries(banks, 'ncmec');
    expect(list.map((e) => [e.value, e.classification.industry])).toEqual([[FACE, 'A2']]);
  });

  test('a deletion from member 43 does not withdraw member 42 entry with the same id', async () => {
    const { banks } = await fresh();
    await run(banks, 'ncmec', ncmecPage(video('42', 'image4', 'A1', FACE)), 'ncmec-xml');
    const summary = await run(banks, 'ncmec', ncmecPage(deletedVideo('43', 'image4')), 'ncmec-xml');
    expect(summary).toMatchObject({ withdrawalsApplied: 0, withdrawalsUnmatched: 1 });
    expect((await entries(banks, 'ncmec')).map((e) => e.value)).toEqual([FACE]);
    await run(banks, 'ncmec', ncmecPage(deletedVideo('42', 'image4')), 'ncmec-xml');
    expect(await entries(banks, 'ncmec')).toEqual([]);
  });

  test('the member is the entry own, not one nested in its feedback', async () => {
    const xml = ncmecPage(`
      <image>
        <member id="42">Example Member</member>
        <id>image1</id>
        <classification>A1</classification>
        <fingerprints><md5>${CAFE}</md5></fingerprints>
        <feedback>
          <affirmativeFeedback type="Md5"><members><member id="99">Someone else</member></members></affirmativeFeedback>
          <negativeFeedback type="Sha1"><reasons><members><member id="77">Third</member></members></reasons></negativeFeedback>
        </feedback>
      </image>`);
    const [record] = await records(xml, 'ncmec-xml');
    expect(record).toMatchObject({
      kind: 'hash',
      hash: { value: CAFE, provenance: { source: 'ncmec', externalId: 'image1', member: '42' } },
    });
  });

  test('fingerprints given only as a link (TMK+PDQF, Videntifier) each get a "not imported" line', async () => {
    const xml = ncmecPage(`
      <video>
        <member id="101">TX Example</member>
        <id>largetags</id>
        <classification>A2</classification>
        <fingerprints>
          <md5>${FACE}</md5>
          <tmk-pdqf rel="self" href="/v2/entries/1/fingerprints/TMK_PDQF"/>
          <videntifier rel="self" href="/v2/entries/1/fingerprints/VIDENTIFIER"/>
        </fingerprints>
      </video>`);
    const out = await records(xml, 'ncmec-xml');
    expect(out.map((r) => r.kind)).toEqual(['hash', 'skipped', 'skipped']);
    expect(out.filter((r) => r.kind === 'skipped').map((r) => (r as { reason: string }).reason)).toEqual([
      expect.stringMatching(/Not imported: .*TMK\+PDQF \(given only as a link\)/),
      expect.stringMatching(/Not imported: .*Videntifier \(given only as a link\)/),
    ]);
  });

  test('malformed XML imports nothing, even when bad rows are skipped', async () => {
    const { banks } = await fresh();
    const broken = ncmecPage(video('42', 'a', 'A1', FACE) + video('42', 'b', 'A1', BACE)).replace(
      '</queryResult>',
      '<video><id>c</video></queryResult>',
    );
    for (const onError of ['skip', 'abort'] as const) {
      const summary = await run(banks, 'ncmec', broken, 'ncmec-xml', { onError });
      expect(summary).toMatchObject({ aborted: true, added: 0 });
      expect(summary.problems[0]!.message).toMatch(/Not well-formed XML/);
      expect(await entries(banks, 'ncmec')).toEqual([]);
    }
  });
});

describe('withdrawals in file order within one import (issue 14)', () => {
  const file = ncmecPage(
    video('101', 'x1', 'A1', FACE) + deletedVideo('101', 'x1') + video('101', 'x2', 'A1', BACE),
  );

  for (const [name, options] of [
    ['one batch', {}],
    ['batches of one record', { batchSize: 1 }],
    ['staged upserts', { batchSize: 1, stageAfterRecords: 0 }],
  ] as const) {
    test(`an add followed by its deletion leaves nothing live; a re-import adds nothing back (${name})`, async () => {
      const { banks } = await fresh();
      await run(banks, 'ncmec', file, 'ncmec-xml', options);
      expect((await entries(banks, 'ncmec')).map((e) => e.value)).toEqual([BACE]);
      await run(banks, 'ncmec', file, 'ncmec-xml', options);
      expect((await entries(banks, 'ncmec')).map((e) => e.value)).toEqual([BACE]);
    });
  }
});

describe('a hash shared by several sources (issue 14)', () => {
  test('a second entry keeps its own provenance; deleting one leaves the hash live for the other', async () => {
    const { banks, engine } = await fresh();
    await run(
      banks,
      'ncmec',
      ncmecPage(video('42', 'img-a', 'A1', FACE) + video('43', 'img-b', 'A1', FACE)),
      'ncmec-xml',
    );
    const [entry] = await entries(banks, 'ncmec');
    expect(entry!.provenance).toMatchObject({ source: 'ncmec', externalId: 'img-a', member: '42' });
    expect((await banks.getEntrySources([entry!.id])).get(entry!.id)).toEqual([
      { source: 'ncmec', externalId: 'img-b', member: '43' },
    ]);
    const summary = await run(banks, 'ncmec', ncmecPage(deletedVideo('42', 'img-a')), 'ncmec-xml');
    expect(summary).toMatchObject({ withdrawalsApplied: 0, withdrawalsUnmatched: 0 });
    const [left] = await entries(banks, 'ncmec');
    expect(left).toMatchObject({ id: entry!.id, value: FACE });
    expect(left!.provenance).toMatchObject({ externalId: 'img-b', member: '43' });
    expect(engine.query({ signalType: 'md5', value: FACE }).matches).toHaveLength(1);
    await run(banks, 'ncmec', ncmecPage(deletedVideo('43', 'img-b')), 'ncmec-xml');
    expect(await entries(banks, 'ncmec')).toEqual([]);
    expect(engine.query({ signalType: 'md5', value: FACE }).matches).toEqual([]);
  });
});

describe('StopNCII FetchHashes (issue 14)', () => {
  const pdq = randomPdq(seeded(41));
  const page = (caseNumbers: unknown, hashStatus = 'Active') =>
    JSON.stringify({
      count: 1,
      nextPageToken: null,
      nextSetTimestamp: 1700000000,
      hasMoreRecords: false,
      hashRecords: [
        {
          lastModtimestamp: 1700000000,
          signalType: 'ImagePDQ',
          hashValue: pdq,
          hashStatus,
          caseNumbers,
          CSPFeedbacks: [
            { feedbackValue: 'Blocked', tags: ['x'], source: 'Platform A' },
            { feedbackValue: 'Blocked', tags: [], source: 'Platform B' },
            { feedbackValue: 'NotBlocked', tags: [], source: 'Platform C' },
          ],
        },
      ],
    });

  test('caseNumbers is an object of case → status: each case is a source; platform feedback is kept', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'ncii', kind: 'ncii_adults' });
    await run(banks, 'ncii', page({ 'case-1': 'Active', 'case-2': 'Received' }), 'stopncii-json');
    const [entry] = await entries(banks, 'ncii');
    expect(entry!.provenance).toMatchObject({ source: 'stopncii', externalId: 'case-1' });
    expect(entry!.note).toBe('StopNCII partner feedback: Blocked ×2, NotBlocked ×1');
    expect((await banks.getEntrySources([entry!.id])).get(entry!.id)).toEqual([
      { source: 'stopncii', externalId: 'case-2', member: null },
    ]);
    // One case withdrawn: the hash stays for the other; both withdrawn: it goes.
    await run(banks, 'ncii', page({ 'case-1': 'Withdrawn', 'case-2': 'Active' }), 'stopncii-json');
    expect((await entries(banks, 'ncii')).map((e) => e.provenance.externalId)).toEqual(['case-2']);
    await run(
      banks,
      'ncii',
      page({ 'case-1': 'Withdrawn', 'case-2': 'Withdrawn' }, 'Withdrawn'),
      'stopncii-json',
    );
    expect(await entries(banks, 'ncii')).toEqual([]);
  });
});

/** What python-threatexchange's file exchange does with a line: split at the first space. */
function pytxReadLine(line: string): [string, string] | null {
  const trimmed = line.trim();
  const space = trimmed.indexOf(' ');
  const [type, signal] = space < 0 ? [trimmed, ''] : [trimmed.slice(0, space), trimmed.slice(space + 1)];
  return type && signal ? [type, signal] : null;
}

describe('ThreatExchange / HMA files (issue 14)', () => {
  test('the export is read back by python-threatexchange file exchange: 16 of 16 PDQ signals', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'te', kind: 'known_csam' });
    const next = seeded(16);
    const hashes = Array.from({ length: 16 }, () => randomPdq(next));
    await banks.addEntries(
      'te',
      hashes.map((value) => ({ signalType: 'pdq', value })),
      'test',
    );
    let text = '';
    for await (const chunk of exportHashList(banks, 'te', 'threatexchange')) text += chunk;
    const read = text
      .split('\n')
      .filter((l) => l !== '')
      .map(pytxReadLine)
      .filter((r): r is [string, string] => r !== null && r[0] === 'pdq')
      .map((r) => r[1]);
    expect(read.sort()).toEqual([...hashes].sort());
  });

  test('threatexchange dataset --csv output imports without flags; NEGATIVE_CLASS rows are not imported', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'pytx', kind: 'known_csam' });
    const next = seeded(17);
    const [a, b] = [randomPdq(next), randomPdq(next)];
    const csv =
      'collab,signal_type,signal_str,category,tags\r\n' +
      `Sample Data,pdq,${a},POSITIVE_CLASS,media_priority_s1 foo\r\n` +
      `Sample Data,pdq,${b},NEGATIVE_CLASS,\r\n` +
      `Sample Data,video_md5,${FACE},INVESTIGATION_SEED,\r\n` +
      `Sample Data,photodna,AAAA,POSITIVE_CLASS,\r\n`;
    const detected = detectHashListFormat('collab.csv', csv);
    expect(detected).toMatchObject({ format: 'csv', reason: expect.stringContaining('dataset --csv') });
    const summary = await run(banks, 'pytx', csv, detected!.format as ImportFormat);
    expect(summary).toMatchObject({ added: 2, skipped: 2, errors: 0 });
    const list = await entries(banks, 'pytx');
    expect(list.map((e) => [e.signalType, e.value, e.provenance.member, e.note]).sort()).toEqual(
      [
        ['md5', FACE, 'Sample Data', null],
        ['pdq', a, 'Sample Data', 'tags: media_priority_s1 foo'],
      ].sort(),
    );
  });

  test('a bare hash list (one PDQ hash per line, .txt) imports without flags', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'bare', kind: 'known_csam' });
    const next = seeded(18);
    const hashes = Array.from({ length: 5 }, () => randomPdq(next));
    const text = hashes.join('\n') + '\n';
    const detected = detectHashListFormat('needles.txt', text);
    expect(detected).toMatchObject({ format: 'csv', reason: expect.stringContaining('bare hex hashes') });
    const summary = await run(banks, 'bare', text, detected!.format as ImportFormat);
    expect(summary).toMatchObject({ added: 5, errors: 0 });
  });

  test('vPDQ sample hash files are recognised as videos, not misread as hash lists', () => {
    const dir = resolve(PDQ_FIXTURES, 'vpdq-sample-hashes');
    const name = readdirSync(dir).find((f) => f.endsWith('.txt'))!;
    const text = readFileSync(resolve(dir, name), 'utf8');
    const detected = detectHashListFormat(name, text.slice(0, 4096));
    expect(detected).toMatchObject({ format: 'vpdq', reason: expect.stringContaining('vPDQ hasher output') });
    const read = readVpdqFile(name, text);
    expect(read.problems).toEqual([]);
    expect(read.items).toHaveLength(1);
  });

  test('format detection says what it chose', () => {
    expect(detectHashListFormat('x.dat', '<?xml version="1.0"?><queryResult/>')).toMatchObject({
      format: 'ncmec-xml',
    });
    expect(detectHashListFormat('x.dat', '{"hashRecords":[]}')).toMatchObject({ format: 'stopncii-json' });
    expect(detectHashListFormat('x.dat', `pdq ${'ab'.repeat(32)}\n`)).toMatchObject({
      format: 'threatexchange',
      reason: expect.stringContaining('signal_type signal'),
    });
    expect(detectHashListFormat('x.tsv', 'signal_type\tvalue\n')).toMatchObject({ format: 'tsv' });
    expect(detectHashListFormat('x.dat', '')).toBeUndefined();
    expect(detectHashListFormat('x.csv', '')).toMatchObject({
      format: 'csv',
      reason: expect.stringContaining('extension'),
    });
  });
});

describe('round trips: export, then import into an empty bank (issue 14)', () => {
  for (const format of ['csv', 'tsv', 'threatexchange'] as const) {
    test(`${format} loses nothing the format carries`, async () => {
      const { banks } = await fresh();
      const next = seeded(19);
      const p = randomPdq(next);
      await run(
        banks,
        'ncmec',
        ncmecPage(
          video('42', 'v1', 'A1', FACE) +
            video('43', 'v9', 'A1', FACE) +
            video('42', 'v2', 'B2', BACE) +
            `<image><member id="44">M</member><id>i1</id><classification>A2</classification><fingerprints><pdq>${p}</pdq></fingerprints></image>`,
        ),
        'ncmec-xml',
      );
      const before = await entries(banks, 'ncmec');
      let text = '';
      for await (const chunk of exportHashList(banks, 'ncmec', format)) text += chunk;
      await banks.createBank({ name: 'copy', kind: 'known_csam' });
      const summary = await run(banks, 'copy', text, format);
      expect(summary.errors).toBe(0);
      const after = await entries(banks, 'copy');
      const view = async (list: BankEntry[]) => {
        const sources = await banks.getEntrySources(list.map((e) => e.id));
        return list.map((e) =>
          format === 'threatexchange'
            ? [e.signalType, e.value]
            : [
                e.signalType,
                e.value,
                e.quality,
                e.classification,
                e.provenance,
                sources.get(e.id) ?? [],
                e.note,
              ],
        );
      };
      expect(await view(after)).toEqual(await view(before));
    });
  }
});
