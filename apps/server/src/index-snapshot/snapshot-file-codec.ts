// A checksummed binary file for a tree of plain values and typed arrays (the match index's
// snapshot). Generic on purpose: the matcher's serialized index may change shape, and whatever
// typed arrays and plain values it holds are stored as they are.
//
// Layout (little-endian):
//   0   8 bytes  magic "HLSNAP01"
//   8   u32      header length H (bytes of UTF-8 JSON)
//   12  u32      0 (reserved)
//   16  H bytes  header JSON: { value, segments: [{ type, length, shared, offset }], size }
//                the value tree with each typed array replaced by { "$segment": i }
//   ... segments, each at an 8-byte-aligned offset, zero padding between
//   size-8  u32  CRC-32 of every byte before it; then u32 0x444e4548 ("HEND")
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('HLSNAP01', 'latin1');
const TRAILER_TAG = 0x444e4548;
const PREFIX_BYTES = 16;
const TRAILER_BYTES = 8;
/** Bytes read or written (and checksummed) per step, so no step holds the event loop for long. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

type AnyTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayConstructor = new (
  buffer: ArrayBufferLike,
  byteOffset?: number,
  length?: number,
) => AnyTypedArray;

const TYPES: Readonly<Record<string, { ctor: TypedArrayConstructor; bytes: number }>> = {
  Int8Array: { ctor: Int8Array, bytes: 1 },
  Uint8Array: { ctor: Uint8Array, bytes: 1 },
  Uint8ClampedArray: { ctor: Uint8ClampedArray, bytes: 1 },
  Int16Array: { ctor: Int16Array, bytes: 2 },
  Uint16Array: { ctor: Uint16Array, bytes: 2 },
  Int32Array: { ctor: Int32Array, bytes: 4 },
  Uint32Array: { ctor: Uint32Array, bytes: 4 },
  Float32Array: { ctor: Float32Array, bytes: 4 },
  Float64Array: { ctor: Float64Array, bytes: 8 },
  BigInt64Array: { ctor: BigInt64Array, bytes: 8 },
  BigUint64Array: { ctor: BigUint64Array, bytes: 8 },
};

/** Why a snapshot file cannot be used: `missing`, `truncated`, `checksum`, `format`. */
export type SnapshotFileProblem = 'missing' | 'truncated' | 'checksum' | 'format';

/** A snapshot file that cannot be read back; `problem` says why, `message` in words (no data). */
export class SnapshotFileError extends Error {
  constructor(
    readonly problem: SnapshotFileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SnapshotFileError';
  }
}

interface SegmentHeader {
  readonly type: string;
  readonly length: number;
  readonly shared: boolean;
  readonly offset: number;
}

interface FileHeader {
  readonly value: unknown;
  readonly segments: readonly SegmentHeader[];
  readonly size: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Splits `value` into a JSON-able tree and its typed arrays. Accepts null, booleans, finite
 * numbers, strings, arrays, plain objects and typed arrays; anything else (a Date, a Map, a
 * function, NaN) throws, rather than coming back different.
 */
export function splitSegments(value: unknown): { tree: unknown; arrays: AnyTypedArray[] } {
  const arrays: AnyTypedArray[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new TypeError(`${path}: a non-finite number cannot be stored`);
      return v;
    }
    if (ArrayBuffer.isView(v)) {
      const type = v.constructor.name;
      if (!(type in TYPES)) throw new TypeError(`${path}: ${type} cannot be stored`);
      arrays.push(v as AnyTypedArray);
      return { $segment: arrays.length - 1 };
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}[${i}]`));
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${path}: only plain objects can be stored`);
      }
      if ('$segment' in v) throw new TypeError(`${path}: the key $segment is reserved`);
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        if (item !== undefined) out[key] = walk(item, `${path}.${key}`);
      }
      return out;
    }
    throw new TypeError(`${path}: a ${typeof v} cannot be stored`);
  };
  return { tree: walk(value, '$'), arrays };
}

function joinSegments(tree: unknown, arrays: readonly AnyTypedArray[]): unknown {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const record = v as Record<string, unknown>;
    if ('$segment' in record) {
      const array = arrays[record.$segment as number];
      if (array === undefined) throw new SnapshotFileError('format', 'a segment reference is out of range');
      return array;
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) out[key] = walk(item);
    return out;
  };
  return walk(tree);
}

