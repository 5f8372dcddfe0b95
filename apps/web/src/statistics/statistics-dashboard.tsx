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
  SECTION_TITLES,
  UNIT_WORDS,
  formatCount,
  formatShare,
  labelOf,
  monthLabel,
} from './statistics-labels.js';
import './statistics.css';

const PRESETS: readonly { readonly id: PeriodPreset; readonly label: string }[] = [
  { id: 'this_year', label: 'This year' },
  { id: 'last_year', label: 'Last year' },
  { id: 'last_12_months', label: 'Last 12 months' },
];

/** The bar sections, in the order shown, with a note on what they count. */
const BAR_SECTIONS: readonly { readonly id: FigureSectionId; readonly note?: string }[] = [
  {
    id: 'report_outcome',
    note: 'A report is illegal when any of its media items is (assessed illegal by an analyst, or previously known).',
  },
  {
    id: 'media_known',
    note: "Previously known: matched the hotline's banks of known child sexual abuse material at capture, so nobody had to view it again.",
  },
  { id: 'media_outcome' },
  {
    id: 'self_generated',
    note: 'Per media item assessed illegal; "yes" when any analyst judged it "self-generated".',
  },
  {
    id: 'content_origin',
    note: 'Per media item assessed illegal; AI-generated when any analyst judged it so.',
  },
  { id: 'hosting_countries', note: 'From the trace at capture (offline dataset).' },
  { id: 'url_accessibility' },
  { id: 'referral_targets' },
  {
    id: 'removal_times',
    note: 'Measured from the notice to the first re-check that found the content gone.',
  },
];

/** Which overview figures are tiles, with how their share reads. */
const TILES: readonly { readonly key: string; readonly of: string }[] = [
  { key: 'reports_received', of: '' },
  { key: 'reports_assessed', of: 'of received' },
  { key: 'reports_illegal', of: 'of assessed' },
  { key: 'media_previously_known', of: 'of media items' },
  { key: 'media_self_generated', of: 'of assessed illegal items' },
  { key: 'media_ai_generated', of: 'of assessed illegal items' },
];

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function messageOf(error: unknown): string {
  if (error instanceof StatisticsError) {
    if (error.code === 'SESSION_REQUIRED') return 'Your session has ended: sign in again.';
    if (error.code === 'VALIDATION_FAILED') return error.detail ?? 'The period is not valid.';
    return `The figures could not be loaded (${error.code}).`;
  }
  return 'The figures could not be loaded: check the connection and try again.';
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
      setError('Choose a start date before the end date.');
      return;
    }
    setPeriod({ ...draft });
  };
  const shown =
    figures && figures.period.from === period.from && figures.period.to === period.to ? figures : null;

  return (
    <section className="st-dashboard" aria-labelledby="st-heading" aria-busy={loading}>
      <header className="st-header">
        <h2 id="st-heading">Statistics</h2>
        <form className="st-period" onSubmit={apply} aria-label="Period">
          <div className="st-presets" role="group" aria-label="Presets">
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
                  {preset.label}
                </button>
              );
            })}
          </div>
          <label>
            From{' '}
            <input
              type="date"
              name="from"
              value={draft.from}
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
              required
            />
          </label>
          <label>
            To (exclusive){' '}
            <input
              type="date"
              name="to"
              value={draft.to}
              onChange={(e) => setDraft({ ...draft, to: e.target.value })}
              required
            />
          </label>
          <button type="submit" className="st-apply">
            Show
          </button>
          <a className="st-export" href={csvUrl(period)} download>
            Export CSV
          </a>
        </form>
      </header>
      <p className="st-period-text" aria-live="polite">
        {loading
          ? 'Loading…'
          : `Reports received from ${period.from} up to (not including) ${period.to}, by date received (UTC).`}
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
        <ul className="st-tiles" aria-label="Headline figures">
          {TILES.map((tile) => {
            const cell = overview.cells.find((c) => c.key === tile.key);
            if (!cell) return null;
            return (
              <li key={tile.key} className="st-tile" data-testid={`tile-${tile.key}`} data-count={cell.count}>
                <span className="st-tile-label">{labelOf('overview', tile.key)}</span>
                <span className="st-tile-value">{formatCount(cell.count)}</span>
                {cell.base !== null && (
                  <span className="st-tile-share">
                    {formatShare(cell.share)} {tile.of} ({formatCount(cell.base)})
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
            title={SECTION_TITLES.age_severity!}
            note={`Per media item assessed illegal (${formatCount(ageSeverity.total ?? 0)}): the youngest band and the most severe category any analyst gave.`}
            rows={[...new Set(ageSeverity.cells.map((c) => c.key))].map((key) => ({
              key,
              label: key === 'unknown' ? 'Unknown' : key,
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
          return s ? <SectionBars key={id} section={s} {...(note ? { note } : {})} /> : null;
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
      title={SECTION_TITLES[section.id]!}
      description={`${formatCount(section.total ?? 0)} reports over ${categories.length} months, each column split by the channel the reports came in through.`}
      categories={categories}
      series={series}
      value={(category, s) => counts.get(`${category}|${s}`) ?? 0}
    />
  );
}

function SectionBars({ section, note }: { readonly section: FigureSection; readonly note?: string }) {
  const title = SECTION_TITLES[section.id] ?? section.id;
  if (!section.available) {
    return (
      <figure className="st-chart" data-testid={`chart-${section.id}`} data-available="false">
        <figcaption className="st-chart-caption">
          <h3>{title}</h3>
        </figcaption>
        <p className="st-note">Not recorded in this deployment yet.</p>
      </figure>
    );
  }
  const unit = UNIT_WORDS[section.unit] ?? 'items';
  if (section.cells.length === 0) {
    return (
      <figure className="st-chart" data-testid={`chart-${section.id}`} data-available="true">
        <figcaption className="st-chart-caption">
          <h3>{title}</h3>
        </figcaption>
        <p className="st-note">No {unit} in this period.</p>
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
    bars.length === 0 ? 'none' : bars.map((b) => `${b.label} ${formatCount(b.count)}`).join(', ');
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
