import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { CLASSIFICATION_PRESETS, ariaKeys, useShortcuts } from './keyboard-shortcuts.js';
import { errorMessage } from './sign-in-view.js';
import type { AssessmentInput, AssessmentOutcome, BulkOutcome } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import {
  AGE_BAND_LABELS,
  CONFIDENCE_LABELS,
  FLAG_LABELS,
  INTERNATIONAL_LABELS,
  NATIONAL_LABELS,
  ORIGIN_LABELS,
  SELF_GENERATED_LABELS,
  SEX_LABELS,
  WB,
  fill,
} from './workbench-messages.js';
import {
  AGE_BANDS,
  ASSESSMENT_CONFIDENCE,
  ASSESSMENT_FLAGS,
  CONTENT_ORIGINS,
  DEFAULT_JURISDICTION,
  INDUSTRY_CLASSIFICATIONS,
  INTERNATIONAL_STATUSES,
  NATIONAL_STATUSES,
  SELF_GENERATED_VALUES,
  UK_CATEGORIES,
  VICTIM_SEXES,
  type AgeBand,
  type AssessmentConfidence,
  type AssessmentFlag,
  type ContentOrigin,
  type IndustryClassification,
  type InternationalStatus,
  type NationalStatus,
  type SelfGenerated,
  type UkCategory,
  type VictimSex,
} from './workbench-vocabulary.js';

/** The form's state: '' where the analyst has not chosen yet. */
export interface Draft {
  internationalStatus: InternationalStatus | '';
  nationalStatus: NationalStatus | '';
  jurisdiction: string;
  legalBasis: string;
  severityUk: UkCategory | '';
  industryClassification: IndustryClassification | '';
  ageBand: AgeBand | '';
  sex: VictimSex | '';
  victimCount: string;
  selfGenerated: SelfGenerated;
  contentOrigin: ContentOrigin;
  flags: AssessmentFlag[];
  confidence: AssessmentConfidence | '';
  notes: string;
}

