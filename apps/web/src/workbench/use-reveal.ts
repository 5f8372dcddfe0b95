import { useCallback, useState } from 'react';
import { errorMessage } from './sign-in-view.js';
import { ApiError, type MediaView } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import { WB, fill } from './workbench-messages.js';

/** The reveal of one item as a view shows it. */
export interface RevealState {
  readonly revealed: boolean;
  readonly previewUrl: string | null;
  readonly revealing: boolean;
  readonly error: string | null;
  /** Asks the server to reveal the item (counted and audited there); a refusal becomes `error`. */
  readonly reveal: () => Promise<void>;
}

/**
 * Revealing one item (the card and the full-width view share it): the server counts the reveal
 * against the daily limit and audits it; at the limit every reveal button of the page disables.
 */
export function useReveal(media: MediaView): RevealState {
  const { api, exposure, setExposure } = useWorkbench();
  const [revealed, setRevealed] = useState(false);
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [revealing, setRevealing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reveal = useCallback(async () => {
    setRevealing(true);
    setError(null);
    try {
      const outcome = await api.reveal(media.id);
      setExposure(outcome.exposure);
      setPreviewUrl(outcome.previewUrl);
      setRevealed(true);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'EXPOSURE_LIMIT_REACHED') {
        // The server counts; the page catches up so every reveal button disables.
        setExposure({ ...exposure, today: Math.max(exposure.today, exposure.dailyLimit) });
        setError(fill(WB.exposureLimit, { limit: exposure.dailyLimit }));
      } else setError(errorMessage(caught));
    } finally {
      setRevealing(false);
    }
  }, [api, media.id, exposure, setExposure]);
  return { revealed, previewUrl, revealing, error, reveal };
}
