import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A canary image: random pixels plus a random text payload, and a unique file name. */
export interface Canary {
  readonly name: string;
  readonly mimeType: string;
  readonly buffer: Buffer;
}

/** Random RGB pixels (high entropy, so PDQ quality is high and every byte window is unique). */
function randomPixels(width: number, height: number): Buffer {
  return randomBytes(width * height * 3);
}

/** A PNG of random pixels with a random `tEXt` chunk (4 KB of hex) inserted after IHDR. */
export async function canaryPng(): Promise<Canary> {
  const png = await sharp(randomPixels(192, 160), { raw: { width: 192, height: 160, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const text = Buffer.concat([Buffer.from('Comment\0'), Buffer.from(randomBytes(2048).toString('hex'))]);
  const type = Buffer.from('tEXt');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, text])));
  const ihdrEnd = 8 + 25; // signature + IHDR (4 length + 4 type + 13 data + 4 crc)
  return {
    name: `canary-${randomBytes(8).toString('hex')}.png`,
    mimeType: 'image/png',
    buffer: Buffer.concat([png.subarray(0, ihdrEnd), length, type, text, crc, png.subarray(ihdrEnd)]),
  };
}

/** A JPEG of random pixels with a random COM segment (4 KB of random bytes) after SOI. */
export async function canaryJpeg(): Promise<Canary> {
  const jpeg = await sharp(randomPixels(200, 150), { raw: { width: 200, height: 150, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
  const payload = randomBytes(4096);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xfffe, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return {
    name: `canary-${randomBytes(8).toString('hex')}.jpg`,
    mimeType: 'image/jpeg',
    buffer: Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]),
  };
}

/** Where in the captured traffic a piece of the file (or its name) was found. */
export interface CanaryHit {
  readonly where: string;
  readonly how: 'raw' | 'hex' | 'base64' | 'base64url' | 'file name';
}

/**
 * Searches `sent` (every URL, header block, body and WebSocket frame the page sent) for any
 * 32-byte window of `file`: raw, hex (either case), base64 and base64url at all three byte
 * alignments; and for the file name. Returns every hit (none means the file did not leave).
 */
export function findCanary(
  file: Canary,
  sent: readonly { readonly where: string; readonly data: Buffer }[],
): CanaryHit[] {
  const hits: CanaryHit[] = [];
  const bytes = file.buffer;
  const hex = bytes.toString('hex');
  // For every 32-byte window at offset o, alignment o mod 3 encodes its first 30 bytes as 40 exact
  // base64 characters at a multiple of 4.
  const b64 = [0, 1, 2].map((k) => bytes.subarray(k).toString('base64'));
  for (const { where, data } of sent) {
    const text = data.toString('latin1');
    const lower = text.toLowerCase();
    let decoded = text;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      // Not URL-encoded: the raw text is all there is.
    }
    const windows = (haystack: string, length: number) => {
      const set = new Set<string>();
      for (let i = 0; i + length <= haystack.length; i++) set.add(haystack.slice(i, i + length));
      return set;
    };
    const raw = windows(text, 32);
    for (let o = 0; o + 32 <= bytes.length; o++) {
      if (raw.has(bytes.toString('latin1', o, o + 32))) {
        hits.push({ where, how: 'raw' });
        break;
      }
    }
    const hexWindows = windows(lower, 64);
    for (let o = 0; o + 64 <= hex.length; o += 2) {
      if (hexWindows.has(hex.slice(o, o + 64))) {
        hits.push({ where, how: 'hex' });
        break;
      }
    }
    const b64Windows = new Set([...windows(text, 40), ...windows(decoded, 40)]);
    search: for (const encoded of b64) {
      for (let c = 0; c + 40 <= encoded.length; c += 4) {
        const piece = encoded.slice(c, c + 40);
        if (b64Windows.has(piece)) {
          hits.push({ where, how: 'base64' });
          break search;
        }
        const url = piece.replace(/\+/g, '-').replace(/\//g, '_');
        if (url !== piece && b64Windows.has(url)) {
          hits.push({ where, how: 'base64url' });
          break search;
        }
      }
    }
    if (text.includes(file.name) || decoded.includes(file.name)) hits.push({ where, how: 'file name' });
  }
  return hits;
}
