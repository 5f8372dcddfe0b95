import type { ContactSheetView, MediaView } from './workbench-api.js';
import { WB, fill, formatNumber } from './workbench-messages.js';

/**
 * A video's time as `m:ss` (or `h:mm:ss` from an hour), whole seconds rounded down: the same in
 * every language, as video players write it.
 */
export function videoTime(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "Video · 0:12 · 9 frames shown" for a card's title: what the item is and what its sheet holds. */
export function VideoLabel({ sheet }: { sheet: ContactSheetView | null }) {
  return (
    <span className="wb-badge" data-testid="video-label">
      {sheet === null
        ? WB.video
        : fill(WB.videoSheetLabel, {
            duration:
              sheet.durationSeconds === null ? WB.videoDurationUnknown : videoTime(sheet.durationSeconds),
            frames: sheet.frames,
          })}
    </span>
  );
}

/**
 * A video item as its contact sheet: a few evenly spaced still frames the server tiled into one
 * image, blurred and greyscale until the analyst reveals the item (then the sheet in colour,
 * counted and audited by the server like an image's reveal). A video is never played here: there
 * is no `<video>` element and the page never receives the video's bytes. A video without a sheet
 * (captured before sheets were made, or its frames could not be drawn) shows a sentence instead.
 */
export function VideoContactSheet({
  media,
  src,
  revealed,
}: {
  media: MediaView;
  /** The blurred sheet's URL, or the revealed sheet's once revealed. */
  src: string;
  revealed: boolean;
}) {
  const sheet = media.contactSheet;
  if (sheet === null) {
    return (
      <span className="wb-no-thumb" data-testid="video-no-sheet">
        {WB.videoNoSheet}
      </span>
    );
  }
  const times = sheet.timestamps.map(videoTime).join(', ');
  return (
    <img
      className={`wb-media-img${revealed ? '' : ' media--protected'}`}
      data-testid="video-contact-sheet"
      data-frames={sheet.frames}
      src={src}
      alt={fill(revealed ? WB.videoSheetAltRevealed : WB.videoSheetAlt, {
        id: media.id,
        frames: formatNumber(sheet.frames),
        times,
      })}
      title={fill(WB.videoSheetFrames, { times })}
      draggable={false}
      decoding="async"
      referrerPolicy="no-referrer"
    />
  );
}