const EMPTY: Omit<Draft, 'jurisdiction'> = {
  internationalStatus: '',
  nationalStatus: '',
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

/**
 * The draft as the API wants it, or the labels of EVERY field still to choose or to correct (an
 * analyst fixes them all in one pass, not one failed submit at a time).
 */
/** The required fields still to choose or to correct, in the form's order. */
export function missingFields(draft: Draft): (keyof Draft)[] {
  const count = draft.victimCount.trim() === '' ? null : Number(draft.victimCount);
  const missing: (keyof Draft | false)[] = [
    !draft.internationalStatus && 'internationalStatus',
    !draft.nationalStatus && 'nationalStatus',
    !/^[A-Z]{2}$/.test(draft.jurisdiction.trim().toUpperCase()) && 'jurisdiction',
    !draft.ageBand && 'ageBand',
    !draft.sex && 'sex',
    count != null && (!Number.isInteger(count) || count < 0) && 'victimCount',
    !draft.confidence && 'confidence',
  ];
  return missing.filter((field): field is keyof Draft => field !== false);
}

/** The label of each field that can be missing. */
function fieldLabel(field: keyof Draft): string {
  const labels: Partial<Record<keyof Draft, string>> = {
    internationalStatus: WB.internationalStatus,
    nationalStatus: WB.nationalStatus,
    jurisdiction: WB.jurisdiction,
    ageBand: WB.ageBand,
    sex: WB.sex,
    victimCount: WB.victimCount,
    confidence: WB.confidence,
  };
  return labels[field] ?? field;
}

/**
 * The draft as the API wants it, or the labels of EVERY field still to choose or to correct (an
 * analyst fixes them all in one pass, not one failed submit at a time).
 */
export function toAssessmentInput(draft: Draft): AssessmentInput | { missing: string[] } {
  const count = draft.victimCount.trim() === '' ? null : Number(draft.victimCount);
  const missing = missingFields(draft).map(fieldLabel);
  if (
    missing.length > 0 ||
    !draft.internationalStatus ||
    !draft.nationalStatus ||
    !draft.ageBand ||
    !draft.sex ||
    !draft.confidence
  )
    return { missing };
  return {
    internationalStatus: draft.internationalStatus,
    nationalStatus: draft.nationalStatus,
    jurisdiction: draft.jurisdiction.trim().toUpperCase(),
    legalBasis: draft.legalBasis.trim() || null,
    severityUk: draft.severityUk || null,
    industryClassification: draft.industryClassification || null,
    ageBand: draft.ageBand,
    sex: draft.sex,
    victimCount: count,
    selfGenerated: draft.selfGenerated,
    contentOrigin: draft.contentOrigin,
    flags: ASSESSMENT_FLAGS.filter((f) => draft.flags.includes(f)),
    confidence: draft.confidence,
    notes: draft.notes.trim() || null,
  };
}

/** The mark of a required field: a star for the eye (the accessible name stays the label's words). */
function RequiredMark() {
  return (
    <span className="wb-required" aria-hidden="true" data-testid="required-mark">
      {' *'}
    </span>
  );
}

/** A group of radio buttons with a legend. */
function Radios<T extends string>({
  name,
  legend,
  values,
  labels,
  value,
  onChange,
  required,
  field,
}: {
  name: string;
  field: keyof Draft;
  legend: string;
  values: readonly T[];
  labels: Readonly<Record<T, string>>;
  value: T | '';
  onChange: (value: T) => void;
  required?: boolean;
}) {
  return (
    <fieldset className="wb-radios" aria-required={required} data-field={field}>
      <legend>
        {legend}
        {required && <RequiredMark />}
      </legend>
      {values.map((v) => (
        <label key={v}>
          <input
            type="radio"
            name={name}
            value={v}
            checked={value === v}
            required={required}
            onChange={() => onChange(v)}
          />
          <span>{labels[v]}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** A labelled select. */
function Select<T extends string>({
  label,
  values,
  labels,
  value,
  onChange,
  empty,
  required,
  field,
}: {
  label: string;
  field?: keyof Draft;
  values: readonly T[];
  labels?: Readonly<Record<T, string>>;
  value: T | '';
  onChange: (value: T | '') => void;
  /** The text of the "nothing chosen" option, if there is one. */
  empty?: string;
  required?: boolean;
}) {
  return (
    <label className="wb-field">
      <span>
        {label}
        {required && <RequiredMark />}
      </span>
      <select
        value={value}
        required={required}
        data-field={field}
        onChange={(e) => onChange(e.target.value as T | '')}
      >
        {empty !== undefined && <option value="">{empty}</option>}
        {values.map((v) => (
          <option key={v} value={v}>
            {labels ? labels[v] : v}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The assessment of one media item with exactly the fields of DOMAIN.md §8.4. The statuses, age
 * band, sex and confidence have no default: an analyst chooses them; "self-generated" and origin
 * default to "unknown".
 */
export function AssessmentForm({
  mediaId,
  onAssessed,
  onCancel,
  bulk,
  shortcuts = false,
  autoFocus = false,
}: {
  /** Focus the form's title when it opens (it opened by a key, far from where focus was). */
  autoFocus?: boolean;
  mediaId: number;
  /** Whether this form takes the keyboard shortcuts (the usual classifications, Ctrl+Enter). */
  shortcuts?: boolean;
  onAssessed: (outcome: AssessmentOutcome) => void;
  /** Without it, the form has no Cancel button (the full-width view keeps its form open). */
  onCancel?: () => void;
  /** Bulk mode: the same assessment recorded for each of these items of the report. */
  bulk?: {
    readonly reportId: string;
    readonly mediaIds: readonly number[];
    readonly onDone: (outcome: BulkOutcome) => void;
  };
}) {
  const { api, session } = useWorkbench();
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => ({
    ...EMPTY,
    jurisdiction: session.jurisdiction ?? DEFAULT_JURISDICTION,
  }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const formRef = useRef<HTMLFormElement>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (autoFocus) titleRef.current?.focus();
  }, [autoFocus]);

  /** Moves focus to a field (a group of radios: its chosen or first button), for keyboard users. */
  const focusField = (field: keyof Draft | undefined) => {
    if (!field) return;
    const element = formRef.current?.querySelector<HTMLElement>(`[data-field="${field}"]`);
    if (element instanceof HTMLFieldSetElement) {
      (
        element.querySelector<HTMLInputElement>('input:checked') ??
        element.querySelector<HTMLInputElement>('input')
      )?.focus();
    } else element?.focus();
  };

  useShortcuts((shortcut) => {
    if (!shortcuts || busy) return false;
    if (shortcut.action === 'submit') {
      formRef.current?.requestSubmit();
      return true;
    }
    if (shortcut.action !== 'preset') return false;
    const preset = CLASSIFICATION_PRESETS[shortcut.index]!;
    const next: Draft = {
      ...draft,
      nationalStatus: preset.nationalStatus,
      internationalStatus: preset.internationalStatus,
    };
    setDraft(next);
    setError(null);
    // On to the first field still to choose: the rest of the item is described by hand.
    requestAnimationFrame(() => focusField(missingFields(next)[0]));
    return true;
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = toAssessmentInput(draft);
    if ('missing' in input) {
      setError(fill(WB.required, { field: input.missing.join(', ') }));
      focusField(missingFields(draft)[0]);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (bulk) bulk.onDone(await api.assessMany(bulk.reportId, bulk.mediaIds, input));
      else onAssessed(await api.assess(mediaId, input));
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="wb-assess"
      onSubmit={submit}
      ref={formRef}
      aria-labelledby={`${id}-title`}
      data-testid="assessment-form"
      noValidate
    >
      <h4 id={`${id}-title`} ref={titleRef} tabIndex={-1}>
        {bulk
          ? fill(WB.bulkFormTitle, { n: bulk.mediaIds.length, ids: bulk.mediaIds.join(', ') })
          : fill(WB.assessTitle, { id: mediaId })}
      </h4>
      <p className="wb-muted">{WB.twoPersonRule}</p>
      <p className="wb-muted">{WB.requiredHint}</p>
      {shortcuts && (
        <p className="wb-muted wb-presets" data-testid="presets-hint">
          {WB.keyPresets}:{' '}
          {CLASSIFICATION_PRESETS.map((preset, i) => (
            <span key={preset.key}>
              {i > 0 && ' · '}
              <kbd>{preset.key}</kbd> {NATIONAL_LABELS[preset.nationalStatus]},{' '}
              {INTERNATIONAL_LABELS[preset.internationalStatus]}
            </span>
          ))}
        </p>
      )}
      <Radios
        name={`${id}-international`}
        field="internationalStatus"
        legend={WB.internationalStatus}
        values={INTERNATIONAL_STATUSES}
        labels={INTERNATIONAL_LABELS}
        value={draft.internationalStatus}
        onChange={(v) => set('internationalStatus', v)}
        required
      />
      <Radios
        name={`${id}-national`}
        field="nationalStatus"
        legend={WB.nationalStatus}
        values={NATIONAL_STATUSES}
        labels={NATIONAL_LABELS}
        value={draft.nationalStatus}
        onChange={(v) => set('nationalStatus', v)}
        required
      />
      <div className="wb-row">
        <label className="wb-field wb-field--short">
          <span>
            {WB.jurisdiction}
            <RequiredMark />
          </span>
          <input
            value={draft.jurisdiction}
            data-field="jurisdiction"
            maxLength={2}
            required
            pattern="[A-Za-z]{2}"
            autoComplete="off"
            onChange={(e) => set('jurisdiction', e.target.value.toUpperCase())}
          />
        </label>
        <label className="wb-field">
          <span>{WB.legalBasis}</span>
          <input
            value={draft.legalBasis}
            maxLength={200}
            autoComplete="off"
            placeholder={WB.legalBasisHint}
            onChange={(e) => set('legalBasis', e.target.value)}
          />
        </label>
      </div>
      <div className="wb-row">
        <Select
          label={WB.severityUk}
          values={UK_CATEGORIES}
          field="severityUk"
          value={draft.severityUk}
          onChange={(v) => set('severityUk', v)}
          empty={WB.notApplicable}
        />
        <Select
          label={WB.industryClassification}
          values={INDUSTRY_CLASSIFICATIONS}
          field="industryClassification"
          value={draft.industryClassification}
          onChange={(v) => set('industryClassification', v)}
          empty={WB.notApplicable}
        />
      </div>
      <div className="wb-row">
        <Select
          label={WB.ageBand}
          values={AGE_BANDS}
          labels={AGE_BAND_LABELS}
          field="ageBand"
          value={draft.ageBand}
          onChange={(v) => set('ageBand', v)}
          empty="—"
          required
        />
        <Select
          label={WB.sex}
          values={VICTIM_SEXES}
          labels={SEX_LABELS}
          field="sex"
          value={draft.sex}
          onChange={(v) => set('sex', v)}
          empty="—"
          required
        />
        <label className="wb-field wb-field--short">
          <span>{WB.victimCount}</span>
          <input
            type="number"
            min={0}
            max={999}
            step={1}
            inputMode="numeric"
            value={draft.victimCount}
            data-field="victimCount"
            onChange={(e) => set('victimCount', e.target.value)}
          />
        </label>
      </div>
      <Radios
        name={`${id}-self-generated`}
        field="selfGenerated"
        legend={WB.selfGenerated}
        values={SELF_GENERATED_VALUES}
        labels={SELF_GENERATED_LABELS}
        value={draft.selfGenerated}
        onChange={(v) => set('selfGenerated', v)}
      />
      <Select
        label={WB.contentOrigin}
        values={CONTENT_ORIGINS}
        labels={ORIGIN_LABELS}
        field="contentOrigin"
        value={draft.contentOrigin}
        onChange={(v) => set('contentOrigin', v === '' ? 'unknown' : v)}
      />
      <fieldset className="wb-checks">
        <legend>{WB.flags}</legend>
        {ASSESSMENT_FLAGS.map((flag) => (
          <label key={flag}>
            <input
              type="checkbox"
              checked={draft.flags.includes(flag)}
              onChange={(e) =>
                set(
                  'flags',
                  e.target.checked ? [...draft.flags, flag] : draft.flags.filter((f) => f !== flag),
                )
              }
            />
            <span>{FLAG_LABELS[flag]}</span>
          </label>
        ))}
      </fieldset>
      <Radios
        name={`${id}-confidence`}
        field="confidence"
        legend={WB.confidence}
        values={ASSESSMENT_CONFIDENCE}
        labels={CONFIDENCE_LABELS}
        value={draft.confidence}
        onChange={(v) => set('confidence', v)}
        required
      />
      <label className="wb-field">
        <span>{WB.notes}</span>
        <textarea
          value={draft.notes}
          rows={3}
          maxLength={2000}
          aria-describedby={`${id}-notes-hint`}
          onChange={(e) => set('notes', e.target.value)}
        />
        <small id={`${id}-notes-hint`} className="wb-muted">
          {WB.notesHint}
        </small>
      </label>
      {error && (
        <p className="wb-error" role="alert" data-testid="assessment-error">
          {error}
        </p>
      )}
      <div className="wb-actions">
        <button
          type="submit"
          className="wb-primary"
          disabled={busy}
          aria-keyshortcuts={shortcuts ? ariaKeys('submit') : undefined}
        >
          {busy ? WB.submitting : WB.submitAssessment}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            {WB.assessCancel}
          </button>
        )}
      </div>
    </form>
  );
}
