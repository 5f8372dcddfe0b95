import { PDQ_MIN_QUALITY, type VpdqFrame } from '@hashline/pdq';
import { parsePdqVariantsInput, type PdqVariantHash } from '../banks/pdq-variants.js';
import type { BankService } from '../banks/bank.service.js';
import { DomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import { vpdqSignalKey } from '../signals/vpdq.js';
import { Problems, isRecord } from '../validation.js';
import { PIN_DIGITS, newCaseNumber, newPin, parseCaseNumber } from './case-number.js';
import {
  SELF_SUBMISSION_BANKS,
  SELF_SUBMISSION_CASE_TYPES,
  SELF_SUBMISSION_SOURCE,
  type PinHasher,
  type RandomBytes,
  type SelfSubmissionCase,
  type SelfSubmissionCaseType,
  type SelfSubmissionStatus,
  type SelfSubmissionStore,
} from './self-submission-case.js';

/** Most images and videos one case may hold. */
export const MAX_IMAGES_PER_CASE = 50;
/** Most frame hashes (one per second, identical ones removed) one case may hold across its videos. */
export const MAX_VIDEO_FRAMES_PER_CASE = 300;
/** PIN attempts without a right PIN after which a case locks (for {@link PIN_LOCK_STEPS_MS}). */
export const MAX_PIN_ATTEMPTS = 5;
/**
 * How long a case locks after each round of {@link MAX_PIN_ATTEMPTS} wrong PINs: 1 minute, then 5,
 * then 15, then an hour after every later round. The back-off keeps a guesser to 5 PINs an hour
 * (the 8-digit PIN space takes millennia) while the person whose case was locked, by their own
 * typos or by someone who knows the case number, waits at most an hour after the guessing stops:
 * a young person must always be able to withdraw. A right PIN resets the count.
 */
export const PIN_LOCK_STEPS_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
/** The longest lock (kept for callers of the old constant). */
export const PIN_LOCK_MS = PIN_LOCK_STEPS_MS[PIN_LOCK_STEPS_MS.length - 1]!;

/** The hashes of one image, computed on the person's device. */
export interface SelfSubmittedImage {
  readonly pdq: string;
  readonly quality: number;
  readonly md5: string;
  readonly sha256: string;
  /**
   * Robust variants of the image (`trim`, `crop-*`: PDQ of parts of it, ADR 0021), computed on the
   * device with the server's own code, so a copy re-shared with a border, as a screenshot or
   * cropped is found too. Optional: a page that sends none still submits.
   */
  readonly variants?: readonly PdqVariantHash[];
}

/**
 * The hashes of one video, computed on the person's device: MD5 and SHA-256 of the file and the
 * PDQ of one frame per second (vPDQ frames, SPEC §8). The frame number is the frame's index among
 * all decoded frames (as the reference writes it) and the timestamp its time in seconds; a client
 * that sends neither gets the k-th frame numbered k at k seconds (one a second, as pages before
 * these fields sent them). Stored as one `vpdq` entry per video.
 */
export interface SelfSubmittedVideo {
  readonly md5: string;
  readonly sha256: string;
  readonly frames: readonly {
    readonly pdq: string;
    readonly quality: number;
    readonly frameNumber: number;
    readonly timestampSeconds: number;
  }[];
}

/** A validated submission: the case type and the hashes, nothing else. */
export interface SelfSubmission {
  readonly caseType: SelfSubmissionCaseType;
  readonly images: readonly SelfSubmittedImage[];
  readonly videos: readonly SelfSubmittedVideo[];
}

/** What the person gets back once: the case number and PIN (never recoverable). */
export interface SubmissionReceipt {
  readonly caseNumber: string;
  readonly pin: string;
  readonly caseType: SelfSubmissionCaseType;
  readonly imageCount: number;
}

/** What a status check shows. */
export interface CaseStatus {
  readonly caseNumber: string;
  readonly caseType: SelfSubmissionCaseType;
  readonly status: SelfSubmissionStatus;
  readonly imageCount: number;
  readonly createdDay: string;
}

/** What the service needs. */
export interface SelfSubmissionDependencies {
  readonly store: SelfSubmissionStore;
  readonly banks: BankService;
  readonly pins: PinHasher;
  readonly random: RandomBytes;
  readonly clock: Clock;
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const PDQ_HEX = HEX(64);
const MD5_HEX = HEX(32);
const SHA256_HEX = HEX(64);

/**
 * Self-submission (Take It Down / StopNCII pattern): a person submits the hashes of their own
 * images, computed on their device; the hashes go into the `self-submitted-minors` or
 * `ncii-adults` bank with provenance `{ source: 'self-submission', externalId: <case number> }`
 * and nothing else about the files. The case store records which entries each case holds (two
 * cases may hold the same hash). The case number and PIN let them check the status or withdraw;
 * withdrawal deletes the entries no other active case holds, so they stop matching on the very
 * next request and the deletions reach every platform through the change feed.
 */
export class SelfSubmissionService {
  /** A PIN hash nobody knows the PIN of, checked for unknown and locked cases (same work, same time). */
  #dummyPinHash: Promise<string> | undefined;

  constructor(private readonly deps: SelfSubmissionDependencies) {}

  /**
   * Creates a case from a submission body (strict: unknown keys are refused).
   * @throws {DomainError} VALIDATION_FAILED, LOW_QUALITY_HASH, INVALID_HASH, DEGENERATE_HASH, BATCH_TOO_LARGE
   */
  async submit(body: unknown): Promise<SubmissionReceipt> {
    const submission = parseSelfSubmission(body);
    const { store, banks, pins, random, clock } = this.deps;
    const pin = newPin(random);
    const pinHash = await pins.hash(pin);
    let created: SelfSubmissionCase | undefined;
    for (let attempt = 0; !created; attempt++) {
      try {
        created = await store.createCase({
          caseNumber: newCaseNumber(random),
          pinHash,
          caseType: submission.caseType,
          status: 'active',
          imageCount: submission.images.length + submission.videos.length,
          createdDay: clock.now().toISOString().slice(0, 10),
          failedPinAttempts: 0,
          lockedUntil: null,
        });
      } catch (error) {
        // A collision of 12 random digits is rare; more than a few in a row is a broken generator.
        if (!(error instanceof DomainError && error.code === 'CONFLICT') || attempt >= 4) throw error;
      }
    }
    const bank = await this.bankFor(submission.caseType);
    const provenance = { source: SELF_SUBMISSION_SOURCE, externalId: created.caseNumber };
    const entries = [
      ...submission.images.flatMap((image) => [
        {
          signalType: 'pdq',
          value: image.pdq,
          quality: image.quality,
          provenance,
          ...(image.variants?.length ? { pdqVariants: image.variants } : {}),
        },
        { signalType: 'md5', value: image.md5, provenance },
        { signalType: 'sha256', value: image.sha256, provenance },
      ]),
      // One vpdq entry per video: its frames and the file's digests. It matches a query video by
      // the reference's rule and an image of one of its frames (videoFrame). The file's MD5 and
      // SHA-256 are also entries of their own, as an image's are (and as HMA keeps `video_md5`
      // apart from `video_vpdq`), so an exact lookup of the same file finds it; the case holds
      // all three and withdraws them in one step.
      ...submission.videos.flatMap((video) => {
        const frames: VpdqFrame[] = video.frames.map((f) => ({
          frameNumber: f.frameNumber,
          quality: f.quality,
          pdqHex: f.pdq,
          timestampSeconds: f.timestampSeconds,
        }));
        return [
          {
            signalType: 'vpdq',
            value: vpdqSignalKey(frames),
            frames,
            fileMd5: video.md5,
            fileSha256: video.sha256,
            provenance,
          },
          { signalType: 'md5', value: video.md5, provenance },
          { signalType: 'sha256', value: video.sha256, provenance },
        ];
      }),
    ];
    // The same file twice (or an image twice): one entry per distinct hash.
    const seen = new Set<string>();
    const distinct = entries.filter(
      (e) => !seen.has(`${e.signalType}:${e.value}`) && seen.add(`${e.signalType}:${e.value}`),
    );
    const added = await banks.addEntries(bank, distinct, SELF_SUBMISSION_SOURCE);
    // The case holds what it created and the self-submitted entries another case created first
    // (an `existing` entry keeps that case's provenance, so provenance cannot say who holds it).
    // Entries from other sources (an analyst's, an import's) are not the person's to withdraw.
    const held = [
      ...added.created,
      ...added.existing.filter((e) => e.provenance.source === SELF_SUBMISSION_SOURCE),
    ].map((e) => e.id);
    await store.linkEntries(created.caseNumber, held);
    return {
      caseNumber: created.caseNumber,
      pin,
      caseType: created.caseType,
      imageCount: created.imageCount,
    };
  }

  /**
   * The status of a case. An unknown case, a locked case and a wrong PIN give the same
   * `NOT_FOUND`, so case numbers cannot be probed. @throws {DomainError} NOT_FOUND, VALIDATION_FAILED
   */
  async status(body: unknown): Promise<CaseStatus> {
    const found = await this.unlock(body);
    return toStatus(found);
  }

  /**
   * Withdraws a case: deletes the entries it holds that no other active case still holds (they
   * stop matching on the next request and each deletion reaches the change feed), and marks it
   * withdrawn. Withdrawing twice is harmless, and a second call finishes an interrupted first one.
   * @throws {DomainError} as {@link status}
   */
  async withdraw(body: unknown): Promise<CaseStatus & { readonly removedEntries: number }> {
    const found = await this.unlock(body);
    const { store, banks } = this.deps;
    // Order, for crash safety: (1) mark the case withdrawn, so it stops counting as a holder;
    // (2) delete the entries no active case holds; (3) drop its links. A crash after (1) leaves
    // links that count for nobody: a retry, or the withdrawal of another case sharing an entry,
    // still deletes it. Two cases sharing an entry and withdrawn at once both see it free (each
    // was marked first), so neither keeps it alive for the other.
    const updated =
      found.status === 'withdrawn'
        ? found
        : await store.updateCase(found.caseNumber, { status: 'withdrawn' });
    let removed = 0;
    for (const id of await store.entriesToRelease(found.caseNumber)) {
      try {
        await banks.deleteEntry(id, SELF_SUBMISSION_SOURCE);
        removed++;
      } catch (error) {
        // Already gone: a concurrent withdrawal, an interrupted earlier one, an admin, a deleted bank.
        if (!(error instanceof DomainError && error.code === 'ENTRY_NOT_FOUND')) throw error;
      }
    }
    await store.unlinkCase(found.caseNumber);
    return { ...toStatus(updated), removedEntries: removed };
  }

  /**
   * Checks case number and PIN. Each attempt is counted in one atomic statement before its PIN is
   * checked ({@link SelfSubmissionStore.claimPinAttempt}), so concurrent guesses cannot overtake
   * the limit. An unknown case, a locked case and a wrong PIN give the same answer (status, code
   * and message) after the same work (one counting statement and one PIN check, against a dummy
   * hash when there is no case to check against), so neither the answer nor its timing tells
   * whether a case number exists.
   */
  private async unlock(body: unknown): Promise<SelfSubmissionCase> {
    const { caseNumber, pin } = parseCredentials(body);
    const { store, pins, clock } = this.deps;
    const notFound = () =>
      new DomainError(
        'NOT_FOUND',
        'No case with this case number and PIN. If both are right, too many wrong PINs were tried: try again in an hour at most.',
      );
    const now = clock.now();
    const claimed =
      caseNumber === undefined
        ? undefined
        : await store.claimPinAttempt(caseNumber, now, {
            every: MAX_PIN_ATTEMPTS,
            lockUntil: PIN_LOCK_STEPS_MS.map((ms) => new Date(now.getTime() + ms)),
          });
    if (!claimed) {
      await pins.verify(pin, await this.#dummyHash());
      throw notFound();
    }
    if (!(await pins.verify(pin, claimed.pinHash))) throw notFound();
    return store.updateCase(claimed.caseNumber, { failedPinAttempts: 0, lockedUntil: null });
  }

  #dummyHash(): Promise<string> {
    this.#dummyPinHash ??= this.deps.pins.hash('0'.repeat(PIN_DIGITS));
    return this.#dummyPinHash;
  }

  /** The case type's bank, created on first use. */
  private async bankFor(caseType: SelfSubmissionCaseType): Promise<string> {
    const { name, kind } = SELF_SUBMISSION_BANKS[caseType];
    try {
      await this.deps.banks.getBank(name);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'BANK_NOT_FOUND')) throw error;
      try {
        await this.deps.banks.createBank(
          {
            name,
            kind,
            description:
              caseType === 'minor'
                ? 'Hashes young people submitted of their own images ("self-generated" material, often coerced), computed on their device.'
                : 'Hashes adults submitted of their own intimate images shared without consent (NCII), computed on their device.',
            defaultActions: ['review'],
          },
          SELF_SUBMISSION_SOURCE,
        );
      } catch (raced) {
        // Two first submissions at once: the other one created it.
        if (!(raced instanceof DomainError && raced.code === 'BANK_NAME_TAKEN')) throw raced;
      }
    }
    return name;
  }
}

