import { hrefOf } from './hash-route.js';
import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import type { QueueItem } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import {
  CONCERN_LABELS,
  DUPLICATE_REASON_LABELS,
  REPORT_STATUS_LABELS,
  WB,
  fill,
  formatUtc,
  labelOf,
} from './workbench-messages.js';

/** The host of a URL (the list never shows full reported URLs: less to read, less to see). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 40);
  }
}

/** The distinct values of a list, in first-seen order. */
function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The open reports, most urgent first (the server's order), duplicates folded. */
export function QueueView() {
  const { api } = useWorkbench();
  const queue = useLoad(() => api.queue(), 'queue');
  return (
    <section aria-labelledby="queue-title">
      <div className="wb-titlebar">
        <h1 id="queue-title" tabIndex={-1}>
          {WB.queueTitle}
        </h1>
        <button type="button" className="wb-small" onClick={queue.reload} disabled={queue.loading}>
          {WB.refresh}
        </button>
      </div>
      <p className="wb-muted">{WB.queueIntro}</p>
      {queue.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(queue.error)}
        </p>
      )}
      {queue.data == null && queue.loading && <p>{WB.loading}</p>}
      {queue.data && queue.data.items.length === 0 && <p data-testid="queue-empty">{WB.queueEmpty}</p>}
      {queue.data && queue.data.items.length > 0 && (
        <ol className="wb-queue" data-testid="queue">
          {queue.data.items.map((item) => (
            <QueueRow key={item.reportId} item={item} />
          ))}
        </ol>
      )}
    </section>
  );
}

function QueueRow({ item }: { item: QueueItem }) {
  const hosts = distinct(item.urls.map((u) => hostOf(u.url)));
  const countries = distinct(item.urls.map((u) => u.hostingCountry ?? WB.unknownCountry));
  // The row is its group's report with the most to assess; what the folded ones add still shows.
  const duplicatesPending = item.duplicates.reduce((sum, d) => sum + d.pendingMediaCount, 0);
  return (
    <li
      className={`wb-queue-item${item.imminentDanger ? ' wb-queue-item--danger' : ''}`}
      data-testid="queue-item"
      data-report-id={item.reportId}
    >
      <div className="wb-queue-head">
        <a href={hrefOf({ page: 'report', reportId: item.reportId })} className="wb-queue-link">
          <span className="visually-hidden">{fill(WB.openReport, { id: item.reportId })}</span>
          <span aria-hidden="true">{item.reportId}</span>
        </a>
        {item.imminentDanger && (
          <span className="wb-badge wb-badge--danger" data-testid="imminent-danger">
            {WB.imminentDanger}
          </span>
        )}
        {item.channel === 'iccam_incoming' && (
          <span className="wb-badge" data-testid="partner-report">
            {WB.partnerReport}
          </span>
        )}
        <span className="wb-badge">{labelOf(REPORT_STATUS_LABELS, item.status)}</span>
        <span className="wb-muted">{fill(WB.priority, { n: item.priority })}</span>
        <span className="wb-muted">{fill(WB.received, { when: formatUtc(item.receivedAt) })}</span>
      </div>
      <ul className="wb-tags" aria-label={WB.concerns}>
        {item.concerns.map((concern) => (
          <li key={concern} className="wb-tag">
            {labelOf(CONCERN_LABELS, concern)}
          </li>
        ))}
      </ul>
      <dl className="wb-facts wb-facts--inline">
        <dt>{WB.hosts}</dt>
        <dd data-testid="queue-hosts">{hosts.join(', ')}</dd>
        <dt>{WB.hostedIn}</dt>
        <dd>{countries.join(', ')}</dd>
      </dl>
      {item.failedCaptures > 0 && (
        <p className="wb-error" data-testid="capture-failed" data-count={item.failedCaptures}>
          {item.mediaCount === 0
            ? WB.captureFailedNone
            : fill(WB.captureFailedCount, { n: item.failedCaptures })}
        </p>
      )}
      <p className="wb-counts" data-testid="queue-counts">
        <span className={item.pendingMediaCount > 0 ? 'wb-count-new' : undefined}>
          {fill(WB.newToAssess, { n: item.pendingMediaCount })}
        </span>
        {' / '}
        <span>{fill(WB.previouslyAssessedCount, { n: item.previouslyAssessedCount })}</span>
      </p>
      {item.duplicates.length > 0 && (
        <details className="wb-duplicates">
          <summary data-testid="duplicates-summary">
            {item.duplicates.length === 1
              ? WB.duplicateFolded
              : fill(WB.duplicatesFolded, { n: item.duplicates.length })}
            {duplicatesPending > 0 && (
              <span className="wb-count-new"> {fill(WB.duplicatesPending, { n: duplicatesPending })}</span>
            )}
          </summary>
          <ul>
            {item.duplicates.map((dup) => (
              <li key={dup.reportId} data-testid="queue-duplicate" data-report-id={dup.reportId}>
                <a href={hrefOf({ page: 'report', reportId: dup.reportId })}>
                  {fill(WB.duplicateOf, {
                    id: dup.reportId,
                    when: formatUtc(dup.receivedAt),
                    reason: labelOf(DUPLICATE_REASON_LABELS, dup.reason),
                  })}
                </a>{' '}
                <span
                  className={dup.pendingMediaCount > 0 ? 'wb-count-new' : 'wb-muted'}
                  data-testid="duplicate-counts"
                >
                  {fill(WB.duplicateCounts, { n: dup.pendingMediaCount, m: dup.mediaCount })}
                </span>
                {dup.failedCaptures > 0 && (
                  <span className="wb-error" data-testid="duplicate-capture-failed">
                    {' '}
                    {dup.mediaCount === 0
                      ? WB.captureFailedNone
                      : fill(WB.captureFailedCount, { n: dup.failedCaptures })}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}
