import { useState } from 'react';
import type { HashExchangeItem } from './workbench-api.js';
import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import { useWorkbench } from './workbench-context.js';
import { WB, fill, formatUtc } from './workbench-messages.js';

/** Our words for the exchange types (the API's values are ids, not text for people). */
function typeLabel(type: string): string {
  const labels: Readonly<Record<string, string>> = {
    ncmec: WB.exchTypeNcmec,
    stopncii: WB.exchTypeStopncii,
    threatexchange: WB.exchTypeThreatexchange,
    hashline: WB.exchTypeHashline,
    feed: WB.exchTypeFeed,
  };
  return labels[type] ?? type;
}

/** Our words for why a run failed. */
function errorKindLabel(kind: string): string {
  const labels: Readonly<Record<string, string>> = {
    transient: WB.exchErrTransient,
    unauthorized: WB.exchErrUnauthorized,
    protocol: WB.exchErrProtocol,
    internal: WB.exchErrInternal,
  };
  return labels[kind] ?? kind;
}

/**
 * Hash exchanges (admin, issue 14): each one's source, bank, state, last success, next run, the
 * last run's counts and error, the feedback votes it sent back (pending, sent, refused, last
 * failure); run now, pause, resume. Configuration stays on the API and the CLI.
 */
export function HashExchangesView() {
  const { api } = useWorkbench();
  const list = useLoad(() => api.hashExchanges(), 'hash-exchanges');
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const act = async (item: HashExchangeItem, action: 'run' | 'pause' | 'resume') => {
    setBusy(item.name);
    setMessage(null);
    try {
      const { item: after } = await api.hashExchangeAction(item.name, action);
      const failed = action === 'run' && after.status.lastErrorKind !== null;
      setMessage({
        error: failed,
        text: failed
          ? fill(WB.exchRunFailed, { name: item.name, reason: errorKindLabel(after.status.lastErrorKind!) })
          : fill(
              action === 'run' ? WB.exchRunDone : action === 'pause' ? WB.exchPausedDone : WB.exchResumedDone,
              {
                name: item.name,
              },
            ),
      });
      list.reload();
    } catch (caught) {
      setMessage({ text: errorMessage(caught), error: true });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="exchanges-title">
      <div className="wb-titlebar">
        <h1 id="exchanges-title" tabIndex={-1}>
          {WB.exchangesTitle}
        </h1>
        <button type="button" className="wb-small" onClick={list.reload} disabled={list.loading}>
          {WB.refresh}
        </button>
      </div>
      <p>{WB.exchangesIntro}</p>
      {message && (
        <p className={message.error ? 'wb-error' : 'wb-ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {list.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(list.error)}
        </p>
      )}
      {list.data && list.data.items.length === 0 && <p>{WB.exchangesEmpty}</p>}
      {list.data && list.data.items.length > 0 && (
        <div className="wb-table-wrap">
          <table className="wb-table" data-testid="exchanges-table">
            <caption className="visually-hidden">{WB.exchangesTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{WB.colExchange}</th>
                <th scope="col">{WB.colSource}</th>
                <th scope="col">{WB.colBank}</th>
                <th scope="col">{WB.colState}</th>
                <th scope="col">{WB.colLastSuccess}</th>
                <th scope="col">{WB.colNextRun}</th>
                <th scope="col">{WB.colLastRun}</th>
                <th scope="col">{WB.colLastError}</th>
                <th scope="col">{WB.colFeedbackVotes}</th>
                <th scope="col">
                  <span className="visually-hidden">{WB.exchRunNow}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((item) => (
                <tr key={item.name} data-exchange={item.name}>
                  <td>{item.name}</td>
                  <td>{typeLabel(item.type)}</td>
                  <td>{item.bank ?? '–'}</td>
                  <td data-testid="exchange-state">
                    {item.paused
                      ? WB.exchStatePaused
                      : item.status.running
                        ? WB.exchStateRunning
                        : WB.exchStateScheduled}
                  </td>
                  <td>{item.status.lastSuccessAt ? formatUtc(item.status.lastSuccessAt) : WB.exchNever}</td>
                  <td>{item.paused ? '–' : formatUtc(item.status.nextRunAt)}</td>
                  <td>
                    {item.status.lastRunAt
                      ? fill(WB.exchLastRunCounts, {
                          added: item.status.counts.added,
                          updated: item.status.counts.updated,
                          withdrawn: item.status.counts.withdrawn,
                          skipped: item.status.counts.skipped,
                        })
                      : WB.exchNever}
                  </td>
                  <td className={item.status.lastErrorKind ? 'wb-error-text' : undefined}>
                    {item.status.lastErrorKind ? errorKindLabel(item.status.lastErrorKind) : '–'}
                  </td>
                  <td data-testid="exchange-votes">
                    {item.status.feedbackVotes ? (
                      <>
                        {fill(WB.exchVoteCounts, {
                          pending: item.status.feedbackVotes.pending,
                          sent: item.status.feedbackVotes.sent,
                          refused: item.status.feedbackVotes.refused,
                        })}
                        {item.status.feedbackVotes.lastError && (
                          <span className="wb-error-text">
                            {' '}
                            {fill(WB.exchVoteLastError, { message: item.status.feedbackVotes.lastError })}
                          </span>
                        )}
                      </>
                    ) : (
                      WB.exchVotesOff
                    )}
                  </td>
                  <td>
                    {!item.paused && (
                      <button
                        type="button"
                        className="wb-small"
                        disabled={busy !== null}
                        onClick={() => void act(item, 'run')}
                      >
                        {WB.exchRunNow}
                      </button>
                    )}{' '}
                    <button
                      type="button"
                      className="wb-small"
                      disabled={busy !== null}
                      onClick={() => void act(item, item.paused ? 'resume' : 'pause')}
                    >
                      {item.paused ? WB.exchResume : WB.exchPause}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
