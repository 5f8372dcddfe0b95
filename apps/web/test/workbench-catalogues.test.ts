// The workbench's message catalogues (issue 17): every language has exactly the English keys (no
// missing, no extra), the same {placeholders} in every sentence, no empty text, and the Luxembourg
// Guidelines' terms; dates and numbers follow the chosen language through Intl.
import { afterEach, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../src/shared/language.js';
import { FIGURES_CATALOGUES } from '../src/figures/figures-messages.js';
import { ST, STATISTICS_CATALOGUES } from '../src/statistics/statistics-messages.js';
import { formatCount, formatShare, labelOf as statisticsLabel } from '../src/statistics/statistics-labels.js';
import {
  WB,
  WORKBENCH_CATALOGUES,
  WORKBENCH_EN,
  formatNumber,
  formatUtc,
  setWorkbenchLanguage,
  workbenchLanguage,
} from '../src/workbench/workbench-messages.js';

/** Every leaf of a catalogue as `path → text`. */
function leaves(value: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === 'string') out.set(path, value);
  else if (value && typeof value === 'object')
    for (const [key, child] of Object.entries(value))
      for (const [p, text] of leaves(child, path ? `${path}.${key}` : key)) out.set(p, text);
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

afterEach(() => setWorkbenchLanguage('en'));

describe('workbench catalogues', () => {
  const english = leaves({ text: WORKBENCH_EN.text, labels: WORKBENCH_EN.labels });

  it('has a catalogue for each language of the web app, with a distinct Intl locale', () => {
    expect(Object.keys(WORKBENCH_CATALOGUES).sort()).toEqual([...LANGUAGES].sort());
    const locales = LANGUAGES.map((l) => WORKBENCH_CATALOGUES[l].locale);
    expect(new Set(locales).size).toBe(LANGUAGES.length);
    for (const locale of locales) expect(Intl.DateTimeFormat.supportedLocalesOf([locale])).toEqual([locale]);
  });

  for (const language of LANGUAGES) {
    it(`${language}: exactly the English keys, the same placeholders, no empty text`, () => {
      const catalogue = WORKBENCH_CATALOGUES[language];
      const mine = leaves({ text: catalogue.text, labels: catalogue.labels });
      const missing = [...english.keys()].filter((k) => !mine.has(k));
      const extra = [...mine.keys()].filter((k) => !english.has(k));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
      const wrongPlaceholders = [...english]
        .filter(([key, text]) => placeholders(text).join() !== placeholders(mine.get(key)!).join())
        .map(([key]) => key);
      expect(wrongPlaceholders).toEqual([]);
      expect([...mine].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
    });
  }

  const statisticsEnglish = leaves(STATISTICS_CATALOGUES.en);
  for (const language of LANGUAGES) {
    it(`${language}: the statistics dashboard has exactly the English keys and placeholders`, () => {
      const mine = leaves(STATISTICS_CATALOGUES[language]);
      const missing = [...statisticsEnglish.keys()].filter((k) => !mine.has(k));
      const extra = [...mine.keys()].filter((k) => !statisticsEnglish.has(k));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
      const wrongPlaceholders = [...statisticsEnglish]
        .filter(([key, text]) => placeholders(text).join() !== placeholders(mine.get(key)!).join())
        .map(([key]) => key);
      expect(wrongPlaceholders).toEqual([]);
      expect([...mine].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
      expect([...mine].filter(([, text]) => /porn/i.test(text)).map(([key]) => key)).toEqual([]);
    });
  }

  const figuresEnglish = leaves(FIGURES_CATALOGUES.en);
  for (const language of LANGUAGES) {
    it(`${language}: the public figures page has exactly the English keys and placeholders`, () => {
      const mine = leaves(FIGURES_CATALOGUES[language]);
      expect([...mine.keys()].sort()).toEqual([...figuresEnglish.keys()].sort());
      const wrongPlaceholders = [...figuresEnglish]
        .filter(([key, text]) => placeholders(text).join() !== placeholders(mine.get(key)!).join())
        .map(([key]) => key);
      expect(wrongPlaceholders).toEqual([]);
      expect([...mine].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
      expect([...mine].filter(([, text]) => /porn/i.test(text)).map(([key]) => key)).toEqual([]);
    });
  }

  it('a missing key would be caught: the comparison sees a removed and an added key', () => {
    const broken = leaves({ text: { ...WORKBENCH_EN.text, extraKey: 'x' }, labels: WORKBENCH_EN.labels });
    broken.delete('text.reveal');
    expect([...english.keys()].filter((k) => !broken.has(k))).toEqual(['text.reveal']);
    expect([...broken.keys()].filter((k) => !english.has(k))).toEqual(['text.extraKey']);
  });

  it('uses the Luxembourg Guidelines terms in every language, never a "pornography" term', () => {
    const csam = { en: 'child sexual abuse material', nl: 'materiaal van seksueel misbruik van kinderen' };
    expect(WORKBENCH_CATALOGUES.en.labels.concern.csam).toBe(csam.en);
    expect(WORKBENCH_CATALOGUES.nl.labels.concern.csam).toBe(csam.nl);
    expect(WORKBENCH_CATALOGUES.fr.labels.concern.csam).toBe('matériel d’abus sexuels sur enfants');
    expect(WORKBENCH_CATALOGUES.de.labels.concern.csam).toBe('Darstellungen sexuellen Kindesmissbrauchs');
    for (const language of LANGUAGES) {
      const texts = leaves(WORKBENCH_CATALOGUES[language]);
      expect([...texts].filter(([, text]) => /porn/i.test(text)).map(([key]) => key)).toEqual([]);
      // "Self-generated" is always in quotes (it is the children's own word, not a judgement).
      expect(WORKBENCH_CATALOGUES[language].text.selfGenerated).toMatch(/^[“«„"].+[”»“"]$/u);
    }
  });

  it('switches every binding at once, and writes dates and numbers the language’s way (always UTC)', () => {
    const when = '2026-12-07T09:05:30Z';
    expect(formatUtc(when)).toMatch(/^07\/12\/2026,? 09:05 UTC$/);
    expect(formatNumber(12345)).toBe('12,345');
    setWorkbenchLanguage('nl');
    expect(workbenchLanguage).toBe('nl');
    expect(WB.reveal).toBe('Onthullen');
    expect(formatUtc(when, true)).toMatch(/^07\/12\/2026,? 09:05:30 UTC$/);
    expect(formatNumber(12345)).toBe('12.345');
    setWorkbenchLanguage('fr');
    expect(WB.reveal).toBe('Révéler');
    expect(formatUtc(when)).toMatch(/^07\/12\/(20)?26,? 09:05 UTC$/);
    expect(formatNumber(12345)).toMatch(/^12\s345$/u);
    setWorkbenchLanguage('de');
    expect(WB.reveal).toBe('Aufdecken');
    expect(formatUtc(when)).toMatch(/^07\.12\.2026,? 09:05 UTC$/);
    expect(formatNumber(12345)).toBe('12.345');
    // The statistics tab follows the workbench's language: words, counts, shares and countries.
    expect(ST.text.title).toBe('Statistik');
    expect(formatCount(12345)).toBe('12.345');
    expect(formatShare(0.125)).toBe('12,5 %');
    expect(statisticsLabel('hosting_countries', 'BE')).toBe('Belgien');
    setWorkbenchLanguage('fr');
    expect(statisticsLabel('hosting_countries', 'NL')).toBe('Pays-Bas');
    expect(statisticsLabel('report_outcome', 'illegal')).toBe('Illégal');
  });
});
