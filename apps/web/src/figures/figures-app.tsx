// The public yearly figures page: what the hotline received and achieved in a year, as published
// aggregates. Counts from 1 to k − 1 arrive withheld from the server (never as numbers) and are shown
// as "< k"; a count withheld so that a small one cannot be worked out by subtraction shows as "—".
import { useEffect, useState } from 'react';
import {
  SECTION_TITLES,
  UNIT_WORDS,
  formatCount,
  labelOf,
  monthLabel,
} from '../statistics/statistics-labels.js';
import {
  FiguresError,
  fetchHotlineName,
  fetchPublicFigures,
  type PublicFigureTable,
  type PublicFigures,
  type PublishedCount,
} from './figures-api.js';

/** What a table counts, under its title. */
const TABLE_NOTES: Record<string, string> = {
  report_outcome:
    'A report counts as illegal when at least one of its images was assessed illegal or matched known child sexual abuse material.',
  media_known:
    'Previously known: matched material the hotline or its partners had assessed before, so nobody had to view it again.',
  age_severity:
    'Images assessed illegal by the hotline: the youngest child seen and the most severe category.',
  self_generated:
    'Images assessed illegal: whether the material is "self-generated". This never implies blame on the child.',
  content_origin: 'Images assessed illegal, by how they were made.',
  hosting_countries: 'Web addresses with illegal material, by the country where they were hosted.',
  referral_targets: 'Where cases were referred.',
  removal_times: 'Time from the notice to the hosting provider until removal was confirmed.',
};

function yearFromLocation(): string | null {
  const year = new URLSearchParams(location.search).get('year');
  return year && /^\d{4}$/.test(year) ? year : null;
}

/** The public figures page. */
export function FiguresApp() {
  const [figures, setFigures] = useState<PublicFigures | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState<string | null>(null);
  const requested = yearFromLocation();

  useEffect(() => {
    void fetchHotlineName().then(setName);
    fetchPublicFigures(requested).then(setFigures, (failure: unknown) => {
      setError(
        failure instanceof FiguresError && failure.code === 'FIGURES_NOT_PUBLISHED'
          ? `The figures of ${requested ?? 'that year'} are not published. Figures are published once a year is complete.`
          : 'The figures could not be loaded. Please try again later.',
      );
    });
  }, [requested]);

  useEffect(() => {
    if (figures) document.title = `${name ?? 'Hotline'}: figures ${figures.year}`;
  }, [figures, name]);

  return (
    <main className="fg-page">
      <header className="fg-header">
        <p className="fg-brand">{name ?? 'Hotline'}</p>
        <h1>{figures ? `Figures ${figures.year}` : 'Yearly figures'}</h1>
        {figures && figures.years.length > 1 && (
          // A plain GET form: it works without scripts too, and choosing a year never navigates by itself.
          <form className="fg-years" method="get" action="/figures">
            <label>
              Year{' '}
              <select name="year" defaultValue={String(figures.year)}>
                {figures.years.map((year) => (
                  <option key={year} value={year}>
                    {year}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Show</button>
          </form>
        )}
      </header>
      {error && (
        <p className="st-error" role="alert">
          {error} <a href="/figures">See the latest published figures.</a>
        </p>
      )}
      {figures && (
        <>
          <p className="fg-intro">
            Reports of child sexual abuse material the hotline received in {figures.year} (by the date each
            report arrived) and what became of them. Only totals are published: no report, web address or date
            finer than a month. To make sure no case can be singled out, counts from 1 to {figures.k - 1} are
            shown as <strong>&lt; {figures.k}</strong>, and a count that would let a small one be worked out
            by subtraction is shown as <strong>—</strong>.
          </p>
          {figures.tables.map((table) => (
            <FigureTable key={table.id} table={table} k={figures.k} />
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
}: {
  count: PublishedCount;
  k: number;
  attributes: Record<string, string>;
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
    <td
      className="st-num fg-withheld"
      data-state="complement"
      title="Withheld so that a small count cannot be worked out"
      {...attributes}
    >
      <span aria-hidden="true">—</span>
      <span className="st-visually-hidden">withheld</span>
    </td>
  );
}

function rowLabel(table: PublicFigureTable, key: string): string {
  if (table.id === 'reports_by_month_channel') return monthLabel(key);
  if (table.id === 'age_severity') return key === 'unknown' ? 'Unknown' : `${key} years`;
  return labelOf(table.id, key);
}

function FigureTable({ table, k }: { table: PublicFigureTable; k: number }) {
  const title = SECTION_TITLES[table.id] ?? table.id;
  const attrs = (row: string, column: string) => ({
    'data-table': table.id,
    'data-row': row,
    'data-column': column,
  });
  const columns = table.columns;
  return (
    <section className="fg-section" aria-labelledby={`fg-${table.id}`} data-testid={`figures-${table.id}`}>
      <h2 id={`fg-${table.id}`}>{title}</h2>
      {TABLE_NOTES[table.id] && <p className="st-note">{TABLE_NOTES[table.id]}</p>}
      <div className="fg-scroll">
        <table className="st-table">
          <caption className="st-visually-hidden">
            {title} ({UNIT_WORDS[table.unit] ?? table.unit})
          </caption>
          <thead>
            <tr>
              <th scope="col">
                {table.id === 'reports_by_month_channel'
                  ? 'Month'
                  : table.id === 'age_severity'
                    ? 'Age band'
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
                <th scope="col">Count</th>
              )}
              {columns && <th scope="col">Total</th>}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={row}>
                <th scope="row">{rowLabel(table, row)}</th>
                {columns ? (
                  columns.map((column, c) => (
                    <CountCell
                      key={column}
                      count={table.cells[r]![c]!}
                      k={k}
                      attributes={attrs(row, column)}
                    />
                  ))
                ) : (
                  <CountCell count={table.cells[r]![0]!} k={k} attributes={attrs(row, '')} />
                )}
                {columns && table.rowTotals && (
                  <CountCell count={table.rowTotals[r]!} k={k} attributes={attrs(row, 'total')} />
                )}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              {columns &&
                table.columnTotals &&
                columns.map((column, c) => (
                  <CountCell
                    key={column}
                    count={table.columnTotals![c]!}
                    k={k}
                    attributes={attrs('total', column)}
                  />
                ))}
              <CountCell count={table.total} k={k} attributes={attrs('total', 'total')} />
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}
