// Pure rules of the hotline: receipt codes, URL normalisation, report validation and priority,
// assessment validation, the combined classification and the audit chain.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/index.js';
import {
  AUDIT_GENESIS_HASH,
  auditDigestInput,
  canonicalJson,
  combinedClassification,
  newReceiptCode,
  newReportId,
  normalizeReceiptCode,
  normalizeReportedUrl,
  parseAssessment,
  parsePublicReport,
  priorityOf,
  publicStatusOf,
  verifyAuditChain,
  type Assessment,
  type AuditEvent,
} from '../../src/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
let counter = 0;
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (counter++ * 37 + 11) & 255;
  return out;
};

describe('receipt codes and report ids', () => {
  it('makes readable codes that survive typing and confusable letters', () => {
    const code = newReceiptCode(random);
    expect(code).toMatch(/^HL-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(normalizeReceiptCode(code.toLowerCase())).toBe(code);
    expect(normalizeReceiptCode(code.replaceAll('-', ' '))).toBe(code);
    expect(normalizeReceiptCode('hl-oooo-iiii-llll-0000')).toBe('HL-0000-1111-1111-0000');
    expect(normalizeReceiptCode('HL-123')).toBeNull();
    expect(normalizeReceiptCode('HL-UUUU-0000-0000-0000')).toBeNull();
  });

  it('sorts report ids by time', () => {
    const a = newReportId(new Date('2026-01-01T00:00:00Z'), random);
    const b = newReportId(new Date('2026-01-01T00:00:00.001Z'), random);
    expect(a.length).toBe(26);
    expect(a < b).toBe(true);
  });
});

describe('normalizeReportedUrl', () => {
  it.each([
    ['HTTP://Example.ORG', 'http://example.org/'],
    ['https://example.org:443/a/B?x=1#frag', 'https://example.org/a/B?x=1'],
    ['http://example.org:8080/', 'http://example.org:8080/'],
    ['https://user:pw@Host.example./p', 'https://host.example/p'],
    ['http://[::1]:80/x', 'http://[::1]/x'],
  ])('%s → %s', (input, expected) => expect(normalizeReportedUrl(input)).toBe(expected));

  it.each(['javascript:alert(1)', 'ftp://example.org/', 'not a url', 'https://', 'data:text/html,x'])(
    'refuses %s',
    (input) => expect(normalizeReportedUrl(input)).toBeNull(),
  );
});

describe('parsePublicReport', () => {
  const valid = { urls: ['https://a.example/x'], concerns: ['csam'], language: 'de' };

  it('accepts a minimal report and drops repeated URLs', () => {
    const parsed = parsePublicReport({ ...valid, urls: ['https://a.example/x', 'HTTPS://A.EXAMPLE/x#y'] });
    expect(parsed).toMatchObject({
      urls: ['https://a.example/x'],
      concerns: ['csam'],
      language: 'de',
      contact: null,
      imminentDanger: false,
    });
  });

  it('percent-encodes NUL, control and bidi-override characters in reported URLs (issue 15)', () => {
    const parsed = parsePublicReport({
      ...valid,
      urls: ['https://a.example/\u202Egpj.exe', 'https://b.example/a\u0000b\u2066c\u200Fd\u0085'],
    });
    expect(parsed.urls).toEqual([
      'https://a.example/%E2%80%AEgpj.exe',
      'https://b.example/a%00b%E2%81%A6c%E2%80%8Fd%C2%85',
    ]);
    for (const url of parsed.urls)
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(url).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/);
  });

  it('names every bad field with a JSON pointer', () => {
    const error = (() => {
      try {
        parsePublicReport({
          urls: ['x', 'https://ok.example/'],
          concerns: [],
          language: 'es',
          seenWhere: 'moon',
          contact: { email: 'no', fax: '1' },
          description: 'd'.repeat(3001),
        });
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('no error');
    })();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d) => d.at).sort()).toEqual([
      '/concerns',
      '/contact/email',
      '/contact/fax',
      '/description',
      '/language',
      '/seenWhere',
      '/urls/0',
    ]);
  });

  it('treats an empty contact as anonymous', () => {
    expect(parsePublicReport({ ...valid, contact: { name: ' ', email: '' } }).contact).toBeNull();
  });
});

