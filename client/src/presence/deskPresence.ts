import {
  type Activity,
  applyPresenceChange,
  applyPresenceSnapshot,
  applyPresenceStatus,
  DESK_SOCKET_PATH,
  DESK_TRANSPORTS,
  type DeskClientToServerEvents,
  type DeskConnectErrorData,
  DeskEvent,
  type DeskServerToClientEvents,
  ErrorCode,
  emptyPresenceState,
  type FieldRef,
  type PresenceState,
  type PresenceUpdate,
} from '@copydesk/shared';
import { io, type Socket } from 'socket.io-client';

/** No input for this long (or a hidden tab) makes you idle. */
export const IDLE_AFTER_MS = 60_000;
/** After the server ended the connection (not a network drop), try again this much later. */
const RECONNECT_AFTER_KICK_MS = 10_000;

type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

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

const isConnectErrorData = (value: unknown): value is DeskConnectErrorData =>
  typeof value === 'object' && value !== null && 'code' in value && 'message' in value;

/**
 * Is anything serving the desk channel? Without it the SPA fallback answers this URL with the
 * app's HTML; with it, engine.io answers (an error, since only WebSocket is allowed).
 */
const channelMounted = async (): Promise<boolean> => {
  try {
    const response = await fetch(`${DESK_SOCKET_PATH}/?EIO=4&transport=polling`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    return !(response.headers.get('content-type') ?? '').includes('text/html');
  } catch {
    return true; // the network is down, not the channel: keep trying
  }
};

/**
 * This tab's link to the desk channel (Socket.IO, see shared/src/desk-events.ts): it keeps the
 * desk's presence (who is in which story and field, typing or idle) and publishes ours.
 * One per tab; the session rides on the HttpOnly cookie sent with the WebSocket handshake.
 */
export class DeskPresence {
  private socket: DeskSocket | null = null;
  private view: DeskPresenceView = { link: 'connecting', presence: emptyPresenceState() };
  private readonly listeners = new Set<() => void>();
  private readonly liveListeners = new Map<LiveEventName, Set<(payload: unknown) => void>>();
  private location: Location = { storyId: null, field: null, typing: false };
  private lastInput = Date.now();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSent: string | null = null;
  private everConnected = false;
  /** Failed first connections in a row, for the back-off before the next try. */
  private failures = 0;
  private warned = false;
  private stopped = true;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const socket: DeskSocket = io({
      path: DESK_SOCKET_PATH,
      transports: [...DESK_TRANSPORTS],
      autoConnect: false,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 10_000,
      // Jittered back-off, so a desk full of tabs does not reconnect in lockstep.
      randomizationFactor: 0.5,
    });
    this.socket = socket;
    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('connect_error', this.onConnectError);
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
      socket.on(name, (payload: unknown) => this.dispatchLive(name, payload));
    }
    socket.on(DeskEvent.error, (error) => {
      if (error.code === ErrorCode.unauthenticated) this.giveUp();
    });
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, this.onInput, PASSIVE);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.lastInput = Date.now();
    this.scheduleIdle();
    socket.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, this.onInput, PASSIVE);
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.idleTimer);
    clearTimeout(this.retryTimer);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.lastSent = null;
    this.everConnected = false;
    this.failures = 0;
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
    if (typing) this.lastInput = Date.now();
    this.location = { storyId, field, typing };
    this.publish();
  }

  /**
   * Desk events other than presence (activity, comments, mentions), as the server sends them.
   * The payload types are the shared event maps'; listeners must not throw.
   */
  onLive<E extends LiveEventName>(event: E, listener: LiveListener<E>): () => void {
    let set = this.liveListeners.get(event);
    if (!set) {
      set = new Set();
      this.liveListeners.set(event, set);
    }
    const stored = listener as unknown as (payload: unknown) => void;
    set.add(stored);
    return () => set.delete(stored);
  }

  private dispatchLive(event: LiveEventName, payload: unknown): void {
    for (const listener of this.liveListeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error(error);
      }
    }
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): DeskPresenceView => this.view;

  private activity(): Activity {
    if (document.hidden || Date.now() - this.lastInput >= IDLE_AFTER_MS) return 'idle';
    return this.location.typing && this.location.storyId ? 'typing' : 'active';
  }

  private publish(): void {
    const socket = this.socket;
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

  private readonly onConnect = (): void => {
    this.everConnected = true;
    this.failures = 0;
    clearTimeout(this.retryTimer);
    // The server starts every connection on the desk, active: tell it where we are.
    this.lastSent = null;
    this.setView({ ...this.view, link: 'connected' });
    this.publish();
  };

  private readonly onDisconnect = (reason: Socket.DisconnectReason): void => {
    if (this.stopped) return;
    this.lastSent = null;
    // Stale avatars are worse than none: the snapshot after reconnecting brings them back.
    this.setView({ link: 'offline', presence: emptyPresenceState() });
    if (reason === 'io server disconnect') {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.socket?.connect(), RECONNECT_AFTER_KICK_MS);
    }
  };

  private readonly onConnectError = (error: Error): void => {
    if (this.stopped) return;
    const data: unknown = (error as Error & { data?: unknown }).data;
    if (isConnectErrorData(data)) {
      // The server answered and said no.
      if (data.code === ErrorCode.unauthenticated || data.code === ErrorCode.forbidden) {
        this.warnOnce(`Desk presence is off: ${data.message}`);
        this.giveUp();
      } else {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(
          () => this.socket?.connect(),
          RECONNECT_AFTER_KICK_MS * (0.5 + Math.random()),
        );
        this.setView({ ...this.view, link: 'offline' });
      }
      return;
    }
    if (this.everConnected) return; // a network drop: Socket.IO keeps retrying with back-off
    // Never connected: is there a desk channel at all? Pause the retries while we ask, so an
    // absent channel costs one failed connection rather than one every few seconds.
    const socket = this.socket;
    socket?.disconnect();
    void channelMounted().then((mounted) => {
      if (this.stopped || this.socket !== socket) return;
      if (mounted) {
        this.setView({ ...this.view, link: 'offline' });
        clearTimeout(this.retryTimer);
        const delay = Math.min(30_000, 1_000 * 2 ** this.failures++);
        this.retryTimer = setTimeout(() => socket?.connect(), delay * (0.5 + Math.random()));
      } else {
        this.warnOnce('Desk presence is not available on this server; the desk works without it.');
        this.giveUp();
      }
    });
  };

  private giveUp(): void {
    clearTimeout(this.retryTimer);
    this.socket?.disconnect();
    this.setView({ link: 'unavailable', presence: emptyPresenceState() });
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(message);
  }

  private readonly onInput = (): void => {
    const wasIdle = Date.now() - this.lastInput >= IDLE_AFTER_MS;
    this.lastInput = Date.now();
    if (wasIdle) {
      this.publish();
      this.scheduleIdle();
    }
  };

  private readonly onVisibility = (): void => {
    if (!document.hidden) this.lastInput = Date.now();
    this.publish();
    this.scheduleIdle();
  };

  /** Re-checks activity when the idle limit would be reached. */
  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.stopped) return;
    const due = Math.max(1_000, this.lastInput + IDLE_AFTER_MS - Date.now());
    this.idleTimer = setTimeout(() => {
      this.publish();
      this.scheduleIdle();
    }, due);
  }

  private setPresence(presence: PresenceState): void {
    if (presence !== this.view.presence) this.setView({ ...this.view, presence });
  }

  private setView(view: DeskPresenceView): void {
    this.view = view;
    for (const listener of this.listeners) listener();
  }
}

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

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focus'] as const;
const PASSIVE: AddEventListenerOptions = { passive: true, capture: true };

/** The tab's one desk link (module state: the desk and the editor share it across routes). */
export const deskPresence = new DeskPresence();
