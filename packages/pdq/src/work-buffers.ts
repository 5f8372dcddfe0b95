/**
 * Reusable f32 work buffers for the JS core. A fresh 1 MB typed array costs about as much as the
 * luma pass itself (zeroed pages faulted in on first write), so each stage keeps its buffer from
 * one call to the next. Buffers over this size are not kept: a one-off huge image must not pin
 * its memory for the life of the process.
 */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;

const kept = new Map<string, Float32Array>();

/**
 * A Float32Array of `length` elements for the stage `name`, with arbitrary contents: the same
 * memory as the previous call's of that name when it was large enough. Valid until the next call
 * with the same name; the core is synchronous, so no call can interleave.
 */
export function workBuffer(name: string, length: number): Float32Array {
  const buffer = kept.get(name);
  if (buffer && buffer.length >= length) return buffer.subarray(0, length);
  const fresh = new Float32Array(length);
  if (length * 4 <= MAX_KEPT_BYTES) kept.set(name, fresh);
  else kept.delete(name);
  return fresh;
}
