import { describe, expect, it } from 'vitest';
import { DIHEDRAL_NAMES } from '@hashline/pdq';
import { createOutputFormatter, csvField, tsvField } from '../src/hash/output-format.js';
import type { HashRecord } from '../src/hash/hash-record.js';

const H = (digit: string) => digit.repeat(64);
const record: HashRecord = {
  path: 'dir/a, "b".jpg',
  pdq: H('a'),
  quality: 87,
  width: 640,
  height: 480,
  dihedral: Object.fromEntries(
    DIHEDRAL_NAMES.map((name, i) => [name, H(String(i))]),
  ) as HashRecord['dihedral'],
  md5: 'm'.repeat(32),
  sha1: 's'.repeat(40),
  sha256: 'f'.repeat(64),
};

function render(name: Parameters<typeof createOutputFormatter>[0], dihedral: boolean, crypto: boolean) {
  const formatter = createOutputFormatter(name, { dihedral, crypto });
  return (
    formatter.begin() +
    formatter.record(record, 0) +
    formatter.record({ ...record, path: 'z.png' }, 1) +
    formatter.end()
  );
}

describe('output formats', () => {
  it('--robust adds the variants as one name:hash;… field before the path, or as objects in json', () => {
    const variants = [
      { name: 'trim', pdq: H('b'), quality: 90 },
      { name: 'crop-c4', pdq: H('c'), quality: 88 },
    ];
    const robust = { dihedral: false, crypto: false, robust: true };
    const plain = createOutputFormatter('plain', robust);
    expect(plain.record({ ...record, variants }, 0)).toBe(
      `${H('a')},87,trim:${H('b')};crop-c4:${H('c')},dir/a, "b".jpg\n`,
    );
    expect(plain.record({ ...record, path: 'z.png' }, 1)).toBe(`${H('a')},87,,z.png\n`);
    const csv = createOutputFormatter('csv', robust);
    expect(csv.begin()).toBe('path,pdq,quality,width,height,variants\n');
    const json = createOutputFormatter('ndjson', robust);
    expect(JSON.parse(json.record({ ...record, variants }, 0)).variants).toEqual(variants);
  });

  it('plain is hash,quality,path with the raw path last', () => {
    expect(render('plain', false, false)).toBe(`${H('a')},87,dir/a, "b".jpg\n${H('a')},87,z.png\n`);
  });

  it('plain --dihedral follows pdq-photo-hasher --pdqdih-across: 8 hashes, quality, path', () => {
    const line = render('plain', true, false).split('\n')[0]!;
    expect(line).toBe([...'01234567'].map(H).join(',') + ',87,dir/a, "b".jpg');
  });

  it('plain --crypto puts md5,sha1,sha256 before the path', () => {
    const line = render('plain', false, true).split('\n')[0]!;
    expect(line).toBe(`${H('a')},87,${'m'.repeat(32)},${'s'.repeat(40)},${'f'.repeat(64)},dir/a, "b".jpg`);
  });

  it('csv has a header and quotes fields per RFC 4180', () => {
    const lines = render('csv', true, true).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'path,pdq,quality,width,height,dih_orig,dih_rot90,dih_rot180,dih_rot270,dih_flipx,dih_flipy,dih_flipp,dih_flipm,md5,sha1,sha256',
    );
    expect(lines[1]!.startsWith(`"dir/a, ""b"".jpg",${H('a')},87,640,480,${H('0')},`)).toBe(true);
    expect(lines).toHaveLength(3);
  });

  it('tsv escapes tabs, newlines and backslashes in paths', () => {
    expect(tsvField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    const lines = render('tsv', false, false).trimEnd().split('\n');
    expect(lines[0]).toBe('path\tpdq\tquality\twidth\theight');
    expect(lines[2]).toBe(`z.png\t${H('a')}\t87\t640\t480`);
  });

  it('csvField leaves plain values alone', () => {
    expect(csvField('plain.jpg')).toBe('plain.jpg');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
  });

  it('json is one array of objects, and an empty run is still valid JSON', () => {
    const parsed = JSON.parse(render('json', true, true)) as Record<string, unknown>[];
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toMatchObject({ path: record.path, pdq: H('a'), quality: 87, width: 640, height: 480 });
    expect((parsed[0]!.dihedral as Record<string, string>).flipm).toBe(H('7'));
    expect(parsed[1]!.sha256).toBe('f'.repeat(64));
    const empty = createOutputFormatter('json', { dihedral: false, crypto: false });
    expect(JSON.parse(empty.begin() + empty.end())).toEqual([]);
  });

  it('ndjson is one object per line without optional fields unless asked', () => {
    const lines = render('ndjson', false, false).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { path: record.path, pdq: H('a'), quality: 87, width: 640, height: 480 },
      { path: 'z.png', pdq: H('a'), quality: 87, width: 640, height: 480 },
    ]);
  });
});
