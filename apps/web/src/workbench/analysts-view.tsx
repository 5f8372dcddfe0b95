import { useState, type FormEvent } from 'react';
import { hrefOf } from './hash-route.js';
import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import { useWorkbench } from './workbench-context.js';
import { ROLE_LABELS, WB, fill } from './workbench-messages.js';
import { ANALYST_ROLES, type AnalystRole } from './workbench-vocabulary.js';

/**
 * Staff: who they are, whether they use two-step sign-in, today's exposure, and a raise of
 * another analyst's limit for today. Senior analysts see their team here; only admins create
 * accounts.
 */
export function AnalystsView() {
  const { api, session } = useWorkbench();
  const isAdmin = session.analyst.role === 'admin';
  const list = useLoad(() => api.analysts(), 'analysts');
  const limit = session.exposure.dailyLimit;
  return (
    <section aria-labelledby="analysts-title">
      <div className="wb-titlebar">
        <h1 id="analysts-title" tabIndex={-1}>
          {WB.analystsTitle}
        </h1>
        <button type="button" className="wb-small" onClick={list.reload} disabled={list.loading}>
          {WB.refresh}
        </button>
      </div>
      {!isAdmin && <p data-testid="team-intro">{WB.analystsTeamIntro}</p>}
      <p>
        <a href={hrefOf({ page: 'exposure' })}>{WB.exposureTitle}</a>
      </p>
      {list.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(list.error)}
        </p>
      )}
      {list.data && (
        <div className="wb-table-wrap">
          <table className="wb-table" data-testid="analysts-table">
            <caption className="visually-hidden">{WB.analystsTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{WB.colUsername}</th>
                <th scope="col">{WB.colName}</th>
                <th scope="col">{WB.colRole}</th>
                <th scope="col">{WB.colTotp}</th>
                <th scope="col">{WB.colExposure}</th>
                <th scope="col">{WB.colState}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => (
                <tr key={a.id} data-username={a.username}>
                  <td>{a.username}</td>
                  <td>{a.displayName}</td>
                  <td>{ROLE_LABELS[a.role] ?? a.role}</td>
                  <td>{a.totpEnabled ? WB.yes : WB.no}</td>
                  <td
                    className={a.exposureToday >= (a.dailyLimit ?? limit) ? 'wb-error-text' : undefined}
                    data-testid="exposure-today"
                  >
                    {a.exposureToday} / {a.dailyLimit ?? limit}
                    {a.id !== session.analyst.id && <RaiseLimit analystId={a.id} onRaised={list.reload} />}
                  </td>
                  <td>{a.disabled ? WB.disabled : WB.active}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {isAdmin && <CreateAnalyst onCreated={list.reload} />}
    </section>
  );
}

function CreateAnalyst({ onCreated }: { onCreated: () => void }) {
  const { api } = useWorkbench();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<AnalystRole>('analyst');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const created = await api.createAnalyst({
        username: username.trim(),
        displayName: displayName.trim(),
        role,
        password,
      });
      setMessage({ text: fill(WB.created, { username: created.username }), error: false });
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRole('analyst');
      onCreated();
    } catch (caught) {
      setMessage({ text: errorMessage(caught), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="wb-card wb-narrow" onSubmit={submit} aria-labelledby="create-analyst-title">
      <h2 id="create-analyst-title">{WB.createAnalystTitle}</h2>
      <label className="wb-field">
        <span>{WB.username}</span>
        <input
          value={username}
          required
          autoComplete="off"
          pattern="[a-z0-9._\-]{2,64}"
          onChange={(e) => setUsername(e.target.value.toLowerCase())}
        />
      </label>
      <label className="wb-field">
        <span>{WB.displayName}</span>
        <input
          value={displayName}
          required
          autoComplete="off"
          onChange={(e) => setDisplayName(e.target.value)}
        />
      </label>
      <label className="wb-field">
        <span>{WB.role}</span>
        <select value={role} onChange={(e) => setRole(e.target.value as AnalystRole)}>
          {ANALYST_ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      <label className="wb-field">
        <span>{WB.initialPassword}</span>
        <input
          type="password"
          value={password}
          required
          minLength={12}
          autoComplete="new-password"
          aria-describedby="initial-password-hint"
          onChange={(e) => setPassword(e.target.value)}
        />
        <small id="initial-password-hint" className="wb-muted">
          {WB.initialPasswordHint}
        </small>
      </label>
      {message && (
        <p className={message.error ? 'wb-error' : 'wb-ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      <button type="submit" className="wb-primary" disabled={busy}>
        {WB.create}
      </button>
    </form>
  );
}

/**
 * A supervisor's raise of one analyst's limit for today (issue 17): how many more reveals and why.
 * The server audits it and refuses a raise of one's own limit.
 */
function RaiseLimit({ analystId, onRaised }: { analystId: string; onRaised: () => void }) {
  const { api } = useWorkbench();
  const [extra, setExtra] = useState('10');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.raiseExposureLimit(analystId, Number(extra), reason);
      setReason('');
      onRaised();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="wb-raise" data-testid="raise-limit">
      <summary>{WB.raiseLimit}</summary>
      <form onSubmit={submit}>
        <label className="wb-field wb-field--short">
          <span>{WB.raiseExtra}</span>
          <input type="number" min={1} max={1000} value={extra} onChange={(e) => setExtra(e.target.value)} />
        </label>
        <label className="wb-field">
          <span>{WB.raiseReason}</span>
          <input value={reason} minLength={10} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {WB.raiseSubmit}
        </button>
        {error && (
          <p className="wb-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}
