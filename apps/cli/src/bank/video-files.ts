import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { VpdqImportItem } from '@hashline/domain';
import { CommandError } from '../command-error.js';

/**
 * Reads the videos of `hashline bank import --format vpdq <path>`: a file (the reference hasher's
 * output, one video; or ThreatExchange/HMA `vpdq,<JSON>` lines, one video each) or a directory
 * (a bundle: every `.txt` file in it, each read as above, in name order).
 */
export async function readVideoFiles(
  path: string,
  shown: string,
): Promise<{
  items: VpdqImportItem[];
  problems: { where: string; message: string }[];
  skipped: number;
  files: number;
}> {
  const { readVpdqFile } = await import('@hashline/domain');
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CommandError(`cannot read ${shown}: ${(error as Error).message}`);
  }
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((name) => name.endsWith('.txt'))
        .sort()
        .map((name) => join(path, name))
    : [path];
  if (files.length === 0) throw new CommandError(`${shown} holds no .txt files of video hashes`);
  const items: VpdqImportItem[] = [];
  const problems: { where: string; message: string }[] = [];
  let skipped = 0;
  for (const file of files) {
    const read = readVpdqFile(basename(file), await readFile(file, 'utf8'));
    items.push(...read.items);
    problems.push(...read.problems);
    skipped += read.skipped;
  }
  return { items, problems, skipped, files: files.length };
}
