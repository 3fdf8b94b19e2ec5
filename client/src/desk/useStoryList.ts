import type { StorySummary } from '@copydesk/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { listStories } from '../api/endpoints';
import { errorMessage } from '../api/http';

/** The desk refreshes on a timer until the live desk channel replaces polling. */
const REFRESH_MS = 5_000;

export interface StoryListState {
  stories: StorySummary[] | null;
  /** Set when the last load failed; stories keep the last good list. */
  error: string | null;
  reload: () => void;
}

export function useStoryList(): StoryListState {
  const [stories, setStories] = useState<StorySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const inFlight = useRef<AbortController | null>(null);

  const load = useCallback(async () => {
    // A slow response must not overwrite a newer one.
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    try {
      const list = await listStories(controller.signal);
      setStories(list);
      setError(null);
    } catch (caught) {
      if (!controller.signal.aborted) setError(errorMessage(caught));
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` restarts polling on retry.
  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      // A hidden tab need not poll; it refreshes as soon as it is shown again.
      if (!document.hidden) void load();
    }, REFRESH_MS);
    const onVisible = () => {
      if (!document.hidden) void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      inFlight.current?.abort();
    };
  }, [load, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { stories, error, reload };
}
