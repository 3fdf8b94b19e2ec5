// The Socket.IO transport to the desk channel: connecting, retrying with back-off, giving up.
import {
  DESK_SOCKET_PATH,
  DESK_TRANSPORTS,
  type DeskClientToServerEvents,
  type DeskConnectErrorData,
  DeskEvent,
  type DeskServerToClientEvents,
  ErrorCode,
} from '@copydesk/shared';
import { io, type Socket } from 'socket.io-client';

/** After the server ended the connection (not a network drop), try again this much later. */
const RECONNECT_AFTER_KICK_MS = 10_000;

export type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/** What the connection tells its owner about the link; each is called after our own upkeep. */
export interface DeskLinkEvents {
  /** Connected, for the first time or again. */
  connected(): void;
  /** The connection was lost; Socket.IO or our retry timer tries again. */
  lost(): void;
  /** A connection attempt failed; another one is scheduled. */
  retrying(): void;
  /** No desk channel here, or it refused us for good. */
  unavailable(): void;
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

/** One socket at a time; `open` makes it (not yet connected), `close` ends it. */
export class DeskConnection {
  private current: DeskSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private everConnected = false;
  /** Failed first connections in a row, for the back-off before the next try. */
  private failures = 0;
  private warned = false;
  private stopped = true;

  constructor(private readonly events: DeskLinkEvents) {}

  get socket(): DeskSocket | null {
    return this.current;
  }

  open(): DeskSocket {
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
    this.current = socket;
    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('connect_error', this.onConnectError);
    socket.on(DeskEvent.error, (error) => {
      if (error.code === ErrorCode.unauthenticated) this.giveUp();
    });
    return socket;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.current?.removeAllListeners();
    this.current?.disconnect();
    this.current = null;
    this.everConnected = false;
    this.failures = 0;
  }

  private readonly onConnect = (): void => {
    this.everConnected = true;
    this.failures = 0;
    clearTimeout(this.retryTimer);
    this.events.connected();
  };

  private readonly onDisconnect = (reason: Socket.DisconnectReason): void => {
    if (this.stopped) return;
    this.events.lost();
    if (reason === 'io server disconnect') {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.current?.connect(), RECONNECT_AFTER_KICK_MS);
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
          () => this.current?.connect(),
          RECONNECT_AFTER_KICK_MS * (0.5 + Math.random()),
        );
        this.events.retrying();
      }
      return;
    }
    if (this.everConnected) return; // a network drop: Socket.IO keeps retrying with back-off
    // Never connected: is there a desk channel at all? Pause the retries while we ask, so an
    // absent channel costs one failed connection rather than one every few seconds.
    const socket = this.current;
    socket?.disconnect();
    void channelMounted().then((mounted) => {
      if (this.stopped || this.current !== socket) return;
      if (mounted) {
        this.events.retrying();
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
    this.current?.disconnect();
    this.events.unavailable();
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(message);
  }
}
