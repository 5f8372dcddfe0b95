// The only network calls of the page: same origin, JSON, hashes and case credentials only.
import type { ImageHashes } from './hashing/image-hashes.js';

/** A helpline or the police, as configured on the server. */
export interface HelpContact {
  readonly name: string;
  readonly phone: string;
  readonly url?: string;
}

/** `/v1/public/config`. */
export interface PublicConfig {
  readonly helpline: HelpContact;
  readonly police: HelpContact;
  readonly maxImages: number;
  readonly testLeakyPage?: boolean;
}

/** Used until the server's configuration has loaded (or when it cannot be loaded). */
export const FALLBACK_CONFIG: PublicConfig = {
  helpline: { name: 'Child Focus', phone: '116 000' },
  police: { name: 'Police', phone: '112' },
  maxImages: 50,
};

/** The receipt of a submission: shown once. */
export interface Receipt {
  readonly caseNumber: string;
  readonly pin: string;
  readonly imageCount: number;
}

/** A case's status. */
export interface CaseStatus {
  readonly status: 'active' | 'withdrawn';
  readonly imageCount: number;
  readonly createdDay: string;
}

/** A failed call: the HTTP status and the problem's stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
    this.name = 'ApiError';
  }
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string };
    throw new ApiError(response.status, problem.code ?? 'INTERNAL');
  }
  return (await response.json()) as T;
}

export async function loadConfig(): Promise<PublicConfig> {
  const response = await fetch('/v1/public/config', { credentials: 'omit' });
  if (!response.ok) throw new ApiError(response.status, 'CONFIG');
  return (await response.json()) as PublicConfig;
}

/** A video's hashes as sent: file digests and one PDQ per second with its frame number and time. */
export interface VideoSubmission {
  readonly md5: string;
  readonly sha256: string;
  readonly frames: readonly {
    readonly pdq: string;
    readonly quality: number;
    readonly frameNumber: number;
    readonly timestampSeconds: number;
  }[];
}

/** Sends the hashes (and nothing else about the files) with the case type. */
export function submitHashes(
  caseType: 'minor' | 'adult',
  images: readonly ImageHashes[],
  videos: readonly VideoSubmission[] = [],
): Promise<Receipt> {
  return postJson('/v1/public/self-submissions', {
    caseType,
    images: images.map(({ pdq, quality, md5, sha256, variants }) => ({
      pdq,
      quality,
      md5,
      sha256,
      ...(variants.length > 0 ? { variants } : {}),
    })),
    ...(videos.length > 0
      ? {
          videos: videos.map(({ md5, sha256, frames }) => ({
            md5,
            sha256,
            frames: frames.map(({ pdq, quality, frameNumber, timestampSeconds }) => ({
              pdq,
              quality,
              frameNumber,
              timestampSeconds,
            })),
          })),
        }
      : {}),
  });
}

export function caseStatus(caseNumber: string, pin: string): Promise<CaseStatus> {
  return postJson('/v1/public/self-submissions/status', { caseNumber, pin });
}

export function withdrawCase(caseNumber: string, pin: string): Promise<CaseStatus> {
  return postJson('/v1/public/self-submissions/withdraw', { caseNumber, pin });
}

/**
 * TEST ONLY: uploads the file, so the privacy test can prove it catches a leak. Called only when
 * the server says `testLeakyPage` (HASHLINE_TEST_LEAKY_PAGE=1) and the URL has `?leak=1`.
 */
export function leakForTest(file: Blob): void {
  void file
    .arrayBuffer()
    .then((bytes) => fetch('/v1/public/leak', { method: 'POST', body: bytes }))
    .catch(() => undefined);
}
