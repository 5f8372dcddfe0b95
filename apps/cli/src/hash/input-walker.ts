import { opendir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** Extensions picked up when walking folders (files named explicitly are always tried). */
export const DEFAULT_IMAGE_EXTENSIONS: readonly string[] = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'gif',
  'tif',
  'tiff',
  'avif',
  'heic',
  'heif',
];

/** A file to hash, or an input that was skipped before hashing, in output order. */
export type InputEntry =
  | { readonly kind: 'file'; readonly path: string; readonly absolutePath: string }
  | { readonly kind: 'skip'; readonly path: string; readonly code: string; readonly message: string };

/** Options of {@link collectInputs}. */
export interface CollectOptions {
  /** Lower-case extensions without the dot; only these are taken from folders. */
  readonly extensions: ReadonlySet<string>;
  /** Directory relative inputs are resolved against. */
  readonly cwd: string;
}

/**
 * Expands files and folders into the ordered list of files to hash.
 *
 * Order: inputs in the order given; inside a folder, files sorted by their full path in UTF-16 code
 * unit order (the same as `find DIR -type f | LC_ALL=C sort` for ASCII names), so output is
 * deterministic whatever the file system returns. Paths are printed as given, joined with the
 * relative path inside the folder. Folders are walked recursively and symbolic links are followed;
 * each directory (by device and inode) is entered at most once per input, so link loops cannot hang
 * the walk. Errors never throw: they become `skip` entries with a reason code.
 */
export async function collectInputs(
  inputs: readonly string[],
  options: CollectOptions,
): Promise<InputEntry[]> {
  const entries: InputEntry[] = [];
  for (const input of inputs) {
    const absolutePath = resolve(options.cwd, input);
    let info: Stats;
    try {
      info = await stat(absolutePath);
    } catch (error) {
      entries.push(skipFromError(input, error));
      continue;
    }
    if (info.isFile()) {
      entries.push({ kind: 'file', path: input, absolutePath });
    } else if (info.isDirectory()) {
      const found: InputEntry[] = [];
      await walkDirectory(input, absolutePath, info, options.extensions, new Set(), found);
      found.sort((a, b) => compareCodeUnits(a.path, b.path));
      entries.push(...found);
    } else {
      entries.push({
        kind: 'skip',
        path: input,
        code: 'NOT_A_FILE',
        message: 'not a regular file or folder',
      });
    }
  }
  return entries;
}

async function walkDirectory(
  path: string,
  absolutePath: string,
  info: Stats,
  extensions: ReadonlySet<string>,
  visited: Set<string>,
  out: InputEntry[],
): Promise<void> {
  const key = `${info.dev}:${info.ino}`;
  if (visited.has(key)) return; // a symlink loop or a second link to a folder already walked
  visited.add(key);

  let names: { name: string; type: 'dir' | 'file' | 'link' | 'other' }[];
  try {
    names = [];
    for await (const dirent of await opendir(absolutePath)) {
      const type = dirent.isDirectory()
        ? 'dir'
        : dirent.isFile()
          ? 'file'
          : dirent.isSymbolicLink()
            ? 'link'
            : 'other';
      names.push({ name: dirent.name, type });
    }
  } catch (error) {
    out.push(skipFromError(path, error));
    return;
  }

  for (const { name, type } of names) {
    const childPath = join(path, name);
    const childAbsolute = join(absolutePath, name);
    const wanted = extensions.has(extname(name).slice(1).toLowerCase());
    if (type === 'file') {
      if (wanted) out.push({ kind: 'file', path: childPath, absolutePath: childAbsolute });
    } else if (type === 'dir' || type === 'link') {
      let childInfo: Stats;
      try {
        childInfo = await stat(childAbsolute);
      } catch (error) {
        // Only report unreadable entries the user would have expected to be hashed.
        if (type === 'dir' || wanted) out.push(skipFromError(childPath, error));
        continue;
      }
      if (childInfo.isDirectory()) {
        await walkDirectory(childPath, childAbsolute, childInfo, extensions, visited, out);
      } else if (childInfo.isFile() && wanted) {
        out.push({ kind: 'file', path: childPath, absolutePath: childAbsolute });
      }
    }
    // Sockets, FIFOs and devices inside folders are ignored: reading a FIFO could block forever.
  }
}

const FS_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder (or a broken symbolic link)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a path component is not a folder',
  ENAMETOOLONG: 'file name too long',
  EISDIR: 'is a folder',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** A skip entry from a file-system or hashing error: its `code` when it has one, and a short message. */
export function skipFromError(path: string, error: unknown): InputEntry & { kind: 'skip' } {
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'ERROR';
  const message = FS_ERROR_MESSAGES[code] ?? (error instanceof Error ? error.message : String(error));
  return { kind: 'skip', path, code, message };
}

/** Locale-independent ordering, so two machines list the same folder in the same order. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
