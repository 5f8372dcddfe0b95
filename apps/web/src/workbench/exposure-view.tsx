import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import type { AnalystExposureHistory, ExposureDay } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import { ROLE_LABELS, WB, fill, formatNumber, workbenchLocale } from './workbench-messages.js';

/** Chart geometry (SVG user units; the chart scales to its box). */
const WIDTH = 640;
const HEIGHT = 170;
const LEFT = 34;
const BOTTOM = 22;
const TOP = 8;

/** "7 Dec" in the page's language (the days are UTC days). */
export function shortDay(day: string): string {
  return new Intl.DateTimeFormat(workbenchLocale(), {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(new Date(`${day}T00:00:00Z`));
}

/** "42 %" in the page's language; a dash when nothing was revealed. */
export function shareText(part: number, whole: number): string {
  if (whole === 0) return '–';
  return new Intl.NumberFormat(workbenchLocale(), { style: 'percent', maximumFractionDigits: 0 }).format(
    part / whole,
  );
}

/**
 * The 30-day exposure page (issue 17): for supervisors every analyst, for an analyst their own.
 * Reveals per day as stacked bars (material assessed illegal, other revealed items), each day
 * also in a table for screen readers and for the numbers. The charts share one scale, so a
 * heavy run stands out beside a colleague's.
 */
export function ExposureView() {
  const { api, session } = useWorkbench();
  const history = useLoad(() => api.exposureHistory(), 'exposure');
  const supervisor = session.analyst.role !== 'analyst';
  const data = history.data;
  const scale = Math.max(1, ...(data?.analysts.flatMap((a) => a.days.map((d) => d.reveals)) ?? [1]));
  return (
    <section aria-labelledby="exposure-title" data-testid="exposure-page">
      <div className="wb-titlebar">
        <h1 id="exposure-title" tabIndex={-1}>
          {WB.exposureTitle}
        </h1>
        <button type="button" className="wb-small" onClick={history.reload} disabled={history.loading}>
          {WB.refresh}
        </button>
      </div>
      <p>{supervisor ? WB.exposureIntroTeam : WB.exposureIntroOwn}</p>
      <p className="wb-muted">{WB.exposureShareNote}</p>
      <p className="wb-chart-legend" aria-hidden="true">
        <span>
          <span className="wb-swatch wb-swatch--illegal" />
          {WB.exposureLegendIllegal}
        </span>
        <span>
          <span className="wb-swatch wb-swatch--other" />
          {WB.exposureLegendOther}
        </span>
      </p>
      {history.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(history.error)}
        </p>
      )}
      {!data && history.loading && <p>{WB.loading}</p>}
      {data?.analysts.map((analyst) => (
        <AnalystExposure key={analyst.analystId} analyst={analyst} scale={scale} />
      ))}
    </section>
  );
}

function AnalystExposure({ analyst, scale }: { analyst: AnalystExposureHistory; scale: number }) {
  const headingId = `exposure-${analyst.analystId}`;
  return (
    <article
      className="wb-card wb-exposure-analyst"
      aria-labelledby={headingId}
      data-testid="exposure-analyst"
      data-username={analyst.username}
      data-reveals={analyst.reveals}
      data-illegal={analyst.illegal}
    >
      <h2 id={headingId}>
        {analyst.displayName} <span className="wb-muted">({ROLE_LABELS[analyst.role] ?? analyst.role})</span>
      </h2>
      <p data-testid="exposure-summary">
        {analyst.reveals === 0
          ? WB.exposureNone
          : fill(WB.exposureSummary, {
              n: analyst.reveals,
              share: shareText(analyst.illegal, analyst.reveals),
            })}
      </p>
      <ExposureChart analyst={analyst} scale={scale} />
      <details>
        <summary>{WB.exposureTable}</summary>
        <table className="wb-table" data-testid="exposure-table">
          <thead>
            <tr>
              <th scope="col">{WB.colDay}</th>
              <th scope="col">{WB.colReveals}</th>
              <th scope="col">{WB.colIllegal}</th>
            </tr>
          </thead>
          <tbody>
            {analyst.days
              .filter((d) => d.reveals > 0)
              .map((d) => (
                <tr key={d.day} data-day={d.day}>
                  <td>{shortDay(d.day)}</td>
                  <td>{formatNumber(d.reveals)}</td>
                  <td>{formatNumber(d.illegal)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </article>
  );
}

/** Stacked bars, one per day: material assessed illegal at the bottom, other reveals above. */
function ExposureChart({ analyst, scale }: { analyst: AnalystExposureHistory; scale: number }) {
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = (WIDTH - LEFT) / analyst.days.length;
  const barWidth = Math.max(2, step - 3);
  const y = (n: number) => (n / scale) * plotHeight;
  // The first, middle and last day are named; the ends anchored inwards so no label is cut off.
  const last = analyst.days.length - 1;
  const anchors = new Map<number, 'start' | 'middle' | 'end'>([
    [0, 'start'],
    [Math.floor(last / 2), 'middle'],
    [last, 'end'],
  ]);
  return (
    <svg
      className="wb-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={fill(WB.exposureChart, { name: analyst.displayName })}
      data-testid="exposure-chart"
    >
      <line className="wb-chart-axis" x1={LEFT} x2={WIDTH} y1={HEIGHT - BOTTOM} y2={HEIGHT - BOTTOM} />
      <line className="wb-chart-axis" x1={LEFT} x2={LEFT} y1={TOP} y2={HEIGHT - BOTTOM} />
      <text className="wb-chart-label" x={LEFT - 4} y={TOP + 8} textAnchor="end">
        {formatNumber(scale)}
      </text>
      <text className="wb-chart-label" x={LEFT - 4} y={HEIGHT - BOTTOM} textAnchor="end">
        0
      </text>
      {analyst.days.map((day, i) => (
        <DayBar
          key={day.day}
          day={day}
          x={LEFT + i * step + 1.5}
          width={barWidth}
          base={HEIGHT - BOTTOM}
          y={y}
          label={anchors.get(i)}
        />
      ))}
    </svg>
  );
}

function DayBar({
  day,
  x,
  width,
  base,
  y,
  label,
}: {
  day: ExposureDay;
  x: number;
  width: number;
  base: number;
  y: (n: number) => number;
  /** Where the day's name is anchored, if it is named. */
  label: 'start' | 'middle' | 'end' | undefined;
}) {
  const illegal = y(day.illegal);
  const other = y(day.reveals - day.illegal);
  return (
    <g data-testid="exposure-bar" data-day={day.day} data-reveals={day.reveals} data-illegal={day.illegal}>
      <title>{fill(WB.exposureDay, { day: shortDay(day.day), n: day.reveals, illegal: day.illegal })}</title>
      {day.illegal > 0 && (
        <rect className="wb-chart-bar--illegal" x={x} y={base - illegal} width={width} height={illegal} />
      )}
      {day.reveals > day.illegal && (
        <rect className="wb-chart-bar--other" x={x} y={base - illegal - other} width={width} height={other} />
      )}
      {label && (
        <text
          className="wb-chart-label"
          x={label === 'start' ? x : label === 'end' ? x + width : x + width / 2}
          y={base + 14}
          textAnchor={label}
        >
          {shortDay(day.day)}
        </text>
      )}
    </g>
  );
}
