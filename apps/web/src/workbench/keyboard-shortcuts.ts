// Keyboard shortcuts of the report page (issue 17): the common paths of assessing many items
// without the mouse. One table holds every key, what it does (the help overlay and the on-screen
// legend read it) and its `aria-keyshortcuts` value, so what the page says and what it does
// cannot drift apart.
import { useEffect, useRef } from 'react';
import type { InternationalStatus, NationalStatus } from './workbench-vocabulary.js';

/** What a shortcut does. */
export type ShortcutAction =
  | 'next'
  | 'previous'
  | 'reveal'
  | 'select'
  | 'selectAll'
  | 'bulk'
  | 'openStage'
  | 'close'
  | 'help'
  | 'submit'
  | 'preset';

/** One documented shortcut: the keys shown, and the value of `aria-keyshortcuts`. */
export interface Shortcut {
  readonly action: ShortcutAction;
  /** The keys as the page shows them (each in a <kbd>). */
  readonly keys: readonly string[];
  /** ARIA's spelling of the same keys (space-separated alternatives). */
  readonly aria: string;
}

/** Every shortcut of the report page, in the order the help lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'openStage', keys: ['F'], aria: 'F' },
  { action: 'next', keys: ['J', '→'], aria: 'J ArrowRight' },
  { action: 'previous', keys: ['K', '←'], aria: 'K ArrowLeft' },
  { action: 'reveal', keys: ['V'], aria: 'V' },
  { action: 'preset', keys: ['1', '…', '5'], aria: '1 2 3 4 5' },
  { action: 'submit', keys: ['Ctrl', 'Enter'], aria: 'Control+Enter' },
  { action: 'select', keys: ['X'], aria: 'X' },
  { action: 'selectAll', keys: ['A'], aria: 'A' },
  { action: 'bulk', keys: ['B'], aria: 'B' },
  { action: 'close', keys: ['Esc'], aria: 'Escape' },
  { action: 'help', keys: ['?'], aria: 'Shift+?' },
];

/** The `aria-keyshortcuts` value of an action. */
export function ariaKeys(action: ShortcutAction): string {
  return SHORTCUTS.find((s) => s.action === action)!.aria;
}

/**
 * The usual classifications, on keys 1 to 5: both statuses at once. The fields that describe
 * what is seen (age band, sex, confidence) stay the analyst's to choose for each item.
 */
export const CLASSIFICATION_PRESETS: readonly {
  readonly key: string;
  readonly nationalStatus: NationalStatus;
  readonly internationalStatus: InternationalStatus;
}[] = [
  { key: '1', nationalStatus: 'illegal', internationalStatus: 'baseline' },
  { key: '2', nationalStatus: 'illegal', internationalStatus: 'not_baseline' },
  { key: '3', nationalStatus: 'not_illegal', internationalStatus: 'not_baseline' },
  { key: '4', nationalStatus: 'borderline_needs_review', internationalStatus: 'not_baseline' },
  { key: '5', nationalStatus: 'unable_to_assess', internationalStatus: 'not_baseline' },
];

/** Input types in which a key press is text, not a command. */
const TEXT_INPUT_TYPES = new Set([
  'text',
  'search',
  'email',
  'url',
  'tel',
  'password',
  'number',
  'date',
  'datetime-local',
  'month',
  'week',
  'time',
]);

/**
 * Whether a key press lands where the analyst is typing: a text input, a text area, a select
 * (letters pick options there) or an editable element. Shortcuts never fire there.
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const element = target as HTMLElement;
  const tag = element.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag === 'input') return TEXT_INPUT_TYPES.has((element as HTMLInputElement).type.toLowerCase());
  return element.isContentEditable;
}

/** The action of a key press, or null (also for any press while typing, or with Alt/Meta). */
export function actionOf(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target'>,
):
  | { readonly action: Exclude<ShortcutAction, 'preset'> }
  | { readonly action: 'preset'; readonly index: number }
  | null {
  if (event.altKey || event.metaKey) return null;
  // Ctrl+Enter records the form: a deliberate chord, never typed text, so it works from any field.
  if (event.ctrlKey) return event.key === 'Enter' ? { action: 'submit' } : null;
  if (event.key === 'Escape') return { action: 'close' };
  if (isTypingTarget(event.target)) return null;
  const preset = CLASSIFICATION_PRESETS.findIndex((p) => p.key === event.key);
  if (preset >= 0) return { action: 'preset', index: preset };
  switch (event.key) {
    case 'j':
    case 'J':
    case 'ArrowRight':
      return { action: 'next' };
    case 'k':
    case 'K':
    case 'ArrowLeft':
      return { action: 'previous' };
    case 'v':
    case 'V':
      return { action: 'reveal' };
    case 'x':
    case 'X':
      return { action: 'select' };
    case 'a':
    case 'A':
      return { action: 'selectAll' };
    case 'b':
    case 'B':
      return { action: 'bulk' };
    case 'f':
    case 'F':
      return { action: 'openStage' };
    case '?':
      return { action: 'help' };
    default:
      return null;
  }
}

/** A handler of shortcuts: returns true when it acted (the key's default is then prevented). */
export type ShortcutHandler = (
  shortcut: NonNullable<ReturnType<typeof actionOf>>,
  event: KeyboardEvent,
) => boolean;

/**
 * Listens for the page's shortcuts while mounted. The latest handler is always the one called
 * (no stale state), and a press the handler does not use keeps its default behaviour.
 */
export function useShortcuts(handler: ShortcutHandler): void {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.repeat) return;
      // Escape in a field leaves the field (a second Escape then closes): what was typed stays.
      if (event.key === 'Escape' && isTypingTarget(event.target)) {
        (event.target as HTMLElement).blur();
        event.preventDefault();
        return;
      }
      const shortcut = actionOf(event);
      // Arrow keys move between radio buttons: left to them there.
      if (
        shortcut &&
        (event.key === 'ArrowLeft' || event.key === 'ArrowRight') &&
        event.target instanceof HTMLInputElement
      )
        return;
      if (shortcut && latest.current(shortcut, event)) event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
