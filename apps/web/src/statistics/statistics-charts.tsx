// Hand-written SVG charts (no chart library): a horizontal bar chart, a stacked column chart and a
// table heatmap. Each chart is a figure with a caption, an SVG with <title> and <desc> that says
// what it shows in words, and a button that shows the same numbers as a data table. Colours are
// CSS classes (statistics.css): the CSP allows no inline style strings.
import { useId, useState, type ReactNode } from 'react';
import { formatCount, formatShare } from './statistics-labels.js';
import { ST } from './statistics-messages.js';

/** A data table: column headers and rows of cells (the first cell of a row is its header). */
export interface DataTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/** A chart's frame: caption, the chart, and the data-table toggle. */
export function ChartFrame(props: {
  readonly id: string;
  readonly title: string;
  readonly note?: string;
  readonly table: DataTable;
  readonly children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const tableId = useId();
  return (
    <figure className="st-chart" data-testid={`chart-${props.id}`}>
      <figcaption className="st-chart-caption">
        <h3>{props.title}</h3>
        {props.note && <p className="st-note">{props.note}</p>}
      </figcaption>
      {props.children}
      <button
        type="button"
        className="st-toggle"
        aria-expanded={open}
        aria-controls={tableId}
        onClick={() => setOpen(!open)}
      >
        {open ? ST.text.hideTable : ST.text.showTable}
      </button>
      <div id={tableId} hidden={!open}>
        {open && <DataTableView table={props.table} caption={props.title} />}
      </div>
    </figure>
  );
}

/** A data table, numbers formatted, right-aligned. */
export function DataTableView({ table, caption }: { readonly table: DataTable; readonly caption: string }) {
  return (
    <table className="st-table">
      <caption className="st-visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {table.columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row, r) => (
          <tr key={r}>
            {row.map((cell, c) =>
              c === 0 ? (
                <th key={c} scope="row">
                  {cell}
                </th>
              ) : (
                <td key={c} className="st-num">
                  {typeof cell === 'number' ? formatCount(cell) : cell}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One bar. */
export interface Bar {
  readonly key: string;
  readonly label: string;
  readonly count: number;
  readonly share: number | null;
}

const BAR_HEIGHT = 22;
const BAR_GAP = 8;
const LABEL_WIDTH = 210;
const PLOT_WIDTH = 300;
const WIDTH = 640;

/** Horizontal bars, one per key (zero-width where the count is 0), with count and share. */
export function BarChart(props: {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly bars: readonly Bar[];
  readonly note?: string;
}) {
  const svgId = useId();
  const max = Math.max(1, ...props.bars.map((b) => b.count));
  const height = props.bars.length * (BAR_HEIGHT + BAR_GAP) + BAR_GAP;
  return (
    <ChartFrame
      id={props.id}
      title={props.title}
      {...(props.note ? { note: props.note } : {})}
      table={{
        columns: ['', ST.text.colCount, ST.text.colShare],
        rows: props.bars.map((b) => [b.label, b.count, formatShare(b.share)]),
      }}
    >
      <svg
        className="st-svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${svgId}-title ${svgId}-desc`}
        data-chart="bar"
      >
        <title id={`${svgId}-title`}>{props.title}</title>
        <desc id={`${svgId}-desc`}>{props.description}</desc>
        {props.bars.map((bar, i) => {
          const y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP);
          const width = (bar.count / max) * PLOT_WIDTH;
          return (
            <g key={bar.key} data-key={bar.key}>
              <text
                className="st-axis-label"
                x={LABEL_WIDTH - 8}
                y={y + BAR_HEIGHT / 2}
                textAnchor="end"
                dominantBaseline="middle"
              >
                {bar.label}
              </text>
              <rect
                className="st-bar"
                data-key={bar.key}
                data-count={bar.count}
                x={LABEL_WIDTH}
                y={y}
                width={width}
                height={BAR_HEIGHT}
              />
              <text
                className="st-value"
                x={LABEL_WIDTH + width + 6}
                y={y + BAR_HEIGHT / 2}
                dominantBaseline="middle"
                data-value={bar.key}
              >
                {formatCount(bar.count)}
                {bar.share !== null ? ` (${formatShare(bar.share)})` : ''}
              </text>
            </g>
          );
        })}
      </svg>
    </ChartFrame>
  );
}

/** One series of a stacked chart (a channel). */
export interface Series {
  readonly key: string;
  readonly label: string;
}

const COLUMN_PLOT_HEIGHT = 180;
const COLUMN_TOP = 16;
const COLUMN_LEFT = 40;

/** Stacked columns: one per category (month), a segment per series with a count. */
export function StackedColumnChart(props: {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly categories: readonly { readonly key: string; readonly label: string }[];
  readonly series: readonly Series[];
  readonly value: (category: string, series: string) => number;
}) {
  const svgId = useId();
  const totals = props.categories.map((c) =>
    props.series.reduce((sum, s) => sum + props.value(c.key, s.key), 0),
  );
  const max = Math.max(1, ...totals);
  const slot = (WIDTH - COLUMN_LEFT - 10) / Math.max(1, props.categories.length);
  const columnWidth = Math.max(4, Math.min(36, slot * 0.7));
  const height = COLUMN_TOP + COLUMN_PLOT_HEIGHT + 40;
  const visibleSeries = props.series.filter((s) =>
    props.categories.some((c) => props.value(c.key, s.key) > 0),
  );
  return (
    <ChartFrame
      id={props.id}
      title={props.title}
      table={{
        columns: [ST.text.colMonth, ...props.series.map((s) => s.label), ST.text.colTotal],
        rows: props.categories.map((c, i) => [
          c.label,
          ...props.series.map((s) => props.value(c.key, s.key)),
          totals[i]!,
        ]),
      }}
    >
      <svg
        className="st-svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${svgId}-title ${svgId}-desc`}
        data-chart="stacked"
      >
        <title id={`${svgId}-title`}>{props.title}</title>
        <desc id={`${svgId}-desc`}>{props.description}</desc>
        <line
          className="st-axis"
          x1={COLUMN_LEFT}
          x2={WIDTH - 10}
          y1={COLUMN_TOP + COLUMN_PLOT_HEIGHT}
          y2={COLUMN_TOP + COLUMN_PLOT_HEIGHT}
        />
        <text
          className="st-axis-label"
          x={COLUMN_LEFT - 6}
          y={COLUMN_TOP}
          textAnchor="end"
          dominantBaseline="middle"
        >
          {formatCount(max)}
        </text>
        <text
          className="st-axis-label"
          x={COLUMN_LEFT - 6}
          y={COLUMN_TOP + COLUMN_PLOT_HEIGHT}
          textAnchor="end"
          dominantBaseline="middle"
        >
          0
        </text>
        {props.categories.map((category, i) => {
          const x = COLUMN_LEFT + i * slot + (slot - columnWidth) / 2;
          let top = COLUMN_TOP + COLUMN_PLOT_HEIGHT;
          return (
            <g key={category.key} data-category={category.key} data-total={totals[i]}>
              {props.series.map((series, s) => {
                const count = props.value(category.key, series.key);
                if (count === 0) return null;
                const h = (count / max) * COLUMN_PLOT_HEIGHT;
                top -= h;
                return (
                  <rect
                    key={series.key}
                    className={`st-segment st-series-${s % 8}`}
                    data-series={series.key}
                    data-count={count}
                    x={x}
                    y={top}
                    width={columnWidth}
                    height={h}
                  >
                    <title>{`${category.label}, ${series.label}: ${formatCount(count)}`}</title>
                  </rect>
                );
              })}
              <text
                className="st-value st-value--small"
                x={x + columnWidth / 2}
                y={top - 4}
                textAnchor="middle"
              >
                {totals[i]! > 0 ? formatCount(totals[i]!) : ''}
              </text>
              <text
                className="st-axis-label st-axis-label--small"
                x={x + columnWidth / 2}
                y={COLUMN_TOP + COLUMN_PLOT_HEIGHT + 16}
                textAnchor="middle"
              >
                {category.label.split(' ')[0]}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="st-legend" aria-label="Legend">
        {visibleSeries.map((series) => (
          <li key={series.key}>
            <span className={`st-swatch st-series-${props.series.indexOf(series) % 8}`} aria-hidden="true" />
            {series.label}
          </li>
        ))}
      </ul>
    </ChartFrame>
  );
}

/** A cross-tab as a table whose cells are shaded by their count (darker is more). */
export function Heatmap(props: {
  readonly id: string;
  readonly title: string;
  readonly note?: string;
  readonly rows: readonly { readonly key: string; readonly label: string }[];
  readonly columns: readonly { readonly key: string; readonly label: string }[];
  readonly value: (row: string, column: string) => number;
}) {
  const max = Math.max(1, ...props.rows.flatMap((r) => props.columns.map((c) => props.value(r.key, c.key))));
  const level = (count: number) => (count === 0 ? 0 : Math.max(1, Math.ceil((count / max) * 5)));
  const rowTotal = (row: string) => props.columns.reduce((sum, c) => sum + props.value(row, c.key), 0);
  const columnTotal = (column: string) => props.rows.reduce((sum, r) => sum + props.value(r.key, column), 0);
  return (
    <figure className="st-chart" data-testid={`chart-${props.id}`}>
      <figcaption className="st-chart-caption">
        <h3>{props.title}</h3>
        {props.note && <p className="st-note">{props.note}</p>}
      </figcaption>
      <table className="st-table st-heatmap">
        <caption className="st-visually-hidden">{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">{ST.text.colAgeBand}</th>
            {props.columns.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
            <th scope="col">{ST.text.colTotal}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              {props.columns.map((c) => {
                const count = props.value(r.key, c.key);
                return (
                  <td
                    key={c.key}
                    className={`st-num st-heat-${level(count)}`}
                    data-row={r.key}
                    data-column={c.key}
                    data-count={count}
                  >
                    {formatCount(count)}
                  </td>
                );
              })}
              <td className="st-num st-total">{formatCount(rowTotal(r.key))}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{ST.text.colTotal}</th>
            {props.columns.map((c) => (
              <td key={c.key} className="st-num st-total">
                {formatCount(columnTotal(c.key))}
              </td>
            ))}
            <td className="st-num st-total">
              {formatCount(props.rows.reduce((sum, r) => sum + rowTotal(r.key), 0))}
            </td>
          </tr>
        </tfoot>
      </table>
    </figure>
  );
}
