import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EngineSnapshot, IndexSnapshotPort } from '@hashline/domain';
import { SnapshotFileError, readSnapshotFile, writeSnapshotFile } from './snapshot-file-codec.js';

/** What the snapshot file holds around the engine's state. */
const KIND = 'hashline.match-engine-snapshot';
const VERSION = 1;

/**
 * The engine's snapshot kept in one file (see snapshot-file-codec.ts): written to a temporary
 * file and renamed into place, so readers (this process at its next start, or other processes
 * sharing the path) see a whole old file or a whole new one, never a half-written one.
 * `storeKey` names the database it belongs to: a file made for another one is not used.
 */
export function createFileIndexSnapshots(
  path: string,
  storeKey: string,
): IndexSnapshotPort & { readonly path: string } {
  return {
    path,
    async read() {
      let value: unknown;
      try {
        value = await readSnapshotFile(path);
      } catch (error) {
        if (error instanceof SnapshotFileError) {
          return {
            problem: error.problem === 'missing' ? 'no snapshot file' : `${error.problem}: ${error.message}`,
          };
        }
        throw error;
      }
      const file = value as { kind?: unknown; version?: unknown; storeKey?: unknown; state?: unknown } | null;
      if (file?.kind !== KIND || file.version !== VERSION) {
        return {
          problem: `format: snapshot ${String(file?.kind)} v${String(file?.version)}, expected ${KIND} v${VERSION}`,
        };
      }
      if (file.storeKey !== storeKey) return { problem: 'the snapshot was made for another database' };
      return { snapshot: file.state as EngineSnapshot };
    },
    async write(snapshot) {
      await mkdir(dirname(path), { recursive: true });
      await writeSnapshotFile(path, { kind: KIND, version: VERSION, storeKey, state: snapshot });
    },
  };
}
