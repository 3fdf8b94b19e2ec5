import { type ActivityEntry, upsertActivity } from '@copydesk/shared';
import { useCallback, useEffect, useState } from 'react';
import { fetchStoryActivity } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { useDeskConnectCount, useDeskEvent } from '../presence/usePresence';

export type StoryActivityState =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; entries: ActivityEntry[] };

export interface StoryActivity {
  state: StoryActivityState;
  reload: () => void;
}

/** One story's activity feed, newest first, kept live by the desk channel. */
export function useStoryActivity(storyId: string): StoryActivity {
  const [state, setState] = useState<StoryActivityState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // Events missed while the desk link was down are fetched again after it reconnects.
  const connects = useDeskConnectCount();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` and `connects` re-run the load.
  useEffect(() => {
    const controller = new AbortController();
    fetchStoryActivity(storyId, controller.signal)
      .then(({ entries }) => {
        if (controller.signal.aborted) return;
        // Live entries that arrived while loading are kept (upsert by id).
        setState((current) => {
          let merged = entries;
          if (current.kind === 'ok') {
            for (const entry of current.entries) merged = upsertActivity(merged, entry);
          }
          return { kind: 'ok', entries: merged };
        });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState((current) =>
          current.kind === 'ok' ? current : { kind: 'error', message: errorMessage(error) },
        );
      });
    return () => controller.abort();
  }, [storyId, attempt, connects]);

  const onEntry = (entry: ActivityEntry) => {
    if (entry.storyId !== storyId) return;
    setState((current) =>
      current.kind === 'ok'
        ? { kind: 'ok', entries: upsertActivity(current.entries, entry) }
        : current,
    );
  };
  useDeskEvent('activity:new', onEntry);
  useDeskEvent('activity:updated', onEntry);

  const reload = useCallback(() => {
    setState({ kind: 'loading' });
    setAttempt((n) => n + 1);
  }, []);
  return { state, reload };
}

/** Authors with an entry in this story whose latest edit is within `windowMs` of `now`. */
export const recentAuthors = (
  entries: readonly ActivityEntry[],
  now: number,
  windowMs: number,
): Set<string> => {
  const recent = new Set<string>();
  for (const entry of entries) {
    if (entry.kind === 'status' || entry.field === 'status') continue;
    if (now - Date.parse(entry.lastAt) <= windowMs) recent.add(entry.userId);
  }
  return recent;
};
