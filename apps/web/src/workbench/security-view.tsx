import { useState, type FormEvent } from 'react';
import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import type { SecurityAlert } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import { WB, fill, formatNumber, formatUtc } from './workbench-messages.js';

/** The security page: the analyst's own two-step sign-in, and for seniors and admins the probing alerts. */
export function SecurityView() {
  const { session } = useWorkbench();
  const role = session.analyst.role;
  return (
    <>
      <TotpCard />
      {(role === 'senior_analyst' || role === 'admin') && <ProbingAlerts />}
    </>
  );
}

/**
 * Probing alerts on verdict-only API keys (issue 15): which key, what was seen, when, and whether
 * it is suspended; a senior analyst or admin lifts a suspension with a reason (audited).
 */
function ProbingAlerts() {
  const { api } = useWorkbench();
  const alerts = useLoad(() => api.securityAlerts(), 'alerts');
  const [lifting, setLifting] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const lift = async (event: FormEvent, alert: SecurityAlert) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      alerts.replace(await api.liftSuspension(alert.keyId, reason.trim()));
      setDone(fill(WB.alertsLiftDone, { key: alert.keyName ?? alert.keyId }));
      setLifting(null);
      setReason('');
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const items = alerts.data?.items ?? [];
  return (
    <section aria-labelledby="alerts-title" className="wb-card" data-testid="probing-alerts">
      <h2 id="alerts-title">{WB.alertsTitle}</h2>
      <p className="wb-muted">{WB.alertsIntro}</p>
      {alerts.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(alerts.error)}
        </p>
      )}
      {done && (
        <p className="wb-ok" role="status">
          {done}
        </p>
      )}
      {alerts.data && items.length === 0 && <p>{WB.alertsEmpty}</p>}
      {items.length > 0 && (
        <div className="wb-table-wrap">
          <table className="wb-table" data-testid="alerts-table">
            <thead>
              <tr>
                <th scope="col">{WB.colTime}</th>
                <th scope="col">{WB.alertsColKey}</th>
                <th scope="col">{WB.alertsColRule}</th>
                <th scope="col">{WB.alertsColQueries}</th>
                <th scope="col">{WB.alertsColState}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((alert) => (
                <tr key={alert.seq} data-testid="alert-row" data-key={alert.keyId}>
                  <td>{formatUtc(alert.at)}</td>
                  <td>
                    {alert.keyName ?? WB.alertsKeyGone} <code>{alert.keyId}</code>
                  </td>
                  <td>{alert.rule === 'threshold_edge' ? WB.alertsRuleEdge : WB.alertsRuleCluster}</td>
                  <td>{formatNumber(alert.queries)}</td>
                  <td data-testid="alert-state" data-suspended={alert.suspendedNow}>
                    {alert.suspendedNow
                      ? WB.alertsSuspended
                      : alert.liftedAt
                        ? fill(WB.alertsLifted, { time: formatUtc(alert.liftedAt) })
                        : alert.suspended
                          ? WB.alertsSuspended
                          : WB.alertsNotSuspended}
                    {alert.suspendedNow && lifting !== alert.keyId && (
                      <button
                        type="button"
                        className="wb-small"
                        onClick={() => {
                          setLifting(alert.keyId);
                          setDone(null);
                        }}
                      >
                        {WB.alertsLift}
                      </button>
                    )}
                    {alert.suspendedNow && lifting === alert.keyId && (
                      <form onSubmit={(event) => void lift(event, alert)}>
                        <label className="wb-field">
                          <span>{WB.alertsLiftReason}</span>
                          <textarea
                            required
                            maxLength={500}
                            value={reason}
                            onChange={(e) => setReason(e.target.value)}
                          />
                        </label>
                        <button type="submit" className="wb-primary" disabled={busy || reason.trim() === ''}>
                          {WB.alertsLiftConfirm}
                        </button>
                        <button type="button" onClick={() => setLifting(null)} disabled={busy}>
                          {WB.alertsLiftCancel}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error && (
        <p className="wb-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** TOTP enrolment: the secret as text (no QR library), then a first code to confirm. */
function TotpCard() {
  const { api, session } = useWorkbench();
  const [enabled, setEnabled] = useState(session.analyst.totpEnabled);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      setEnrolment(await api.startTotp());
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.confirmTotp(code.trim());
      setEnabled(true);
      setEnrolment(null);
      setDone(true);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="security-title" className="wb-card wb-narrow">
      <h1 id="security-title" tabIndex={-1}>
        {WB.securityTitle}
      </h1>
      <p data-testid="totp-state" data-enabled={enabled}>
        {enabled ? WB.totpOn : WB.totpOff}
      </p>
      {done && (
        <p className="wb-ok" role="status">
          {WB.totpConfirmed}
        </p>
      )}
      {!enrolment && (
        <button type="button" onClick={() => void start()} disabled={busy}>
          {WB.totpStart}
        </button>
      )}
      {enrolment && (
        <form onSubmit={confirm}>
          <p>{WB.totpInstructions}</p>
          <dl className="wb-facts">
            <dt>{WB.totpSecret}</dt>
            <dd>
              <code className="wb-secret" data-testid="totp-secret">
                {enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')}
              </code>
            </dd>
            <dt>{WB.totpUrl}</dt>
            <dd>
              <code className="wb-url-text" data-testid="totp-url">
                {enrolment.otpauthUrl}
              </code>
            </dd>
          </dl>
          <label className="wb-field wb-field--short">
            <span>{WB.totpCode}</span>
            <input
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <button type="submit" className="wb-primary" disabled={busy}>
            {WB.totpConfirm}
          </button>
        </form>
      )}
      {error && (
        <p className="wb-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
