import { describe, expect, it } from 'vitest';
import {
  checkSignal,
  fileSubject,
  hashSubject,
  parseHashArgument,
  parseHashLine,
} from '../src/match/match-subject.js';

const PDQ = 'd8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22';
const MD5 = '0123456789abcdef0123456789abcdef';
const SHA1 = '0123456789abcdef0123456789abcdef01234567';

describe('hash arguments', () => {
  it('reads bare hex by length and prefixed hashes by their prefix', () => {
    expect(parseHashArgument(PDQ)).toEqual({ signalType: 'pdq', value: PDQ });
    expect(parseHashArgument(MD5)).toEqual({ signalType: 'md5', value: MD5 });
    expect(parseHashArgument(SHA1)).toEqual({ signalType: 'sha1', value: SHA1 });
    expect(parseHashArgument(`SHA256:${PDQ}`)).toEqual({ signalType: 'sha256', value: PDQ });
    expect(parseHashArgument('pdq:abc')).toEqual({ signalType: 'pdq', value: 'abc' }); // invalid later
  });

  it('leaves anything else to be a path', () => {
    for (const arg of ['photo.jpg', 'deadbeef', `${PDQ}.jpg`, './' + PDQ, 'sha512:abcd', '']) {
      expect(parseHashArgument(arg), arg).toBeUndefined();
    }
  });
});

describe('--hashes-from lines', () => {
  it('reads hashes, typed lines and hashline hash / pdq-photo-hasher output', () => {
    expect(parseHashLine(`  ${PDQ}  `)).toEqual({
      kind: 'hash',
      signalType: 'pdq',
      value: PDQ,
      quality: null,
      label: null,
    });
    expect(parseHashLine(`md5,${MD5}`)).toMatchObject({ kind: 'hash', signalType: 'md5', value: MD5 });
    expect(parseHashLine(`sha1 ${SHA1}`)).toMatchObject({ kind: 'hash', signalType: 'sha1', value: SHA1 });
    expect(parseHashLine(`${PDQ},87,photos/a, b.jpg`)).toEqual({
      kind: 'hash',
      signalType: 'pdq',
      value: PDQ,
      quality: 87,
      label: 'photos/a, b.jpg',
    });
    expect(parseHashLine(`${PDQ},100`)).toMatchObject({ quality: 100, label: null });
  });

  it('skips blank lines and comments, and explains unreadable lines', () => {
    expect(parseHashLine('')).toEqual({ kind: 'empty' });
    expect(parseHashLine('# header')).toEqual({ kind: 'empty' });
    expect(parseHashLine('path,pdq,quality')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('expected a hash'),
    });
    expect(parseHashLine(`${PDQ},high,x.jpg`)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('PDQ quality'),
    });
  });
});

describe('validation before sending', () => {
  it('applies the domain rules: hex length, PDQ quality and degenerate hashes', () => {
    expect(checkSignal('pdq', PDQ.toUpperCase(), 90)).toEqual({ ok: true, value: PDQ });
    expect(checkSignal('pdq', PDQ, 49)).toMatchObject({ ok: false, skipped: { code: 'LOW_QUALITY_HASH' } });
    expect(checkSignal('pdq', 'f'.repeat(64), null)).toMatchObject({
      ok: false,
      skipped: { code: 'DEGENERATE_HASH' },
    });
    expect(checkSignal('md5', 'abc', null)).toMatchObject({ ok: false, skipped: { code: 'INVALID_HASH' } });
  });

  it('a file with a low-quality PDQ is still matched by MD5 and SHA-256', () => {
    const subject = fileSubject('flat.png', {
      pdq: PDQ,
      quality: 10,
      width: 64,
      height: 64,
      md5: MD5,
      sha1: SHA1,
      sha256: PDQ,
    });
    expect(subject.queries.map((q) => q.signalType)).toEqual(['md5', 'sha256']);
    expect(subject.skipped).toMatchObject([{ signalType: 'pdq', code: 'LOW_QUALITY_HASH' }]);
    expect(subject.hashes).toEqual({ pdq: PDQ, quality: 10, md5: MD5, sha256: PDQ });
  });

  it('sends the 7 dihedral variants with the PDQ query, not the original twice', () => {
    const names = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm'] as const;
    const dihedral = Object.fromEntries(
      names.map((n, i) => [n, i === 0 ? PDQ : PDQ.slice(0, 62) + String(i).padStart(2, '0')]),
    );
    const subject = fileSubject('a.jpg', {
      pdq: PDQ,
      quality: 100,
      width: 1,
      height: 1,
      dihedral: dihedral as never,
    });
    expect(subject.queries[0]!.variants!.map((v) => v.name)).toEqual(names.slice(1));
  });

  it('a hash subject without a usable hash has no query and says why', () => {
    const subject = hashSubject('pdq', '0'.repeat(64), null, 'zeros');
    expect(subject.queries).toEqual([]);
    expect(subject.skipped[0]!.code).toBe('DEGENERATE_HASH');
  });
});
