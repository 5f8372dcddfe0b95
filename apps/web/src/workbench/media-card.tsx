import { useState } from 'react';
import { AssessmentForm } from './assessment-form.js';
import { VideoContactSheet, VideoLabel } from './video-contact-sheet.js';
import type { KnownMatch, MediaView } from './workbench-api.js';
import { useReveal } from './use-reveal.js';
import { atLimit, useWorkbench } from './workbench-context.js';
import { INTERNATIONAL_LABELS, NATIONAL_LABELS, WB, fill, labelOf } from './workbench-messages.js';

/** "A1, UK category A, baseline" for a known match's classification. */
export function classificationText(match: Pick<KnownMatch, 'classification'>): string {
  const { industry, uk, baseline } = match.classification;
  const parts = [
    industry,
    uk ? fill(WB.ukCategory, { c: uk }) : undefined,
    baseline ? WB.baseline : undefined,
  ];
  const text = parts.filter(Boolean).join(', ');
  return text || WB.unclassified;
}

/** Where an item stands after the assessments so far (the two-person rule, SECURITY.md §4.2). */
export function assessmentState(media: MediaView): 'published' | 'awaiting_second' | 'disagreement' | 'open' {
  if (media.status === 'published' || media.bankEntryIds.length > 0) return 'published';
  const statuses = new Set(media.assessments.map((a) => a.nationalStatus));
  if (statuses.size > 1) return 'disagreement';
  if (statuses.has('illegal')) return 'awaiting_second';
  return 'open';
}

/**
 * One captured item. Known (hash-matched) items are a label only, with no image at all. Others are
 * shown blurred and greyscale (CSS class `media--protected`) until the analyst reveals that one
 * item; a reveal is counted against the daily exposure limit and audited by the server. Reveal is
 * offered only when the server kept a preview: otherwise the thumbnail is all there is.
 */
