import { createContext, useContext } from 'react';
import type { Exposure, Session, WorkbenchApi } from './workbench-api.js';

/** What every view of the signed-in workbench shares. */
export interface WorkbenchContextValue {
  readonly api: WorkbenchApi;
  readonly session: Session;
  /** Today's reveals, updated after every reveal (the header and every reveal button read it). */
  readonly exposure: Exposure;
  readonly setExposure: (exposure: Exposure) => void;
}

/** Provided by the signed-in shell. */
export const WorkbenchContext = createContext<WorkbenchContextValue | null>(null);

/** The shared workbench state; only inside the signed-in shell. */
export function useWorkbench(): WorkbenchContextValue {
  const value = useContext(WorkbenchContext);
  if (!value) throw new Error('useWorkbench() outside the signed-in workbench');
  return value;
}

/** Whether the analyst has used up today's reveals. */
export function atLimit(exposure: Exposure): boolean {
  return exposure.today >= exposure.dailyLimit;
}

/** Whether the analyst should be nudged to take a break. */
export function atWarning(exposure: Exposure): boolean {
  return exposure.today >= exposure.warnAt && !atLimit(exposure);
}
