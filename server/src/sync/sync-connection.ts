import type { PublicUser } from '@copydesk/shared';
import { WebSocket } from 'ws';

/** One authenticated WebSocket on one story. The origin of every update it sends. */
export class SyncConnection {
  /** Awareness clientIDs this connection has claimed; no other connection may use them. */
  readonly clientIds = new Set<number>();
  closed = false;

  constructor(
    private readonly ws: WebSocket,
    readonly user: PublicUser,
    public readOnly: boolean,
    readonly wantsAck: boolean,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, { binary: true });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }
}
