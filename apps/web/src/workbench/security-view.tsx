import { useState, type FormEvent } from 'react';
import { errorMessage } from './sign-in-view.js';
import { useWorkbench } from './workbench-context.js';
import { WB } from './workbench-messages.js';

/** TOTP enrolment: the secret as text (no QR library), then a first code to confirm. */
export function SecurityView() {
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
