import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { LANGUAGES, fill, initialLanguage, type Language } from '../shared/language.js';
import { NetworkError, ProblemError } from '../shared/problem.js';
import {
  CONCERNS,
  FALLBACK_HOTLINE_CONFIG,
  SITE_TYPES,
  loadHotlineConfig,
  newIdempotencyKey,
  normalizeReceiptCode,
  reportStatus,
  submitReport,
  type Concern,
  type HotlineConfig,
  type ReportReceipt,
  type ReportStatusView,
  type ReportSubmission,
  type SiteType,
} from './report-api.js';
import {
  EMPTY_DRAFT,
  buildSubmission,
  errorsFromProblem,
  fieldId,
  onlyOutOfRemit,
  type ErrorKey,
  type FieldKey,
  type FormErrors,
  type ReportDraft,
} from './report-form.js';
import { REPORT_MESSAGES, type ReportMessages } from './report-messages.js';

/** Automatic retries of a send that got no answer or a 502/503/504, before the page asks the reporter. */
const AUTOMATIC_RETRIES = 2;
const NO_ERRORS: FormErrors = { fields: new Map(), general: [] };

/** A `tel:` link for a number as people write it ("116 000" → `tel:116000`). */
const tel = (phone: string) => `tel:${phone.replace(/[^\d+]/g, '')}`;

/** A receivedDay (`YYYY-MM-DD`) in the page's language, e.g. "26 November 2026". */
function formatDay(day: string, language: Language): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

/**
 * The public report form (`/report`): report the web address of suspected child sexual abuse
 * material, anonymously by default; get a receipt code; check a report's status with it.
 */
export function ReportApp() {
  const [language, setLanguage] = useState<Language>(() =>
    initialLanguage(location.search, navigator.languages),
  );
  const [config, setConfig] = useState<HotlineConfig>(FALLBACK_HOTLINE_CONFIG);
  const [receipt, setReceipt] = useState<{
    readonly receipt: ReportReceipt;
    readonly danger: boolean;
  } | null>(null);
  const t = REPORT_MESSAGES[language];

  useEffect(() => {
    loadHotlineConfig().then(setConfig, () => undefined);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = fill(t.pageTitle, { hotline: config.hotlineName });
  }, [language, t, config.hotlineName]);

  const chooseLanguage = (next: Language) => {
    setLanguage(next);
    // Keep the choice on reload and in a shared link (the language is not sensitive).
    const url = new URL(location.href);
    url.searchParams.set('lang', next);
    history.replaceState(history.state, '', url);
  };

  return (
    <div className="page report-page">
      <header className="top">
        <span className="brand">{config.hotlineName}</span>
        <div className="report-languages" role="group" aria-label={t.languageLabel}>
          {LANGUAGES.map((l) => (
            <button
              key={l}
              type="button"
              lang={l}
              className="report-language"
              aria-pressed={l === language}
              onClick={() => chooseLanguage(l)}
            >
              {REPORT_MESSAGES[l].languageName}
            </button>
          ))}
        </div>
      </header>
      <p className="report-danger-banner">
        <span>{t.dangerBanner}</span>{' '}
        <a href={tel(config.police.phone)} className="report-danger-call">
          {fill(t.dangerCall, { phone: config.police.phone })}
        </a>
      </p>
      <main>
        {receipt ? (
          <ReceiptView
            t={t}
            config={config}
            receipt={receipt.receipt}
            danger={receipt.danger}
            onNew={() => setReceipt(null)}
          />
        ) : (
          <>
            <section className="card" aria-labelledby="report-title">
              <h1 id="report-title">{t.title}</h1>
              {t.intro.map((line) => (
                <p key={line} className="lead">
                  {fill(line, { hotline: config.hotlineName })}
                </p>
              ))}
              <DontDownload t={t} />
            </section>
            <ReportForm
              t={t}
              language={language}
              config={config}
              onReceipt={(r, danger) => setReceipt({ receipt: r, danger })}
            />
          </>
        )}
        <StatusCheck t={t} language={language} />
        <Help t={t} config={config} language={language} />
      </main>
    </div>
  );
}

function DontDownload({ t }: { t: ReportMessages }) {
  return (
    <div className="report-dont" role="note" aria-labelledby="report-dont-title">
      <h2 id="report-dont-title">{t.dontDownloadTitle}</h2>
      {t.dontDownload.map((line) => (
        <p key={line}>{line}</p>
      ))}
    </div>
  );
}

