import { useEffect, useState } from 'react';
import { errorMessage } from './sign-in-view.js';
import { ApiError, type CaptureAttemptView, type ReportUrl, type ScreenshotView } from './workbench-api.js';
import { atLimit, useWorkbench } from './workbench-context.js';
import { WB, captureErrorSentence, fill, formatUtc } from './workbench-messages.js';

/** How often the panel asks again while an attempt is still running (the UI's own refresh). */
const PENDING_REFRESH_MS = 2_000;

/**
 * A reported URL's capture attempts (issue 16): the last result as a sentence (never a raw code),
 * the list of attempts with who asked and how the page was fetched, a "Capture again" button,
 * and each browser capture's screenshot, blurred and greyscale until revealed (a reveal is
 * counted against the daily exposure limit like any other).
 */
export function CapturePanel({
  reportId,
  url,
  onFinished,
}: {
  reportId: string;
  url: ReportUrl;
  /** Called when a pending attempt finished (the report reloads to show new media). */
  onFinished: () => void;
}) {
  const { api } = useWorkbench();
  const [attempts, setAttempts] = useState<readonly CaptureAttemptView[]>(url.attempts ?? []);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const pending = attempts.some((a) => a.status === 'pending');

  useEffect(() => setAttempts(url.attempts ?? []), [url.attempts]);
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => {
      api
        .captureAttempts(reportId, url.id)
        .then(({ attempts: fresh }) => {
          setAttempts(fresh);
          if (!fresh.some((a) => a.status === 'pending')) onFinished();
        })
        .catch((caught: unknown) => setMessage({ text: errorMessage(caught), error: true }));
    }, PENDING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [api, attempts, pending, reportId, url.id, onFinished]);

  const again = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const outcome = await api.recapture(reportId, url.id);
      const { attempts: fresh } = await api.captureAttempts(reportId, url.id);
      setAttempts(fresh);
      setMessage({ text: outcome.created ? WB.captureQueued : WB.captureAlreadyQueued, error: false });
    } catch (caught) {
      setMessage({
        text: caught instanceof ApiError ? captureErrorOrGeneric(caught) : errorMessage(caught),
        error: true,
      });
    } finally {
      setBusy(false);
    }
  };

  const last = attempts.at(-1);
  return (
    <div className="wb-capture" data-testid="capture-panel" data-pending={pending}>
      {last?.status === 'pending' && last.error && (
        <p className="wb-error-text" data-testid="capture-retrying">
          {fill(WB.captureRetrying, { tries: last.tries, reason: captureErrorSentence(last.error) })}
        </p>
      )}
      <div className="wb-actions">
        <button
          type="button"
          onClick={() => void again()}
          disabled={busy || pending}
          data-testid="capture-again"
        >
          {WB.captureAgain}
        </button>
      </div>
      {message && (
        <p className={message.error ? 'wb-error' : 'wb-ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {attempts.length > 0 && (
        <details open={attempts.length > 1 || pending}>
          <summary>{WB.captureAttempts}</summary>
          <ol className="wb-capture-attempts" data-testid="capture-attempts">
            {attempts.map((a) => (
              <li key={a.jobId} data-testid="capture-attempt" data-status={a.status}>
                {fill(WB.captureAttemptRow, {
                  when: formatUtc(a.finishedAt ?? a.requestedAt),
                  who:
                    a.requestedBy === null
                      ? WB.captureByReport
                      : fill(WB.captureByAnalyst, { name: a.requestedByName ?? a.requestedBy }),
                  how:
                    a.method === 'browser'
                      ? WB.captureHowBrowser
                      : a.method === 'http'
                        ? WB.captureHowHttp
                        : WB.captureHowPending,
                  result: attemptResult(a),
                })}
                {a.note && <span className="wb-muted"> {a.note}</span>}
              </li>
            ))}
          </ol>
        </details>
      )}
      {[...attempts]
        .reverse()
        .filter((a) => a.screenshot !== null)
        .slice(0, 1)
        .map((a) => (
          <ScreenshotCard key={a.jobId} jobId={a.jobId} screenshot={a.screenshot!} />
        ))}
    </div>
  );
}

/** The result of one attempt as a sentence. */
function attemptResult(a: CaptureAttemptView): string {
  if (a.status === 'pending') return fill(WB.captureResultPending, { tries: Math.max(1, a.tries) });
  if (a.error) return captureErrorSentence(a.error);
  return fill(WB.captureResultMedia, { count: a.mediaFound ?? 0 });
}

function captureErrorOrGeneric(error: ApiError): string {
  return error.code.startsWith('CAPTURE_') || error.code === 'URL_NOT_FOUND'
    ? captureErrorSentence(error.code)
    : errorMessage(error);
}

/** The latest screenshot of a URL: a server-blurred thumbnail until the analyst reveals it. */
function ScreenshotCard({ jobId, screenshot }: { jobId: number; screenshot: ScreenshotView }) {
  const { api, exposure, setExposure } = useWorkbench();
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [revealed, setRevealed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reveal = async () => {
    setBusy(true);
    setError(null);
    try {
      const outcome = await api.revealScreenshot(jobId);
      setExposure(outcome.exposure);
      setPreviewUrl(outcome.previewUrl);
      setRevealed(true);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'EXPOSURE_LIMIT_REACHED') {
        setExposure({ ...exposure, today: Math.max(exposure.today, exposure.dailyLimit) });
        setError(fill(WB.exposureLimit, { limit: exposure.dailyLimit }));
      } else setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  const src = revealed && previewUrl ? previewUrl : screenshot.thumbnailUrl;
  return (
    <figure className="wb-screenshot" data-testid="screenshot" data-revealed={revealed}>
      <figcaption>
        {WB.screenshotTitle} · {formatUtc(screenshot.capturedAt)}
        <br />
        <code className="wb-hash">{fill(WB.screenshotHash, { sha256: screenshot.sha256 })}</code>
      </figcaption>
      {src === null ? (
        <p className="wb-muted">{WB.screenshotDeleted}</p>
      ) : (
        <div className="wb-media-frame wb-screenshot-frame">
          <img
            className={`wb-media-img${revealed ? '' : ' media--protected'}`}
            data-testid="screenshot-image"
            src={src}
            alt={revealed ? WB.screenshotAltRevealed : WB.screenshotAlt}
            draggable={false}
            referrerPolicy="no-referrer"
          />
        </div>
      )}
      {src !== null && !revealed && (
        <button
          type="button"
          onClick={() => void reveal()}
          disabled={busy || atLimit(exposure)}
          data-testid="screenshot-reveal"
        >
          {WB.screenshotReveal}
        </button>
      )}
      {error && (
        <p className="wb-error" role="alert">
          {error}
        </p>
      )}
    </figure>
  );
}