function toStatus(c: SelfSubmissionCase): CaseStatus {
  return {
    caseNumber: c.caseNumber,
    caseType: c.caseType,
    status: c.status,
    imageCount: c.imageCount,
    createdDay: c.createdDay,
  };
}

/**
 * Parses a submission: `{ caseType, images: [{ pdq, quality, md5, sha256, variants? }] }`, no other keys.
 * A PDQ quality below 50 is refused with `LOW_QUALITY_HASH` naming the image.
 */
export function parseSelfSubmission(body: unknown): SelfSubmission {
  if (!isRecord(body)) throw new DomainError('VALIDATION_FAILED', 'The submission must be a JSON object.');
  const problems = new Problems();
  for (const key of Object.keys(body))
    if (key !== 'caseType' && key !== 'images' && key !== 'videos') problems.add(key, 'Unknown field.');
  if (!SELF_SUBMISSION_CASE_TYPES.includes(body.caseType as never)) {
    problems.add('caseType', 'Use minor or adult.');
  }
  const images = body.images ?? [];
  const videos = body.videos ?? [];
  if (!Array.isArray(images)) problems.add('images', 'A list of image hashes.');
  if (!Array.isArray(videos)) problems.add('videos', 'A list of video hashes.');
  problems.throwIfAny('The submission is invalid');
  const imageList = images as unknown[];
  const videoList = videos as unknown[];
  if (imageList.length + videoList.length === 0) {
    throw new DomainError('VALIDATION_FAILED', 'images: at least one image or video.', [
      { at: 'images', code: 'VALIDATION_FAILED', message: 'At least one image or video.' },
    ]);
  }
  if (imageList.length + videoList.length > MAX_IMAGES_PER_CASE) {
    throw new DomainError(
      'BATCH_TOO_LARGE',
      `At most ${MAX_IMAGES_PER_CASE} images and videos per case; got ${imageList.length + videoList.length}. Start a second case for the rest.`,
    );
  }
  const parsedImages = imageList.map((item, i) => parseImage(item, `/images/${i}`, problems));
  const parsedVideos = videoList.map((item, i) => parseVideo(item, `/videos/${i}`, problems));
  const frames = parsedVideos.reduce((n, v) => n + (v?.frames.length ?? 0), 0);
  if (frames > MAX_VIDEO_FRAMES_PER_CASE) {
    throw new DomainError(
      'BATCH_TOO_LARGE',
      `At most ${MAX_VIDEO_FRAMES_PER_CASE} video frames per case; got ${frames}. Start a second case for the rest.`,
    );
  }
  problems.throwIfAny('The submission is invalid');
  return {
    caseType: body.caseType as SelfSubmissionCaseType,
    images: parsedImages as SelfSubmittedImage[],
    videos: parsedVideos as SelfSubmittedVideo[],
  };
}

