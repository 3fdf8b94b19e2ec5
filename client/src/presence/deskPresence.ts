import {
  type Activity,
  applyPresenceChange,
  applyPresenceSnapshot,
  applyPresenceStatus,
  DeskEvent,
  emptyPresenceState,
  type FieldRef,
  type PresenceState,
  type PresenceUpdate,
} from '@copydesk/shared';
import { DeskConnection } from './deskConnection';
import {
  LIVE_EVENTS,
  LiveEventListeners,
  type LiveEventName,
  type LiveListener,
} from './deskLiveEvents';
import { IdleTracker } from './idleTracker';

export { LIVE_EVENTS, type LiveEventName, type LiveListener } from './deskLiveEvents';
export { IDLE_AFTER_MS } from './idleTracker';

/**
 * `connecting`/`connected`/`offline` (lost, reconnecting); `unavailable`: this server has no
 * desk channel, or it refused us for good; presence is simply not shown.
 */
export type DeskLink = 'connecting' | 'connected' | 'offline' | 'unavailable';

export interface DeskPresenceView {
  link: DeskLink;
  presence: PresenceState;
}

interface Location {
  storyId: string | null;
  field: FieldRef | null;
  typing: boolean;
}

/**
 * This tab's link to the desk channel (Socket.IO, see shared/src/desk-events.ts): it keeps the
 * desk's presence (who is in which story and field, typing or idle) and publishes ours.
 * One per tab; the session rides on the HttpOnly cookie sent with the WebSocket handshake.
 */
export class DeskPresence {
  private view: DeskPresenceView = { link: 'connecting', presence: emptyPresenceState() };
  private readonly listeners = new Set<() => void>();
  private readonly liveListeners = new LiveEventListeners();
  private location: Location = { storyId: null, field: null, typing: false };
  private readonly idle = new IdleTracker(() => this.publish());
  private readonly connection = new DeskConnection({
    connected: () => {
      // The server starts every connection on the desk, active: tell it where we are.
      this.lastSent = null;
      this.setView({ ...this.view, link: 'connected' });
      this.publish();
    },
    lost: () => {
      this.lastSent = null;
      // Stale avatars are worse than none: the snapshot after reconnecting brings them back.
      this.setView({ link: 'offline', presence: emptyPresenceState() });
    },
    retrying: () => this.setView({ ...this.view, link: 'offline' }),
    unavailable: () => this.setView({ link: 'unavailable', presence: emptyPresenceState() }),
  });
  private lastSent: string | null = null;
  private stopped = true;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const socket = this.connection.open();
    socket.on(DeskEvent.presenceSnapshot, (snapshot) =>
      this.setPresence(applyPresenceSnapshot(this.view.presence, snapshot)),
    );
    socket.on(DeskEvent.presenceChanged, (change) =>
      this.setPresence(applyPresenceChange(this.view.presence, change)),
    );
    socket.on(DeskEvent.presenceStatus, (status) =>
      this.setPresence(applyPresenceStatus(this.view.presence, status)),
    );
    for (const name of LIVE_EVENTS) {
      socket.on(name, (payload: unknown) => this.liveListeners.dispatch(name, payload));
    }
    this.idle.start();
    socket.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.idle.stop();
    this.connection.close();
    this.lastSent = null;
    this.setView({ link: 'connecting', presence: emptyPresenceState() });
  }

  /** Where this tab is: the desk (`null`) or a story. Entering a story starts with no field. */
  setStory(storyId: string | null): void {
    if (this.location.storyId === storyId) return;
    this.location = { storyId, field: null, typing: false };
    this.publish();
  }

  /** The focused field of the open story, and whether the person is typing in it. */
  setFocus(storyId: string, field: FieldRef | null, typing: boolean): void {
    if (this.location.storyId !== storyId) return;
    if (typing) this.idle.touch();
    this.location = { storyId, field, typing };
    this.publish();
  }

  /**
   * Desk events other than presence (activity, comments, mentions), as the server sends them.
   * The payload types are the shared event maps'; listeners must not throw.
   */
  onLive<E extends LiveEventName>(event: E, listener: LiveListener<E>): () => void {
    return this.liveListeners.add(event, listener);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): DeskPresenceView => this.view;

  private activity(): Activity {
    if (this.idle.isIdle()) return 'idle';
    return this.location.typing && this.location.storyId ? 'typing' : 'active';
  }

  private publish(): void {
    const socket = this.connection.socket;
    if (!socket?.connected) return;
    const { storyId, field } = this.location;
    const update: PresenceUpdate = {
      storyId,
      field: storyId ? field : null,
      activity: this.activity(),
    };
    const key = JSON.stringify(update);
    if (key === this.lastSent) return;
    this.lastSent = key;
    socket.emit(DeskEvent.presenceUpdate, update, (result) => {
      // Refused (e.g. the story was deleted meanwhile): send again at the next change.
      if (!result.ok && this.lastSent === key) this.lastSent = null;
    });
  }

  private setPresence(presence: PresenceState): void {
    if (presence !== this.view.presence) this.setView({ ...this.view, presence });
  }

  private setView(view: DeskPresenceView): void {
    this.view = view;
    for (const listener of this.listeners) listener();
  }
}

/** The tab's one desk link (module state: the desk and the editor share it across routes). */
export const deskPresence = new DeskPresence();
