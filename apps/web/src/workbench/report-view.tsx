import { useEffect, useRef, useState } from 'react';
import { PartnerAssessmentPanel } from './partner-assessment-panel.js';
import { ForwardingPanel } from './forwarding-panel.js';
import { hrefOf } from './hash-route.js';
import { AssessmentStage, ShortcutHelp } from './assessment-stage.js';
import { ariaKeys, useShortcuts } from './keyboard-shortcuts.js';
import { MediaCard } from './media-card.js';
import { AssessmentForm } from './assessment-form.js';
import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import type { MediaView, ReportDetail, ReportUrl, SettableReportStatus } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import {
  CLOSING_LABELS,
  CONCERN_LABELS,
  DUPLICATE_REASON_LABELS,
  REPORT_STATUS_LABELS,
  WB,
  captureErrorSentence,
  fill,
  formatUtc,
  labelOf,
} from './workbench-messages.js';
import { CapturePanel } from './capture-panel.js';
import { CLOSING_STATUSES } from './workbench-vocabulary.js';
import { TakedownPanel } from './takedown-panel.js';

/** One report: facts, URLs with capture and trace, media with reveal and assessment, status. */
export function ReportView({ reportId }: { reportId: string }) {
  const { api } = useWorkbench();
  const report = useLoad(() => api.report(reportId), reportId);
  const detail = report.data;
  // The referral plan (issue #5): read by the forwarding and the takedown sections. Reading it is
  // not audited (a report view is), so after a change the plan is reloaded, not the report, and
  // the report's status is taken from it.
  const plan = useLoad(() => api.referralPlan(reportId), reportId);
  const { replace: replaceReport } = report;
  const planData = plan.data;
  const detailRef = useRef(detail);
  useEffect(() => {
    detailRef.current = detail;
  }, [detail]);
  // Only a newly loaded plan moves the status (a plan still loading must not undo a status the
  // analyst just set).
  useEffect(() => {
    const current = detailRef.current;
    if (current && planData && planData.reportStatus !== current.status)
      replaceReport({ ...current, status: planData.reportStatus });
  }, [planData, replaceReport]);

  const [selected, setSelected] = useState<ReadonlySet<number>>(() => new Set());
  // The full-width view: the index of the item shown, or null for the grid of cards.
  const [stageIndex, setStageIndex] = useState<number | null>(null);
  const [bulkOpen, setBulkOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [revealRequest, setRevealRequest] = useState(0);
  const media = detail?.media ?? [];
  const assessable = media.filter(bulkAssessable);

  const onMediaChanged = (changed: MediaView) => {
    if (!detail) return;
    report.replace({ ...detail, media: detail.media.map((m) => (m.id === changed.id ? changed : m)) });
    // An assessment can make a URL referable (two analysts agree): the plan follows.
    plan.reload();
  };

  /** The next item after `from` (wrapping) that still awaits the analyst's assessment. */
  const nextOpen = (from: number, items: readonly MediaView[]): number | null => {
    for (let step = 1; step <= items.length; step++) {
      const i = (from + step) % items.length;
      if (bulkAssessable(items[i]!)) return i;
    }
    return null;
  };
  const toggle = (id: number, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  useShortcuts(({ action }) => {
    if (helpOpen) {
      if (action === 'close' || action === 'help') setHelpOpen(false);
      return action === 'close' || action === 'help';
    }
    if (action === 'help') {
      setHelpOpen(true);
      return true;
    }
    if (!detail || media.length === 0) return false;
    const current = stageIndex == null ? undefined : media[stageIndex];
    switch (action) {
      case 'openStage':
        if (stageIndex != null) return false;
        setStageIndex(nextOpen(-1, media) ?? 0);
        return true;
      case 'close':
        if (bulkOpen) setBulkOpen(false);
        else if (stageIndex != null) setStageIndex(null);
        else return false;
        return true;
      case 'next':
      case 'previous':
        if (stageIndex == null) return false;
        setStageIndex(Math.min(media.length - 1, Math.max(0, stageIndex + (action === 'next' ? 1 : -1))));
        return true;
      case 'reveal':
        if (stageIndex == null) return false;
        setRevealRequest((n) => n + 1);
        return true;
      case 'select':
        if (!current || !bulkAssessable(current)) return false;
        toggle(current.id, !selected.has(current.id));
        return true;
      case 'selectAll':
        setSelected(new Set(assessable.map((m) => m.id)));
        return true;
      case 'bulk':
        if (!assessable.some((m) => selected.has(m.id))) return false;
        setBulkOpen(true);
        return true;
      default:
        return false;
    }
  });

  return (
    <article aria-labelledby="report-title" data-testid="report" data-report-id={reportId}>
      <p>
        <a href={hrefOf({ page: 'queue' })}>{WB.back}</a>
      </p>
      <div className="wb-titlebar">
        <h1 id="report-title" tabIndex={-1}>
          {fill(WB.reportTitle, { id: reportId })}
        </h1>
        {detail?.imminentDanger && <span className="wb-badge wb-badge--danger">{WB.imminentDanger}</span>}
        <button
          type="button"
          className="wb-small"
          onClick={() => {
            report.reload();
            plan.reload();
          }}
          disabled={report.loading}
        >
          {WB.refresh}
        </button>
      </div>
      {report.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(report.error)}
        </p>
      )}
      {!detail && report.loading && <p>{WB.loading}</p>}
      {detail && (
        <>
          <Facts detail={detail} />
          <StatusActions
            detail={detail}
            onChanged={(updated) => {
              report.replace(updated);
              plan.reload();
            }}
          />
          <section aria-labelledby="urls-title" className="wb-card">
            <h2 id="urls-title">{WB.urlsTitle}</h2>
            <ul className="wb-urls">
              {detail.urls.map((url) => (
                <UrlRow key={url.id} url={url} reportId={reportId} onCaptured={report.reload} />
              ))}
            </ul>
            {detail.traceAttribution && detail.urls.some((u) => u.trace) && (
              <p className="wb-muted wb-attribution" data-testid="trace-attribution">
                {detail.traceAttribution.text}{' '}
                {detail.traceAttribution.links.map((link, i) => (
                  <span key={link.href}>
                    {i > 0 && ' · '}
                    <a href={link.href} rel="noreferrer noopener" target="_blank">
                      {link.label}
                    </a>
                  </span>
                ))}
              </p>
            )}
          </section>
          <section aria-labelledby="media-title" className="wb-card">
            <h2 id="media-title">{WB.mediaTitle}</h2>
            <p className="wb-muted">{WB.mediaIntro}</p>
            {detail.media.length === 0 ? (
              <p>{WB.noMedia}</p>
            ) : (
              <>
                <div className="wb-actions">
                  {stageIndex == null ? (
                    <button
                      type="button"
                      data-testid="stage-open"
                      aria-keyshortcuts={ariaKeys('openStage')}
                      onClick={() => setStageIndex(nextOpen(-1, media) ?? 0)}
                    >
                      {WB.keyOpenStage}
                    </button>
                  ) : (
                    <button type="button" onClick={() => setStageIndex(null)}>
                      {WB.stageClose}
                    </button>
                  )}
                  <button
                    type="button"
                    className="wb-small"
                    aria-keyshortcuts={ariaKeys('help')}
                    aria-haspopup="dialog"
                    data-testid="shortcuts-open"
                    onClick={() => setHelpOpen(true)}
                  >
                    {WB.shortcutsOpen}
                  </button>
                </div>
                <BulkAssessment
                  reportId={reportId}
                  media={detail.media}
                  selected={selected}
                  setSelected={setSelected}
                  open={bulkOpen}
                  setOpen={setBulkOpen}
                  onDone={() => {
                    report.reload();
                    plan.reload();
                  }}
                />
                {stageIndex != null && media[stageIndex] ? (
                  <AssessmentStage
                    media={media}
                    index={stageIndex}
                    onIndex={setStageIndex}
                    onClose={() => setStageIndex(null)}
                    onChanged={(changed) => {
                      onMediaChanged(changed);
                      const items = media.map((m) => (m.id === changed.id ? changed : m));
                      const next = nextOpen(stageIndex, items);
                      if (next != null) setStageIndex(next);
                    }}
                    selected={
                      bulkAssessable(media[stageIndex]) ? selected.has(media[stageIndex].id) : undefined
                    }
                    onSelect={(on) => toggle(media[stageIndex]!.id, on)}
                    revealRequest={revealRequest}
                    formShortcuts={!bulkOpen && !helpOpen}
                  />
                ) : (
                  <ul className="wb-media-grid" data-testid="media-grid">
                    {detail.media.map((media) => (
                      <MediaCard
                        key={media.id}
                        media={media}
                        onChanged={onMediaChanged}
                        {...(bulkAssessable(media)
                          ? {
                              selected: selected.has(media.id),
                              onSelect: (on: boolean) => toggle(media.id, on),
                            }
                          : {})}
                      />
                    ))}
                  </ul>
                )}
                {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} />}
              </>
            )}
          </section>
          {detail.channel === 'iccam_incoming' && <PartnerAssessmentPanel reportId={reportId} />}
          <ForwardingPanel reportId={reportId} urls={detail.urls} plan={plan} onChanged={plan.reload} />
          <TakedownPanel detail={detail} plan={plan} onChanged={plan.reload} />
        </>
      )}
    </article>
  );
}

