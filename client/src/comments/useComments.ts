import type { CommentThread } from '@copydesk/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchComments } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { useDeskConnectCount, useDeskEvent } from '../presence/usePresence';

export type CommentsState =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; threads: CommentThread[] };

export interface StoryComments {
  state: CommentsState;
  unresolved: number;
  reload: () => void;
  /** Puts a thread the API answered with into the list (replacing the older copy). */
  upsert: (thread: CommentThread) => void;
}

/** After an edit to the story, threads (anchor positions and states) are re-read this much later. */
const ANCHOR_REFRESH_MS = 1_500;

const upsertThread = (threads: CommentThread[], thread: CommentThread): CommentThread[] => {
  const at = threads.findIndex((t) => t.threadId === thread.threadId);
  if (at === -1) return [thread, ...threads];
  // A late event must not undo a newer answer.
  const known = threads[at];
  if (known && known.lastActivityAt > thread.lastActivityAt) return threads;
  const next = [...threads];
  next[at] = thread;
  return next;
};

/** One story's comment threads, live (comment:new / comment:updated on the desk channel). */
export function useComments(storyId: string): StoryComments {
  const [state, setState] = useState<CommentsState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const connects = useDeskConnectCount();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` and `connects` re-run the load.
  useEffect(() => {
    const controller = new AbortController();
    fetchComments(storyId, controller.signal)
      .then(({ threads }) => {
        if (!controller.signal.aborted) setState({ kind: 'ok', threads });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState((current) =>
          current.kind === 'ok' ? current : { kind: 'error', message: errorMessage(error) },
        );
      });
    return () => controller.abort();
  }, [storyId, attempt, connects]);

  // Edits move anchors (a removed takeaway orphans its threads): re-read after edits settle.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  const onActivity = (entry: { storyId: string }) => {
    if (entry.storyId !== storyId) return;
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => setAttempt((n) => n + 1), ANCHOR_REFRESH_MS);
  };
  useDeskEvent('activity:new', onActivity);
  useDeskEvent('activity:updated', onActivity);

  const upsert = useCallback((thread: CommentThread) => {
    setState((current) =>
      current.kind === 'ok'
        ? { kind: 'ok', threads: upsertThread(current.threads, thread) }
        : current,
    );
  }, []);
  useDeskEvent('comment:new', (payload) => {
    if (payload.storyId === storyId) upsert(payload.thread);
  });
  useDeskEvent('comment:updated', (payload) => {
    if (payload.storyId === storyId) upsert(payload.thread);
  });

  const reload = useCallback(() => {
    setState({ kind: 'loading' });
    setAttempt((n) => n + 1);
  }, []);
  const unresolved = state.kind === 'ok' ? state.threads.filter((t) => !t.resolved).length : 0;
  return { state, unresolved, reload, upsert };
}
