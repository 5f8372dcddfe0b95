/**
 * The average frame rate of the first video track of an MP4/MOV file, read from its boxes on this
 * device (`moov/trak/mdia`: `hdlr` = `vide`, `mdhd` timescale and duration, `stbl/stts` sample
 * count), as FFmpeg's `avg_frame_rate` (frames × timescale / duration), which the vPDQ reference
 * uses to choose and number the frames it hashes. Only box headers and the `moov` box are read,
 * never the media data. Returns `undefined` for other containers or a file it cannot read, so the
 * caller can fall back.
 */
export async function mp4FrameRate(file: Blob): Promise<number | undefined> {
  try {
    const moov = await findTopLevelBox(file, 'moov');
    if (!moov) return undefined;
    for (const trak of childBoxes(moov, 8)) {
      if (trak.type !== 'trak') continue;
      const mdia = childBoxes(trak.view, 8).find((b) => b.type === 'mdia');
      if (!mdia) continue;
      const boxes = childBoxes(mdia.view, 8);
      const hdlr = boxes.find((b) => b.type === 'hdlr');
      if (!hdlr || fourCc(hdlr.view, 16) !== 'vide') continue;
      const mdhd = boxes.find((b) => b.type === 'mdhd');
      const minf = boxes.find((b) => b.type === 'minf');
      const stbl = minf && childBoxes(minf.view, 8).find((b) => b.type === 'stbl');
      const stts = stbl && childBoxes(stbl.view, 8).find((b) => b.type === 'stts');
      if (!mdhd || !stts) return undefined;
      const version = mdhd.view.getUint8(8);
      const timescale = mdhd.view.getUint32(version === 1 ? 28 : 20);
      // Sum the sample table: the samples and their total duration in the track's timescale.
      const entries = stts.view.getUint32(12);
      let samples = 0;
      let duration = 0;
      for (let i = 0; i < entries; i++) {
        const count = stts.view.getUint32(16 + i * 8);
        samples += count;
        duration += count * stts.view.getUint32(20 + i * 8);
      }
      if (!(timescale > 0 && duration > 0 && samples > 0)) return undefined;
      return (samples * timescale) / duration;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

interface Box {
  readonly type: string;
  /** The whole box, header included. */
  readonly view: DataView;
}

function fourCc(view: DataView, offset: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += String.fromCharCode(view.getUint8(offset + i));
  return s;
}

/** Walks the top-level boxes by their headers (16 bytes each read) until `type`; reads that box whole. */
async function findTopLevelBox(file: Blob, type: string): Promise<DataView | undefined> {
  let offset = 0;
  // A `moov` holds tables, not media: a few MB at most even for long videos.
  const maxBox = 64 * 1024 * 1024;
  while (offset + 8 <= file.size) {
    const head = new DataView(await file.slice(offset, offset + 16).arrayBuffer());
    let size = head.getUint32(0);
    const boxType = fourCc(head, 4);
    if (size === 1) size = Number(head.getBigUint64(8));
    else if (size === 0) size = file.size - offset;
    if (size < 8) return undefined;
    if (boxType === type) {
      if (size > maxBox) return undefined;
      return new DataView(await file.slice(offset, offset + size).arrayBuffer());
    }
    offset += size;
  }
  return undefined;
}

/** The boxes inside `view` from `start` (after the parent's header). */
function childBoxes(view: DataView, start: number): Box[] {
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= view.byteLength) {
    const size = view.getUint32(offset);
    if (size < 8 || offset + size > view.byteLength) break;
    boxes.push({
      type: fourCc(view, offset + 4),
      view: new DataView(view.buffer, view.byteOffset + offset, size),
    });
    offset += size;
  }
  return boxes;
}

/**
 * Which frames the vPDQ reference hashes at one frame a second, and when they are shown: frame
 * `n = k · step` with `step = max(1, trunc(fps))` (SPEC §8), at `n / fps` seconds.
 */
export function vpdqSampleFrames(
  framesPerSecond: number,
  durationSeconds: number,
  maxFrames: number,
): { frameNumber: number; seconds: number }[] {
  const step = Math.max(1, Math.trunc(framesPerSecond));
  // Frames in the video (the last one starts before the end).
  const total = Math.max(1, Math.round(durationSeconds * framesPerSecond));
  const out: { frameNumber: number; seconds: number }[] = [];
  for (let n = 0; n < total && out.length < maxFrames; n += step) {
    out.push({ frameNumber: n, seconds: n / framesPerSecond });
  }
  return out;
}
