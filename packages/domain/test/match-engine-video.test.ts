import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  MatchEngine,
  compareVpdqBrute,
  parseVpdqReferenceLines,
  usableVpdqFrames,
  type EngineSnapshot,
  type VpdqFrame,
} from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { setup } from './support.js';

const sample = (name: string): VpdqFrame[] =>
  parseVpdqReferenceLines(readFileSync(resolve(PDQ_FIXTURES, 'vpdq-sample-hashes', `${name}.txt`), 'utf8'));

const GREY = sample('chair-22-sd-grey-bar');
const ORIGINAL = sample('chair-orig-22-sd-bar');
const LOGO = sample('chair-22-with-large-logo-bar');
const PATTERN = sample('pattern-sd-grey-bar');

describe('MatchEngine: videos (vpdq)', () => {
  test('a query video finds the banked videos it matches, with both percentages as brute force gives them', async () => {
    const { banks, engine } = await setup();
    await banks.createBank({ name: 'videos', kind: 'known_csam' });
    const { created } = await banks.addEntries(
      'videos',
      [
        { signalType: 'vpdq', frames: ORIGINAL },
        { signalType: 'vpdq', frames: LOGO },
        { signalType: 'vpdq', frames: PATTERN },
      ],
      'test',
    );
    const [original, logo] = created;
    expect(engine.status()).toMatchObject({ videoEntries: 3 });

    const result = engine.queryVideo(GREY);
    const expected = compareVpdqBrute(GREY, ORIGINAL);
    expect(expected.comparedMatchPercent).toBeGreaterThanOrEqual(80);
    expect(result.matches).toEqual([
      {
        entryId: original!.id,
        bankId: original!.bankId,
        queryMatchPercent: expected.queryMatchPercent,
        comparedMatchPercent: expected.comparedMatchPercent,
        distance: expect.any(Number),
      },
    ]);
    expect(result.usableQueryFrames).toBe(usableVpdqFrames(GREY).length);

    // The logo video shares ~10 % of its frames: below the bank's 80 %, until the bank lowers it.
    const logoShare = compareVpdqBrute(GREY, LOGO);
    await banks.updateBank('videos', { vpdqMatchPercent: 5 });
    const lowered = engine.queryVideo(GREY);
    expect(lowered.matches.map((m) => [m.entryId, m.comparedMatchPercent, m.queryMatchPercent])).toEqual([
      [original!.id, expected.comparedMatchPercent, expected.queryMatchPercent],
      [logo!.id, logoShare.comparedMatchPercent, logoShare.queryMatchPercent],
    ]);
    // The query side's threshold applies too.
    await banks.updateBank('videos', { vpdqQueryMatchPercent: 50 });
    expect(engine.queryVideo(GREY).matches.map((m) => m.entryId)).toEqual([original!.id]);
  });

  test('a clip of a banked video matches on its own side only, as the bank decides', async () => {
    const { banks, engine } = await setup();
    await banks.createBank({ name: 'videos', kind: 'known_csam' });
    const { created } = await banks.addEntries('videos', [{ signalType: 'vpdq', frames: GREY }], 'test');
    const clip = GREY.slice(0, 30);
    expect(engine.queryVideo(clip).matches).toEqual([]);
    await banks.updateBank('videos', { vpdqMatchPercent: 0, vpdqQueryMatchPercent: 90 });
    const [hit] = engine.queryVideo(clip).matches;
    expect(hit).toMatchObject({ entryId: created[0]!.id, queryMatchPercent: 100 });
    expect(hit!.comparedMatchPercent).toBeLessThan(50);
  });

  test('a single image matching a frame of a banked video reports the video and the frame', async () => {
    const { banks, engine, matches } = await setup();
    await banks.createBank({ name: 'videos', kind: 'known_csam' });
    const { created } = await banks.addEntries('videos', [{ signalType: 'vpdq', frames: ORIGINAL }], 'test');
    const usable = usableVpdqFrames(ORIGINAL);
    const frame = usable[17]!;
    const found = engine.query({ signalType: 'pdq', value: frame.pdqHex });
    expect(found.matches).toEqual([
      expect.objectContaining({ entryId: created[0]!.id, distance: 0, videoFrame: expect.any(Number) }),
    ]);
    // Neighbouring frames may be identical or near: the closest is reported, at distance 0.
    expect(usable[found.matches[0]!.videoFrame!]!.pdqHex).toBe(frame.pdqHex);
    // Through the match service, as the API answers: the hit names the video entry and the frame.
    const [answer] = await matches.match(
      { id: 'test', verdictOnly: false },
      matches.parseItems([{ signalType: 'pdq', value: frame.pdqHex }]),
      { source: 'hash' },
    );
    expect(answer).toMatchObject({
      matched: true,
      matches: [
        { bank: 'videos', entryId: created[0]!.id, distance: 0, videoFrame: found.matches[0]!.videoFrame },
      ],
    });
  });

  test('deleting or disabling a video stops it matching; a snapshot and a cold load agree with the live engine', async () => {
    const store = createMemoryStore();
    const { banks, engine } = await setup(store);
    await banks.createBank({ name: 'videos', kind: 'known_csam' });
    const { created } = await banks.addEntries(
      'videos',
      [
        { signalType: 'vpdq', frames: ORIGINAL },
        { signalType: 'vpdq', frames: PATTERN },
      ],
      'test',
    );
    await banks.updateEntry(created[1]!.id, { disabled: true });
    expect(engine.queryVideo(PATTERN).matches).toEqual([]);
    await banks.updateEntry(created[1]!.id, { disabled: false });
    expect(engine.queryVideo(PATTERN).matches.map((m) => m.entryId)).toEqual([created[1]!.id]);

    let saved: EngineSnapshot | null = null;
    const port = {
      read: async () => (saved ? { snapshot: saved } : { problem: 'none saved' }),
      write: async (snapshot: EngineSnapshot) => {
        saved = snapshot;
      },
    };
    const first = new MatchEngine(store, { snapshots: port });
    await first.load();
    await first.saveSnapshot();
    expect(saved!.video!.videoIds.length).toBe(2);
    const fromSnapshot = new MatchEngine(store, { snapshots: port });
    await fromSnapshot.load();
    expect(fromSnapshot.status().source).toBe('snapshot');
    for (const query of [GREY, PATTERN, LOGO]) {
      expect(fromSnapshot.queryVideo(query)).toEqual(engine.queryVideo(query));
      expect(first.queryVideo(query)).toEqual(engine.queryVideo(query));
    }

    await banks.deleteEntry(created[0]!.id);
    expect(engine.queryVideo(GREY).matches).toEqual([]);
    await fromSnapshot.catchUp();
    expect(fromSnapshot.queryVideo(GREY).matches).toEqual([]);
    expect(engine.status()).toMatchObject({ videoEntries: 1 });
  });

  test('a hash-list import (bulk path) refuses videos, which need their frames', async () => {
    const { banks } = await setup();
    const bank = await banks.createBank({ name: 'videos', kind: 'known_csam' });
    await expect(
      banks.applyImport(
        bank.id,
        [{ kind: 'upsert', entry: { signalType: 'vpdq', value: 'a'.repeat(64) } }],
        't',
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('a vpdq entry needs frames; its value is derived from them', async () => {
    const { banks } = await setup();
    await banks.createBank({ name: 'videos', kind: 'known_csam' });
    await expect(
      banks.addEntries('videos', [{ signalType: 'vpdq', value: 'a'.repeat(64) }], 't'),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      banks.addEntries('videos', [{ signalType: 'vpdq', frames: GREY, value: 'b'.repeat(64) }], 't'),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const lines = readFileSync(resolve(PDQ_FIXTURES, 'vpdq-sample-hashes', 'doorknob-hd-no-bar.txt'), 'utf8');
    const { created } = await banks.addEntries(
      'videos',
      [{ signalType: 'vpdq', frames: lines, fileMd5: 'AB'.repeat(16) }],
      't',
    );
    expect(created[0]!.signalType).toBe('vpdq');
  });
});