function parseVideo(item: unknown, at: string, problems: Problems): SelfSubmittedVideo | undefined {
  if (!isRecord(item)) {
    problems.add(at, 'An object with md5, sha256 and frames.');
    return undefined;
  }
  for (const key of Object.keys(item))
    if (!['md5', 'sha256', 'frames'].includes(key)) problems.add(`${at}/${key}`, 'Unknown field.');
  const { md5, sha256, frames } = item;
  if (typeof md5 !== 'string' || !MD5_HEX.test(md5))
    problems.add(`${at}/md5`, '32 lower-case hex digits.', 'INVALID_HASH');
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256))
    problems.add(`${at}/sha256`, '64 lower-case hex digits.', 'INVALID_HASH');
  if (!Array.isArray(frames) || frames.length === 0) {
    problems.add(`${at}/frames`, 'A non-empty list of { pdq, quality } (one frame per second).');
    return undefined;
  }
  let previous = -1;
  const parsed = frames.map((frame, i) => {
    const f = `${at}/frames/${i}`;
    if (!isRecord(frame)) {
      problems.add(f, 'An object with pdq and quality (and frameNumber, timestampSeconds).');
      return undefined;
    }
    for (const key of Object.keys(frame))
      if (!['pdq', 'quality', 'frameNumber', 'timestampSeconds'].includes(key))
        problems.add(`${f}/${key}`, 'Unknown field.');
    checkPdq(frame.pdq, frame.quality, f, problems);
    const frameNumber = frame.frameNumber ?? i;
    const timestampSeconds = frame.timestampSeconds ?? i;
    if (!Number.isSafeInteger(frameNumber) || (frameNumber as number) <= previous)
      problems.add(`${f}/frameNumber`, "A whole number, larger than the previous frame's.");
    else previous = frameNumber as number;
    if (typeof timestampSeconds !== 'number' || !Number.isFinite(timestampSeconds) || timestampSeconds < 0)
      problems.add(`${f}/timestampSeconds`, 'Seconds from the start, 0 or more.');
    return {
      pdq: frame.pdq as string,
      quality: frame.quality as number,
      frameNumber: frameNumber as number,
      timestampSeconds: timestampSeconds as number,
    };
  });
  return { md5: md5 as string, sha256: sha256 as string, frames: parsed as SelfSubmittedVideo['frames'] };
}

