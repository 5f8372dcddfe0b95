import { useEffect, useRef, useState } from 'react';
import { AssessmentForm } from './assessment-form.js';
import { SHORTCUTS, ariaKeys, CLASSIFICATION_PRESETS, type ShortcutAction } from './keyboard-shortcuts.js';
import { AssessmentRecord, MediaFacts } from './media-card.js';
import { useReveal } from './use-reveal.js';
import type { AssessmentOutcome, MediaView } from './workbench-api.js';
import { atLimit, useWorkbench } from './workbench-context.js';
import { INTERNATIONAL_LABELS, NATIONAL_LABELS, WB, fill } from './workbench-messages.js';
import { VideoContactSheet } from './video-contact-sheet.js';

/** What each shortcut does, in the current language (the help and the legend read it). */
export function shortcutLabel(action: ShortcutAction): string {
  const labels: Record<ShortcutAction, string> = {
    openStage: WB.keyOpenStage,
    next: WB.stageNext,
    previous: WB.stagePrevious,
    reveal: WB.reveal,
    preset: WB.keyPresets,
    submit: WB.submitAssessment,
    select: WB.keySelect,
    selectAll: WB.keySelectAll,
    bulk: WB.keyBulk,
    close: WB.keyClose,
    help: WB.shortcutsTitle,
  };
  return labels[action];
}

/** The words of a usual classification: "illegal · baseline (INTERPOL)". */
export function presetLabel(index: number): string {
  const preset = CLASSIFICATION_PRESETS[index]!;
  return `${NATIONAL_LABELS[preset.nationalStatus]} · ${INTERNATIONAL_LABELS[preset.internationalStatus]}`;
}

/** Keys as the page shows them. */
function Keys({ keys }: { keys: readonly string[] }) {
  return (
    <span className="wb-keys">
      {keys.map((key, i) => (key === '…' ? <span key={i}>–</span> : <kbd key={i}>{key}</kbd>))}
    </span>
  );
}

/** The "?" overlay: every shortcut and the usual classifications. A modal dialog; Esc closes it. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => before?.focus();
  }, []);
  return (
    <div className="wb-overlay" role="presentation" onClick={onClose}>
      <div
        className="wb-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcut-help"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          // Keep Tab inside the dialog: its only control is the close button.
          if (event.key === 'Tab') {
            event.preventDefault();
            closeRef.current?.focus();
          }
        }}
      >
        <h2 id="shortcuts-title">{WB.shortcutsTitle}</h2>
        <p className="wb-muted">{WB.shortcutsIntro}</p>
        <dl className="wb-shortcuts">
          {SHORTCUTS.map((shortcut) => (
            <div key={shortcut.action}>
              <dt>
                <Keys keys={shortcut.keys} />
              </dt>
              <dd>{shortcutLabel(shortcut.action)}</dd>
            </div>
          ))}
        </dl>
        <h3>{WB.keyPresets}</h3>
        <dl className="wb-shortcuts">
          {CLASSIFICATION_PRESETS.map((preset, i) => (
            <div key={preset.key}>
              <dt>
                <Keys keys={[preset.key]} />
              </dt>
              <dd>{presetLabel(i)}</dd>
            </div>
          ))}
        </dl>
        <p className="wb-muted">{WB.presetsNote}</p>
        <button type="button" ref={closeRef} onClick={onClose} aria-keyshortcuts={ariaKeys('close')}>
          {WB.shortcutsClose}
        </button>
      </div>
    </div>
  );
}

/** The keys of the full-width view, always on screen (the full list is behind "?"). */
function Legend() {
  const shown: readonly ShortcutAction[] = [
    'next',
    'previous',
    'reveal',
    'preset',
    'submit',
    'select',
    'help',
  ];
  return (
    <p className="wb-legend" data-testid="shortcut-legend">
      {SHORTCUTS.filter((s) => shown.includes(s.action)).map((s) => (
        <span key={s.action}>
          <Keys keys={s.keys} /> {shortcutLabel(s.action)}
        </span>
      ))}
    </p>
  );
}

/**
 * The full-width assessment view (issue 17): one item large, blurred and greyscale until revealed
 * (the same reveal as on the card: counted and audited), the assessment form beside it, and
 * previous / next. Recording an assessment moves on to the next item not yet assessed.
 */
