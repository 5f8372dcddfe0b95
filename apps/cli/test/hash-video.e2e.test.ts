// `hashline hash clip.mp4` on the built CLI: Meta's vpdq-hash-video lines, -r, --size, --crypto.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { assertBuilt, hashline } from './cli-process.js';

const VIDEO = join(PDQ_FIXTURES, 'vpdq-videos', 'doorknob-hd-no-bar.mp4');
const SAMPLE = join(PDQ_FIXTURES, 'vpdq-sample-hashes', 'doorknob-hd-no-bar.txt');

beforeAll(() => assertBuilt());

describe('hashline hash <video>', () => {
  test('-r 0 prints the reference file byte for byte', async () => {
    const { code, stdout, stderr } = await hashline(['hash', '-r', '0', VIDEO]);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(readFileSync(SAMPLE, 'utf8'));
  });

  test('by default one frame a second, the reference lines of frames 0, 30, 60, 90', async () => {
    const { code, stdout } = await hashline(['hash', VIDEO]);
    expect(code).toBe(0);
    const reference = readFileSync(SAMPLE, 'utf8').split('\n');
    expect(stdout).toBe([0, 30, 60, 90].map((n) => reference[n] + '\n').join(''));
  });

  test('--crypto starts the block with the file digests; json carries them too', async () => {
    const bytes = readFileSync(VIDEO);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const plain = await hashline(['hash', '-r', '2', '--crypto', VIDEO]);
    expect(plain.code).toBe(0);
    const [header, ...lines] = plain.stdout.trimEnd().split('\n');
    expect(header).toBe(
      `# ${VIDEO} md5=${createHash('md5').update(bytes).digest('hex')} sha1=${createHash('sha1').update(bytes).digest('hex')} sha256=${sha256}`,
    );
    expect(lines.map((l) => l.split(',')[0])).toEqual(['0', '60']);
    const json = await hashline(['hash', '-f', 'json', '--crypto', '-r', '2', VIDEO]);
    const [document] = JSON.parse(json.stdout) as {
      sha256: string;
      frameRate: string;
      frames: { frame: number }[];
    }[];
    expect(document).toMatchObject({ sha256, frameRate: '30/1' });
    expect(document!.frames.map((f) => f.frame)).toEqual([0, 60]);
  });

  test('a file that is not a video is skipped with its code; usage errors exit 2', async () => {
    const broken = await hashline(['hash', join(PDQ_FIXTURES, 'vectors.tsv.mp4')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('MEDIA_READ_FAILED');
    const mixed = await hashline(['hash', VIDEO, join(PDQ_FIXTURES, 'data')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('separate runs');
    const negative = await hashline(['hash', '-r', '-1', VIDEO]);
    expect(negative.code).toBe(2);
  });
});
