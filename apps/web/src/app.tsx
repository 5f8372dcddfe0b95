import { useEffect, useMemo, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import {
  ApiError,
  FALLBACK_CONFIG,
  caseStatus,
  leakForTest,
  loadConfig,
  submitHashes,
  withdrawCase,
  type CaseStatus,
  type PublicConfig,
  type Receipt,
} from './api.js';
import { HashClient } from './hashing/hash-client.js';
import type { ImageHashes } from './hashing/image-hashes.js';
import { hashVideoFile, toVpdqLines, type VideoHashes } from './hashing/video-hashes.js';
import {
  LANGUAGES,
  MESSAGES,
  fill,
  preferredLanguage,
  type Language,
  type Messages,
} from './i18n/messages.js';

/** PDQ quality below which a hash is refused (Meta's floor, also enforced by the server). */
const MIN_QUALITY = 50;

interface Picked {
  readonly key: number;
  readonly kind: 'image' | 'video';
  /** Share of a video's frames hashed so far (0–1). */
  readonly progress?: number;
  readonly video?: VideoHashes;
  /** A blob: URL of the file, for the preview only; revoked when the item goes. */
  readonly preview: string;
  readonly state: 'hashing' | 'ready' | 'low-quality' | 'unreadable';
  readonly hashes?: ImageHashes;
  /** How long hashing took in the worker (shown to tests as `data-ms`). */
  readonly ms?: number;
}

/** The self-submission page: pick → hash on the device → confirm → case number and PIN. */
export function App() {
  const [language, setLanguage] = useState<Language>(() => {
    const fromUrl = new URLSearchParams(location.search).get('lang');
    return (LANGUAGES as readonly string[]).includes(fromUrl ?? '')
      ? (fromUrl as Language)
      : preferredLanguage(navigator.languages);
  });
  const [tab, setTab] = useState<'submit' | 'case'>(location.hash === '#case' ? 'case' : 'submit');
  const [config, setConfig] = useState<PublicConfig>(FALLBACK_CONFIG);
  const t = MESSAGES[language];

  useEffect(() => {
    loadConfig().then(setConfig, () => undefined);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t.title;
  }, [language, t]);

  return (
    <div className="page">
      <header className="top">
        <span className="brand">Hashline</span>
        <label className="language">
          <span>{t.languageLabel}</span>
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {MESSAGES[l].languageName}
              </option>
            ))}
          </select>
        </label>
      </header>
      <nav className="tabs" aria-label={t.title}>
        <button type="button" aria-pressed={tab === 'submit'} onClick={() => setTab('submit')}>
          {t.tabSubmit}
        </button>
        <button type="button" aria-pressed={tab === 'case'} onClick={() => setTab('case')}>
          {t.tabCase}
        </button>
      </nav>
      <main>
        {tab === 'submit' ? <SubmitView t={t} config={config} /> : <CaseView t={t} />}
        <Help t={t} config={config} />
      </main>
    </div>
  );
}

