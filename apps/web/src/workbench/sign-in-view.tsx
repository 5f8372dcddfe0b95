import { useRef, useState, type FormEvent } from 'react';
import { ApiError, type Session, type WorkbenchApi } from './workbench-api.js';
import { WB, fill } from './workbench-messages.js';

/** A readable message for a failed call (the stable codes the workbench knows). */
export function errorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return fill(WB.errGeneric, { code: 'NETWORK' });
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return WB.errInvalidCredentials;
    case 'TOTP_REQUIRED':
      return WB.errTotpRequired;
    case 'TOTP_INVALID':
      return WB.errTotpInvalid;
    case 'RATE_LIMITED':
      return WB.errRateLimited;
    case 'SESSION_REQUIRED':
      return WB.errSessionLost;
    case 'ROLE_REQUIRED':
      return WB.errForbidden;
    case 'ALREADY_ASSESSED':
      return WB.errAlreadyAssessed;
    case 'USERNAME_TAKEN':
      return WB.errUsernameTaken;
    case 'HASH_EXCHANGE_RUNNING':
      return WB.errExchangeRunning;
    case 'HASH_EXCHANGE_PAUSED':
      return WB.errExchangePaused;
    case 'VALIDATION_FAILED':
      return fill(WB.errValidation, { detail: error.detail ?? error.code });
    default:
      return fill(WB.errGeneric, { code: error.code });
  }
}

/** Username and password; a one-time code field appears when the account needs one. */
export function SignInView({
  api,
  notice,
  onSignedIn,
}: {
  api: WorkbenchApi;
  notice: string | null;
  onSignedIn: (session: Session) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const totpInput = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(username.trim(), password, needTotp ? totp.trim() : undefined));
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'TOTP_REQUIRED') {
        setNeedTotp(true);
        // Focus the new field once it is rendered.
        queueMicrotask(() => totpInput.current?.focus());
      }
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="wb-signin">
      <form className="wb-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">{WB.signInTitle}</h1>
        <p className="wb-muted">{WB.signInIntro}</p>
        {notice && (
          <p className="wb-notice" role="status">
            {notice}
          </p>
        )}
        <label className="wb-field">
          <span>{WB.username}</span>
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="wb-field">
          <span>{WB.password}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {needTotp && (
          <label className="wb-field">
            <span>{WB.totpCode}</span>
            <input
              ref={totpInput}
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              required
              aria-describedby="totp-hint"
              value={totp}
              onChange={(e) => setTotp(e.target.value)}
            />
            <small id="totp-hint" className="wb-muted">
              {WB.totpHint}
            </small>
          </label>
        )}
        {error && (
          <p className="wb-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button type="submit" className="wb-primary" disabled={busy}>
          {busy ? WB.signingIn : WB.signIn}
        </button>
      </form>
    </main>
  );
}
