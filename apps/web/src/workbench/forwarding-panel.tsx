// The "Forwarding" section of a report (issue #5 part 1 and 2): where the routing rules send the
// case and why, the referral records with their status and the recipient's reference, the
// referral package downloads, and sending the case to a partner hotline's exchange API.
import { useId, useState, type FormEvent } from 'react';
import { ActionOutcome, type Outcome } from './action-outcome.js';
import { forwardingErrorMessage } from './forwarding-errors.js';
import { useLoad, type Loaded } from './use-load.js';
import {
  REFERRAL_STATUSES,
  packageUrl,
  type OutgoingExchange,
  type PartnerChoice,
  type PlanItem,
  type ReferPlanItem,
  type Referral,
  type ReferralPlanView,
  type ReferralStatus,
  type ReportUrl,
} from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import {
  DELIVERY_LABELS,
  EXCHANGE_STATUS_LABELS,
  REFERRAL_BASIS_LABELS,
  REFERRAL_STATUS_LABELS,
  REFERRAL_TARGET_LABELS,
  VIA_LABELS,
  WB,
  fill,
  formatUtc,
  labelOf,
} from './workbench-messages.js';

/** "#12 (host.example)" for each URL id, so the analyst sees which URLs a step is about. */
export function urlRefs(ids: readonly number[], urls: readonly ReportUrl[]): string {
  return ids
    .map((id) => {
      const url = urls.find((u) => u.id === id);
      return url ? `#${urlNumber(id, urls)} (${hostOf(url.url)})` : `#${urlNumber(id, urls)}`;
    })
    .join(', ');
}

/**
 * How a URL is numbered on its report's page: its place in the report (1, 2, ...), not its id in
 * the database, so a report with one URL never speaks of "URL #2". An id not on the page keeps
 * its id (never happens for a plan built from the same report).
 */
export function urlNumber(id: number, urls: readonly ReportUrl[]): number {
  const index = urls.findIndex((u) => u.id === id);
  return index === -1 ? id : index + 1;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * The forwarding section. `plan` is the report view's load of the referral plan (shared with the
 * takedown section); `onChanged` reloads it after a change, so the report's status follows.
 */