function SubmitView({ t, config }: { t: Messages; config: PublicConfig }) {
  const hasher = useMemo(() => new HashClient(), []);
  const input = useRef<HTMLInputElement>(null);
  const [caseType, setCaseType] = useState<'minor' | 'adult'>('minor');
  const [items, setItems] = useState<Picked[]>([]);
  const [sending, setSending] = useState(false);
  const [failed, setFailed] = useState(false);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const nextKey = useRef(1);
  // Videos decode one at a time (each through its own <video> element).
  const videoQueue = useRef<Promise<void>>(Promise.resolve());
  const update = (key: number, change: (item: Picked) => Picked) =>
    setItems((list) => list.map((item) => (item.key === key ? change(item) : item)));
  const leaky = config.testLeakyPage === true && new URLSearchParams(location.search).get('leak') === '1';

  // Start the worker with the page, so hashing works even if the network drops later.
  useEffect(() => void hasher.start(), [hasher]);

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])].slice(0, Math.max(0, config.maxImages - items.length));
    event.target.value = '';
    for (const file of files) {
      if (leaky) leakForTest(file);
      const key = nextKey.current++;
      const kind = file.type.startsWith('video/') ? 'video' : 'image';
      const preview = kind === 'image' ? URL.createObjectURL(file) : '';
      setItems((list) => [...list, { key, kind, preview, state: 'hashing', progress: 0 }]);
      if (kind === 'image') {
        void hasher.hashImage(file).then((outcome) =>
          update(key, (item) =>
            outcome.ok
              ? {
                  ...item,
                  hashes: outcome.result,
                  ms: outcome.ms,
                  state: outcome.result.quality < MIN_QUALITY ? 'low-quality' : 'ready',
                }
              : { ...item, state: 'unreadable' },
          ),
        );
      } else {
        const start = performance.now();
        videoQueue.current = videoQueue.current.then(() =>
          hashVideoFile(file, hasher, (progress) => update(key, (item) => ({ ...item, progress }))).then(
            (video) =>
              update(key, (item) => ({
                ...item,
                video,
                ms: performance.now() - start,
                state: video.frames.some((f) => f.quality >= MIN_QUALITY) ? 'ready' : 'low-quality',
              })),
            () => update(key, (item) => ({ ...item, state: 'unreadable' })),
          ),
        );
      }
    }
  };

  const removeItem = (key: number) =>
    setItems((list) =>
      list.filter((item) => {
        if (item.key === key && item.preview) URL.revokeObjectURL(item.preview);
        return item.key !== key;
      }),
    );

  const ready = items.filter((item) => item.state === 'ready' && (item.hashes || item.video));
  const readyImages = ready.flatMap((item) => (item.hashes ? [item.hashes] : []));
  const readyVideos = ready.flatMap((item) => (item.video ? [videoForSending(item.video)] : []));
  const codeCount = readyImages.length * 3 + readyVideos.reduce((n, v) => n + 2 + v.frames.length, 0);
  const busy = items.some((item) => item.state === 'hashing');

  const send = async () => {
    setSending(true);
    setFailed(false);
    try {
      const result = await submitHashes(caseType, readyImages, readyVideos);
      for (const item of items) if (item.preview) URL.revokeObjectURL(item.preview);
      setItems([]);
      setReceipt(result);
    } catch {
      setFailed(true);
    } finally {
      setSending(false);
    }
  };

  if (receipt) {
    return (
      <section className="card done" aria-live="polite">
        <h1 tabIndex={-1} ref={(h) => h?.focus()}>
          {t.doneTitle}
        </h1>
        <p>{t.doneText}</p>
        <p className="warning">{t.writeDown}</p>
        <dl className="receipt">
          <dt>{t.caseNumber}</dt>
          <dd data-testid="case-number">{receipt.caseNumber.replace(/(\d{4})(?=\d)/g, '$1 ')}</dd>
          <dt>{t.pin}</dt>
          <dd data-testid="pin">{receipt.pin}</dd>
        </dl>
        <p>{t.doneNext}</p>
        <button type="button" onClick={() => setReceipt(null)}>
          {t.startOver}
        </button>
      </section>
    );
  }

  return (
    <>
      <section className="card">
        <h1>{t.title}</h1>
        {t.intro.map((line) => (
          <p key={line} className="lead">
            {line}
          </p>
        ))}
        <h2>{t.howTitle}</h2>
        <ol className="how">
          {t.how.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ol>
      </section>
      <section className="card">
        <fieldset className="who">
          <legend>{t.whoTitle}</legend>
          <label>
            <input
              type="radio"
              name="caseType"
              value="minor"
              checked={caseType === 'minor'}
              onChange={() => setCaseType('minor')}
            />
            {t.whoMinor}
          </label>
          <label>
            <input
              type="radio"
              name="caseType"
              value="adult"
              checked={caseType === 'adult'}
              onChange={() => setCaseType('adult')}
            />
            {t.whoAdult}
          </label>
        </fieldset>
        <input
          ref={input}
          className="visually-hidden"
          type="file"
          accept="image/*,video/*"
          multiple
          tabIndex={-1}
          aria-hidden="true"
          data-testid="file-input"
          onChange={onPick}
        />
        <button type="button" className="primary" onClick={() => input.current?.click()}>
          {t.pick}
        </button>
        <p className="hint">{t.pickHint}</p>
        {items.length > 0 && (
          <ul className="items" aria-live="polite">
            {items.map((item) => (
              <li key={item.key} className={`item ${item.state}`} data-state={item.state} data-ms={item.ms}>
                {item.kind === 'image' ? (
                  <img src={item.preview} alt={t.previewAlt} />
                ) : (
                  <span className="video-thumb" aria-hidden="true">
                    {t.video}
                  </span>
                )}
                <div className="item-text">
                  {item.state === 'hashing' && <span>{t.hashing}</span>}
                  {item.kind === 'video' && item.state === 'hashing' && (
                    <progress max={1} value={item.progress ?? 0} aria-label={t.hashing} />
                  )}
                  {item.state === 'ready' && <span className="ok">{t.ready}</span>}
                  {item.state === 'low-quality' && <span className="problem">{t.lowQuality}</span>}
                  {item.state === 'unreadable' && <span className="problem">{t.unreadable}</span>}
                  {item.hashes && (
                    <code className="hash" data-testid="pdq">
                      {item.hashes.pdq}
                    </code>
                  )}
                  {item.video && (
                    <>
                      <span className="frames">
                        {fill(t.videoFrames, { count: item.video.frames.length })}
                      </span>
                      <pre className="vpdq" data-testid="vpdq">
                        {toVpdqLines(item.video.frames)}
                      </pre>
                    </>
                  )}
                </div>
                <button type="button" className="small" onClick={() => removeItem(item.key)}>
                  {t.remove}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {ready.length > 0 && !busy && (
        <section className="card confirm">
          <h2>{t.confirmTitle}</h2>
          <p>{fill(t.confirmText, { count: codeCount })}</p>
          <button type="button" className="primary" disabled={sending} onClick={() => void send()}>
            {sending ? t.sending : t.send}
          </button>
          {failed && (
            <p className="problem" role="alert">
              {t.sendFailed}
            </p>
          )}
        </section>
      )}
    </>
  );
}

/**
 * A video as sent: file digests and the distinct frame hashes that pass the quality gate, with
 * their frame numbers and times (the server stores them as one vpdq entry).
 */
function videoForSending(video: VideoHashes) {
  const seen = new Set<string>();
  const frames = video.frames
    .filter((f) => f.quality >= MIN_QUALITY && !seen.has(f.pdq) && seen.add(f.pdq))
    .map(({ pdq, quality, frame, timestamp }) => ({
      pdq,
      quality,
      frameNumber: frame,
      timestampSeconds: Number(timestamp.toFixed(3)),
    }));
  return { md5: video.md5, sha256: video.sha256, frames };
}

function CaseView({ t }: { t: Messages }) {
  const [caseNumber, setCaseNumber] = useState('');
  const [pin, setPin] = useState('');
  const [status, setStatus] = useState<CaseStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: 'check' | 'withdraw') => {
    setError(null);
    if (action === 'withdraw' && !window.confirm(t.withdrawConfirm)) return;
    try {
      setStatus(await (action === 'check' ? caseStatus : withdrawCase)(caseNumber, pin));
    } catch (e) {
      setStatus(null);
      setError(e instanceof ApiError && e.status === 429 ? t.tooManyTries : t.wrongCredentials);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void run('check');
  };

  return (
    <section className="card">
      <h1>{t.caseTitle}</h1>
      <p>{t.caseIntro}</p>
      <form onSubmit={onSubmit} className="case-form">
        <label>
          {t.caseNumber}
          <input
            inputMode="numeric"
            autoComplete="off"
            value={caseNumber}
            onChange={(e) => setCaseNumber(e.target.value)}
            required
          />
        </label>
        <label>
          {t.pin}
          <input
            inputMode="numeric"
            autoComplete="off"
            type="password"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            required
          />
        </label>
        <div className="actions">
          <button type="submit" className="primary">
            {t.check}
          </button>
          <button type="button" onClick={() => void run('withdraw')}>
            {t.withdraw}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {status && (
          <p className="status" data-testid="case-status" data-status={status.status}>
            {status.status === 'active'
              ? fill(t.statusActive, { count: status.imageCount, day: status.createdDay })
              : t.statusWithdrawn}
          </p>
        )}
        {error && (
          <p className="problem" role="alert">
            {error}
          </p>
        )}
      </div>
    </section>
  );
}

function Help({ t, config }: { t: Messages; config: PublicConfig }) {
  const tel = (phone: string) => `tel:${phone.replace(/[^\d+]/g, '')}`;
  return (
    <aside className="card help" aria-labelledby="help-title">
      <h2 id="help-title">{t.helpTitle}</h2>
      <p>{t.notYourFault}</p>
      <p>{t.helpTrust}</p>
      <p>
        <a href={tel(config.helpline.phone)}>
          {fill(t.helpLine, { name: config.helpline.name, phone: config.helpline.phone })}
        </a>
      </p>
      <p>
        <a href={tel(config.police.phone)}>{fill(t.helpPolice, { phone: config.police.phone })}</a>
      </p>
      <p>{t.helpThreat}</p>
    </aside>
  );
}
