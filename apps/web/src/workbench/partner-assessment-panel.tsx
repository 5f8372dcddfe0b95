import type { PartnerAssessments } from './workbench-api.js';
import { useWorkbench } from './workbench-context.js';
import { useLoad } from './use-load.js';
import {
  AGE_BAND_LABELS,
  FLAG_LABELS,
  INTERNATIONAL_LABELS,
  NATIONAL_LABELS,
  ORIGIN_LABELS,
  SELF_GENERATED_LABELS,
  SEX_LABELS,
  WB,
  fill,
  formatUtc,
  labelOf,
} from './workbench-messages.js';
import { classificationText } from './media-card.js';
import { errorMessage } from './sign-in-view.js';

/**
 * What a partner hotline said about a case it forwarded (issue 5 part 2): its classification and
 * assessment summary per item, and which media captured here carry the same material. Only for
 * reports that came in through the exchange; never any media from the partner (none is sent).
 */
export function PartnerAssessmentPanel({ reportId }: { reportId: string }) {
  const { api } = useWorkbench();
  const loaded = useLoad(() => api.partnerAssessments(reportId), reportId);
  const view: PartnerAssessments | null = loaded.data;
  return (
    <section aria-labelledby="partner-title" className="wb-card" data-testid="partner-assessments">
      <h2 id="partner-title">{WB.partnerTitle}</h2>
      <p className="wb-muted">{WB.partnerIntro}</p>
      {loaded.error != null && (
        <p className="wb-error" role="alert">
          {errorMessage(loaded.error)}
        </p>
      )}
      {view && (
        <>
          <dl className="wb-facts wb-facts--inline">
            <dt>{WB.partnerSender}</dt>
            <dd>
              {view.sender.name} ({view.sender.country})
            </dd>
            <dt>{WB.partnerReference}</dt>
            <dd>
              <code>{view.reference}</code>
            </dd>
            <dt>{WB.partnerSentAt}</dt>
            <dd>{formatUtc(view.sentAt)}</dd>
          </dl>
          <ol className="wb-partner-items">
            {view.items.map((item, i) => (
              <li key={item.sha256} data-testid="partner-item">
                <h3>{fill(WB.partnerItem, { n: i + 1 })}</h3>
                {item.url && <code className="wb-url-text">{item.url}</code>}
                <p>
                  <strong>{classificationText({ classification: item.classification })}</strong>
                  {item.knownMaterial && <span className="wb-badge">{WB.partnerKnown}</span>}
                </p>
                {item.assessment && (
                  <p>
                    {[
                      labelOf(NATIONAL_LABELS, item.assessment.nationalStatus),
                      labelOf(INTERNATIONAL_LABELS, item.assessment.internationalStatus),
                      labelOf(AGE_BAND_LABELS, item.assessment.ageBand),
                      labelOf(SEX_LABELS, item.assessment.sex),
                      `"self-generated": ${labelOf(SELF_GENERATED_LABELS, item.assessment.selfGenerated)}`,
                      labelOf(ORIGIN_LABELS, item.assessment.contentOrigin),
                      ...item.assessment.flags.map((f) => labelOf(FLAG_LABELS, f)),
                    ].join(' · ')}{' '}
                    <span className="wb-muted">
                      (
                      {fill(WB.partnerAssessedBy, {
                        n: item.assessment.assessedBy,
                        law: item.assessment.jurisdiction,
                      })}
                      )
                    </span>
                  </p>
                )}
                <p data-testid="partner-item-match">
                  {item.matches.length > 0
                    ? fill(WB.partnerMatches, {
                        ids: item.matches.map((m) => `#${m.mediaId} (${m.by})`).join(', '),
                      })
                    : WB.partnerNoMatch}
                </p>
                <details>
                  <summary>{WB.partnerHashes}</summary>
                  <dl className="wb-hashes">
                    <dt>SHA-256</dt>
                    <dd>
                      <code>{item.sha256}</code>
                    </dd>
                    <dt>MD5</dt>
                    <dd>
                      <code>{item.md5}</code>
                    </dd>
                    {item.pdq && (
                      <>
                        <dt>PDQ</dt>
                        <dd>
                          <code>{item.pdq}</code> ({item.pdqQuality})
                        </dd>
                      </>
                    )}
                  </dl>
                </details>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
