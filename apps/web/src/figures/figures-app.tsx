// The public yearly figures page: what the hotline received and achieved in a year, as published
// aggregates. Counts from 1 to k − 1 arrive withheld from the server (never as numbers) and are shown
// as "< k"; a count withheld so that a small one cannot be worked out by subtraction shows as "—".
import { useEffect, useState } from 'react';
import { sectionTitle, unitWord, formatCount, labelOf, monthLabel } from '../statistics/statistics-labels.js';
import {
  FiguresError,
  fetchHotlineName,
  fetchPublicFigures,
  type PublicFigureTable,
  type PublicFigures,
  type PublishedCount,
} from './figures-api.js';
import { FIGURES_CATALOGUES, type FiguresText } from './figures-messages.js';
import { LANGUAGES, fill, initialLanguage, isLanguage, type Language } from '../shared/language.js';
import { setStatisticsLanguage } from '../statistics/statistics-messages.js';

/** What a table counts, under its title (a key of the page's catalogue). */
const TABLE_NOTES: Readonly<Record<string, keyof FiguresText>> = {
  report_outcome: 'noteReportOutcome',
  media_known: 'noteMediaKnown',
  age_severity: 'noteAgeSeverity',
  self_generated: 'noteSelfGenerated',
  content_origin: 'noteContentOrigin',
  hosting_countries: 'noteHostingCountries',
  referral_targets: 'noteReferralTargets',
  removal_times: 'noteRemovalTimes',
};

/** The names of the languages, each in its own language. */
const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  nl: 'Nederlands',
  fr: 'Français',
  de: 'Deutsch',
  en: 'English',
};

function yearFromLocation(): string | null {
  const year = new URLSearchParams(location.search).get('year');
  return year && /^\d{4}$/.test(year) ? year : null;
}

/**
 * The public figures page, in the visitor's language: `?lang=`, then the browser's, and a switch
 * (which keeps the choice in the address, so a shared link and the year form keep it too).
 */
