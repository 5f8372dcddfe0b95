import {
  DomainError,
  MAX_PIN_ATTEMPTS,
  PIN_LOCK_STEPS_MS,
  SelfSubmissionService,
  luhnCheckDigit,
  newCaseNumber,
  parseCaseNumber,
  type PinHasher,
} from '@hashline/domain';
import { createManualClock, createMemorySelfSubmissionStore } from '@hashline/domain/testing';
import { describe, expect, it } from 'vitest';
import { randomPdq, seeded, setup } from '../support.js';

/** A fast stand-in for scrypt (the server's hasher is tested in the server). */
const plainPins: PinHasher = {
  hash: async (pin) => `h:${pin}`,
  verify: async (pin, stored) => stored === `h:${pin}`,
};

function seededRandom(seed: number) {
  const next = seeded(seed);
  return (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

async function fixture() {
  const base = await setup();
  const clock = createManualClock(new Date('2026-11-26T15:00:00Z'));
  const store = createMemorySelfSubmissionStore();
  const service = new SelfSubmissionService({
    store,
    banks: base.banks,
    pins: plainPins,
    random: seededRandom(7),
    clock,
  });
  return { ...base, clock, cases: store, service };
}

function image(seed: number) {
  const next = seeded(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return { pdq: randomPdq(next), quality: 90, md5: hex(32), sha256: hex(64) };
}

/** The code and message of a DomainError (what the HTTP answer is made of). */
async function problemOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
    return { code: 'resolved', message: '' };
  } catch (error) {
    return error instanceof DomainError
      ? { code: error.code, message: error.message }
      : { code: 'error', message: String(error) };
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

describe('case numbers', () => {
  it('are 13 digits with a Luhn check digit that catches a wrong digit', () => {
    const n = newCaseNumber(seededRandom(1));
    expect(n).toMatch(/^\d{13}$/);
    expect(parseCaseNumber(n)).toBe(n);
    expect(parseCaseNumber(`${n.slice(0, 4)} ${n.slice(4, 8)}-${n.slice(8)}`)).toBe(n);
    const wrong = n.slice(0, 5) + String((Number(n[5]) + 1) % 10) + n.slice(6);
    expect(parseCaseNumber(wrong)).toBeUndefined();
    // Known Luhn example: 7992739871 has check digit 3.
    expect(luhnCheckDigit('7992739871')).toBe('3');
  });
});

describe('SelfSubmissionService', () => {
  it('adds PDQ, MD5 and SHA-256 to the minors bank with only the case number as provenance', async () => {
    const { service, banks, engine } = await fixture();
    const img = image(1);
    const receipt = await service.submit({ caseType: 'minor', images: [img] });
    expect(receipt.pin).toMatch(/^\d{8}$/);
    const bank = await banks.getBank('self-submitted-minors');
    expect(bank.kind).toBe('self_submitted_minors');
    const { entries } = await banks.listEntries(bank.id, { limit: 10 });
    expect(entries.map((e) => e.signalType).sort()).toEqual(['md5', 'pdq', 'sha256']);
    for (const e of entries) {
      expect(e.provenance).toEqual({
        source: 'self-submission',
        externalId: receipt.caseNumber,
        member: null,
      });
      expect(e.note).toBeNull();
    }
    expect(engine.query({ signalType: 'pdq', value: img.pdq }).matches).toHaveLength(1);
  });

  it('keeps the robust variants computed on the device with the PDQ entry: a cropped copy’s hash finds it', async () => {
    const { service, banks, engine } = await fixture();
    const img = image(3);
    const crop = image(4).pdq;
    const receipt = await service.submit({
      caseType: 'minor',
      images: [{ ...img, variants: [{ kind: 'crop-r9', value: crop }] }],
    });
    const { entries } = await banks.listEntries('self-submitted-minors', { limit: 10 });
    expect(entries.find((e) => e.signalType === 'pdq')!.pdqVariants).toEqual([
      { kind: 'crop-r9', value: crop },
    ]);
    expect(engine.query({ signalType: 'pdq', value: crop }).matches).toEqual([
      expect.objectContaining({ distance: 0, bankVariant: 'crop-r9' }),
    ]);
    // Withdrawing the case removes the variants with the entry.
    await service.withdraw({ caseNumber: receipt.caseNumber, pin: receipt.pin });
    expect(engine.query({ signalType: 'pdq', value: crop }).matches).toEqual([]);
    // An unknown kind is refused like any other malformed field.
    expect(
      await codeOf(
        service.submit({
          caseType: 'minor',
          images: [{ ...image(5), variants: [{ kind: 'blur', value: crop }] }],
        }),
      ),
    ).toBe('VALIDATION_FAILED');
  });

  it('sends adults to the ncii-adults bank', async () => {
    const { service, banks } = await fixture();
    await service.submit({ caseType: 'adult', images: [image(2)] });
    expect((await banks.getBank('ncii-adults')).kind).toBe('ncii_adults');
  });

  it('refuses unknown keys, low quality, too many images and bad hashes', async () => {
    const { service } = await fixture();
    const img = image(3);
    expect(await codeOf(service.submit({ caseType: 'minor', images: [img], fileName: 'x.jpg' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await codeOf(service.submit({ caseType: 'minor', images: [{ ...img, size: 10 }] }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await codeOf(service.submit({ caseType: 'minor', images: [{ ...img, quality: 49 }] }))).toBe(
      'LOW_QUALITY_HASH',
    );
    expect(await codeOf(service.submit({ caseType: 'teen', images: [img] }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.submit({ caseType: 'minor', images: [{ ...img, md5: 'zz' }] }))).toBe(
      'INVALID_HASH',
    );
    const many = Array.from({ length: 51 }, (_, i) => image(100 + i));
    expect(await codeOf(service.submit({ caseType: 'minor', images: many }))).toBe('BATCH_TOO_LARGE');
  });

  it('shows the status and withdraws with case number and PIN: the hashes stop matching at once', async () => {
    const { service, engine, store } = await fixture();
    const img = image(4);
    const other = image(5);
    const receipt = await service.submit({ caseType: 'minor', images: [img] });
    await service.submit({ caseType: 'minor', images: [other] });
    const creds = { caseNumber: receipt.caseNumber, pin: receipt.pin };
    expect(await service.status(creds)).toMatchObject({
      status: 'active',
      imageCount: 1,
      createdDay: '2026-11-26',
    });
    const seqBefore = await store.latestSeq();
    const withdrawn = await service.withdraw(creds);
    expect(withdrawn).toMatchObject({ status: 'withdrawn', removedEntries: 3 });
    expect(engine.query({ signalType: 'pdq', value: img.pdq }).matches).toHaveLength(0);
    expect(engine.query({ signalType: 'md5', value: img.md5 }).matches).toHaveLength(0);
    expect(engine.query({ signalType: 'pdq', value: other.pdq }).matches).toHaveLength(1);
    const deletes = (await store.changesSince(seqBefore, 100)).filter((c) => c.op === 'entry_delete');
    expect(deletes).toHaveLength(3);
    expect(await service.withdraw(creds)).toMatchObject({ status: 'withdrawn', removedEntries: 0 });
  });

  it('keeps a hash two cases hold until the last of them withdraws', async () => {
    const { service, engine, store, banks } = await fixture();
    const [shared, onlyA] = [image(30), image(31)];
    const a = await service.submit({ caseType: 'minor', images: [shared, onlyA] });
    const b = await service.submit({ caseType: 'minor', images: [shared] });
    const matches = (img: { pdq: string; md5: string; sha256: string }) => [
      engine.query({ signalType: 'pdq', value: img.pdq }).matches.length,
      engine.query({ signalType: 'md5', value: img.md5 }).matches.length,
      engine.query({ signalType: 'sha256', value: img.sha256 }).matches.length,
    ];
    expect(matches(shared)).toEqual([1, 1, 1]);

    const seqBeforeA = await store.latestSeq();
    expect(await service.withdraw({ caseNumber: a.caseNumber, pin: a.pin })).toMatchObject({
      status: 'withdrawn',
      removedEntries: 3,
    });
    // B still holds the shared image (whose entries carry A's provenance): it keeps matching.
    expect(matches(shared)).toEqual([1, 1, 1]);
    expect(matches(onlyA)).toEqual([0, 0, 0]);
    const deletedByA = (await store.changesSince(seqBeforeA, 100)).filter((c) => c.op === 'entry_delete');
    expect(deletedByA.map((c) => c.value).sort()).toEqual([onlyA.md5, onlyA.pdq, onlyA.sha256].sort());

    const seqBeforeB = await store.latestSeq();
    expect(await service.withdraw({ caseNumber: b.caseNumber, pin: b.pin })).toMatchObject({
      status: 'withdrawn',
      removedEntries: 3,
    });
    expect(matches(shared)).toEqual([0, 0, 0]);
    const deletedByB = (await store.changesSince(seqBeforeB, 100)).filter((c) => c.op === 'entry_delete');
    expect(deletedByB.map((c) => c.value).sort()).toEqual([shared.md5, shared.pdq, shared.sha256].sort());
    const bank = await banks.getBank('self-submitted-minors');
    expect((await banks.listEntries(bank.id, { limit: 10 })).entries).toEqual([]);
    // Withdrawing A again finds nothing left to delete.
    expect(await service.withdraw({ caseNumber: a.caseNumber, pin: a.pin })).toMatchObject({
      removedEntries: 0,
    });
  });

  it('deletes shared hashes whichever case withdraws last, and never an entry from another source', async () => {
    const { service, engine, banks } = await fixture();
    const [shared, analysts] = [image(32), image(33)];
    const a = await service.submit({ caseType: 'minor', images: [shared] });
    const b = await service.submit({ caseType: 'minor', images: [shared] });
    // An analyst's entry in the same bank that a later submission repeats.
    await banks.addEntries(
      'self-submitted-minors',
      [{ signalType: 'md5', value: analysts.md5, provenance: { source: 'analyst', externalId: 'r-1' } }],
      'analyst',
    );
    const c = await service.submit({ caseType: 'minor', images: [analysts] });
    // B first this time: A still holds the shared hash.
    expect(await service.withdraw({ caseNumber: b.caseNumber, pin: b.pin })).toMatchObject({
      removedEntries: 0,
    });
    expect(engine.query({ signalType: 'pdq', value: shared.pdq }).matches).toHaveLength(1);
    expect(await service.withdraw({ caseNumber: a.caseNumber, pin: a.pin })).toMatchObject({
      removedEntries: 3,
    });
    expect(engine.query({ signalType: 'pdq', value: shared.pdq }).matches).toHaveLength(0);
    expect(await service.withdraw({ caseNumber: c.caseNumber, pin: c.pin })).toMatchObject({
      removedEntries: 2,
    });
    expect(engine.query({ signalType: 'md5', value: analysts.md5 }).matches).toHaveLength(1);
    expect(engine.query({ signalType: 'pdq', value: analysts.pdq }).matches).toHaveLength(0);
  });

  it('finishes a withdrawal interrupted after the case was marked withdrawn', async () => {
    const { service, engine, cases } = await fixture();
    const [shared, onlyA] = [image(34), image(35)];
    const a = await service.submit({ caseType: 'minor', images: [shared, onlyA] });
    const b = await service.submit({ caseType: 'minor', images: [shared] });
    // A crash right after step 1 of A's withdrawal: withdrawn, nothing deleted, links kept.
    await cases.updateCase(a.caseNumber, { status: 'withdrawn' });
    // A's leftover links do not keep the shared hash alive for B's withdrawal.
    expect(await service.withdraw({ caseNumber: b.caseNumber, pin: b.pin })).toMatchObject({
      removedEntries: 3,
    });
    expect(engine.query({ signalType: 'pdq', value: shared.pdq }).matches).toHaveLength(0);
    expect(engine.query({ signalType: 'pdq', value: onlyA.pdq }).matches).toHaveLength(1);
    // A's retry deletes the rest, tolerating the entries B's withdrawal already deleted.
    expect(await service.withdraw({ caseNumber: a.caseNumber, pin: a.pin })).toMatchObject({
      status: 'withdrawn',
      removedEntries: 3,
    });
    expect(engine.query({ signalType: 'pdq', value: onlyA.pdq }).matches).toHaveLength(0);
  });

  it('answers a wrong PIN, an unknown case and a locked case alike, and unlocks with back-off', async () => {
    const { service, clock } = await fixture();
    const receipt = await service.submit({ caseType: 'minor', images: [image(6)] });
    const wrongPin = receipt.pin === '00000000' ? '11111111' : '00000000';
    const unknown = await problemOf(service.status({ caseNumber: '0000000000000', pin: receipt.pin }));
    expect(unknown.code).toBe('NOT_FOUND');
    for (let i = 0; i < MAX_PIN_ATTEMPTS; i++) {
      expect(await problemOf(service.status({ caseNumber: receipt.caseNumber, pin: wrongPin }))).toEqual(
        unknown,
      );
    }
    // Locked: even the right PIN gets the very answer of an unknown case (code and message).
    expect(await problemOf(service.status({ caseNumber: receipt.caseNumber, pin: receipt.pin }))).toEqual(
      unknown,
    );
    // The first lock lasts a minute, then the owner gets in (and the count starts again).
    clock.advance(PIN_LOCK_STEPS_MS[0]! + 1);
    expect(await codeOf(service.status({ caseNumber: receipt.caseNumber, pin: receipt.pin }))).toBe(
      'resolved',
    );
    // Later rounds lock longer: 5 min after the second round of wrong PINs, capped at an hour.
    for (let round = 1; round <= PIN_LOCK_STEPS_MS.length + 1; round++) {
      for (let i = 0; i < MAX_PIN_ATTEMPTS; i++)
        await codeOf(service.status({ caseNumber: receipt.caseNumber, pin: wrongPin }));
      const lock = PIN_LOCK_STEPS_MS[Math.min(round, PIN_LOCK_STEPS_MS.length) - 1]!;
      clock.advance(lock - 1);
      expect(await codeOf(service.status({ caseNumber: receipt.caseNumber, pin: receipt.pin }))).toBe(
        'NOT_FOUND',
      );
      clock.advance(2);
      if (round < PIN_LOCK_STEPS_MS.length + 1) continue;
      // An hour at most: the owner can always withdraw once the guessing stops.
      expect(lock).toBe(60 * 60 * 1000);
    }
    expect(await codeOf(service.withdraw({ caseNumber: receipt.caseNumber, pin: receipt.pin }))).toBe(
      'resolved',
    );
    expect(await codeOf(service.status({ caseNumber: receipt.caseNumber, pin: receipt.pin, x: 1 }))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('evaluates at most 5 of 70 concurrent wrong PINs (the count is taken before the check)', async () => {
    const { cases, banks, clock } = await fixture();
    let evaluated = 0;
    const counting: PinHasher = {
      hash: plainPins.hash,
      verify: async (pin, stored) => {
        if (stored !== 'h:00000000') evaluated++; // not the dummy hash of unknown and locked cases
        await new Promise((resolve) => setImmediate(resolve)); // let the other guesses interleave
        return plainPins.verify(pin, stored);
      },
    };
    const service = new SelfSubmissionService({
      store: cases,
      banks,
      pins: counting,
      random: seededRandom(9),
      clock,
    });
    const receipt = await service.submit({ caseType: 'minor', images: [image(44)] });
    const wrongPin = receipt.pin === '11111111' ? '22222222' : '11111111';
    const answers = await Promise.all(
      Array.from({ length: 70 }, () =>
        codeOf(service.status({ caseNumber: receipt.caseNumber, pin: wrongPin })),
      ),
    );
    expect(new Set(answers)).toEqual(new Set(['NOT_FOUND']));
    expect(evaluated).toBe(MAX_PIN_ATTEMPTS);
  });

  it('does the same work for an unknown, a locked and an existing case: one count, one PIN check', async () => {
    const { cases, banks, clock } = await fixture();
    const work: string[] = [];
    const traced: PinHasher = {
      hash: async (pin) => {
        work.push('hash');
        return plainPins.hash(pin);
      },
      verify: async (pin, stored) => {
        work.push('verify');
        return plainPins.verify(pin, stored);
      },
    };
    const service = new SelfSubmissionService({
      store: cases,
      banks,
      pins: traced,
      random: seededRandom(3),
      clock,
    });
    const receipt = await service.submit({ caseType: 'minor', images: [image(45)] });
    const wrongPin = receipt.pin === '11111111' ? '22222222' : '11111111';
    await codeOf(service.status({ caseNumber: '0000000000000', pin: wrongPin })); // makes the dummy hash once
    const workOf = async (caseNumber: string): Promise<string[]> => {
      work.length = 0;
      await codeOf(service.status({ caseNumber, pin: wrongPin }));
      return [...work];
    };
    expect(await workOf('0000000000000')).toEqual(['verify']);
    expect(await workOf(receipt.caseNumber)).toEqual(['verify']);
    for (let i = 1; i < MAX_PIN_ATTEMPTS; i++) await workOf(receipt.caseNumber);
    expect(await workOf(receipt.caseNumber)).toEqual(['verify']); // locked now
  });

  it('stores a video as one vpdq entry (frames and file digests) plus its exact digests, and withdraws them in one step', async () => {
    const { service, engine, banks } = await fixture();
    const [a, b] = [image(20), image(21)];
    const video = {
      md5: a.md5,
      sha256: a.sha256,
      frames: [
        { pdq: a.pdq, quality: 80, frameNumber: 0, timestampSeconds: 0 },
        { pdq: b.pdq, quality: 70, frameNumber: 30, timestampSeconds: 1 },
        { pdq: a.pdq, quality: 80, frameNumber: 60, timestampSeconds: 2 },
      ],
    };
    const receipt = await service.submit({ caseType: 'adult', videos: [video] });
    expect(receipt.imageCount).toBe(1);
    const bank = await banks.getBank('ncii-adults');
    const { entries } = await banks.listEntries(bank.id, { limit: 10 });
    expect(entries.map((e) => e.signalType).sort()).toEqual(['md5', 'sha256', 'vpdq']);
    const vpdqEntry = entries.find((e) => e.signalType === 'vpdq')!;
    const stored = (await banks.getVideoSignals([vpdqEntry.id])).get(vpdqEntry.id)!;
    expect(stored).toMatchObject({ fileMd5: a.md5, fileSha256: a.sha256 });
    expect(stored.frames.map((f) => [f.frameNumber, f.timestampSeconds])).toEqual([
      [0, 0],
      [30, 1],
      [60, 2],
    ]);
    // The same video queried matches it by the reference's rule; an image of one frame names it.
    const query = video.frames.map((f) => ({ ...f, pdqHex: f.pdq }));
    expect(engine.queryVideo(query).matches).toMatchObject([
      { entryId: vpdqEntry.id, queryMatchPercent: 100, comparedMatchPercent: 100 },
    ]);
    expect(engine.query({ signalType: 'pdq', value: b.pdq }).matches).toMatchObject([
      { entryId: vpdqEntry.id, videoFrame: 1 },
    ]);
    // The same file looked up by its exact digests is found too.
    for (const [signalType, value] of [
      ['md5', a.md5],
      ['sha256', a.sha256],
    ] as const) {
      expect(engine.query({ signalType, value }).matches).toMatchObject([
        { entryId: entries.find((e) => e.signalType === signalType)!.id, distance: 0 },
      ]);
    }
    // Frames without numbers (older pages): the k-th frame is numbered k, at k seconds.
    const legacy = await service.submit({
      caseType: 'adult',
      videos: [{ md5: b.md5, sha256: b.sha256, frames: [{ pdq: b.pdq, quality: 70 }] }],
    });
    expect(legacy.imageCount).toBe(1);
    expect(
      await codeOf(
        service.submit({
          caseType: 'adult',
          videos: [{ ...video, frames: [video.frames[1], video.frames[0]] }],
        }),
      ),
    ).toBe('VALIDATION_FAILED');
    await service.withdraw({ caseNumber: legacy.caseNumber, pin: legacy.pin });
    expect(
      await codeOf(
        service.submit({ caseType: 'adult', videos: [{ ...video, frames: [{ pdq: a.pdq, quality: 10 }] }] }),
      ),
    ).toBe('LOW_QUALITY_HASH');
    expect(await codeOf(service.submit({ caseType: 'adult', videos: [{ ...video, name: 'v.mp4' }] }))).toBe(
      'VALIDATION_FAILED',
    );
    const tooMany = Array.from({ length: 301 }, (_, i) => ({ pdq: image(400 + i).pdq, quality: 90 }));
    expect(await codeOf(service.submit({ caseType: 'adult', videos: [{ ...video, frames: tooMany }] }))).toBe(
      'BATCH_TOO_LARGE',
    );
    expect(await service.withdraw({ caseNumber: receipt.caseNumber, pin: receipt.pin })).toMatchObject({
      removedEntries: 3,
    });
    expect(engine.query({ signalType: 'pdq', value: b.pdq }).matches).toHaveLength(0);
    expect(engine.query({ signalType: 'md5', value: a.md5 }).matches).toHaveLength(0);
    expect(engine.query({ signalType: 'sha256', value: a.sha256 }).matches).toHaveLength(0);
    expect(engine.queryVideo(query).matches).toHaveLength(0);
    expect((await banks.listEntries((await banks.getBank('ncii-adults')).id, { limit: 10 })).entries).toEqual(
      [],
    );
  });
});
