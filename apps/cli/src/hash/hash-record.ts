import type { DihedralName } from '@hashline/pdq';

/** What `hashline hash` knows about one hashed file: the row every output format prints. */
export interface HashRecord {
  /** The path as given on the command line (joined with the path inside a walked folder). */
  readonly path: string;
  /** PDQ hash, 64 lower-case hex digits, in the reference's layout. */
  readonly pdq: string;
  /** PDQ quality 0–100; Meta recommends discarding hashes below 50. */
  readonly quality: number;
  readonly width: number;
  readonly height: number;
  /** The eight dihedral hashes (with `--dihedral`). */
  readonly dihedral?: Readonly<Record<DihedralName, string>>;
  /** The robust variants (with `--robust`): name, PDQ hash and quality of each. */
  readonly variants?: readonly { readonly name: string; readonly pdq: string; readonly quality: number }[];
  /** File digests, lower-case hex (with `--crypto`). */
  readonly md5?: string;
  readonly sha1?: string;
  readonly sha256?: string;
}