function Facts({ detail }: { detail: ReportDetail }) {
  return (
    <section aria-labelledby="facts-title" className="wb-card">
      <h2 id="facts-title">{WB.reportFacts}</h2>
      <dl className="wb-facts">
        <dt>{WB.status}</dt>
        <dd data-testid="report-status" data-status={detail.status}>
          {labelOf(REPORT_STATUS_LABELS, detail.status)}
        </dd>
        <dt>{WB.receivedLabel}</dt>
        <dd>{formatUtc(detail.receivedAt)}</dd>
        <dt>{WB.channel}</dt>
        <dd>{labelOf({}, detail.channel)}</dd>
        <dt>{WB.reporterType}</dt>
        <dd>{labelOf({}, detail.reporterType)}</dd>
        <dt>{WB.language}</dt>
        <dd>{detail.language}</dd>
        <dt>{WB.concerns}</dt>
        <dd>{detail.concerns.map((c) => labelOf(CONCERN_LABELS, c)).join(', ')}</dd>
        {detail.seenWhere && (
          <>
            <dt>{WB.seenWhere}</dt>
            <dd>{labelOf({}, detail.seenWhere)}</dd>
          </>
        )}
        <dt>{WB.contact}</dt>
        <dd>{detail.hasContact ? WB.contactYes : WB.contactNo}</dd>
      </dl>
      <h3>{WB.description}</h3>
      {detail.description ? (
        <p className="wb-description" data-testid="report-description">
          {detail.description}
        </p>
      ) : (
        <p className="wb-muted">{WB.noDescription}</p>
      )}
      {detail.duplicates.length > 0 && (
        <>
          <h3>{WB.duplicatesTitle}</h3>
          <ul>
            {detail.duplicates.map((dup) => (
              <li key={dup.reportId}>
                <a href={hrefOf({ page: 'report', reportId: dup.reportId })}>
                  {fill(WB.duplicateOf, {
                    id: dup.reportId,
                    when: formatUtc(dup.receivedAt),
                    reason: labelOf(DUPLICATE_REASON_LABELS, dup.reason),
                  })}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * A reported URL as text, never a link: reported URLs are never fetched from an analyst's browser
 * (SECURITY.md §4.2); the capture worker fetched it and traced the host.
 */
function UrlRow({ url, reportId, onCaptured }: { url: ReportUrl; reportId: string; onCaptured: () => void }) {
  const { trace } = url;
  return (
    <li className="wb-url" data-testid="report-url">
      <code className="wb-url-text">{url.url}</code>
      <p className="wb-url-capture">
        {url.captureError ? (
          <span className="wb-error-text" data-testid="capture-error" data-code={url.captureError}>
            {captureErrorSentence(url.captureError)}
          </span>
        ) : url.capturedAt ? (
          <span>{fill(WB.captured, { when: formatUtc(url.capturedAt) })}</span>
        ) : (
          <span className="wb-muted">{WB.notCaptured}</span>
        )}
        {url.accessibility && (
          <span className="wb-badge">
            {WB.accessibility}: {labelOf({}, url.accessibility)}
          </span>
        )}
        {url.siteType && <span className="wb-badge">{labelOf({}, url.siteType)}</span>}
      </p>
      {trace ? (
        <dl className="wb-facts wb-facts--inline" aria-label={WB.trace} data-testid="trace">
          <dt>{WB.host}</dt>
          <dd>{trace.host}</dd>
          <dt>{WB.ipAddress}</dt>
          <dd>{trace.ipAddress ?? '–'}</dd>
          <dt>{WB.country}</dt>
          <dd>{trace.country ?? WB.unknownCountry}</dd>
          <dt>{WB.network}</dt>
          <dd>
            {[trace.asn != null ? `AS${trace.asn}` : null, trace.network].filter(Boolean).join(' ') || '–'}
          </dd>
          <dt>{WB.dataset}</dt>
          <dd>
            {trace.dataset} ({trace.datasetDate})
          </dd>
        </dl>
      ) : (
        <p className="wb-muted">{WB.noTrace}</p>
      )}
      <CapturePanel reportId={reportId} url={url} onFinished={onCaptured} />
    </li>
  );
}

function StatusActions({
  detail,
  onChanged,
}: {
  detail: ReportDetail;
  onChanged: (d: ReportDetail) => void;
}) {
  const { api } = useWorkbench();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const set = async (status: SettableReportStatus) => {
    setBusy(true);
    setMessage(null);
    try {
      const updated = await api.setReportStatus(detail.reportId, status);
      onChanged(updated);
      setMessage({
        text: fill(WB.statusChanged, { status: labelOf(REPORT_STATUS_LABELS, updated.status) }),
        error: false,
      });
    } catch (error) {
      setMessage({ text: errorMessage(error), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="status-title" className="wb-card">
      <h2 id="status-title">{WB.statusActions}</h2>
      <div className="wb-actions">
        {CLOSING_STATUSES.map((status) => (
          <button
            key={status}
            type="button"
            disabled={busy || detail.status === status}
            onClick={() => void set(status)}
          >
            {fill(WB.closeAs, { status: CLOSING_LABELS[status] })}
          </button>
        ))}
        <button
          type="button"
          disabled={busy || detail.status === 'assessed'}
          onClick={() => void set('assessed')}
        >
          {WB.markAssessed}
        </button>
        <button
          type="button"
          disabled={busy || detail.status === 'in_assessment'}
          onClick={() => void set('in_assessment')}
        >
          {WB.markInAssessment}
        </button>
      </div>
      {message && (
        <p className={message.error ? 'wb-error' : 'wb-ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}

/** Whether the signed-in analyst can still assess an item (not known material, not assessed by them). */
function bulkAssessable(media: MediaView): boolean {
  return !media.previouslyAssessed && media.status !== 'previously_assessed' && !media.myAssessment;
}

/**
 * Bulk assessment (issue 17): select several items, or every one not yet assessed, and record one
 * assessment for each with one form. The server records and audits each item on its own, and each
 * still needs a second analyst (the four-eyes rule is per item).
 */
function BulkAssessment({
  reportId,
  media,
  selected,
  setSelected,
  open,
  setOpen,
  onDone,
}: {
  reportId: string;
  media: readonly MediaView[];
  selected: ReadonlySet<number>;
  setSelected: (next: ReadonlySet<number>) => void;
  /** Whether the bulk form is open (a key opens it too). */
  open: boolean;
  setOpen: (open: boolean) => void;
  onDone: () => void;
}) {
  const [notice, setNotice] = useState<string | null>(null);
  const assessable = media.filter(bulkAssessable);
  if (assessable.length === 0 && !notice) return null;
  const ids = assessable.map((m) => m.id).filter((id) => selected.has(id));
  return (
    <section className="wb-bulk" aria-label={WB.bulkTitle} data-testid="bulk-assessment">
      <p className="wb-muted">{WB.bulkIntro}</p>
      <div className="wb-actions">
        <button
          type="button"
          data-testid="bulk-select-all"
          aria-keyshortcuts={ariaKeys('selectAll')}
          disabled={assessable.length === 0}
          onClick={() => setSelected(new Set(assessable.map((m) => m.id)))}
        >
          {fill(WB.bulkSelectAll, { n: assessable.length })}
        </button>
        <button type="button" onClick={() => setSelected(new Set())} disabled={ids.length === 0}>
          {WB.bulkClear}
        </button>
        <button
          type="button"
          className="wb-primary"
          data-testid="bulk-open"
          aria-keyshortcuts={ariaKeys('bulk')}
          disabled={ids.length === 0}
          onClick={() => {
            setNotice(null);
            setOpen(true);
          }}
        >
          {fill(WB.bulkAssess, { n: ids.length })}
        </button>
      </div>
      {open && ids.length > 0 && (
        <AssessmentForm
          mediaId={ids[0]!}
          onAssessed={() => undefined}
          onCancel={() => setOpen(false)}
          shortcuts
          autoFocus
          bulk={{
            reportId,
            mediaIds: ids,
            onDone: (outcome) => {
              const refused = outcome.items.filter((i) => !i.recorded).map((i) => i.mediaId);
              const recorded = outcome.items.length - refused.length;
              setNotice(
                [
                  fill(WB.bulkDone, { n: recorded }),
                  refused.length > 0
                    ? fill(WB.bulkRefused, { n: refused.length, ids: refused.join(', ') })
                    : '',
                ]
                  .filter(Boolean)
                  .join(' '),
              );
              setOpen(false);
              setSelected(new Set());
              onDone();
            },
          }}
        />
      )}
      {notice && (
        <p className="wb-ok" role="status" data-testid="bulk-notice">
          {notice}
        </p>
      )}
    </section>
  );
}
