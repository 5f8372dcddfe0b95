// The workbench's statistics tab: a period filter with presets, the headline numbers, the charts of
// DOMAIN.md §8.9 and the CSV export. Counts only: no report, URL or image is ever shown here.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { BarChart, Heatmap, StackedColumnChart } from './statistics-charts.js';
import {
  csvUrl,
  fetchFigures,
  presetPeriod,
  StatisticsError,
  type FigureSection,
  type FigureSectionId,
  type Figures,
  type Period,
  type PeriodPreset,
} from './statistics-api.js';
import {
  formatCount,
  formatShare,
  labelOf,
  monthLabel,
  sectionTitle,
  unitWord,
} from './statistics-labels.js';
import { ST } from './statistics-messages.js';
import { fill } from '../shared/language.js';
import './statistics.css';

/** The presets, with their words in the current language (read at render). */
const PRESETS: readonly { readonly id: PeriodPreset; readonly label: () => string }[] = [
  { id: 'this_year', label: () => ST.text.presetThisYear },
  { id: 'last_year', label: () => ST.text.presetLastYear },
  { id: 'last_12_months', label: () => ST.text.presetLast12 },
];

/** The bar sections, in the order shown, with a note on what they count. */
const BAR_SECTIONS: readonly {
  readonly id: FigureSectionId;
  readonly note?: keyof typeof ST.text;
}[] = [
  { id: 'report_outcome', note: 'noteReportOutcome' },
  { id: 'media_known', note: 'noteMediaKnown' },
  { id: 'media_outcome' },
  { id: 'self_generated', note: 'noteSelfGenerated' },
  { id: 'content_origin', note: 'noteContentOrigin' },
  { id: 'hosting_countries', note: 'noteHostingCountries' },
  { id: 'url_accessibility' },
  { id: 'referral_targets' },
  { id: 'removal_times', note: 'noteRemovalTimes' },
];

/** Which overview figures are tiles, with how their share reads. */
const TILES: readonly { readonly key: string; readonly of?: keyof typeof ST.text }[] = [
  { key: 'reports_received' },
  { key: 'reports_assessed', of: 'ofReceived' },
  { key: 'reports_illegal', of: 'ofAssessed' },
  { key: 'media_previously_known', of: 'ofMedia' },
  { key: 'media_self_generated', of: 'ofAssessedIllegal' },
  { key: 'media_ai_generated', of: 'ofAssessedIllegal' },
];

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function messageOf(error: unknown): string {
  if (error instanceof StatisticsError) {
    if (error.code === 'SESSION_REQUIRED') return ST.text.errSession;
    if (error.code === 'VALIDATION_FAILED') return error.detail ?? ST.text.errPeriod;
    return fill(ST.text.errLoad, { code: error.code });
  }
  return ST.text.errNetwork;
}

/**
 * The statistics dashboard, mounted by the workbench as a tab. Any signed-in member of staff may
 * use it. `csrfToken` is the session's token (the tab contract of the workbench); the dashboard
 * only reads (GET), so it sends none.
 */
export function StatisticsDashboard(props: { readonly csrfToken: string }) {
  void props.csrfToken;
  const [period, setPeriod] = useState<Period>(() => presetPeriod('this_year', new Date()));
  const [draft, setDraft] = useState<Period>(period);
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    setError(null);
    fetchFigures(period, abort.signal).then(
      (loaded) => {
        setFigures(loaded);
        setLoading(false);
      },
      (failure: unknown) => {
        if (abort.signal.aborted) return;
        setError(messageOf(failure));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [period]);

  const choose = (next: Period) => {
    setDraft(next);
    setPeriod(next);
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!ISO_DAY.test(draft.from) || !ISO_DAY.test(draft.to) || draft.from >= draft.to) {
      setError(ST.text.errOrder);
      return;
    }
    setPeriod({ ...draft });
  };
  const shown =
    figures && figures.period.from === period.from && figures.period.to === period.to ? figures : null;

  return (
    <section className="st-dashboard" aria-labelledby="st-heading" aria-busy={loading}>
      <header className="st-header">
        <h2 id="st-heading">{ST.text.title}</h2>
        <form className="st-period" onSubmit={apply} aria-label={ST.text.period}>
          <div className="st-presets" role="group" aria-label={ST.text.presets}>
            {PRESETS.map((preset) => {
              const value = presetPeriod(preset.id, new Date());
              const active = value.from === period.from && value.to === period.to;
              return (
                <button
                  key={preset.id}
                  type="button"
                  className="st-preset"
                  aria-pressed={active}
                  onClick={() => choose(value)}
                >
                  {preset.label()}
                </button>
              );
            })}
          </div>
          <label>
            {ST.text.from}{' '}
            <input
              type="date"
              name="from"
              value={draft.from}
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
              required
            />
          </label>
          <label>
            {ST.text.toExclusive}{' '}
            <input
              type="date"
              name="to"
              value={draft.to}
              onChange={(e) => setDraft({ ...draft, to: e.target.value })}
              required
            />
          </label>
          <button type="submit" className="st-apply">
            {ST.text.show}
          </button>
          <a className="st-export" href={csvUrl(period)} download>
            {ST.text.exportCsv}
          </a>
        </form>
      </header>
      <p className="st-period-text" aria-live="polite">
        {loading ? ST.text.loading : fill(ST.text.periodText, { from: period.from, to: period.to })}
      </p>
      {error && (
        <p className="st-error" role="alert">
          {error}
        </p>
      )}
      {shown && <FiguresView figures={shown} />}
    </section>
  );
}