export function ForwardingPanel({
  reportId,
  urls,
  plan,
  onChanged,
}: {
  reportId: string;
  urls: readonly ReportUrl[];
  plan: Loaded<ReferralPlanView>;
  onChanged: () => void;
}) {
  const { api } = useWorkbench();
  const partners = useLoad(() => api.exchangePartners(), 'partners');
  const exchanges = useLoad(() => api.exchanges(reportId), reportId);
  const [creating, setCreating] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const view = plan.data;
  const referItems = (view?.plan ?? []).filter((p): p is ReferPlanItem => p.action === 'refer');
  const unrecorded = referItems.filter(
    (item) =>
      !view?.referrals.some((r) => r.target === item.target && r.targetCountry === item.targetCountry),
  );

  const create = async () => {
    setCreating(true);
    setOutcome(null);
    try {
      const result = await api.createReferrals(reportId);
      setOutcome({
        text:
          result.created.length > 0
            ? fill(WB.referralsCreated, { n: result.created.length })
            : WB.referralsNoneNew,
        error: false,
      });
      onChanged();
    } catch (error) {
      setOutcome({ text: forwardingErrorMessage(error), error: true });
    } finally {
      setCreating(false);
    }
  };

  const replaceReferral = (updated: Referral) => {
    if (!view) return;
    plan.replace({ ...view, referrals: view.referrals.map((r) => (r.id === updated.id ? updated : r)) });
  };

  return (
    <section aria-labelledby="forwarding-title" className="wb-card" data-testid="forwarding">
      <h2 id="forwarding-title">{WB.forwardingTitle}</h2>
      <p className="wb-muted">{WB.forwardingIntro}</p>
      {plan.error != null && (
        <p className="wb-error" role="alert">
          {forwardingErrorMessage(plan.error)}
        </p>
      )}
      {!view && plan.loading && <p>{WB.loading}</p>}
      {view && (
        <>
          <h3>{WB.planTitle}</h3>
          {view.plan.length === 0 ? (
            <p data-testid="plan-empty">{WB.planEmpty}</p>
          ) : (
            <ul className="wb-plan" data-testid="referral-plan">
              {view.plan.map((item, i) => (
                <PlanRow key={`${item.action}-${i}`} item={item} urls={urls} referrals={view.referrals} />
              ))}
            </ul>
          )}
          <p className="wb-muted wb-hint">{WB.actionableHint}</p>
          <div className="wb-actions">
            <button
              type="button"
              className="wb-primary"
              onClick={() => void create()}
              disabled={creating || unrecorded.length === 0}
              data-testid="create-referrals"
            >
              {creating ? WB.creatingReferrals : WB.createReferrals}
            </button>
          </div>
          {outcome && <ActionOutcome outcome={outcome} testId="referrals-outcome" focus />}

          <h3>{WB.referralsTitle}</h3>
          {view.referrals.length === 0 ? (
            <p className="wb-muted">{WB.referralsEmpty}</p>
          ) : (
            <ul className="wb-referrals" data-testid="referrals">
              {view.referrals.map((referral) => (
                <ReferralRow
                  key={referral.id}
                  referral={referral}
                  urls={urls}
                  onSaved={(updated) => {
                    replaceReferral(updated);
                    onChanged();
                  }}
                />
              ))}
            </ul>
          )}

          <PartnerExchange
            reportId={reportId}
            referItems={referItems}
            partners={partners.data?.items ?? []}
            partnersError={partners.error}
            exchanges={exchanges}
            onSent={() => {
              exchanges.reload();
              onChanged();
            }}
          />

          <h3>{WB.packageTitle}</h3>
          <p className="wb-muted">{WB.packageIntro}</p>
          <div className="wb-actions">
            <a
              className="wb-button-link"
              href={packageUrl(reportId, 'json')}
              download
              data-testid="package-json"
            >
              {WB.packageJson}
            </a>
            <a
              className="wb-button-link"
              href={packageUrl(reportId, 'pdf')}
              download
              data-testid="package-pdf"
            >
              {WB.packagePdf}
            </a>
          </div>
        </>
      )}
    </section>
  );
}

/** One step of the plan, with its reason in words. */
function PlanRow({
  item,
  urls,
  referrals,
}: {
  item: PlanItem;
  urls: readonly ReportUrl[];
  referrals: readonly Referral[];
}) {
  if (item.action === 'needs_manual_trace') {
    return (
      <li className="wb-plan-item wb-plan-item--trace" data-testid="plan-item" data-action={item.action}>
        <strong className="wb-badge wb-badge--warn">{WB.planManualTrace}</strong>{' '}
        <span>{fill(WB.planManualTraceText, { ids: urlRefs(item.urlIds, urls) })}</span>
      </li>
    );
  }
  if (item.action === 'takedown') {
    return (
      <li className="wb-plan-item" data-testid="plan-item" data-action={item.action} data-via={item.via}>
        <span>
          {fill(WB.planTakedown, {
            id: urlNumber(item.urlId, urls),
            country: item.country,
            via: labelOf(VIA_LABELS, item.via),
          })}
        </span>
        {item.hostingNetwork && (
          <span className="wb-muted">
            {' '}
            · {fill(WB.planTakedownNetwork, { network: item.hostingNetwork })}
          </span>
        )}
      </li>
    );
  }
  const recorded = referrals.some((r) => r.target === item.target && r.targetCountry === item.targetCountry);
  return (
    <li
      className="wb-plan-item"
      data-testid="plan-item"
      data-action={item.action}
      data-target={item.target}
      data-country={item.targetCountry}
    >
      <div className="wb-plan-head">
        <strong>{fill(WB.planRefer, { target: item.targetName, country: item.targetCountry })}</strong>
        <span className="wb-badge">{labelOf(REFERRAL_TARGET_LABELS, item.target)}</span>
        <ActionableBadge actionable={item.actionable} />
        <span className={recorded ? 'wb-ok' : 'wb-muted'}>
          {recorded ? WB.planRecorded : WB.planNotRecorded}
        </span>
      </div>
      <dl className="wb-facts wb-facts--inline">
        <dt>{WB.planWhy}</dt>
        <dd data-testid="plan-basis">{labelOf(REFERRAL_BASIS_LABELS, item.basis)}</dd>
        <dt>{WB.planHostedIn}</dt>
        <dd>{item.hostingCountries.join(', ')}</dd>
        <dt>{WB.planUrls}</dt>
        <dd>{urlRefs(item.urlIds, urls)}</dd>
        <dt>{WB.planDelivery}</dt>
        <dd>{labelOf(DELIVERY_LABELS, item.delivery)}</dd>
      </dl>
    </li>
  );
}

