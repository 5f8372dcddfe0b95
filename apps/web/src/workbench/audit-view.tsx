import { useState, type FormEvent } from 'react';
import { errorMessage } from './sign-in-view.js';
import { useLoad } from './use-load.js';
import type { AuditPage, AuditRow, AuditVerification } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import { WB, fill, formatUtc } from './workbench-messages.js';

/** Rows per page of the audit log. */
const PAGE_SIZE = 100;

/** The audit log (admin): filters, pages in sequence order, and the hash chain's verification. */
export function AuditView() {
  const { api } = useWorkbench();
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [filters, setFilters] = useState({ actor: '', action: '' });
  const [more, setMore] = useState<AuditRow[]>([]);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [exhausted, setExhausted] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const first = useLoad(
    () => api.audit({ limit: PAGE_SIZE, ...filters }),
    `${filters.actor}\u0000${filters.action}`,
  );
  const [latest, setLatest] = useState<AuditVerification | null>(null);
  const rows = [...(first.data?.items ?? []), ...more];
  const verified = latest ?? first.data?.verified ?? null;
  const actions = [...new Set(rows.map((row) => row.action))].sort();

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setMore([]);
    setExhausted(false);
    setLatest(null);
    setFilters({ actor: actor.trim(), action });
  };

  const reload = () => {
    setMore([]);
    setExhausted(false);
    setLatest(null);
    first.reload();
  };

  const loadMore = async () => {
    const last = rows.at(-1);
    if (!last) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page: AuditPage = await api.audit({ afterSeq: last.seq, limit: PAGE_SIZE, ...filters });
      setMore((list) => [...list, ...page.items]);
      setLatest(page.verified);
      if (page.items.length < PAGE_SIZE) setExhausted(true);
    } catch (caught) {
      setMoreError(errorMessage(caught));
    } finally {
      setLoadingMore(false);
    }
  };

  const canLoadMore = !exhausted && (first.data?.items.length ?? 0) >= PAGE_SIZE;

  return (
    <section aria-labelledby="audit-title">
      <div className="wb-titlebar">
        <h1 id="audit-title" tabIndex={-1}>
          {WB.auditTitle}
        </h1>
        <button type="button" className="wb-small" onClick={reload} disabled={first.loading}>
          {WB.refresh}
        </button>
      </div>
      {verified && <ChainStatus verified={verified} />}
      <form className="wb-filters" onSubmit={apply}>
        <label className="wb-field">
          <span>{WB.auditFilterActor}</span>
          <input value={actor} autoComplete="off" onChange={(e) => setActor(e.target.value)} />
        </label>
        <label className="wb-field">
          <span>{WB.auditFilterAction}</span>
          <input
            value={action}
            autoComplete="off"
            list="audit-actions"
            placeholder={WB.auditAnyAction}
            onChange={(e) => setAction(e.target.value.trim())}
          />
          {/* Suggestions from the rows loaded: the server's list of actions grows with features. */}
          <datalist id="audit-actions">
            {actions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <button type="submit">{WB.auditApply}</button>
      </form>
      {first.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(first.error)}
        </p>
      )}
      {first.loading && !first.data && <p>{WB.loading}</p>}
      {first.data && rows.length === 0 && <p>{WB.auditEmpty}</p>}
      {rows.length > 0 && (
        <div className="wb-table-wrap">
          <table className="wb-table" data-testid="audit-table">
            <caption className="visually-hidden">{WB.auditTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{WB.colSeq}</th>
                <th scope="col">{WB.colTime}</th>
                <th scope="col">{WB.colActor}</th>
                <th scope="col">{WB.colAction}</th>
                <th scope="col">{WB.colSubject}</th>
                <th scope="col">{WB.colDetails}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.seq}
                  data-seq={row.seq}
                  className={verified?.firstBadSeq === row.seq ? 'wb-row--bad' : undefined}
                >
                  <td>{row.seq}</td>
                  <td>{formatUtc(row.at, true)}</td>
                  <td title={row.actor ?? undefined}>{row.actorName ?? row.actor ?? WB.anonymous}</td>
                  <td>{row.action}</td>
                  <td>
                    {row.subjectType} {row.subjectId}
                  </td>
                  <td>
                    <code className="wb-details">{detailsText(row.details)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {moreError && (
        <p className="wb-error" role="alert">
          {moreError}
        </p>
      )}
      {canLoadMore && (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {WB.auditMore}
        </button>
      )}
    </section>
  );
}

/** "key=value, …" of an audit row's details (small facts only, by construction). */
function detailsText(details: AuditRow['details']): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${value === null ? 'null' : String(value)}`)
    .join(', ');
}

/** The chain's state: green when verified, red with the first bad row when not. */
function ChainStatus({ verified }: { verified: AuditVerification }) {
  return verified.ok ? (
    <p className="wb-chain wb-chain--ok" role="status" data-testid="audit-chain" data-ok="true">
      {fill(WB.auditVerified, { n: verified.checked })}
    </p>
  ) : (
    <p
      className="wb-chain wb-chain--broken"
      role="alert"
      data-testid="audit-chain"
      data-ok="false"
      data-first-bad-seq={verified.firstBadSeq ?? ''}
    >
      {fill(WB.auditBroken, { seq: verified.firstBadSeq ?? '?', problem: verified.problem ?? '' })}
    </p>
  );
}
