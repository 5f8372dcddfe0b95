// The reference-vector checks, shared by the Node test and the Chromium test so both run the same
// code: only the pixel loader differs (sharp in Node, createImageBitmap + canvas in the browser).
// Isomorphic like the package itself: no Node or DOM globals here.
import {
  collapseGrey,
  DIHEDRAL_NAMES,
  fromHex,
  hammingDistance,
  pdqHash,
  pdqHashDihedral,
  toHex,
  type DihedralName,
  type ImagePixels,
  type PdqEngine,
} from '@hashline/pdq';

/** Both implementations are checked against the reference: the WebAssembly core and the JS one. */
export const ENGINES: readonly PdqEngine[] = ['wasm', 'js'];

/** One row of `vectors.tsv`: what Meta's reference printed for one image of `pdq/data`. */
export interface VectorRow {
  /** Path relative to `pdq/data`, e.g. `bridge-mods/aaa-orig.jpg`. */
  readonly path: string;
  /** Hex hash of the image (equal to `dihedral.orig`). */
  readonly hash: string;
  readonly quality: number;
  /** Size of the original image, before the 512 pre-resize. */
  readonly width: number;
  readonly height: number;
  /** Hex hash of each dihedral variant (`--pdqdih-across`). */
  readonly dihedral: Readonly<Record<DihedralName, string>>;
}

/**
 * Which decoded-pixel fixtures to hash: `pixels512` holds every vector's pixels after the 512
 * pre-resize, `pixels-full` a few images at full size (so the pre-resize itself is exercised).
 */
export type PixelSet = 'pixels512' | 'pixels-full';

/** The outcome of checking one vector row. */
export interface CheckResult {
  readonly path: string;
  /** Fixture file checked, relative to the fixtures directory (`pixels512/…png`). */
  readonly file: string;
  /** True when size, hash, quality and all 8 dihedral hashes are exact. */
  readonly ok: boolean;
  /** One line per mismatch, readable on its own; empty when `ok`. */
  readonly problems: readonly string[];
  /** What the loader gave, after {@link collapseGrey} (for diagnostics). */
  readonly decoded?: { readonly width: number; readonly height: number; readonly channels: number };
}

/** Loads a fixture file (path relative to the fixtures directory) as decoded pixels. */
export type PixelLoader = (file: string) => Promise<ImagePixels>;

const COLUMNS = [
  'path',
  'hash',
  'quality',
  'width',
  'height',
  ...DIHEDRAL_NAMES.map((name) => `dih_${name}`),
] as const;

/**
 * Parses `vectors.tsv` (header plus one tab-separated row per image).
 * @throws Error naming the line when the header or a row is malformed, so a damaged fixture
 *   cannot silently shrink the test.
 */
export function parseVectorsTsv(text: string): VectorRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = lines.shift();
  if (header !== COLUMNS.join('\t'))
    throw new Error(`vectors.tsv: unexpected header ${JSON.stringify(header)}`);
  return lines.map((line, index) => {
    const cells = line.split('\t');
    if (cells.length !== COLUMNS.length) {
      throw new Error(`vectors.tsv line ${index + 2}: ${cells.length} columns, expected ${COLUMNS.length}`);
    }
    const [path, hash, quality, width, height, ...dihedral] = cells as [
      string,
      string,
      string,
      string,
      string,
      ...string[],
    ];
    const numbers = [quality, width, height].map(Number);
    if (numbers.some((n) => !Number.isInteger(n)))
      throw new Error(`vectors.tsv line ${index + 2}: bad number`);
    return {
      path,
      hash,
      quality: numbers[0]!,
      width: numbers[1]!,
      height: numbers[2]!,
      dihedral: Object.fromEntries(DIHEDRAL_NAMES.map((name, i) => [name, dihedral[i]!])) as Record<
        DihedralName,
        string
      >,
    };
  });
}

/** The fixture file of a vector in a pixel set: `/` becomes `_`, then `.png` is appended. */
export function fixtureFile(set: PixelSet, path: string): string {
  return `${set}/${path.replaceAll('/', '_')}.png`;
}

/** The size the fixture of `row` must have in `set` (the 512 rule applies to `pixels512` only). */
export function expectedFixtureSize(set: PixelSet, row: VectorRow): { width: number; height: number } {
  if (set === 'pixels512' && (row.width > 512 || row.height > 512)) return { width: 512, height: 512 };
  return { width: row.width, height: row.height };
}

/**
 * Hashes the fixture of every row with `pdqHash` and `pdqHashDihedral` (default pre-resize, the
 * given engine, default auto), after
 * {@link collapseGrey} so a canvas's RGBA of a grey image takes the reference's grey path, and
 * compares size, quality and all 8 dihedral hashes with the reference. Rows are checked one at a
 * time to bound memory; a row whose loader or hasher throws is a failed row, not an exception.
 */
export async function runPdqVectorChecks(
  loadPixels: PixelLoader,
  rows: readonly VectorRow[],
  set: PixelSet = 'pixels512',
  engine: PdqEngine = 'auto',
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const row of rows) {
    const file = fixtureFile(set, row.path);
    try {
      const pixels = collapseGrey(await loadPixels(file));
      results.push(checkRow(row, file, set, pixels, engine));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ path: row.path, file, ok: false, problems: [`threw: ${message}`] });
    }
  }
  return results;
}

function checkRow(
  row: VectorRow,
  file: string,
  set: PixelSet,
  pixels: ImagePixels,
  engine: PdqEngine,
): CheckResult {
  const problems: string[] = [];
  const size = expectedFixtureSize(set, row);
  if (pixels.width !== size.width || pixels.height !== size.height) {
    problems.push(`size: expected ${size.width}x${size.height}, decoded ${pixels.width}x${pixels.height}`);
  }
  // Both entry points are checked: pdqHash for `hash`/`quality`, pdqHashDihedral for the variants.
  const single = pdqHash(pixels, { engine });
  if (single.quality !== row.quality)
    problems.push(`quality: expected ${row.quality}, got ${single.quality}`);
  const hash = toHex(single.hash);
  if (hash !== row.hash) problems.push(mismatch('hash', row.hash, hash));
  const { quality, hashes } = pdqHashDihedral(pixels, { engine });
  if (quality !== row.quality) problems.push(`dihedral quality: expected ${row.quality}, got ${quality}`);
  for (const name of DIHEDRAL_NAMES) {
    const got = toHex(hashes[name]);
    if (got !== row.dihedral[name]) problems.push(mismatch(`dih_${name}`, row.dihedral[name], got));
  }
  return {
    path: row.path,
    file,
    ok: problems.length === 0,
    problems,
    decoded: { width: pixels.width, height: pixels.height, channels: pixels.channels },
  };
}

function mismatch(column: string, expected: string, got: string): string {
  return `${column}: expected ${expected}, got ${got} (${hammingDistance(fromHex(expected), fromHex(got))} bits off)`;
}

/** One line per failed row and problem, for an assertion message; empty when all rows passed. */
export function describeFailures(results: readonly CheckResult[]): string {
  return results
    .filter((result) => !result.ok)
    .flatMap((result) => {
      const decoded = result.decoded
        ? ` [decoded ${result.decoded.width}x${result.decoded.height}x${result.decoded.channels}]`
        : '';
      return result.problems.map((problem) => `${result.file}${decoded}: ${problem}`);
    })
    .join('\n');
}
