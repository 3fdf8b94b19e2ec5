import type { VersionListResponse } from '@copydesk/shared';
import { useCallback, useEffect, useState } from 'react';
import { listVersions } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { historyMissing, noteHistoryError } from './availability';

/** While the History tab is open, the list is re-read this often (versions come by themselves). */
const REFRESH_MS = 10_000;

export type VersionsState =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; list: VersionListResponse; refreshError: string | null };

export function useVersions(storyId: string): { state: VersionsState; reload: () => void } {
  const [state, setState] = useState<VersionsState>(() =>
    historyMissing() ? { kind: 'missing' } : { kind: 'loading' },
  );
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` re-reads on demand.
  useEffect(() => {
    if (historyMissing()) {
      setState({ kind: 'missing' });
      return;
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      clearTimeout(timer);
      try {
        const list = await listVersions(storyId, controller.signal);
        if (controller.signal.aborted) return;
        setState({ kind: 'ok', list, refreshError: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (noteHistoryError(error)) {
          setState({ kind: 'missing' });
          return;
        }
        const message = errorMessage(error);
        setState((previous) =>
          previous.kind === 'ok'
            ? { ...previous, refreshError: message }
            : { kind: 'error', message },
        );
      }
      timer = setTimeout(() => {
        if (!document.hidden) void load();
        else timer = setTimeout(load, REFRESH_MS);
      }, REFRESH_MS);
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [storyId, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { state, reload };
}
