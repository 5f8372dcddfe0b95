import { sniffImageFormat } from './image-format-sniffer.js';

/** How many leading bytes {@link sniffVideoContainer} needs to decide (an MPEG-TS sync byte repeats at 188). */
export const VIDEO_SNIFF_BYTES = 189;

/** Container families {@link sniffVideoContainer} recognises: the demuxers of `VIDEO_CONTAINERS`. */
export type VideoContainerFamily = 'mp4' | 'matroska' | 'avi' | 'mpegts' | 'flv' | 'mpeg' | 'asf' | 'ogg';

// Leading ISO-BMFF boxes of MP4/MOV files (QuickTime files may start with any of them).
const BMFF_LEADING_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot']);
const ASF_HEADER = [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11];

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Tells a video container from its leading bytes, so an upload without a `video/*` type can be
 * routed to the video hasher (and streamed to a file) rather than the image decoder. HEIF/AVIF
 * images share MP4's `ftyp` box and are left to the image path. The decoder's own container
 * allow-list stays the gate: this only chooses the path.
 * @returns the container family, or `undefined` when the bytes start like no video container
 */
export function sniffVideoContainer(bytes: Uint8Array): VideoContainerFamily | undefined {
  if (bytes.length < 4) return undefined;
  if (BMFF_LEADING_BOXES.has(ascii(bytes, 4, 4))) {
    return sniffImageFormat(bytes) === undefined ? 'mp4' : undefined;
  }
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'matroska';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'AVI ') return 'avi';
  if (ascii(bytes, 0, 3) === 'FLV') return 'flv';
  if (ascii(bytes, 0, 4) === 'OggS') return 'ogg';
  if (ASF_HEADER.every((b, i) => bytes[i] === b)) return 'asf';
  if (bytes[0] === 0x00 && bytes[1] === 0x00 && bytes[2] === 0x01 && bytes[3] === 0xba) return 'mpeg';
  if (bytes[0] === 0x47 && bytes.length > 188 && bytes[188] === 0x47) return 'mpegts';
  return undefined;
}