function FiguresView({ figures }: { readonly figures: Figures }) {
  const sections = useMemo(() => new Map(figures.sections.map((s) => [s.id, s])), [figures]);
  const section = (id: FigureSectionId) => sections.get(id);
  const overview = section('overview');
  const months = section('reports_by_month_channel');
  const ageSeverity = section('age_severity');
  return (
    <>
      {overview && (
        <ul className="st-tiles" aria-label={ST.text.headline}>
          {TILES.map((tile) => {
            const cell = overview.cells.find((c) => c.key === tile.key);
            if (!cell) return null;
            return (
              <li key={tile.key} className="st-tile" data-testid={`tile-${tile.key}`} data-count={cell.count}>
                <span className="st-tile-label">{labelOf('overview', tile.key)}</span>
                <span className="st-tile-value">{formatCount(cell.count)}</span>
                {cell.base !== null && (
                  <span className="st-tile-share">
                    {formatShare(cell.share)} {tile.of ? ST.text[tile.of] : ''} ({formatCount(cell.base)})
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <div className="st-grid">
        {months && <MonthChart section={months} />}
        {ageSeverity && (
          <Heatmap
            id="age_severity"
            title={sectionTitle('age_severity')}
            note={fill(ST.text.noteAgeSeverity, { n: formatCount(ageSeverity.total ?? 0) })}
            rows={[...new Set(ageSeverity.cells.map((c) => c.key))].map((key) => ({
              key,
              label: key === 'unknown' ? ST.text.unknown : key,
            }))}
            columns={[...new Set(ageSeverity.cells.map((c) => c.subkey ?? ''))].map((key) => ({
              key,
              label: labelOf('age_severity', key),
            }))}
            value={(row, column) =>
              ageSeverity.cells.find((c) => c.key === row && c.subkey === column)?.count ?? 0
            }
          />
        )}
        {BAR_SECTIONS.map(({ id, note }) => {
          const s = section(id);
          return s ? <SectionBars key={id} section={s} {...(note ? { note: ST.text[note] } : {})} /> : null;
        })}
      </div>
    </>
  );
}

function MonthChart({ section }: { readonly section: FigureSection }) {
  const categories = [...new Set(section.cells.map((c) => c.key))].map((key) => ({
    key,
    label: monthLabel(key),
  }));
  const series = [...new Set(section.cells.map((c) => c.subkey ?? ''))].map((key) => ({
    key,
    label: labelOf(section.id, key),
  }));
  const counts = new Map(section.cells.map((c) => [`${c.key}|${c.subkey ?? ''}`, c.count]));
  return (
    <StackedColumnChart
      id={section.id}
      title={sectionTitle(section.id)}
      description={fill(ST.text.monthsDescription, {
        n: formatCount(section.total ?? 0),
        months: formatCount(categories.length),
      })}
      categories={categories}
      series={series}
      value={(category, s) => counts.get(`${category}|${s}`) ?? 0}
    />
  );
}

function SectionBars({ section, note }: { readonly section: FigureSection; readonly note?: string }) {
  const title = sectionTitle(section.id);
  if (!section.available) {
    return (
      <figure className="st-chart" data-testid={`chart-${section.id}`} data-available="false">
        <figcaption className="st-chart-caption">
          <h3>{title}</h3>
        </figcaption>
        <p className="st-note">{ST.text.notRecorded}</p>
      </figure>
    );
  }
  const unit = unitWord(section.unit);
  if (section.cells.length === 0) {
    return (
      <figure className="st-chart" data-testid={`chart-${section.id}`} data-available="true">
        <figcaption className="st-chart-caption">
          <h3>{title}</h3>
        </figcaption>
        <p className="st-note">{fill(ST.text.noneInPeriod, { unit })}</p>
      </figure>
    );
  }
  const bars = section.cells.map((c) => ({
    key: c.key,
    label: labelOf(section.id, c.key),
    count: c.count,
    share: c.share,
  }));
  const summary =
    bars.length === 0 ? ST.text.none : bars.map((b) => `${b.label} ${formatCount(b.count)}`).join(', ');
  return (
    <BarChart
      id={section.id}
      title={title}
      description={`${formatCount(section.total ?? 0)} ${unit}: ${summary}.`}
      bars={bars}
      {...(note ? { note } : {})}
    />
  );
}