type SendError = { readonly kind: 'rate'; readonly minutes: number | null } | { readonly kind: 'server' };

function ReportForm({
  t,
  language,
  config,
  onReceipt,
}: {
  t: ReportMessages;
  language: Language;
  config: HotlineConfig;
  onReceipt: (receipt: ReportReceipt, danger: boolean) => void;
}) {
  const [draft, setDraft] = useState<ReportDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [sendError, setSendError] = useState<SendError | null>(null);
  const [sending, setSending] = useState(false);
  // One idempotency key per report attempt: every retry of the same body reuses it, so a report
  // that reached the server before the answer was lost is stored once. A changed body is a new attempt.
  const attempt = useRef<{ readonly key: string; readonly body: string } | null>(null);
  // Set synchronously, so a double click cannot start a second send before React re-renders.
  const inFlight = useRef(false);
  const focusAfterRender = useRef<string | null>(null);
  const urlIds = useRef<number[]>([0]);
  const nextUrlId = useRef(1);

  useEffect(() => {
    if (focusAfterRender.current) {
      document.getElementById(focusAfterRender.current)?.focus();
      focusAfterRender.current = null;
    }
  });

  const change = <K extends keyof ReportDraft>(key: K, value: ReportDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const setUrl = (index: number, value: string) =>
    setDraft((d) => ({ ...d, urls: d.urls.map((u, i) => (i === index ? value : u)) }));
  const addUrl = () => {
    if (draft.urls.length >= config.maxUrls) return;
    urlIds.current = [...urlIds.current, nextUrlId.current++];
    focusAfterRender.current = fieldId(`url:${draft.urls.length}`);
    setDraft((d) => ({ ...d, urls: [...d.urls, ''] }));
  };
  const removeUrl = (index: number) => {
    urlIds.current = urlIds.current.filter((_, i) => i !== index);
    focusAfterRender.current = fieldId(`url:${Math.max(0, index - 1)}`);
    setDraft((d) => ({ ...d, urls: d.urls.filter((_, i) => i !== index) }));
    // Field errors are keyed by position: they no longer fit once a field goes.
    setErrors(NO_ERRORS);
  };
  const toggleConcern = (concern: Concern, on: boolean) =>
    setDraft((d) => ({
      ...d,
      concerns: CONCERNS.filter((c) => (c === concern ? on : d.concerns.includes(c))),
    }));

  const outOfRemit = onlyOutOfRemit(draft.concerns);

  const send = async () => {
    if (inFlight.current || outOfRemit) return;
    const built = buildSubmission(draft, language, config);
    if (!built.ok) {
      setSendError(null);
      setErrors(built.errors);
      focusAfterRender.current = 'report-error-summary';
      return;
    }
    const bodyText = JSON.stringify(built.body);
    if (attempt.current?.body !== bodyText) attempt.current = { key: newIdempotencyKey(), body: bodyText };
    const { key } = attempt.current;
    inFlight.current = true;
    setSending(true);
    setErrors(NO_ERRORS);
    setSendError(null);
    try {
      const receipt = await sendWithRetries(built.body, key);
      attempt.current = null;
      onReceipt(receipt, built.body.imminentDanger === true);
      return;
    } catch (error) {
      if (error instanceof ProblemError && error.code === 'VALIDATION_FAILED' && error.status === 400) {
        setErrors(errorsFromProblem(error.errors, built.urlFields));
        focusAfterRender.current = 'report-error-summary';
      } else if (error instanceof ProblemError && error.status === 429) {
        setSendError({
          kind: 'rate',
          minutes: error.retryAfterSeconds === null ? null : Math.ceil(error.retryAfterSeconds / 60),
        });
      } else {
        // IDEMPOTENCY_KEY_REUSED cannot happen (the key follows the body); if it does, start afresh.
        if (error instanceof ProblemError && error.code === 'IDEMPOTENCY_KEY_REUSED') attempt.current = null;
        setSendError({ kind: 'server' });
      }
    } finally {
      inFlight.current = false;
      setSending(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };

  const describedBy = (key: FieldKey, ...more: (string | false)[]) =>
    [errors.fields.has(key) && `${fieldId(key)}-error`, ...more].filter(Boolean).join(' ') || undefined;
  const fieldError = (key: FieldKey) => {
    const message = errors.fields.get(key);
    return message ? (
      <p id={`${fieldId(key)}-error`} className="report-field-error">
        {errorText(t, message, config)}
      </p>
    ) : null;
  };
  const hasErrors = errors.fields.size > 0 || errors.general.length > 0;
  const selfSubmissionHref = `${config.selfSubmissionPath}?lang=${language}`;

  return (
    <form className="report-form" noValidate onSubmit={onSubmit} aria-labelledby="report-title">
      <div
        id="report-error-summary"
        className="report-error-summary"
        role="alert"
        tabIndex={-1}
        data-testid="error-summary"
      >
        {hasErrors && (
          <>
            <h2>{t.errorSummary}</h2>
            <ul>
              {[...errors.fields].map(([key, message]) => (
                <li key={key}>
                  <a
                    href={`#${fieldId(key)}`}
                    onClick={(event) => {
                      event.preventDefault();
                      document.getElementById(fieldId(key))?.focus();
                    }}
                  >
                    {errorText(t, message, config)}
                  </a>
                </li>
              ))}
              {errors.general.map((message) => (
                <li key={message}>{errorText(t, message, config)}</li>
              ))}
            </ul>
          </>
        )}
      </div>

      <section className="card">
        <fieldset className="report-fieldset">
          <legend>{t.urlsLegend}</legend>
          <p className="hint" id="report-urls-hint">
            {t.urlsHint}
          </p>
          <ol className="report-urls">
            {draft.urls.map((url, index) => {
              const key: FieldKey = `url:${index}`;
              return (
                <li key={urlIds.current[index] ?? index} className="report-url">
                  <label htmlFor={fieldId(key)}>{fill(t.urlLabel, { n: index + 1 })}</label>
                  <div className="report-url-row">
                    <input
                      id={fieldId(key)}
                      name="url"
                      type="url"
                      inputMode="url"
                      autoComplete="off"
                      autoCapitalize="none"
                      spellCheck={false}
                      placeholder={t.urlPlaceholder}
                      value={url}
                      aria-invalid={errors.fields.has(key) || undefined}
                      aria-describedby={describedBy(key, index === 0 && 'report-urls-hint')}
                      onChange={(e) => setUrl(index, e.target.value)}
                    />
                    {draft.urls.length > 1 && (
                      <button
                        type="button"
                        className="small"
                        aria-label={fill(t.removeUrl, { n: index + 1 })}
                        onClick={() => removeUrl(index)}
                      >
                        ×
                      </button>
                    )}
                  </div>
                  {fieldError(key)}
                </li>
              );
            })}
          </ol>
          {draft.urls.length < config.maxUrls ? (
            <button type="button" className="report-add" onClick={addUrl}>
              + {t.addUrl}
            </button>
          ) : (
            <p className="hint">{fill(t.urlsMax, { max: config.maxUrls })}</p>
          )}
        </fieldset>
      </section>

      <section className="card">
        <fieldset
          className="report-fieldset report-concerns"
          aria-describedby={describedBy('concerns', 'report-concerns-hint')}
        >
          <legend>{t.concernsLegend}</legend>
          <p className="hint" id="report-concerns-hint">
            {t.concernsHint}
          </p>
          {fieldError('concerns')}
          {CONCERNS.map((concern, index) => (
            <div
              key={concern}
              className={concern === 'ncii_adult' ? 'report-check report-check-adult' : 'report-check'}
            >
              <input
                type="checkbox"
                id={index === 0 ? fieldId('concerns') : `report-concern-${concern}`}
                name="concerns"
                value={concern}
                checked={draft.concerns.includes(concern)}
                onChange={(e) => toggleConcern(concern, e.target.checked)}
              />
              <label htmlFor={index === 0 ? fieldId('concerns') : `report-concern-${concern}`}>
                {t.concerns[concern]}
              </label>
            </div>
          ))}
          <div aria-live="polite">
            {draft.concerns.includes('ai_generated') && !outOfRemit && (
              <p className="report-note">{t.aiGeneratedHint}</p>
            )}
            {(draft.concerns.includes('ncii_minor') || draft.concerns.includes('sexual_extortion')) && (
              <div className="report-note report-own-images" data-testid="own-images">
                <h3>{t.ownImagesTitle}</h3>
                <p>{t.ownImagesText}</p>
                <p>
                  <a href={selfSubmissionHref}>{t.ownImagesLink}</a>
                </p>
              </div>
            )}
            {draft.concerns.includes('sexual_extortion') && (
              <div className="report-note report-extortion" data-testid="extortion-advice">
                <h3>{t.extortionTitle}</h3>
                <ul>
                  {t.extortionAdvice.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
                <p>
                  <a href={tel(config.helpline.phone)}>
                    {fill(t.extortionCall, { name: config.helpline.name, phone: config.helpline.phone })}
                  </a>
                </p>
              </div>
            )}
          </div>
        </fieldset>
      </section>

      {outOfRemit ? (
        <AdultGuidance t={t} config={config} />
      ) : (
        <>
          <section className="card">
            <fieldset className="report-fieldset">
              <legend>{t.detailsLegend}</legend>
              <label htmlFor={fieldId('description')}>{t.descriptionLabel}</label>
              <p className="hint" id="report-description-hint">
                {t.descriptionHint}
              </p>
              <textarea
                id={fieldId('description')}
                name="description"
                rows={5}
                maxLength={config.maxDescription}
                value={draft.description}
                aria-invalid={errors.fields.has('description') || undefined}
                aria-describedby={describedBy(
                  'description',
                  'report-description-hint',
                  'report-description-counter',
                )}
                onChange={(e) => change('description', e.target.value)}
              />
              <p className="report-counter" id="report-description-counter">
                {fill(t.descriptionCounter, { count: draft.description.length, max: config.maxDescription })}
              </p>
              {fieldError('description')}

              <label htmlFor={fieldId('seenWhere')}>{t.seenWhereLabel}</label>
              <select
                id={fieldId('seenWhere')}
                name="seenWhere"
                value={draft.seenWhere}
                aria-invalid={errors.fields.has('seenWhere') || undefined}
                aria-describedby={describedBy('seenWhere')}
                onChange={(e) => change('seenWhere', e.target.value as SiteType | '')}
              >
                <option value="">{t.seenWhereUnknown}</option>
                {SITE_TYPES.map((site) => (
                  <option key={site} value={site}>
                    {t.siteTypes[site]}
                  </option>
                ))}
              </select>
              {fieldError('seenWhere')}

              <div className="report-check report-danger-check">
                <input
                  type="checkbox"
                  id="report-imminent-danger"
                  name="imminentDanger"
                  checked={draft.imminentDanger}
                  onChange={(e) => change('imminentDanger', e.target.checked)}
                />
                <label htmlFor="report-imminent-danger">{t.dangerLabel}</label>
              </div>
              {draft.imminentDanger && (
                <p className="report-danger-now" role="alert" data-testid="danger-now">
                  <a href={tel(config.police.phone)}>{fill(t.dangerNow, { phone: config.police.phone })}</a>
                </p>
              )}
            </fieldset>
          </section>

          <section className="card report-contact">
            <fieldset className="report-fieldset">
              <legend>{t.contactLegend}</legend>
              {t.contactIntro.map((line) => (
                <p key={line} className="hint">
                  {line}
                </p>
              ))}
              <div className="report-contact-fields">
                <TextField
                  id={fieldId('contactName')}
                  label={t.contactName}
                  autoComplete="name"
                  value={draft.contactName}
                  onChange={(v) => change('contactName', v)}
                  invalid={errors.fields.has('contactName')}
                  describedBy={describedBy('contactName')}
                  error={fieldError('contactName')}
                />
                <TextField
                  id={fieldId('contactEmail')}
                  label={t.contactEmail}
                  type="email"
                  autoComplete="email"
                  value={draft.contactEmail}
                  onChange={(v) => change('contactEmail', v)}
                  invalid={errors.fields.has('contactEmail')}
                  describedBy={describedBy('contactEmail')}
                  error={fieldError('contactEmail')}
                />
                <TextField
                  id={fieldId('contactPhone')}
                  label={t.contactPhone}
                  type="tel"
                  autoComplete="tel"
                  value={draft.contactPhone}
                  onChange={(v) => change('contactPhone', v)}
                  invalid={errors.fields.has('contactPhone')}
                  describedBy={describedBy('contactPhone')}
                  error={fieldError('contactPhone')}
                />
              </div>
              <div className="report-check">
                <input
                  type="checkbox"
                  id={fieldId('consent')}
                  name="consentToContact"
                  checked={draft.consentToContact}
                  aria-invalid={errors.fields.has('consent') || undefined}
                  aria-describedby={describedBy('consent')}
                  onChange={(e) => change('consentToContact', e.target.checked)}
                />
                <label htmlFor={fieldId('consent')}>
                  {fill(t.contactConsent, { hotline: config.hotlineName })}
                </label>
              </div>
              {fieldError('consent')}
            </fieldset>
          </section>

          {/* A trap for bots: hidden from people and from assistive technology, never focused. */}
          <div className="report-hp" aria-hidden="true">
            <label htmlFor="report-website">{t.honeypotLabel}</label>
            <input
              id="report-website"
              name="website"
              type="text"
              tabIndex={-1}
              autoComplete="off"
              value={draft.website}
              onChange={(e) => change('website', e.target.value)}
            />
          </div>

          <section className="card report-send">
            <p className="hint">{t.anonymousNote}</p>
            <button type="submit" className="primary" disabled={sending} aria-disabled={sending}>
              {sending ? t.sending : t.send}
            </button>
            <div aria-live="assertive">
              {sendError && (
                <div className="report-send-error" role="alert" data-testid="send-error">
                  <p>
                    {sendError.kind === 'server'
                      ? t.errorServer
                      : sendError.minutes === null
                        ? t.errorRateLimited
                        : fill(t.errorRateLimitedMinutes, { minutes: sendError.minutes })}
                  </p>
                  <button type="button" disabled={sending} onClick={() => void send()}>
                    {t.retry}
                  </button>
                </div>
              )}
            </div>
          </section>
        </>
      )}
    </form>
  );
}

/** Sends, retrying automatically (same key) after a lost answer or a 502/503/504. */
async function sendWithRetries(body: ReportSubmission, key: string): Promise<ReportReceipt> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await submitReport(body, key);
    } catch (error) {
      const transient =
        error instanceof NetworkError ||
        (error instanceof ProblemError && [502, 503, 504].includes(error.status));
      if (!transient || attempt >= AUTOMATIC_RETRIES) throw error;
      const wait =
        error instanceof ProblemError && error.retryAfterSeconds !== null
          ? Math.min(error.retryAfterSeconds, 10) * 1000
          : 1000 * (attempt + 1);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function errorText(t: ReportMessages, key: ErrorKey, config: HotlineConfig): string {
  return fill(t[key], { max: config.maxDescription });
}

function TextField(props: {
  id: string;
  label: string;
  type?: 'text' | 'email' | 'tel';
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  invalid: boolean;
  describedBy: string | undefined;
  error: ReactNode;
}) {
  return (
    <div className="report-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        value={props.value}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.error}
    </div>
  );
}

function AdultGuidance({ t, config }: { t: ReportMessages; config: HotlineConfig }) {
  return (
    <section className="card report-guidance" aria-live="polite" data-testid="adult-guidance">
      <h2>{t.adultTitle}</h2>
      <p>{t.adultText}</p>
      <ul>
        <li>
          <a href="https://stopncii.org/" rel="noopener noreferrer" target="_blank">
            StopNCII.org
          </a>
          {': '}
          {t.adultStopNcii}
        </li>
        <li>{t.adultPlatform}</li>
        <li>{fill(t.adultPolice, { phone: config.police.phone })}</li>
        <li>
          <a href={tel(config.helpline.phone)}>
            {fill(t.adultHelpline, { name: config.helpline.name, phone: config.helpline.phone })}
          </a>
        </li>
      </ul>
      <p>{t.adultWasMinor}</p>
    </section>
  );
}

function ReceiptView({
  t,
  config,
  receipt,
  danger,
  onNew,
}: {
  t: ReportMessages;
  config: HotlineConfig;
  receipt: ReportReceipt;
  danger: boolean;
  onNew: () => void;
}) {
  const code = useRef<HTMLParagraphElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const labelId = useId();

  // Focus the code itself: a screen reader reads it out first, and it is what must be written down.
  useEffect(() => code.current?.focus(), []);

  const copyCode = () => {
    const selectCode = () => {
      if (code.current) window.getSelection()?.selectAllChildren(code.current);
    };
    if (!navigator.clipboard) {
      selectCode();
      setCopy('failed');
      return;
    }
    navigator.clipboard.writeText(receipt.receiptCode).then(
      () => setCopy('copied'),
      () => {
        selectCode();
        setCopy('failed');
      },
    );
  };

  return (
    <section className="card report-receipt" aria-labelledby="report-receipt-title" data-testid="receipt">
      <h1 id="report-receipt-title">{t.receiptTitle}</h1>
      <p id={labelId} className="report-receipt-label">
        {t.receiptLabel}
      </p>
      <p
        ref={code}
        className="report-receipt-code"
        tabIndex={-1}
        aria-labelledby={`${labelId} report-receipt-code`}
        id="report-receipt-code"
        data-testid="receipt-code"
      >
        {receipt.receiptCode}
      </p>
      <div className="report-receipt-actions">
        <button type="button" onClick={copyCode}>
          {t.copy}
        </button>
        <span aria-live="polite" className={copy === 'failed' ? 'problem' : 'ok'}>
          {copy === 'copied' ? t.copied : copy === 'failed' ? t.copyFailed : ''}
        </span>
      </div>
      <p className="warning">{t.receiptWriteDown}</p>
      {danger && (
        <p className="report-danger-now">
          <a href={tel(config.police.phone)}>{fill(t.receiptDanger, { phone: config.police.phone })}</a>
        </p>
      )}
      {t.receiptNext.map((line) => (
        <p key={line}>{line}</p>
      ))}
      <button type="button" onClick={onNew}>
        {t.newReport}
      </button>
    </section>
  );
}

function StatusCheck({ t, language }: { t: ReportMessages; language: Language }) {
  const [code, setCode] = useState('');
  const [checking, setChecking] = useState(false);
  const [status, setStatus] = useState<ReportStatusView | null>(null);
  const [error, setError] = useState<
    'statusMissing' | 'statusNotFound' | 'statusRateLimited' | 'statusFailed' | null
  >(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    setError(null);
    const receiptCode = normalizeReceiptCode(code);
    if (receiptCode === '') {
      setError('statusMissing');
      return;
    }
    setChecking(true);
    try {
      setStatus(await reportStatus(receiptCode));
    } catch (e) {
      if (e instanceof ProblemError && e.status === 429) setError('statusRateLimited');
      else if (e instanceof ProblemError && e.status < 500) setError('statusNotFound');
      else setError('statusFailed');
    } finally {
      setChecking(false);
    }
  };

  const urls = status
    ? status.urlCount === 1
      ? t.urlCountOne
      : fill(t.urlCountMany, { count: status.urlCount })
    : '';

  return (
    <section className="card report-status" aria-labelledby="report-status-title">
      <h2 id="report-status-title">{t.statusTitle}</h2>
      <p id="report-status-intro">{t.statusIntro}</p>
      <form className="report-status-form" noValidate onSubmit={(e) => void onSubmit(e)}>
        <label htmlFor="report-status-code">{t.statusLabel}</label>
        <div className="report-status-row">
          <input
            id="report-status-code"
            name="receiptCode"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            value={code}
            aria-describedby={error ? 'report-status-intro report-status-error' : 'report-status-intro'}
            aria-invalid={error === 'statusNotFound' || error === 'statusMissing' || undefined}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" disabled={checking}>
            {checking ? t.statusChecking : t.statusCheck}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {status && (
          <p
            className={`report-status-result ${status.status}`}
            data-testid="report-status"
            data-status={status.status}
          >
            <strong>{t.statusNames[status.status]}</strong>
            <span>
              {fill(t.statusTexts[status.status], { day: formatDay(status.receivedDay, language), urls })}
            </span>
          </p>
        )}
        {error && (
          <p className="problem" role="alert" id="report-status-error" data-testid="status-error">
            {t[error]}
          </p>
        )}
      </div>
    </section>
  );
}

function Help({ t, config, language }: { t: ReportMessages; config: HotlineConfig; language: Language }) {
  return (
    <aside className="card help" aria-labelledby="report-help-title">
      <h2 id="report-help-title">{t.helpTitle}</h2>
      <p>{t.helpUpset}</p>
      <p>
        <a href={tel(config.helpline.phone)}>
          {fill(t.helpLine, { name: config.helpline.name, phone: config.helpline.phone })}
        </a>
      </p>
      <p>
        <a href={tel(config.police.phone)}>{fill(t.helpPolice, { phone: config.police.phone })}</a>
      </p>
      <p>
        <a href={`${config.selfSubmissionPath}?lang=${language}`}>{t.ownImagesFooter}</a>
      </p>
    </aside>
  );
}
