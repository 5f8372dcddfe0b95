// The "Notice and takedown" section of a report (issue #5 part 3): per reported URL, a notice to
// the host (or a hand-over to the police unit, as the rules or the analyst decide), its re-checks,
// and the time to removal with its INHOPE bucket. Re-checks run on the server through the
// capture's safe fetcher: the analyst's browser never opens a reported URL.
import { useId, useState, type FormEvent } from 'react';
import { ActionOutcome, type Outcome } from './action-outcome.js';
import { forwardingErrorMessage } from './forwarding-errors.js';
import { useLoad, type Loaded } from './use-load.js';
import {
  NOTICE_LANGUAGES,
  type MediaView,
  type NoticeLanguage,
  type ReferralPlanView,
  type ReportDetail,
  type ReportUrl,
  type Takedown,
  type TakedownPlanItem,
  type TakedownVia,
} from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import {
  CHECK_RESULT_LABELS,
  NOTICE_LANGUAGE_LABELS,
  REMOVAL_BUCKET_LABELS,
  TAKEDOWN_STATUS_LABELS,
  VIA_LABELS,
  WB,
  fill,
  formatUtc,
  labelOf,
} from './workbench-messages.js';

/** Report statuses after which the server sends no new notice (reopen the report first). */
const CLOSED_STATUSES: ReadonlySet<string> = new Set([
  'closed_not_illegal',
  'closed_duplicate',
  'closed_inaccessible',
  'closed_out_of_remit',
  'removed_confirmed',
]);

/**
 * Whether a notice may be sent about a URL: the server's rule (some media found there is
 * published, known material, or assessed illegal by an analyst), so the form only offers what
 * the server accepts.
 */
export function noticeEligible(urlId: number, media: readonly MediaView[]): boolean {
  return media.some(
    (m) =>
      m.urlId === urlId &&
      (m.status === 'published' ||
        m.knownMatch !== null ||
        m.assessments.some((a) => a.nationalStatus === 'illegal')),
  );
}

/** "5.5 h" for a removal time in hours (one decimal below a day, whole hours after). */
export function formatHours(hours: number): string {
  const rounded = hours < 24 ? Math.round(hours * 10) / 10 : Math.round(hours);
  return fill(WB.hours, { n: rounded });
}

/**
 * The notice-and-takedown section. `plan` (the report view's referral plan) says who sends
 * notices for each URL hosted in the own country; `onChanged` reloads it so the report's status
 * (notice sent, removal confirmed) follows.
 */
