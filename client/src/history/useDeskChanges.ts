import type { ChangedSince } from '@copydesk/shared';
import { useEffect, useState } from 'react';
import { fetchDeskChanges } from '../api/endpoints';
import { historyMissing, noteHistoryError } from './availability';

const REFRESH_MS = 15_000;

/** "Changed since you last looked", per story id, for the desk list (empty without history). */
export function useDeskChanges(): ReadonlyMap<string, ChangedSince> {
  const [changes, setChanges] = useState<ReadonlyMap<string, ChangedSince>>(new Map());
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      if (historyMissing()) return;
      try {
        const { stories } = await fetchDeskChanges(controller.signal);
        if (controller.signal.aborted) return;
        setChanges(new Map(stories.map((s) => [s.storyId, s])));
      } catch (error) {
        if (controller.signal.aborted || noteHistoryError(error)) return;
      }
      timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    const onVisible = () => {
      if (document.hidden) return;
      clearTimeout(timer);
      void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return changes;
}
