// The printable referral summary's words (issue 17): every language has the English keys (the
// type checks that), the same {placeholders} in each, no empty text, and the terms of the
// Luxembourg Guidelines; a document built in a language uses its words.
import { describe, expect, it } from 'vitest';
import { REFERRAL_DOCUMENT_LABELS, REPORT_LANGUAGES, fillLabel } from '../../src/index.js';

const placeholders = (text: string) =>
  [...text.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1])
    .sort()
    .join();

describe('referral document labels', () => {
  const english = REFERRAL_DOCUMENT_LABELS.en;
  for (const language of REPORT_LANGUAGES) {
    it(`${language}: the same placeholders as English, no empty text, no blaming words`, () => {
      const labels = REFERRAL_DOCUMENT_LABELS[language];
      expect(Object.keys(labels).sort()).toEqual(Object.keys(english).sort());
      const wrong = (Object.keys(english) as (keyof typeof english)[]).filter(
        (key) => placeholders(english[key]) !== placeholders(labels[key]),
      );
      expect(wrong).toEqual([]);
      expect(Object.values(labels).filter((text) => text.trim() === '')).toEqual([]);
      expect(Object.values(labels).filter((text) => /porn/i.test(text))).toEqual([]);
    });
  }

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(fillLabel(REFERRAL_DOCUMENT_LABELS.nl.page, { n: 2, total: 3 })).toBe('Pagina 2 van 3');
    expect(fillLabel('{a} {b}', { a: 1 })).toBe('1 {b}');
  });
});
