import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BankService, type HashlineStore } from '@hashline/domain';

/** The name of the demo bank `hashline serve --demo` creates. */
export const DEMO_BANK = 'demo';

/** A demo file written to the data folder. */
export interface DemoFile {
  readonly name: string;
  readonly role: 'bank' | 'query';
  readonly description: string;
  readonly path: string;
}

/** What {@link seedDemo} did. */
export interface DemoSeed {
  readonly bank: string;
  readonly folder: string;
  readonly files: readonly DemoFile[];
  /** Entries added to the bank (PDQ, MD5 and SHA-256 of each bank image). */
  readonly entries: number;
}

/**
 * Seeds a new data folder for a first try: writes the benign generated demo images of
 * `@hashline/media-node` to `<dataDir>/demo/`, creates the bank `demo` (kind `test`) and adds the
 * PDQ, MD5 and SHA-256 of the images meant for the bank. The other images (a blurred and a
 * resized copy, and an unrelated one) are left for the newcomer to match.
 */
export async function seedDemo(store: HashlineStore, dataDir: string): Promise<DemoSeed> {
  const media = await import('@hashline/media-node');
  const images = await media.renderDemoImages();
  const folder = join(dataDir, 'demo');
  await mkdir(folder, { recursive: true });
  const files: DemoFile[] = [];
  const entries: Record<string, unknown>[] = [];
  for (const image of images) {
    const path = join(folder, image.name);
    await writeFile(path, image.bytes);
    files.push({ name: image.name, role: image.role, description: image.description, path });
    if (image.role !== 'bank') continue;
    const hashes = await media.hashImageBytes(image.bytes, { crypto: true });
    const provenance = { source: 'demo', externalId: image.name };
    entries.push(
      { signalType: 'pdq', value: hashes.pdq, quality: hashes.quality, provenance, note: image.description },
      { signalType: 'md5', value: hashes.md5, provenance, note: image.description },
      { signalType: 'sha256', value: hashes.sha256, provenance, note: image.description },
    );
  }
  const service = new BankService(store);
  await service.createBank(
    {
      name: DEMO_BANK,
      kind: 'test',
      description: 'Generated landscapes (benign demo images) for trying Hashline out.',
      defaultActions: ['review'],
    },
    DEMO_SEED_ACTOR,
  );
  const result = await service.addEntries(DEMO_BANK, entries, DEMO_SEED_ACTOR);
  return { bank: DEMO_BANK, folder, files, entries: result.created.length };
}

/** The demo seed writes as an operator at the database. */
const DEMO_SEED_ACTOR = { via: 'operator', id: 'hashline serve --demo' } as const;

/** The demo file the instructions suggest matching: the blurred copy of a bank image (a hit). */
export function demoQueryFile(dataDir: string): string {
  return join(dataDir, 'demo', 'landscape-1-blurred.jpg');
}
