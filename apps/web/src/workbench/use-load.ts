import { useCallback, useEffect, useState } from 'react';

/** The state of a load: data once it came, or the error of the last try. */
export interface Loaded<T> {
  readonly data: T | null;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again (after a change, or on "Refresh"). */
  readonly reload: () => void;
  /** Replaces the data with a newer copy the server returned (after a POST). */
  readonly replace: (data: T) => void;
}

/** Runs `load` on mount and whenever `key` changes; late answers of an older key are dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  // `load` is a new closure on every render; `key` says when it really changed.
  const stableLoad = useCallback(load, [key]);
  useEffect(() => {
    let current = true;
    setLoading(true);
    stableLoad().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (!current) return;
        setError(caught);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [stableLoad, round]);
  return {
    data,
    error,
    loading,
    reload: useCallback(() => setRound((n) => n + 1), []),
    replace: useCallback((value: T) => setData(value), []),
  };
}
