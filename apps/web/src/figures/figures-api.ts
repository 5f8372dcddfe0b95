// The public figures page's network calls: same origin, GET, no credentials needed.

/** A published count, or why it is withheld. */
export type PublishedCount = { readonly value: number } | { readonly suppressed: 'small' | 'complement' };

/** One published table. */
export interface PublicFigureTable {
  readonly id: string;
  readonly unit: string;
  readonly rows: readonly string[];
  /** Column keys of a cross-tab; null for a list. */
  readonly columns: readonly string[] | null;
  readonly cells: readonly (readonly PublishedCount[])[];
  readonly rowTotals: readonly PublishedCount[] | null;
  readonly columnTotals: readonly PublishedCount[] | null;
  readonly total: PublishedCount;
}

/** `GET /v1/public/figures`. */
export interface PublicFigures {
  readonly year: number;
  readonly k: number;
  readonly generatedAt: string;
  readonly tables: readonly PublicFigureTable[];
  /** Every published year, newest first. */
  readonly years: readonly number[];
}

/** A failed call with the problem's stable code. */
export class FiguresError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
    this.name = 'FiguresError';
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    referrerPolicy: 'no-referrer',
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string };
    throw new FiguresError(response.status, problem.code ?? 'INTERNAL');
  }
  return (await response.json()) as T;
}

/** A year's published figures (the last published year when `year` is null). */
export function fetchPublicFigures(year: string | null): Promise<PublicFigures> {
  return getJson(`/v1/public/figures${year ? `?year=${encodeURIComponent(year)}` : ''}`);
}

/** The hotline's name, for the page title (null when unavailable). */
export async function fetchHotlineName(): Promise<string | null> {
  try {
    return (await getJson<{ hotlineName?: string }>('/v1/public/hotline/config')).hotlineName ?? null;
  } catch {
    return null;
  }
}
