import {
  LOCKED_STATUSES,
  type PublicUser,
  type StatusChangeResponse,
  type StoryStatus,
  type StoryView,
} from '@copydesk/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchStory, listVersions } from '../api/endpoints';
import { historyMissing, noteHistoryError } from '../history/availability';

/**
 * Until the desk channel carries status events, an open story re-reads its status this often
 * (and at once when the tab becomes visible again).
 */
export const STATUS_POLL_MS = 3_000;

/** How the story reached its current status, as far as this tab knows. */
export interface StatusMove {
  /** The status the move led to (the note is only shown while it is still current). */
  to: StoryStatus;
  /** Display name of who made the move; null when unknown. */
  byName: string | null;
  /** Whether the signed-in person made it. */
  byMe: boolean;
  /** ISO time of the move; null when unknown. */
  at: string | null;
}

export type LoadState =
  | { kind: 'loading' }
  | { kind: 'ok'; story: StoryView }
  | { kind: 'error'; error: unknown };

export interface LiveStory {
  state: LoadState;
  move: StatusMove | null;
  retry: () => void;
  /** Applies the answer of this tab's own workflow move. */
  applyChange: (response: StatusChangeResponse) => void;
  /** Re-reads the story now (e.g. after a 409 or a closed sync socket). */
  refresh: () => void;
}

/** The versions API, when the server has it, says who made the newest workflow move. */
const lookUpMove = async (
  storyId: string,
  status: StoryStatus,
  user: PublicUser,
  signal: AbortSignal,
): Promise<StatusMove | null> => {
  const { versions } = await listVersions(storyId, signal);
  const version = versions.find((v) => v.reason === 'status' && v.status === status);
  if (!version) return null;
  const by = version.createdBy;
  return {
    to: status,
    byName: by?.displayName ?? null,
    byMe: by?.id === user.id,
    at: version.createdAt,
  };
};

/**
 * The story's server-owned state (status, updatedAt) for an open editor: loaded once, kept
 * live by polling, and updated at once by this tab's own workflow moves.
 */
export function useLiveStory(storyId: string, user: PublicUser): LiveStory {
  const [state, setState] = useState<LoadState>({ kind: 'loading' });
  const [move, setMove] = useState<StatusMove | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [tick, setTick] = useState(0);
  /** Bumped by every local move, so a poll that started before it cannot undo it. */
  const generation = useRef(0);
  const lookedUp = useRef<string | null>(null);
  const refreshRef = useRef<() => void>(() => {});

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load on Retry.
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = true;
    const load = async () => {
      clearTimeout(timer);
      const started = generation.current;
      try {
        const story = await fetchStory(storyId, controller.signal);
        if (controller.signal.aborted || started !== generation.current) return;
        setState((previous) =>
          previous.kind === 'ok' && sameView(previous.story, story)
            ? previous
            : { kind: 'ok', story },
        );
      } catch (error) {
        if (controller.signal.aborted) return;
        // A failed refresh keeps the last good view and tries again at the next tick; only
        // the first load shows an error.
        if (first) {
          setState({ kind: 'error', error });
          return;
        }
      }
      first = false;
      if (!controller.signal.aborted) timer = setTimeout(poll, STATUS_POLL_MS);
    };
    const poll = () => {
      if (document.hidden) timer = setTimeout(poll, STATUS_POLL_MS);
      else void load();
    };
    const onVisible = () => {
      if (!document.hidden) void load();
    };
    refreshRef.current = () => void load();
    setState({ kind: 'loading' });
    void load();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
      refreshRef.current = () => {};
    };
  }, [storyId, attempt]);

  // Who made the move into a locked status, when this tab did not see it happen.
  const status = state.kind === 'ok' ? state.story.status : null;
  useEffect(() => {
    if (!status || !LOCKED_STATUSES.includes(status) || historyMissing()) return;
    if (move?.to === status) return;
    const key = `${status}:${tick}`;
    if (lookedUp.current === key) return;
    lookedUp.current = key;
    const controller = new AbortController();
    lookUpMove(storyId, status, user, controller.signal)
      .then((found) => {
        if (!controller.signal.aborted && found) setMove(found);
      })
      .catch(noteHistoryError);
    return () => controller.abort();
  }, [status, move, storyId, user, tick]);

  const applyChange = useCallback(
    (response: StatusChangeResponse) => {
      generation.current += 1;
      const { statusChange, ...story } = response;
      setState({ kind: 'ok', story });
      setMove({
        to: statusChange.to,
        byName: statusChange.by === user.id ? user.displayName : null,
        byMe: statusChange.by === user.id,
        at: statusChange.at,
      });
    },
    [user],
  );

  const refresh = useCallback(() => {
    setTick((n) => n + 1);
    refreshRef.current();
  }, []);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, move, retry, applyChange, refresh };
}

/**
 * The editor uses the view for its status only (the text is live in the Y.Doc), so a poll that
 * brings the same status keeps the old object and re-renders nothing.
 */
const sameView = (a: StoryView, b: StoryView): boolean => a.id === b.id && a.status === b.status;