function ActionableBadge({ actionable }: { actionable: string }) {
  return (
    <span
      className={`wb-badge wb-badge--${actionable === 'referral' ? 'referral' : 'informational'}`}
      data-testid="actionable"
      data-actionable={actionable}
    >
      {actionable === 'referral' ? WB.referralLabel : WB.informationalLabel}
    </span>
  );
}

/** One referral record: its status and the recipient's reference, editable. */
function ReferralRow({
  referral,
  urls,
  onSaved,
}: {
  referral: Referral;
  urls: readonly ReportUrl[];
  onSaved: (updated: Referral) => void;
}) {
  const { api } = useWorkbench();
  const id = useId();
  const [status, setStatus] = useState<ReferralStatus>(referral.status);
  const [externalRef, setExternalRef] = useState(referral.externalRef ?? '');
  // The record can change elsewhere (a partner's receipt after "Send to"): follow it. React's
  // "adjust state when a prop changes" pattern, during render, not in an effect.
  const [shown, setShown] = useState(referral.updatedAt);
  if (shown !== referral.updatedAt) {
    setShown(referral.updatedAt);
    setStatus(referral.status);
    setExternalRef(referral.externalRef ?? '');
  }
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const target = `${referral.targetName} (${referral.targetCountry})`;
  const changed = status !== referral.status || externalRef.trim() !== (referral.externalRef ?? '');

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setOutcome(null);
    try {
      const ref = externalRef.trim();
      const updated = await api.updateReferral(referral.id, {
        ...(status !== referral.status ? { status } : {}),
        ...(ref !== (referral.externalRef ?? '') ? { externalRef: ref === '' ? null : ref } : {}),
      });
      setStatus(updated.status);
      setExternalRef(updated.externalRef ?? '');
      setOutcome({ text: fill(WB.referralSaved, { target }), error: false });
      onSaved(updated);
    } catch (error) {
      setOutcome({ text: forwardingErrorMessage(error), error: true });
    } finally {
      setSaving(false);
    }
  };

  return (
    <li
      className="wb-referral"
      data-testid="referral"
      data-referral-id={referral.id}
      data-target={referral.target}
      data-status={referral.status}
    >
      <div className="wb-plan-head">
        <strong>{target}</strong>
        <span className="wb-badge">{labelOf(REFERRAL_TARGET_LABELS, referral.target)}</span>
        <ActionableBadge actionable={referral.actionable} />
      </div>
      <dl className="wb-facts wb-facts--inline">
        <dt>{WB.colBasis}</dt>
        <dd>{labelOf(REFERRAL_BASIS_LABELS, referral.basis)}</dd>
        <dt>{WB.colUrls}</dt>
        <dd>{urlRefs(referral.urlIds, urls)}</dd>
        <dt>{WB.colSentAt}</dt>
        <dd data-testid="referral-sent-at">{referral.sentAt ? formatUtc(referral.sentAt) : WB.notYet}</dd>
      </dl>
      <form className="wb-inline-form" onSubmit={(e) => void save(e)}>
        <div className="wb-field wb-field--short">
          <label htmlFor={`${id}-status`}>{WB.colStatus}</label>
          <select
            id={`${id}-status`}
            value={status}
            aria-label={fill(WB.referralStatusOf, { target })}
            onChange={(e) => setStatus(e.target.value as ReferralStatus)}
          >
            {REFERRAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {labelOf(REFERRAL_STATUS_LABELS, s)}
              </option>
            ))}
          </select>
        </div>
        <div className="wb-field">
          <label htmlFor={`${id}-ref`}>{WB.colExternalRef}</label>
          <input
            id={`${id}-ref`}
            type="text"
            value={externalRef}
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
            aria-label={fill(WB.referralRefOf, { target })}
            aria-describedby={`${id}-ref-hint`}
            onChange={(e) => setExternalRef(e.target.value)}
          />
          <small id={`${id}-ref-hint`} className="wb-muted">
            {WB.referralRefHint}
          </small>
        </div>
        <button type="submit" disabled={saving || !changed}>
          {saving ? WB.saving : WB.save}
        </button>
      </form>
      {outcome && <ActionOutcome outcome={outcome} testId="referral-outcome" />}
    </li>
  );
}