export function FiguresApp() {
  const [language, setLanguage] = useState<Language>(() => {
    const first = initialLanguage(location.search, navigator.languages);
    setStatisticsLanguage(first);
    return first;
  });
  const t = FIGURES_CATALOGUES[language];
  const [failure, setFailure] = useState<unknown>(null);
  const [figures, setFigures] = useState<PublicFigures | null>(null);
  const [name, setName] = useState<string | null>(null);
  const requested = yearFromLocation();

  useEffect(() => {
    void fetchHotlineName().then(setName);
    fetchPublicFigures(requested).then(setFigures, setFailure);
  }, [requested]);
  // Worded at render, so the switch changes the message too.
  const error =
    failure === null
      ? null
      : failure instanceof FiguresError && failure.code === 'FIGURES_NOT_PUBLISHED'
        ? fill(t.notPublished, { year: requested ?? t.thatYear })
        : t.loadFailed;

  useEffect(() => {
    document.documentElement.lang = language;
    if (figures) document.title = fill(t.documentTitle, { name: name ?? t.hotline, year: figures.year });
  }, [figures, name, language, t]);

  const choose = (next: Language) => {
    setStatisticsLanguage(next);
    setLanguage(next);
    const url = new URL(location.href);
    url.searchParams.set('lang', next);
    history.replaceState(null, '', url);
  };

  return (
    <main className="fg-page">
      <header className="fg-header">
        <p className="fg-brand">{name ?? t.hotline}</p>
        <label className="fg-language">
          {t.language}{' '}
          <select
            value={language}
            data-testid="language-switch"
            onChange={(event) => {
              if (isLanguage(event.target.value)) choose(event.target.value);
            }}
          >
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
        <h1>{figures ? fill(t.titleYear, { year: figures.year }) : t.titleAny}</h1>
        {figures && figures.years.length > 1 && (
          // A plain GET form: it works without scripts too, and choosing a year never navigates by itself.
          <form className="fg-years" method="get" action="/figures">
            <input type="hidden" name="lang" value={language} />
            <label>
              {t.year}{' '}
              <select name="year" defaultValue={String(figures.year)}>
                {figures.years.map((year) => (
                  <option key={year} value={year}>
                    {year}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">{t.show}</button>
          </form>
        )}
      </header>
      {error && (
        <p className="st-error" role="alert">
          {error} <a href={`/figures?lang=${language}`}>{t.latest}</a>
        </p>
      )}
      {figures && (
        <>
          <p className="fg-intro">
            {fill(t.intro, { year: figures.year, below: figures.k - 1, k: figures.k })}
          </p>
          {figures.tables.map((table) => (
            <FigureTable key={table.id} table={table} k={figures.k} t={t} />
          ))}
        </>
      )}
    </main>
  );
}

function CountCell({
  count,
  k,
  attributes,
  t,
}: {
  count: PublishedCount;
  k: number;
  attributes: Record<string, string>;
  t: FiguresText;
}) {
  if ('value' in count) {
    return (
      <td className="st-num" data-state="value" {...attributes}>
        {formatCount(count.value)}
      </td>
    );
  }
  return count.suppressed === 'small' ? (
    <td className="st-num fg-withheld" data-state="small" {...attributes}>
      &lt; {k}
    </td>
  ) : (
    <td className="st-num fg-withheld" data-state="complement" title={t.withheldTitle} {...attributes}>
      <span aria-hidden="true">—</span>
      <span className="st-visually-hidden">{t.withheld}</span>
    </td>
  );
}

function rowLabel(table: PublicFigureTable, key: string, t: FiguresText): string {
  if (table.id === 'reports_by_month_channel') return monthLabel(key);
  if (table.id === 'age_severity') return key === 'unknown' ? t.unknown : fill(t.years, { band: key });
  return labelOf(table.id, key);
}

function FigureTable({ table, k, t }: { table: PublicFigureTable; k: number; t: FiguresText }) {
  const title = sectionTitle(table.id);
  const attrs = (row: string, column: string) => ({
    'data-table': table.id,
    'data-row': row,
    'data-column': column,
  });
  const columns = table.columns;
  return (
    <section className="fg-section" aria-labelledby={`fg-${table.id}`} data-testid={`figures-${table.id}`}>
      <h2 id={`fg-${table.id}`}>{title}</h2>
      {TABLE_NOTES[table.id] && <p className="st-note">{t[TABLE_NOTES[table.id]!]}</p>}
      <div className="fg-scroll">
        <table className="st-table">
          <caption className="st-visually-hidden">
            {title} ({unitWord(table.unit)})
          </caption>
          <thead>
            <tr>
              <th scope="col">
                {table.id === 'reports_by_month_channel'
                  ? t.month
                  : table.id === 'age_severity'
                    ? t.ageBand
                    : ''}
              </th>
              {columns ? (
                columns.map((column) => (
                  <th key={column} scope="col">
                    {labelOf(
                      table.id === 'reports_by_month_channel' ? 'reports_by_channel' : table.id,
                      column,
                    )}
                  </th>
                ))
              ) : (
                <th scope="col">{t.count}</th>
              )}
              {columns && <th scope="col">{t.total}</th>}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={row}>
                <th scope="row">{rowLabel(table, row, t)}</th>
                {columns ? (
                  columns.map((column, c) => (
                    <CountCell
                      key={column}
                      count={table.cells[r]![c]!}
                      k={k}
                      attributes={attrs(row, column)}
                      t={t}
                    />
                  ))
                ) : (
                  <CountCell count={table.cells[r]![0]!} k={k} attributes={attrs(row, '')} t={t} />
                )}
                {columns && table.rowTotals && (
                  <CountCell count={table.rowTotals[r]!} k={k} attributes={attrs(row, 'total')} t={t} />
                )}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t.total}</th>
              {columns &&
                table.columnTotals &&
                columns.map((column, c) => (
                  <CountCell
                    key={column}
                    count={table.columnTotals![c]!}
                    k={k}
                    attributes={attrs('total', column)}
                    t={t}
                  />
                ))}
              <CountCell count={table.total} k={k} attributes={attrs('total', 'total')} t={t} />
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}
