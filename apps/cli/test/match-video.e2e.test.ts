// End-to-end: `hashline match clip.mp4` as child processes. The video is hashed on this machine
// (vPDQ, MD5, SHA-256) and matched against the banked videos of a data folder (local) or of a
// server (remote, `POST /v1/match/video`): a video hit shows both shares of matched frames.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { assertBuilt, cleanEnv, hashline, startServe } from './cli-process.js';

let dir: string;
let data: string;
const local = (args: string[]) => hashline([...args, '--data-dir', data], { cwd: dir });

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-match-video-e2e-'));
  data = join(dir, 'data');
  copyFileSync(join(PDQ_FIXTURES, 'vpdq-videos', 'doorknob-hd-no-bar.mp4'), join(dir, 'clip.mp4'));
  copyFileSync(join(PDQ_FIXTURES, 'vpdq-videos', 'pattern-sd-grey-bar.mp4'), join(dir, 'other.mp4'));
  writeFileSync(join(dir, 'broken.mp4'), 'not a video\n');
  // The bank holds the clip's own vPDQ, as `hashline hash` prints it.
  const hashed = await hashline(['hash', 'clip.mp4'], { cwd: dir });
  expect(hashed.code).toBe(0);
  writeFileSync(join(dir, 'clip.vpdq.txt'), hashed.stdout);
  const imported = await local([
    'bank',
    'import',
    'videos',
    'clip.vpdq.txt',
    '-f',
    'vpdq',
    '--create-kind',
    'test',
  ]);
  expect(imported.code).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashline match <video>', () => {
  it('matches a banked video locally with both shares; another video does not match; a broken one is skipped', async () => {
    const result = await local(['match', 'clip.mp4', 'other.mp4', 'broken.mp4']);
    expect(result.code).toBe(1);
    const rows = result.stdout.split('\n');
    expect(rows.find((r) => r.endsWith('clip.mp4'))).toMatch(
      /^match\s+videos\s+vpdq\s+100\/100%\s+\d+\s+clip\.mp4$/,
    );
    expect(rows.find((r) => r.endsWith('other.mp4'))).toMatch(/^no match\s/);
    expect(result.stderr).toMatch(/broken\.mp4: MEDIA_UNSUPPORTED_FORMAT/);
    expect(result.stderr).toContain('1 of 2 inputs matched in the data folder');
    const json = await local(['match', '-f', 'json', 'clip.mp4']);
    const [answer] = JSON.parse(json.stdout);
    expect(answer).toMatchObject({
      input: 'clip.mp4',
      matched: true,
      matches: [{ signalType: 'vpdq', queryMatchPercent: 100, comparedMatchPercent: 100, bank: 'videos' }],
      hashes: { vpdqFrames: 4, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('matches against a server: only the hashes are sent', async () => {
    const token = `hl_mvid_${randomBytes(24).toString('base64url')}`;
    const server = await startServe(['--port', '0', '--data-dir', data], {
      cwd: dir,
      env: cleanEnv({ HASHLINE_ADMIN_TOKEN: token }),
    });
    try {
      const result = await hashline(
        ['match', '--server', server.url, '--key', token, '--fail-on-match', 'clip.mp4'],
        {
          cwd: dir,
        },
      );
      expect(result.stderr).toContain('1 of 1 input matched on the server');
      expect(result.code).toBe(3);
      expect(result.stdout).toMatch(/match\s+videos\s+vpdq\s+100\/100%/);
      expect(server.output()).toContain('/v1/match/video');
      expect(server.output()).not.toContain('/v1/match/media');
    } finally {
      await server.stop();
    }
  });
});