describe('priority, public status', () => {
  it('puts a child in danger first, then material of a child, then grooming, then the rest', () => {
    expect(priorityOf({ imminentDanger: true, concerns: ['other'] })).toBe(0);
    expect(priorityOf({ imminentDanger: false, concerns: ['other', 'sexual_extortion'] })).toBe(1);
    expect(priorityOf({ imminentDanger: false, concerns: ['grooming_solicitation'] })).toBe(2);
    expect(priorityOf({ imminentDanger: false, concerns: ['ai_generated'] })).toBe(3);
  });

  it('tells the reporter only received, in progress or closed', () => {
    expect(publicStatusOf('received')).toBe('received');
    expect(publicStatusOf('in_assessment')).toBe('in_progress');
    expect(publicStatusOf('forwarded')).toBe('in_progress');
    expect(publicStatusOf('closed_not_illegal')).toBe('closed');
    expect(publicStatusOf('removed_confirmed')).toBe('closed');
  });

  it('canonicalJson ignores key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

const ASSESSMENT = {
  internationalStatus: 'baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: 'Art. 417/43 Sw.',
  severityUk: 'C',
  industryClassification: 'A2',
  ageBand: '7-10',
  sex: 'both',
  victimCount: 2,
  selfGenerated: 'unknown',
  contentOrigin: 'ai_generated',
  flags: ['viral', 'viral'],
  confidence: 'probable',
  notes: '',
};

describe('parseAssessment', () => {
  it('accepts DOMAIN.md §8.4 exactly and normalises', () => {
    expect(parseAssessment(ASSESSMENT)).toMatchObject({ flags: ['viral'], notes: null, victimCount: 2 });
  });

  it('refuses values outside the vocabularies, field by field', () => {
    try {
      parseAssessment({
        ...ASSESSMENT,
        ageBand: '12',
        sex: 'female',
        severityUk: 'D',
        flags: ['gore'],
        jurisdiction: 'be',
        mood: 1,
      });
      throw new Error('accepted');
    } catch (e) {
      expect((e as DomainError).details.map((d) => d.at).sort()).toEqual([
        '/ageBand',
        '/flags',
        '/jurisdiction',
        '/mood',
        '/severityUk',
        '/sex',
      ]);
    }
  });
});

describe('combinedClassification', () => {
  const base = parseAssessment(ASSESSMENT);
  const a = (over: Partial<Assessment>): Assessment => ({
    ...base,
    id: 1,
    mediaId: 1,
    analystId: 'x',
    assessedAt: new Date(),
    ...over,
  });
  it('takes the most severe UK category, the first industry category, and baseline only if all agree', () => {
    expect(
      combinedClassification([a({ severityUk: 'C' }), a({ severityUk: 'B', industryClassification: null })]),
    ).toEqual({ industry: 'A2', uk: 'B', baseline: true });
    expect(
      combinedClassification([a({}), a({ internationalStatus: 'not_baseline', severityUk: null })]),
    ).toEqual({ industry: 'A2', uk: 'C', baseline: false });
  });
});

describe('verifyAuditChain', () => {
  function chain(n: number): AuditEvent[] {
    const rows: AuditEvent[] = [];
    let prev = AUDIT_GENESIS_HASH;
    for (let seq = 1; seq <= n; seq++) {
      const content = {
        seq,
        at: new Date(Date.UTC(2026, 10, 26, 12, 0, seq)),
        actor: 'a1',
        action: 'media_revealed' as const,
        subjectType: 'media',
        subjectId: String(seq),
        details: { b: seq, a: 'x' },
        prevHash: prev,
      };
      const hash = sha256Hex(auditDigestInput(content));
      rows.push({ ...content, hash });
      prev = hash;
    }
    return rows;
  }
  const head = (rows: AuditEvent[]) => ({
    seq: rows.at(-1)?.seq ?? 0,
    hash: rows.at(-1)?.hash ?? AUDIT_GENESIS_HASH,
  });

  it('accepts an intact chain, and an empty one', async () => {
    const rows = chain(5);
    expect(await verifyAuditChain(rows, head(rows), sha256Hex)).toEqual({
      ok: true,
      checked: 5,
      firstBadSeq: null,
      problem: null,
    });
    expect((await verifyAuditChain([], { seq: 0, hash: AUDIT_GENESIS_HASH }, sha256Hex)).ok).toBe(true);
  });

  it('detects an edited row, a deleted row, a deleted tail and a re-hashed edit', async () => {
    const rows = chain(6);
    const edited = rows.map((r) => (r.seq === 3 ? { ...r, details: { ...r.details, b: 99 } } : r));
    expect(await verifyAuditChain(edited, head(rows), sha256Hex)).toMatchObject({
      ok: false,
      firstBadSeq: 3,
    });
    expect(
      await verifyAuditChain(
        rows.filter((r) => r.seq !== 4),
        head(rows),
        sha256Hex,
      ),
    ).toMatchObject({ ok: false, firstBadSeq: 5 });
    expect(await verifyAuditChain(rows.slice(0, 5), head(rows), sha256Hex)).toMatchObject({
      ok: false,
      firstBadSeq: 6,
    });
    // Recomputing the edited row's own hash is not enough: the next row still points at the old one.
    const rehashed = edited.map((r) => (r.seq === 3 ? { ...r, hash: sha256Hex(auditDigestInput(r)) } : r));
    expect(await verifyAuditChain(rehashed, head(rows), sha256Hex)).toMatchObject({
      ok: false,
      firstBadSeq: 4,
    });
  });

  it('signs details independently of key order', () => {
    const [row] = chain(1);
    const { hash: _hash, ...content } = row!;
    expect(auditDigestInput({ ...content, details: { a: 'x', b: 1 } })).toBe(
      auditDigestInput({ ...content, details: { b: 1, a: 'x' } }),
    );
  });
});
