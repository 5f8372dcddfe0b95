import { createHash } from 'node:crypto';

/** Cryptographic digests of a file's original bytes, lower-case hex. */
export interface FileDigests {
  readonly md5: string;
  readonly sha1: string;
  readonly sha256: string;
}

/**
 * MD5, SHA-1 and SHA-256 of the bytes exactly as received (before any decoding), the exact-match
 * keys hash lists exchange alongside PDQ.
 */
export function digestBytes(bytes: Uint8Array): FileDigests {
  return {
    md5: createHash('md5').update(bytes).digest('hex'),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