function bytesOf(array: AnyTypedArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Writes `value` to `path` atomically: to a temporary file beside it in 4 MiB steps (async
 * writes; the CRC is computed step by step), fsynced, then renamed over `path`, and the folder
 * fsynced. The typed arrays are written from where they are (no copy): they must not change
 * until this resolves. The file is readable by its owner only (it holds hashes). Returns its size.
 */
export async function writeSnapshotFile(path: string, value: unknown): Promise<number> {
  const { tree, arrays } = splitSegments(value);
  const segmentHeaders: SegmentHeader[] = [];
  // The header's length depends on the offsets, which depend on the header's length: reserve
  // room by computing offsets for a generous header size estimate, then pad the header to it.
  const draft = JSON.stringify({ value: tree, segments: arrays.map(() => ({})), size: 0 });
  const headerRoom = align8(Buffer.byteLength(draft) + arrays.length * 96 + 64);
  let offset = PREFIX_BYTES + headerRoom;
  for (const array of arrays) {
    segmentHeaders.push({
      type: array.constructor.name,
      length: array.length,
      shared: typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer,
      offset,
    });
    offset = align8(offset + array.byteLength);
  }
  const size = offset + TRAILER_BYTES;
  const header: FileHeader = { value: tree, segments: segmentHeaders, size };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  if (headerJson.length > headerRoom) throw new Error('snapshot header outgrew its room');
  const prefix = Buffer.alloc(PREFIX_BYTES + headerRoom);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(headerJson.length, 8);
  headerJson.copy(prefix, PREFIX_BYTES);

  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  let crc = 0;
  let position = 0;
  const put = async (bytes: Uint8Array): Promise<void> => {
    for (let start = 0; start < bytes.length; start += CHUNK_BYTES) {
      const piece = bytes.subarray(start, Math.min(bytes.length, start + CHUNK_BYTES));
      crc = crc32(piece, crc);
      let done = 0;
      while (done < piece.length) {
        const { bytesWritten } = await handle.write(piece, done, piece.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    }
  };
  try {
    await put(prefix);
    for (let i = 0; i < arrays.length; i++) {
      const padding = segmentHeaders[i]!.offset - position;
      if (padding > 0) await put(new Uint8Array(padding));
      await put(bytesOf(arrays[i]!));
    }
    const padding = size - TRAILER_BYTES - position;
    if (padding > 0) await put(new Uint8Array(padding));
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(TRAILER_TAG, 4);
    await handle.write(trailer, 0, TRAILER_BYTES, position);
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncFolder(dirname(path));
  return size;
}

async function syncFolder(folder: string): Promise<void> {
  // Makes the rename durable; not every platform can open a folder, and the file is whole anyway.
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads a file {@link writeSnapshotFile} wrote: each segment straight into its own typed array
 * (on a SharedArrayBuffer if it was on one when written), 4 MiB per async read, the CRC computed
 * along the way and checked before anything is returned. Never holds the file's bytes apart from
 * the arrays. Throws {@link SnapshotFileError} for a missing, truncated, corrupt or foreign file.
 */
export async function readSnapshotFile(path: string): Promise<unknown> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new SnapshotFileError('missing', 'no snapshot file');
    throw error;
  }
  try {
    const fileSize = (await handle.stat()).size;
    let crc = 0;
    let position = 0;
    const take = async (into: Uint8Array): Promise<void> => {
      for (let start = 0; start < into.length; start += CHUNK_BYTES) {
        const piece = into.subarray(start, Math.min(into.length, start + CHUNK_BYTES));
        let done = 0;
        while (done < piece.length) {
          const { bytesRead } = await handle.read(piece, done, piece.length - done, position);
          if (bytesRead === 0) throw new SnapshotFileError('truncated', 'the snapshot file ends early');
          done += bytesRead;
          position += bytesRead;
        }
        crc = crc32(piece, crc);
      }
    };
    if (fileSize < PREFIX_BYTES + TRAILER_BYTES)
      throw new SnapshotFileError('truncated', 'the snapshot file is too short');
    const prefix = Buffer.alloc(PREFIX_BYTES);
    await take(prefix);
    if (!prefix.subarray(0, 8).equals(MAGIC))
      throw new SnapshotFileError('format', 'not a Hashline snapshot file (v1)');
    const headerBytes = prefix.readUInt32LE(8);
    if (headerBytes > MAX_HEADER_BYTES || PREFIX_BYTES + headerBytes + TRAILER_BYTES > fileSize) {
      throw new SnapshotFileError('truncated', 'the snapshot header runs past the end of the file');
    }
    const headerBuffer = Buffer.alloc(headerBytes);
    await take(headerBuffer);
    let header: FileHeader;
    try {
      header = JSON.parse(headerBuffer.toString('utf8')) as FileHeader;
    } catch {
      throw new SnapshotFileError('checksum', 'the snapshot header is not valid JSON');
    }
    if (!Number.isSafeInteger(header?.size) || !Array.isArray(header.segments)) {
      throw new SnapshotFileError('format', 'the snapshot header is malformed');
    }
    if (header.size !== fileSize) {
      throw new SnapshotFileError(
        header.size > fileSize ? 'truncated' : 'checksum',
        `the snapshot file has ${fileSize} bytes, its header says ${header.size}`,
      );
    }
    const arrays: AnyTypedArray[] = [];
    for (const segment of header.segments) {
      const kind = TYPES[segment?.type];
      if (
        !kind ||
        !Number.isSafeInteger(segment.length) ||
        segment.length < 0 ||
        !Number.isSafeInteger(segment.offset) ||
        segment.offset < position ||
        segment.offset % 8 !== 0 ||
        segment.offset + segment.length * kind.bytes > fileSize - TRAILER_BYTES
      ) {
        throw new SnapshotFileError('format', 'the snapshot has a malformed segment');
      }
      if (segment.offset > position) await take(new Uint8Array(segment.offset - position));
      const byteLength = segment.length * kind.bytes;
      const buffer =
        segment.shared && typeof SharedArrayBuffer === 'function'
          ? new SharedArrayBuffer(byteLength)
          : new ArrayBuffer(byteLength);
      await take(new Uint8Array(buffer));
      arrays.push(new kind.ctor(buffer, 0, segment.length));
    }
    if (fileSize - TRAILER_BYTES > position) await take(new Uint8Array(fileSize - TRAILER_BYTES - position));
    const trailer = Buffer.alloc(TRAILER_BYTES);
    const { bytesRead } = await handle.read(trailer, 0, TRAILER_BYTES, position);
    if (bytesRead !== TRAILER_BYTES || trailer.readUInt32LE(4) !== TRAILER_TAG) {
      throw new SnapshotFileError('truncated', 'the snapshot file has no trailer');
    }
    if (trailer.readUInt32LE(0) !== crc >>> 0) {
      throw new SnapshotFileError('checksum', 'the snapshot file fails its checksum');
    }
    return joinSegments(header.value, arrays);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
