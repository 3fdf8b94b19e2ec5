import type { PublicUser } from '@copydesk/shared';
import { WebSocket } from 'ws';
import { TokenBucket } from '../token-bucket';

export interface SyncConnectionOptions {
  readOnly: boolean;
  wantsAck: boolean;
  /** Session (login) the token belongs to: a refresh of that session outlives `expiresAt`. */
  sessionId: string;
  /** Token expiry, ms since epoch: the connection is closed with 4401 after it. */
  expiresAt: number;
  /** Shared by every connection of an endpoint (nothing per connection). */
  limits: {
    /** Unsent bytes allowed to queue up for this connection before it is dropped. */
    maxBufferedBytes: number;
    messagesPerSecond: number;
    messageBurst: number;
  };
  /** Called once when the connection is dropped for being too slow to read. */
  onSlow?: (conn: SyncConnection, buffered: number) => void;
}

/** One authenticated WebSocket on one story. The origin of every update it sends. */
export class SyncConnection {
  /** Awareness clientIDs this connection has claimed; no other connection may use them. */
  readonly clientIds = new Set<number>();
  closed = false;
  /** Set while we await the client's sync step 2 after asking for what we lack. */
  resyncTimer: NodeJS.Timeout | null = null;
  /** The client answered such a request: further gaps are not a reconnect race. */
  resyncAnswered = false;
  /** Read-only connections may send sync step 1 and awareness only (the rest is dropped). */
  readOnly: boolean;
  readonly wantsAck: boolean;
  readonly sessionId: string;
  /** The token's expiry (ms); the endpoint also honours later renewals of the session. */
  readonly expiresAt: number;
  private readonly bucket: TokenBucket;
  private readonly limits: SyncConnectionOptions['limits'];
  private readonly onSlow: SyncConnectionOptions['onSlow'];

  constructor(
    private readonly ws: WebSocket,
    /** The account as of the last check (role and name may change while connected). */
    public user: PublicUser,
    readonly storyId: string,
    options: SyncConnectionOptions,
  ) {
    this.readOnly = options.readOnly;
    this.wantsAck = options.wantsAck;
    this.sessionId = options.sessionId;
    this.expiresAt = options.expiresAt;
    this.limits = options.limits;
    this.onSlow = options.onSlow;
    this.bucket = new TokenBucket(options.limits.messagesPerSecond, options.limits.messageBurst);
  }

  /** Counts one inbound message against the rate limit; false when over it. */
  admitMessage(): boolean {
    return this.bucket.take();
  }

  send(frame: Uint8Array): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, { binary: true });
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.limits.maxBufferedBytes) {
      // A close frame would queue behind the backlog it cannot drain: drop the socket now and
      // let the client resync (sync step 1/2) when it reconnects.
      this.closed = true;
      this.onSlow?.(this, buffered);
      this.ws.terminate();
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }
}
