// The assessment form's check before sending (issue 17): every missing or wrong field is named in
// one message, in the analyst's language, instead of one failed submit at a time.
import { afterEach, describe, expect, it } from 'vitest';
import { toAssessmentInput, type Draft } from '../src/workbench/assessment-form.js';
import { WB, setWorkbenchLanguage } from '../src/workbench/workbench-messages.js';

const EMPTY: Draft = {
  internationalStatus: '',
  nationalStatus: '',
  jurisdiction: 'BE',
  legalBasis: '',
  severityUk: '',
  industryClassification: '',
  ageBand: '',
  sex: '',
  victimCount: '',
  selfGenerated: 'unknown',
  contentOrigin: 'unknown',
  flags: [],
  confidence: '',
  notes: '',
};

afterEach(() => setWorkbenchLanguage('en'));

describe('toAssessmentInput', () => {
  it('names every missing field at once, in form order', () => {
    expect(toAssessmentInput({ ...EMPTY, jurisdiction: 'B', victimCount: '-1' })).toEqual({
      missing: [
        WB.internationalStatus,
        WB.nationalStatus,
        WB.jurisdiction,
        WB.ageBand,
        WB.sex,
        WB.victimCount,
        WB.confidence,
      ],
    });
    setWorkbenchLanguage('fr');
    expect(toAssessmentInput({ ...EMPTY, internationalStatus: 'baseline' })).toMatchObject({
      missing: [
        'Statut national',
        'Tranche d’âge du plus jeune enfant visible',
        'Sexe des enfants visibles',
        'Certitude',
      ],
    });
  });

  it('gives the API input once everything required is chosen', () => {
    expect(
      toAssessmentInput({
        ...EMPTY,
        internationalStatus: 'not_baseline',
        nationalStatus: 'illegal',
        jurisdiction: 'be',
        ageBand: '14-15',
        sex: 'girls',
        victimCount: '1',
        confidence: 'certain',
        flags: ['viral'],
      }),
    ).toMatchObject({ nationalStatus: 'illegal', jurisdiction: 'BE', victimCount: 1, flags: ['viral'] });
  });
});
