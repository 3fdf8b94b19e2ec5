// Desk events other than presence (activity, comments, mentions) and their listeners.
import type { DeskServerToClientEvents } from '@copydesk/shared';

/** Desk-channel events forwarded to `onLive` listeners. */
export const LIVE_EVENTS = [
  'activity:new',
  'activity:updated',
  'comment:new',
  'comment:updated',
  'mention:new',
] as const satisfies readonly (keyof DeskServerToClientEvents)[];
export type LiveEventName = (typeof LIVE_EVENTS)[number];
export type LiveListener<E extends LiveEventName> = (
  payload: Parameters<DeskServerToClientEvents[E]>[0],
) => void;

/** Listeners per live event; one throwing listener does not stop the others. */
export class LiveEventListeners {
  private readonly listeners = new Map<LiveEventName, Set<(payload: unknown) => void>>();

  add<E extends LiveEventName>(event: E, listener: LiveListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const stored = listener as unknown as (payload: unknown) => void;
    set.add(stored);
    return () => set.delete(stored);
  }

  dispatch(event: LiveEventName, payload: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error(error);
      }
    }
  }
}