/** Checks a PDQ hash and its quality (the quality gate: ≥ 50). */
function checkPdq(pdq: unknown, quality: unknown, at: string, problems: Problems): void {
  if (typeof pdq !== 'string' || !PDQ_HEX.test(pdq))
    problems.add(`${at}/pdq`, '64 lower-case hex digits.', 'INVALID_HASH');
  else if (/^(0{64}|f{64})$/.test(pdq))
    problems.add(`${at}/pdq`, 'All zeros or all ones.', 'DEGENERATE_HASH');
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 0 || quality > 100) {
    problems.add(`${at}/quality`, 'An integer from 0 to 100.');
  } else if (quality < PDQ_MIN_QUALITY) {
    problems.add(
      `${at}/quality`,
      `This picture has too little detail to recognise it again (quality ${quality}, at least ${PDQ_MIN_QUALITY} is needed). Please choose a clearer original.`,
      'LOW_QUALITY_HASH',
    );
  }
}

function parseImage(item: unknown, at: string, problems: Problems): SelfSubmittedImage | undefined {
  if (!isRecord(item)) {
    problems.add(at, 'An object with pdq, quality, md5 and sha256.');
    return undefined;
  }
  for (const key of Object.keys(item))
    if (!['pdq', 'quality', 'md5', 'sha256', 'variants'].includes(key))
      problems.add(`${at}/${key}`, 'Unknown field.');
  const { pdq, quality, md5, sha256 } = item;
  checkPdq(pdq, quality, at, problems);
  const variants = parsePdqVariantsInput(item.variants, 'pdq', `${at}/variants`, problems);
  if (typeof md5 !== 'string' || !MD5_HEX.test(md5))
    problems.add(`${at}/md5`, '32 lower-case hex digits.', 'INVALID_HASH');
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256))
    problems.add(`${at}/sha256`, '64 lower-case hex digits.', 'INVALID_HASH');
  return {
    pdq,
    quality,
    md5,
    sha256,
    ...(variants?.length ? { variants } : {}),
  } as SelfSubmittedImage;
}

function parseCredentials(body: unknown): { caseNumber: string | undefined; pin: string } {
  if (!isRecord(body)) throw new DomainError('VALIDATION_FAILED', 'A JSON object with caseNumber and pin.');
  const problems = new Problems();
  for (const key of Object.keys(body))
    if (key !== 'caseNumber' && key !== 'pin') problems.add(key, 'Unknown field.');
  if (typeof body.caseNumber !== 'string' || body.caseNumber.length > 40)
    problems.add('caseNumber', 'The case number.');
  if (typeof body.pin !== 'string' || !/^\d{4,12}$/.test(body.pin.replace(/\s/g, '')))
    problems.add('pin', 'The PIN (digits).');
  problems.throwIfAny('Case number and PIN are needed');
  return { caseNumber: parseCaseNumber(body.caseNumber), pin: (body.pin as string).replace(/\s/g, '') };
}
