// The line under an action saying what happened (status) or what went wrong (alert), shared by
// the forwarding and takedown sections.
import { useEffect, useRef } from 'react';

/** What an action did, in words; `error` makes it an alert. */
export type Outcome = { readonly text: string; readonly error: boolean } | null;

/**
 * Shows an outcome. With `focus`, it takes the keyboard focus when it appears: for actions whose
 * control goes away or is disabled afterwards (a sent notice's form, "Create referrals" once all
 * are recorded), so keyboard and screen-reader users are not left on nothing.
 */
export function ActionOutcome({
  outcome,
  testId,
  focus = false,
}: {
  outcome: NonNullable<Outcome>;
  testId?: string;
  focus?: boolean;
}) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus, outcome]);
  return (
    <p
      ref={ref}
      tabIndex={focus ? -1 : undefined}
      className={`wb-outcome ${outcome.error ? 'wb-error' : 'wb-ok'}`}
      role={outcome.error ? 'alert' : 'status'}
      data-testid={testId}
    >
      {outcome.text}
    </p>
  );
}