export function MediaCard({
  media,
  onChanged,
  selected,
  onSelect,
}: {
  media: MediaView;
  onChanged: (media: MediaView) => void;
  /** Bulk selection (an item the analyst has not assessed yet): whether it is selected. */
  selected?: boolean;
  onSelect?: (selected: boolean) => void;
}) {
  const { exposure } = useWorkbench();
  const { revealed, previewUrl, revealing, error, reveal } = useReveal(media);
  const [assessing, setAssessing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const limitReached = atLimit(exposure);
  const titleId = `media-${media.id}-title`;

  if (media.previouslyAssessed || media.status === 'previously_assessed') {
    const match = media.knownMatch;
    return (
      <li
        className="wb-media wb-media--known"
        data-testid="media-item"
        data-media-id={media.id}
        data-status={media.status}
        aria-labelledby={titleId}
      >
        <h3 id={titleId} className="wb-media-title">
          {fill(WB.mediaLabel, { id: media.id })}
        </h3>
        <p className="wb-known" data-testid="previously-assessed">
          {match
            ? fill(WB.previouslyAssessed, {
                classification: classificationText(match),
                bank: match.bankName,
                distance: match.distance,
              })
            : fill(WB.previouslyAssessed, { classification: WB.unclassified, bank: '–', distance: '–' })}
        </p>
        <p className="wb-muted">{WB.previouslyAssessedNote}</p>
        <MediaFacts media={media} />
      </li>
    );
  }

  const protectedClass = revealed ? '' : ' media--protected';
  const alt = fill(revealed ? WB.mediaAltRevealed : WB.mediaAlt, { id: media.id });
  const isVideo = media.mediaType === 'video';
  const src = revealed && previewUrl ? previewUrl : media.thumbnailUrl;

  return (
    <li
      className="wb-media"
      data-testid="media-item"
      data-media-id={media.id}
      data-status={media.status}
      data-revealed={revealed}
      aria-labelledby={titleId}
    >
      <h3 id={titleId} className="wb-media-title">
        {onSelect && (
          <input
            type="checkbox"
            className="wb-select"
            checked={selected === true}
            aria-label={fill(WB.bulkSelect, { id: media.id })}
            data-testid="bulk-select"
            onChange={(event) => onSelect(event.target.checked)}
          />
        )}
        {fill(WB.mediaLabel, { id: media.id })}
        {isVideo && <VideoLabel sheet={media.contactSheet} />}
      </h3>
      <div className="wb-media-frame">
        {src === null ? (
          <span className="wb-no-thumb">{WB.noThumbnail}</span>
        ) : isVideo ? (
          // Videos: a contact sheet of still frames, never a player.
          <VideoContactSheet media={media} src={src} revealed={revealed} />
        ) : (
          <img
            className={`wb-media-img${protectedClass}`}
            data-testid="media-image"
            src={src}
            alt={alt}
            draggable={false}
            decoding="async"
            referrerPolicy="no-referrer"
          />
        )}
      </div>
      <div className="wb-media-actions">
        {!media.previewAvailable ? (
          // Nothing more than the blurred thumbnail exists: a "reveal" would show nothing new and
          // must not count against the analyst's exposure (the server refuses it too).
          <span className="wb-muted" data-testid="thumbnail-only">
            {WB.thumbnailOnly}
          </span>
        ) : revealed ? (
          <span className="wb-ok">{WB.revealed}</span>
        ) : (
          <button
            type="button"
            onClick={() => void reveal()}
            disabled={revealing || limitReached}
            aria-describedby={limitReached ? `media-${media.id}-limit` : undefined}
            data-testid="reveal"
          >
            {revealing ? WB.revealing : WB.reveal}
          </button>
        )}
        {limitReached && !revealed && media.previewAvailable && (
          <span id={`media-${media.id}-limit`} className="wb-muted">
            {WB.revealDisabled}
          </span>
        )}
      </div>
      {error && (
        <p className="wb-error" role="alert">
          {error}
        </p>
      )}
      <MediaFacts media={media} />
      <section className="wb-assessments" aria-label={WB.assessmentsTitle}>
        <AssessmentRecord media={media} />
        {media.myAssessment ? (
          <p className="wb-muted" data-testid="my-assessment">
            {WB.youAssessed}
          </p>
        ) : assessing ? (
          <AssessmentForm
            mediaId={media.id}
            onCancel={() => setAssessing(false)}
            onAssessed={(outcome) => {
              setAssessing(false);
              setNotice(WB.assessed);
              onChanged(outcome.media);
            }}
          />
        ) : (
          <button type="button" onClick={() => setAssessing(true)} data-testid="assess-open">
            {WB.assessOpen}
          </button>
        )}
        {notice && (
          <p className="wb-ok" role="status">
            {notice}
          </p>
        )}
      </section>
    </li>
  );
}

/** Size, source and hashes, folded (analysts rarely need them, evidence exports do). */
export function MediaFacts({ media }: { media: MediaView }) {
  return (
    <details className="wb-media-facts">
      <summary>{WB.hashes}</summary>
      <dl className="wb-facts">
        {media.width != null && media.height != null && (
          <>
            <dt>{WB.size}</dt>
            <dd>{fill(WB.dimensions, { w: media.width, h: media.height })}</dd>
          </>
        )}
        <dt>{WB.source}</dt>
        <dd>
          <code className="wb-url-text">{media.sourceUrl}</code>
        </dd>
        <dt>MD5</dt>
        <dd>
          <code>{media.md5}</code>
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <code className="wb-hash">{media.sha256}</code>
        </dd>
        {media.pdq && (
          <>
            <dt>PDQ</dt>
            <dd>
              <code className="wb-hash">{media.pdq}</code>{' '}
              {fill(WB.pdqQuality, { q: media.pdqQuality ?? '–' })}
            </dd>
          </>
        )}
      </dl>
    </details>
  );
}

/** The assessments recorded so far and where the item stands under the four-eyes rule. */
export function AssessmentRecord({ media }: { media: MediaView }) {
  const state = assessmentState(media);
  return (
    <>
      {media.assessments.length === 0 ? (
        <p className="wb-muted">{WB.noAssessments}</p>
      ) : (
        <ul>
          {media.assessments.map((a) => (
            <li key={`${a.analystId}-${a.assessedAt}`} data-testid="assessment">
              {fill(WB.assessmentBy, {
                name: a.analystName,
                national: labelOf(NATIONAL_LABELS, a.nationalStatus),
                international: labelOf(INTERNATIONAL_LABELS, a.internationalStatus),
              })}
            </li>
          ))}
        </ul>
      )}
      <p data-testid="assessment-state" data-state={state} className={`wb-state wb-state--${state}`}>
        {state === 'published' &&
          fill(WB.published, { ids: media.bankEntryIds.map((id) => `#${id}`).join(', ') })}
        {state === 'awaiting_second' && WB.awaitingSecond}
        {state === 'disagreement' && WB.disagreement}
      </p>
    </>
  );
}
