import { type PublicUser, type UserPresence, usersInStory } from '@copydesk/shared';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import {
  type DeskPresenceView,
  deskPresence,
  type LiveEventName,
  type LiveListener,
} from './deskPresence';

/** The desk's presence as this tab knows it, live. */
export const useDeskPresence = (): DeskPresenceView =>
  useSyncExternalStore(deskPresence.subscribe, deskPresence.getView);

/** Keeps the tab's desk link open while someone is signed in. */
export function useDeskPresenceLink(user: PublicUser | null): void {
  const userId = user?.id ?? null;
  useEffect(() => {
    if (!userId) return;
    deskPresence.start();
    return () => deskPresence.stop();
  }, [userId]);
}

/** Tells the desk which story this tab shows (`null`: the desk list). */
export function useReportLocation(storyId: string | null): void {
  useEffect(() => {
    deskPresence.setStory(storyId);
  }, [storyId]);
}

const RANK = { typing: 0, active: 1, idle: 2 } as const;

/** People with a tab in `storyId`, the most active first, then by name (stable order). */
export function usePeopleInStory(storyId: string): UserPresence[] {
  const { presence } = useDeskPresence();
  return useMemo(() => {
    const activityIn = (p: UserPresence) => {
      const tabs = p.sessions.filter((s) => s.storyId === storyId);
      return Math.min(...tabs.map((s) => RANK[s.activity]));
    };
    return usersInStory(presence, storyId).sort(
      (a, b) =>
        activityIn(a) - activityIn(b) || a.user.displayName.localeCompare(b.user.displayName),
    );
  }, [presence, storyId]);
}

/**
 * Runs `handler` for every desk event `event` (activity, comments, mentions) while mounted;
 * the latest handler is used, so callers need not memoise it.
 */
export function useDeskEvent<E extends LiveEventName>(event: E, handler: LiveListener<E>): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => deskPresence.onLive(event, (payload) => latest.current(payload)), [event]);
}

/** Counts up each time the desk link (re)connects, so views can refetch what they missed. */
export function useDeskConnectCount(): number {
  const { link } = useDeskPresence();
  const count = useRef(0);
  const last = useRef(link);
  if (link !== last.current) {
    if (link === 'connected') count.current += 1;
    last.current = link;
  }
  return count.current;
}
