import { useCallback, useEffect, useMemo, useState } from 'react';
import { StatisticsDashboard } from '../statistics/index.js';
import { AnalystsView } from './analysts-view.js';
import { AuditView } from './audit-view.js';
import { breakRunDue } from './break-reminder.js';
import { ExposureView } from './exposure-view.js';
import { hrefOf, useRoute, type Route } from './hash-route.js';
import { QueueView } from './queue-view.js';
import { ReportView } from './report-view.js';
import { SecurityView } from './security-view.js';
import { HashExchangesView } from './hash-exchanges-view.js';
import { SignInView, errorMessage } from './sign-in-view.js';
import { WorkbenchApi, type Exposure, type Session } from './workbench-api.js';
import { WorkbenchContext, atLimit, atWarning, type WorkbenchContextValue } from './workbench-context.js';
import { LANGUAGES, initialLanguage, isLanguage, type Language } from '../shared/language.js';
import { ROLE_LABELS, WB, fill, setWorkbenchLanguage } from './workbench-messages.js';

/** Minutes of work after which the page reminds the analyst to take a break (IWF: hourly breaks). */
const BREAK_AFTER_MINUTES = 60;

/** The names of the languages, each in its own language (a switch must be readable by whoever needs it). */
const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  nl: 'Nederlands',
  fr: 'Français',
  de: 'Deutsch',
  en: 'English',
};

/**
 * The workbench: sign-in, then the signed-in shell. Its language is the analyst's stored choice
 * once signed in; before that `?lang=`, then the browser's; the switch in the header changes it
 * and keeps it with the analyst on the server.
 */
export function WorkbenchApp() {
  const api = useMemo(() => new WorkbenchApi(), []);
  const [language, setLanguage] = useState<Language>(() => {
    const first = initialLanguage(location.search, navigator.languages);
    setWorkbenchLanguage(first);
    return first;
  });
  const [session, setSession] = useState<Session | null>(null);
  const [checked, setChecked] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // The bindings switch before React renders with the new state, so every component reads the
  // new language's words in that render.
  const switchLanguage = useCallback((next: Language) => {
    setWorkbenchLanguage(next);
    setLanguage(next);
  }, []);
  const adopt = useCallback(
    (signedIn: Session | null) => {
      const stored = signedIn?.analyst.language;
      if (isLanguage(stored)) switchLanguage(stored);
      setSession(signedIn);
    },
    [switchLanguage],
  );

  useEffect(() => {
    document.title = WB.appTitle;
  }, [language]);

  useEffect(() => {
    api.onSessionLost = () => {
      setSession(null);
      setNotice(WB.errSessionLost);
    };
    api.currentSession().then(
      (current) => {
        adopt(current);
        setChecked(true);
      },
      (error: unknown) => {
        setLoadError(errorMessage(error));
        setChecked(true);
      },
    );
  }, [api, adopt]);

  const choose = (next: Language) => {
    switchLanguage(next);
    // Kept with the analyst; the page has switched already, a failure only means the next
    // sign-in starts in the former language.
    if (session) void api.setLanguage(next).catch(() => undefined);
  };

  if (!checked) return <p className="wb-loading">{WB.loading}</p>;
  if (loadError && !session)
    return (
      <main className="wb-signin">
        <p className="wb-error" role="alert">
          {loadError}
        </p>
      </main>
    );
  if (!session)
    return (
      <>
        <div className="wb-signin-language">
          <LanguageSwitch language={language} onChange={choose} />
        </div>
        <SignInView
          key={language}
          api={api}
          notice={notice}
          onSignedIn={(signedIn) => {
            setNotice(null);
            adopt(signedIn);
          }}
        />
      </>
    );
  return (
    <Shell
      api={api}
      session={session}
      language={language}
      onLanguage={choose}
      onSignedOut={() => {
        setSession(null);
        setNotice(null);
      }}
    />
  );
}

