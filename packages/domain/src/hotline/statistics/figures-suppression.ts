// Small-count suppression for published figures: no cell of a public table may reveal a count from 1
// to k − 1 (so that no single case can be singled out), either directly or by subtraction.

/** The smallest k a deployment may configure: counts 1–9 are never published. */
export const MIN_PUBLISHED_COUNT = 10;

/** A published count: its value, or the reason it is withheld. */
export type PublishedCount =
  | { readonly value: number }
  /**
   * `small`: the count is from 1 to k − 1 (shown as "< k"). `complement`: the count is 0 or ≥ k
   * but is withheld too, because with it a small count could be worked out by subtraction.
   */
  | { readonly suppressed: 'small' | 'complement' };

/** A table of counts: rows × columns (a one-dimensional table has one column). */
export interface CountTable {
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  /** `counts[row][column]`, non-negative integers. */
  readonly counts: readonly (readonly number[])[];
}

/** A table ready to publish: its cells, row and column totals and grand total, suppressed. */
export interface SuppressedTable {
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  readonly cells: readonly (readonly PublishedCount[])[];
  readonly rowTotals: readonly PublishedCount[];
  readonly columnTotals: readonly PublishedCount[];
  readonly total: PublishedCount;
}

type Mark = 'small' | 'complement' | null;

/**
 * Suppresses a table for publication:
 *
 * 1. **Primary**: every entry (cell, row total, column total, grand total) with a count from 1 to
 *    k − 1 is withheld as `small`. Zeros are published.
 * 2. **Secondary**: every row and every column is an equation (its cells add up to its total; the
 *    row of column totals adds up to the grand total, and so does the column of row totals). An
 *    equation with exactly one withheld entry gives that entry away, so another entry of it is
 *    withheld as `complement`: the smallest published non-zero cell (the first in order on a
 *    tie), or, when the equation has none, its total. This repeats until every equation has
 *    none or at least two withheld entries.
 *
 * A withheld small count can then only be bounded, never computed from one row or column.
 * Deterministic: the same table always gives the same result.
 *
 * @param k the smallest count published (default and minimum {@link MIN_PUBLISHED_COUNT})
 * @throws RangeError when k is below the minimum or a count is not a non-negative integer
 */
export function suppressSmallCounts(table: CountTable, k: number = MIN_PUBLISHED_COUNT): SuppressedTable {
  if (!Number.isInteger(k) || k < MIN_PUBLISHED_COUNT) {
    throw new RangeError(`k must be an integer of at least ${MIN_PUBLISHED_COUNT}; got ${k}.`);
  }
  const r = table.rows.length;
  const c = table.columns.length;
  if (table.counts.length !== r || table.counts.some((row) => row.length !== c)) {
    throw new RangeError('counts must have one row per row key and one column per column key.');
  }
  // The grid with margins: row r holds the column totals, column c the row totals.
  const grid: number[][] = [];
  for (let i = 0; i <= r; i++) grid.push(new Array<number>(c + 1).fill(0));
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const count = table.counts[i]![j]!;
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`Counts must be non-negative integers; got ${count}.`);
      grid[i]![j] = count;
      grid[i]![c]! += count;
      grid[r]![j]! += count;
      grid[r]![c]! += count;
    }
  }
  const marks: Mark[][] = grid.map((row) => row.map((count) => (count >= 1 && count < k ? 'small' : null)));

  // Every equation: its members (cells) and its total, as grid coordinates.
  type Entry = readonly [number, number];
  const lines: { members: Entry[]; total: Entry }[] = [];
  for (let i = 0; i <= r; i++) {
    lines.push({ members: Array.from({ length: c }, (_, j): Entry => [i, j]), total: [i, c] });
  }
  for (let j = 0; j <= c; j++) {
    lines.push({ members: Array.from({ length: r }, (_, i): Entry => [i, j]), total: [r, j] });
  }
  const isMarked = ([i, j]: Entry) => marks[i]![j] !== null;
  let changed = true;
  while (changed) {
    changed = false;
    for (const line of lines) {
      const withheld = [...line.members, line.total].filter(isMarked).length;
      if (withheld !== 1) continue;
      let pick: Entry | null = null;
      for (const entry of line.members) {
        const count = grid[entry[0]]![entry[1]]!;
        if (isMarked(entry) || count === 0) continue;
        if (pick === null || count < grid[pick[0]]![pick[1]]!) pick = entry;
      }
      const target = pick ?? line.total;
      // With no published non-zero member left, the one withheld entry is a member equal to the total.
      if (!isMarked(target)) {
        marks[target[0]]![target[1]] = 'complement';
        changed = true;
      }
    }
  }

  const publish = (i: number, j: number): PublishedCount => {
    const mark = marks[i]![j] ?? null;
    return mark === null ? { value: grid[i]![j]! } : { suppressed: mark };
  };
  return {
    rows: [...table.rows],
    columns: [...table.columns],
    cells: Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => publish(i, j))),
    rowTotals: Array.from({ length: r }, (_, i) => publish(i, c)),
    columnTotals: Array.from({ length: c }, (_, j) => publish(r, j)),
    total: publish(r, c),
  };
}