/**
 * Sending the case to partner hotlines: one button per partner hotline the plan refers to that
 * has an exchange API, and every exchange of the report with its outcome.
 */
function PartnerExchange({
  reportId,
  referItems,
  partners,
  partnersError,
  exchanges,
  onSent,
}: {
  reportId: string;
  referItems: readonly ReferPlanItem[];
  partners: readonly PartnerChoice[];
  partnersError: unknown;
  exchanges: Loaded<{ items: OutgoingExchange[] }>;
  onSent: () => void;
}) {
  const { api } = useWorkbench();
  const [sending, setSending] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const hotlineItems = referItems.filter((item) => item.target === 'inhope_hotline_via_iccam');
  const sent = exchanges.data?.items ?? [];
  if (hotlineItems.length === 0 && sent.length === 0) return null;

  const send = async (partner: PartnerChoice) => {
    setSending(partner.country);
    setOutcome(null);
    try {
      const result = await api.forwardToPartner(reportId, partner.country);
      setOutcome({
        text: fill(WB.exchangeDelivered, {
          partner: result.partner.name,
          receipt: result.receiptReference ?? WB.notYet,
        }),
        error: false,
      });
    } catch (error) {
      setOutcome({ text: forwardingErrorMessage(error), error: true });
    } finally {
      setSending(null);
      // A failed send is recorded too: show it in the list either way.
      onSent();
    }
  };

  return (
    <div data-testid="partner-exchange">
      <h3>{WB.exchangeTitle}</h3>
      {partnersError != null && (
        <p className="wb-error" role="alert">
          {forwardingErrorMessage(partnersError)}
        </p>
      )}
      <div className="wb-actions">
        {hotlineItems.map((item) => {
          const partner = partners.find((p) => p.country === item.targetCountry);
          if (!partner) return null;
          if (!partner.exchangeApi)
            return (
              <p key={item.targetCountry} className="wb-muted">
                {fill(WB.exchangeNoApi, { partner: partner.name })}
              </p>
            );
          return (
            <button
              key={item.targetCountry}
              type="button"
              onClick={() => void send(partner)}
              disabled={sending !== null}
              data-testid="send-to-partner"
              data-partner={partner.country}
            >
              {sending === partner.country
                ? WB.sendingToPartner
                : fill(WB.sendToPartner, { partner: partner.name })}
            </button>
          );
        })}
      </div>
      {outcome && <ActionOutcome outcome={outcome} testId="exchange-outcome" />}
      {sent.length > 0 && (
        <ul className="wb-exchanges" data-testid="exchanges">
          {sent.map((e) => (
            <li
              key={e.exchangeId}
              data-testid="exchange"
              data-status={e.status}
              data-partner={e.partner.country}
            >
              <strong>
                {fill(WB.exchangeRow, {
                  partner: e.partner.name,
                  country: e.partner.country,
                  status: labelOf(EXCHANGE_STATUS_LABELS, e.status),
                })}
              </strong>
              {e.receiptReference && <> · {fill(WB.exchangeReceipt, { receipt: e.receiptReference })}</>}
              {' · '}
              {fill(WB.exchangeCarried, { urls: e.urlCount, media: e.mediaCount })}
              {' · '}
              <span className="wb-muted">{formatUtc(e.deliveredAt ?? e.updatedAt)}</span>
              {e.lastError && (
                <span className="wb-error-text"> · {fill(WB.exchangeError, { error: e.lastError })}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