/** The language switch: a labelled select, each language named in itself. */
function LanguageSwitch({ language, onChange }: { language: Language; onChange: (next: Language) => void }) {
  return (
    <label className="wb-language">
      <span className="visually-hidden">{WB.interfaceLanguage}</span>
      <select
        value={language}
        data-testid="language-switch"
        aria-label={WB.interfaceLanguage}
        onChange={(event) => {
          if (isLanguage(event.target.value)) onChange(event.target.value);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

function Shell({
  api,
  session,
  language,
  onLanguage,
  onSignedOut,
}: {
  api: WorkbenchApi;
  session: Session;
  language: Language;
  onLanguage: (next: Language) => void;
  onSignedOut: () => void;
}) {
  const route = useRoute();
  const [exposure, setExposure] = useState<Exposure>(session.exposure);
  const context = useMemo<WorkbenchContextValue>(
    () => ({ api, session, exposure, setExposure }),
    [api, session, exposure],
  );
  const isAdmin = session.analyst.role === 'admin';
  // Senior analysts look after their team: the analysts page (exposure, raising a limit).
  const isSupervisor = isAdmin || session.analyst.role === 'senior_analyst';

  // Move focus to the new page's heading, so keyboard and screen-reader users start there.
  useEffect(() => {
    document.querySelector<HTMLElement>('#main h1')?.focus();
  }, [route]);

  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    location.hash = '';
    onSignedOut();
  };

  return (
    <WorkbenchContext.Provider value={context}>
      <a
        className="wb-skip"
        href="#main"
        onClick={(event) => {
          // The fragment is the router's: move focus without changing it.
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {WB.skipToContent}
      </a>
      <header className="wb-header">
        <span className="wb-brand">{session.hotlineName ?? WB.brand}</span>
        <nav aria-label={WB.nav} className="wb-nav">
          <NavLink route={{ page: 'queue' }} current={route} label={WB.navQueue} />
          <NavLink route={{ page: 'statistics' }} current={route} label={WB.navStatistics} />
          <NavLink route={{ page: 'exposure' }} current={route} label={WB.navExposure} />
          <NavLink route={{ page: 'security' }} current={route} label={WB.navSecurity} />
          {isAdmin && <NavLink route={{ page: 'audit' }} current={route} label={WB.navAudit} />}
          {isSupervisor && <NavLink route={{ page: 'analysts' }} current={route} label={WB.navAnalysts} />}
          {isAdmin && <NavLink route={{ page: 'exchanges' }} current={route} label={WB.navExchanges} />}
        </nav>
        <ExposureMeter exposure={exposure} />
        <span className="wb-who">
          {fill(WB.signedInAs, {
            name: session.analyst.displayName,
            role: ROLE_LABELS[session.analyst.role] ?? session.analyst.role,
          })}
        </span>
        <LanguageSwitch language={language} onChange={onLanguage} />
        <button type="button" className="wb-small" onClick={() => void signOut()}>
          {WB.signOut}
        </button>
      </header>
      {session.captureLoopbackForTests && (
        <p className="wb-banner wb-banner--warn" role="status" data-testid="loopback-banner">
          {WB.loopbackBanner}
        </p>
      )}
      <ExposureBanner exposure={exposure} />
      <BreakReminder />
      <RevealRunReminder exposure={exposure} />
      {/* A new language remounts the page, so words computed when it loaded are computed again. */}
      <main key={language} id="main" className="wb-main" tabIndex={-1}>
        <Page route={route} isAdmin={isAdmin} isSupervisor={isSupervisor} csrfToken={session.csrfToken} />
      </main>
    </WorkbenchContext.Provider>
  );
}

function Page({
  route,
  isAdmin,
  isSupervisor,
  csrfToken,
}: {
  route: Route;
  isAdmin: boolean;
  isSupervisor: boolean;
  csrfToken: string;
}) {
  switch (route.page) {
    case 'statistics':
      return (
        <div data-testid="statistics-page">
          {/* The dashboard titles itself (h2); the page's h1 takes the focus on navigation. */}
          <h1 id="statistics-title" className="visually-hidden" tabIndex={-1}>
            {WB.statisticsTitle}
          </h1>
          <StatisticsDashboard csrfToken={csrfToken} />
        </div>
      );
    case 'report':
      return <ReportView key={route.reportId} reportId={route.reportId} />;
    case 'security':
      return <SecurityView />;
    case 'audit':
      return isAdmin ? <AuditView /> : <p className="wb-error">{WB.errForbidden}</p>;
    case 'analysts':
      return isSupervisor ? <AnalystsView /> : <p className="wb-error">{WB.errForbidden}</p>;
    case 'exposure':
      return <ExposureView />;
    case 'exchanges':
      return isAdmin ? <HashExchangesView /> : <p className="wb-error">{WB.errForbidden}</p>;
    default:
      return <QueueView />;
  }
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = route.page === current.page || (route.page === 'queue' && current.page === 'report');
  return (
    <a href={hrefOf(route)} aria-current={active ? 'page' : undefined} className="wb-navlink">
      {label}
    </a>
  );
}

/** "Revealed today: n / limit", always visible in the header. */
function ExposureMeter({ exposure }: { exposure: Exposure }) {
  const state = atLimit(exposure) ? 'limit' : atWarning(exposure) ? 'warn' : 'ok';
  return (
    <span
      className={`wb-exposure wb-exposure--${state}`}
      data-testid="exposure"
      data-state={state}
      aria-live="polite"
    >
      {fill(WB.exposure, { today: exposure.today, limit: exposure.dailyLimit })}
    </span>
  );
}

/** The break suggestion at warnAt, and the limit message once revealing is disabled. */
function ExposureBanner({ exposure }: { exposure: Exposure }) {
  if (atLimit(exposure))
    return (
      <p className="wb-banner wb-banner--limit" role="alert" data-testid="exposure-limit">
        {fill(WB.exposureLimit, { limit: exposure.dailyLimit })}
      </p>
    );
  if (atWarning(exposure))
    return (
      <p className="wb-banner wb-banner--warn" role="status" data-testid="exposure-warning">
        {fill(WB.exposureWarn, { today: exposure.today })}
      </p>
    );
  return null;
}

/**
 * After a run of reveals (the deployment's HASHLINE_BREAK_AFTER_REVEALS within
 * HASHLINE_BREAK_WINDOW_MINUTES) a kind suggestion to step away; dismissed by the analyst, it
 * returns only after another full run. It never blocks anything.
 */
function RevealRunReminder({ exposure }: { exposure: Exposure }) {
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  if (!breakRunDue(exposure, dismissedAt)) return null;
  return (
    <div className="wb-banner wb-banner--warn" role="status" data-testid="break-reminder">
      <span>{fill(WB.breakRun, { n: exposure.recent, minutes: exposure.breakWindowMinutes })}</span>
      <button type="button" className="wb-small" onClick={() => setDismissedAt(exposure.today)}>
        {WB.breakTaken}
      </button>
    </div>
  );
}

/** An hourly reminder to step away, dismissed by the analyst (never blocking their work). */
function BreakReminder() {
  const [since, setSince] = useState(() => Date.now());
  const [due, setDue] = useState(false);
  const check = useCallback(() => setDue(Date.now() - since >= BREAK_AFTER_MINUTES * 60_000), [since]);
  useEffect(() => {
    const timer = setInterval(check, 60_000);
    return () => clearInterval(timer);
  }, [check]);
  if (!due) return null;
  return (
    <div className="wb-banner wb-banner--warn" role="status">
      <span>{WB.breakReminder}</span>
      <button
        type="button"
        className="wb-small"
        onClick={() => {
          setSince(Date.now());
          setDue(false);
        }}
      >
        {WB.breakTaken}
      </button>
    </div>
  );
}