export function AssessmentStage({
  media,
  index,
  onIndex,
  onClose,
  onChanged,
  selected,
  onSelect,
  revealRequest,
  formShortcuts,
}: {
  media: readonly MediaView[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
  onChanged: (media: MediaView) => void;
  /** Whether the item is selected for a bulk assessment (undefined: it cannot be). */
  selected: boolean | undefined;
  onSelect: (on: boolean) => void;
  /** Increments when the analyst asks for a reveal by key. */
  revealRequest: number;
  /** Whether the form takes the classification keys (not while the bulk form is open). */
  formShortcuts: boolean;
}) {
  const item = media[index]!;
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    titleRef.current?.focus();
  }, [item.id]);
  return (
    <section
      className="wb-stage"
      aria-labelledby="stage-title"
      data-testid="assessment-stage"
      data-media-id={item.id}
    >
      <div className="wb-titlebar">
        <h2 id="stage-title" ref={titleRef} tabIndex={-1}>
          {fill(WB.stageTitle, { n: index + 1, total: media.length, id: item.id })}
        </h2>
        <button
          type="button"
          onClick={() => onIndex(index - 1)}
          disabled={index === 0}
          aria-keyshortcuts={ariaKeys('previous')}
          data-testid="stage-previous"
        >
          ← {WB.stagePrevious}
        </button>
        <button
          type="button"
          onClick={() => onIndex(index + 1)}
          disabled={index === media.length - 1}
          aria-keyshortcuts={ariaKeys('next')}
          data-testid="stage-next"
        >
          {WB.stageNext} →
        </button>
        <button type="button" className="wb-small" onClick={onClose} aria-keyshortcuts={ariaKeys('close')}>
          {WB.stageClose}
        </button>
      </div>
      <Legend />
      {/* Keyed by item: a new item starts blurred, with an empty form. */}
      <StageItem
        key={item.id}
        media={item}
        onChanged={onChanged}
        selected={selected}
        onSelect={onSelect}
        revealRequest={revealRequest}
        formShortcuts={formShortcuts}
      />
    </section>
  );
}

function StageItem({
  media,
  onChanged,
  selected,
  onSelect,
  revealRequest,
  formShortcuts,
}: {
  media: MediaView;
  onChanged: (media: MediaView) => void;
  selected: boolean | undefined;
  onSelect: (on: boolean) => void;
  revealRequest: number;
  formShortcuts: boolean;
}) {
  const { exposure } = useWorkbench();
  const { revealed, previewUrl, revealing, error, reveal } = useReveal(media);
  const [notice, setNotice] = useState<string | null>(null);
  const known = media.previouslyAssessed || media.status === 'previously_assessed';
  const canReveal = !known && media.previewAvailable && !revealed && !atLimit(exposure);
  // A reveal asked for by key: only requests made while this item is shown count.
  const firstRequest = useRef(revealRequest);
  useEffect(() => {
    if (revealRequest !== firstRequest.current && canReveal && !revealing) void reveal();
    // Only a new request triggers a reveal (not a change of what `canReveal` reads).
  }, [revealRequest]);
  const src = known ? null : revealed && previewUrl ? previewUrl : media.thumbnailUrl;
  const alt = fill(revealed ? WB.mediaAltRevealed : WB.mediaAlt, { id: media.id });
  return (
    <div className="wb-stage-body" data-revealed={revealed}>
      <div className="wb-stage-media">
        <div className="wb-stage-frame">
          {src === null ? (
            <span className="wb-no-thumb">{known ? WB.previouslyAssessedNote : WB.noThumbnail}</span>
          ) : media.mediaType === 'video' ? (
            // Videos: the contact sheet of still frames, as on the card; never a player.
            <VideoContactSheet media={media} src={src} revealed={revealed} />
          ) : (
            <img
              className={`wb-media-img${revealed ? '' : ' media--protected'}`}
              data-testid="stage-image"
              src={src}
              alt={alt}
              draggable={false}
              decoding="async"
              referrerPolicy="no-referrer"
            />
          )}
        </div>
        <div className="wb-media-actions">
          {known ? null : !media.previewAvailable ? (
            <span className="wb-muted">{WB.thumbnailOnly}</span>
          ) : revealed ? (
            <span className="wb-ok">{WB.revealed}</span>
          ) : (
            <button
              type="button"
              onClick={() => void reveal()}
              disabled={!canReveal || revealing}
              aria-keyshortcuts={ariaKeys('reveal')}
              data-testid="stage-reveal"
            >
              {revealing ? WB.revealing : WB.reveal}
            </button>
          )}
          {selected !== undefined && (
            <label className="wb-check">
              <input
                type="checkbox"
                checked={selected}
                aria-keyshortcuts={ariaKeys('select')}
                data-testid="stage-select"
                onChange={(event) => onSelect(event.target.checked)}
              />
              <span>{WB.stageSelect}</span>
            </label>
          )}
        </div>
        {error && (
          <p className="wb-error" role="alert">
            {error}
          </p>
        )}
        <MediaFacts media={media} />
      </div>
      <div className="wb-stage-form">
        <AssessmentRecord media={media} />
        {known ? (
          <p className="wb-known">{WB.previouslyAssessedNote}</p>
        ) : media.myAssessment ? (
          <p className="wb-muted" data-testid="my-assessment">
            {WB.youAssessed}
          </p>
        ) : (
          <AssessmentForm
            mediaId={media.id}
            shortcuts={formShortcuts}
            onAssessed={(outcome: AssessmentOutcome) => {
              setNotice(WB.assessed);
              onChanged(outcome.media);
            }}
          />
        )}
        {notice && (
          <p className="wb-ok" role="status">
            {notice}
          </p>
        )}
      </div>
    </div>
  );
}