export function TakedownPanel({
  detail,
  plan,
  onChanged,
}: {
  detail: ReportDetail;
  plan: Loaded<ReferralPlanView>;
  onChanged: () => void;
}) {
  const { api } = useWorkbench();
  const takedowns = useLoad(() => api.takedowns(detail.reportId), detail.reportId);
  const items = takedowns.data?.items ?? [];
  const planned = (plan.data?.plan ?? []).filter((p): p is TakedownPlanItem => p.action === 'takedown');
  const closed = CLOSED_STATUSES.has(detail.status);

  const replace = (updated: Takedown) => {
    const list = takedowns.data?.items ?? [];
    const next = list.some((t) => t.id === updated.id)
      ? list.map((t) => (t.id === updated.id ? updated : t))
      : [...list, updated];
    takedowns.replace({ items: next });
    onChanged();
  };

  return (
    <section aria-labelledby="takedown-title" className="wb-card" data-testid="takedowns">
      <h2 id="takedown-title">{WB.takedownTitle}</h2>
      <p className="wb-muted">{WB.takedownIntro}</p>
      {takedowns.error != null && (
        <p className="wb-error" role="alert">
          {forwardingErrorMessage(takedowns.error)}
        </p>
      )}
      {!takedowns.data && takedowns.loading && <p>{WB.loading}</p>}
      {closed && (
        <p className="wb-muted" data-testid="takedown-closed">
          {WB.takedownClosed}
        </p>
      )}
      {takedowns.data && (
        <ul className="wb-urls">
          {detail.urls.map((url, index) => (
            <UrlTakedowns
              key={url.id}
              number={index + 1}
              reportId={detail.reportId}
              url={url}
              eligible={noticeEligible(url.id, detail.media)}
              closed={closed}
              planned={planned.find((p) => p.urlId === url.id) ?? null}
              takedowns={items.filter((t) => t.urlId === url.id)}
              onChanged={replace}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function UrlTakedowns({
  reportId,
  number,
  url,
  eligible,
  closed,
  planned,
  takedowns,
  onChanged,
}: {
  reportId: string;
  /** The URL's place in its report (1, 2, ...): how the page numbers it. */
  number: number;
  url: ReportUrl;
  eligible: boolean;
  /** The report is closed: no new notice (the server would refuse it). */
  closed: boolean;
  planned: TakedownPlanItem | null;
  takedowns: readonly Takedown[];
  onChanged: (t: Takedown) => void;
}) {
  // One notice at a time per URL, and none once the content is confirmed gone.
  const offerForm = !closed && !takedowns.some((t) => t.status !== 'not_removed');
  // Said here, not in the form: the form goes away once its notice is open.
  const [sent, setSent] = useState<Outcome>(null);
  const headingId = `takedown-url-${url.id}`;
  return (
    <li className="wb-url" data-testid="takedown-url" data-url-id={url.id} aria-labelledby={headingId}>
      <h3 id={headingId}>{fill(WB.takedownUrl, { id: number })}</h3>
      <code className="wb-url-text">{url.url}</code>
      {takedowns.length === 0 ? (
        <p className="wb-muted">{WB.takedownsEmpty}</p>
      ) : (
        <ul className="wb-takedown-list">
          {takedowns.map((t) => (
            <TakedownRow key={t.id} takedown={t} onChanged={onChanged} />
          ))}
        </ul>
      )}
      {!eligible && !closed ? (
        <p className="wb-muted" data-testid="takedown-not-eligible">
          {WB.takedownNotEligible}
        </p>
      ) : (
        eligible &&
        offerForm && (
          <NoticeForm
            reportId={reportId}
            url={url}
            planned={planned}
            onCreated={(created, outcome) => {
              setSent(outcome);
              onChanged(created);
            }}
          />
        )
      )}
      {sent && <ActionOutcome outcome={sent} testId="notice-outcome" focus />}
    </li>
  );
}

/** The form of a new notice about one URL. */
function NoticeForm({
  reportId,
  url,
  planned,
  onCreated,
}: {
  reportId: string;
  url: ReportUrl;
  planned: TakedownPlanItem | null;
  /** The takedown made, and what to tell the analyst about its notice. */
  onCreated: (t: Takedown, outcome: NonNullable<Outcome>) => void;
}) {
  const { api } = useWorkbench();
  const id = useId();
  const [recipient, setRecipient] = useState('');
  const [language, setLanguage] = useState<NoticeLanguage | ''>('');
  // The plan's route until the analyst chooses (the plan may load after the form appears).
  const [chosenVia, setVia] = useState<TakedownVia | null>(null);
  const via: TakedownVia = chosenVia ?? planned?.via ?? 'hotline';
  const [reference, setReference] = useState('');
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    setOutcome(null);
    try {
      const created = await api.createTakedown(reportId, {
        urlId: url.id,
        recipient: recipient.trim(),
        via,
        ...(language ? { language } : {}),
        ...(via === 'police' && reference.trim() ? { referralReference: reference.trim() } : {}),
      });
      onCreated(
        created,
        created.status === 'pending'
          ? { text: fill(WB.noticePending, { error: created.lastError ?? WB.notYet }), error: true }
          : { text: fill(WB.noticeSent, { via: labelOf(VIA_LABELS, created.via) }), error: false },
      );
    } catch (error) {
      // Focus stays in the form (to correct it); the alert is announced.
      setOutcome({ text: forwardingErrorMessage(error), error: true });
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      className="wb-notice-form"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${id}-title`}
      data-testid="notice-form"
    >
      <h4 id={`${id}-title`}>{WB.takedownNew}</h4>
      {planned && (
        <p className="wb-muted">
          {fill(WB.viaPlanned, { via: labelOf(VIA_LABELS, planned.via), country: planned.country })}
        </p>
      )}
      <div className="wb-row">
        <div className="wb-field">
          <label htmlFor={`${id}-recipient`}>{WB.recipient}</label>
          <input
            id={`${id}-recipient`}
            type="email"
            required
            maxLength={254}
            autoComplete="off"
            spellCheck={false}
            value={recipient}
            aria-describedby={`${id}-recipient-hint`}
            onChange={(e) => setRecipient(e.target.value)}
          />
          <small id={`${id}-recipient-hint`} className="wb-muted">
            {WB.recipientHint}
          </small>
        </div>
        <div className="wb-field wb-field--short">
          <label htmlFor={`${id}-language`}>{WB.noticeLanguage}</label>
          <select
            id={`${id}-language`}
            value={language}
            onChange={(e) => setLanguage(e.target.value as NoticeLanguage | '')}
          >
            <option value="">{WB.noticeLanguageDefault}</option>
            {NOTICE_LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {NOTICE_LANGUAGE_LABELS[l]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="wb-radios">
        <legend>{WB.via}</legend>
        {(['hotline', 'police'] as const).map((v) => (
          <label key={v}>
            <input type="radio" name={`${id}-via`} value={v} checked={via === v} onChange={() => setVia(v)} />
            {v === 'hotline' ? WB.viaHotline : WB.viaPolice}
          </label>
        ))}
      </fieldset>
      {via === 'police' && (
        <div className="wb-field wb-field--medium">
          <label htmlFor={`${id}-reference`}>{WB.referralReference}</label>
          <input
            id={`${id}-reference`}
            type="text"
            maxLength={200}
            autoComplete="off"
            value={reference}
            aria-describedby={`${id}-reference-hint`}
            onChange={(e) => setReference(e.target.value)}
          />
          <small id={`${id}-reference-hint`} className="wb-muted">
            {WB.referralReferenceHint}
          </small>
        </div>
      )}
      <button type="submit" className="wb-primary" disabled={sending}>
        {sending ? WB.sendingNotice : WB.sendNotice}
      </button>
      {outcome && <ActionOutcome outcome={outcome} testId="notice-error" />}
    </form>
  );
}

/** One takedown: where it stands, its checks, the removal time and bucket, and "Check now". */
function TakedownRow({ takedown: t, onChanged }: { takedown: Takedown; onChanged: (t: Takedown) => void }) {
  const { api } = useWorkbench();
  const [checking, setChecking] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const checkable = t.status === 'notice_sent' || t.status === 'not_removed';

  const check = async () => {
    setChecking(true);
    setOutcome(null);
    try {
      const updated = await api.checkTakedown(t.id);
      const last = updated.checks[updated.checks.length - 1];
      setOutcome({
        text: fill(WB.checkedResult, { result: labelOf(CHECK_RESULT_LABELS, last?.result ?? 'error') }),
        error: false,
      });
      onChanged(updated);
    } catch (error) {
      setOutcome({ text: forwardingErrorMessage(error), error: true });
    } finally {
      setChecking(false);
    }
  };

  return (
    <li
      className={`wb-takedown wb-takedown--${t.status}`}
      data-testid="takedown"
      data-takedown-id={t.id}
      data-status={t.status}
      data-bucket={t.removalBucket}
    >
      <dl className="wb-facts">
        <dt>{WB.takedownStatus}</dt>
        <dd>
          <span className={`wb-badge wb-badge--td-${t.status}`} data-testid="takedown-status">
            {labelOf(TAKEDOWN_STATUS_LABELS, t.status)}
          </span>
        </dd>
        <dt>{WB.via}</dt>
        <dd>{labelOf(VIA_LABELS, t.via)}</dd>
        <dt>{WB.takedownSentTo}</dt>
        <dd>{t.sentTo ?? t.recipient}</dd>
        <dt>{WB.noticeLanguage}</dt>
        <dd>{labelOf(NOTICE_LANGUAGE_LABELS, t.language)}</dd>
        <dt>{WB.takedownSentAt}</dt>
        <dd data-testid="takedown-sent-at">{t.noticeSentAt ? formatUtc(t.noticeSentAt) : WB.notYet}</dd>
        {t.status === 'pending' && (
          <>
            <dt>{WB.takedownAttempts}</dt>
            <dd>{t.sendAttempts}</dd>
          </>
        )}
        {t.lastError && (
          <>
            <dt>{WB.takedownLastError}</dt>
            <dd className="wb-error-text">{t.lastError}</dd>
          </>
        )}
        {t.removedConfirmedAt && (
          <>
            <dt>{WB.takedownRemovedAt}</dt>
            <dd data-testid="takedown-removed-at">{formatUtc(t.removedConfirmedAt)}</dd>
          </>
        )}
        {t.timeToRemovalHours !== null && (
          <>
            <dt>{WB.takedownRemovalTime}</dt>
            <dd data-testid="takedown-removal-time">{formatHours(t.timeToRemovalHours)}</dd>
          </>
        )}
        <dt>{WB.takedownBucket}</dt>
        <dd>
          <span className="wb-badge wb-badge--bucket" data-testid="takedown-bucket">
            {labelOf(REMOVAL_BUCKET_LABELS, t.removalBucket)}
          </span>
        </dd>
        {t.nextCheckAt && t.status === 'notice_sent' && (
          <>
            <dt>{WB.takedownNextCheck}</dt>
            <dd>{formatUtc(t.nextCheckAt)}</dd>
          </>
        )}
      </dl>
      <h4 className="wb-subhead">{WB.takedownChecks}</h4>
      {t.checks.length === 0 ? (
        <p className="wb-muted">{WB.takedownNoChecks}</p>
      ) : (
        <ol className="wb-checks-list" data-testid="takedown-checks">
          {t.checks.map((c) => (
            <li key={c.checkedAt} data-testid="takedown-check" data-result={c.result}>
              {fill(WB.checkRow, {
                when: formatUtc(c.checkedAt, true),
                result: labelOf(CHECK_RESULT_LABELS, c.result),
              })}
              {c.detail && <span className="wb-muted"> ({c.detail.replace(/_/g, ' ')})</span>}
            </li>
          ))}
        </ol>
      )}
      {checkable && (
        <button type="button" onClick={() => void check()} disabled={checking} data-testid="check-now">
          {checking ? WB.checking : WB.checkNow}
        </button>
      )}
      {outcome && <ActionOutcome outcome={outcome} testId="check-outcome" focus={!checkable} />}
    </li>
  );
}
