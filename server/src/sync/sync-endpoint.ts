import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, canWrite, isStoryId, SYNC_PATH } from '@copydesk/shared';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { toPublicUser } from '../auth/accounts';
import type { TokenService } from '../auth/tokens';
import { readSessionToken } from '../http/session';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { decodeAwarenessUpdate } from './awareness-filter';
import { decodeClientMessage, encodeSyncStep1 } from './messages';
import type { RoomRegistry } from './room-registry';
import type { StoryRoom } from './story-room';
import { SyncConnection } from './sync-connection';

export interface SyncEndpointOptions {
  storage: Storage;
  tokens: TokenService;
  registry: RoomRegistry;
  logger: Logger;
  maxFrameBytes: number;
}

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

/**
 * `/yjs/<storyId>`: the y-websocket protocol, authenticated at the upgrade.
 * The story is loaded only after the token and the story id check out.
 */
export class SyncEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly options: SyncEndpointOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Returns false when the request is not for this endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${SYNC_PATH}/`)) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.accept(ws, req, url));
    return true;
  }

  private async accept(ws: WebSocket, req: IncomingMessage, url: URL): Promise<void> {
    const { logger } = this.options;
    this.sockets.add(ws);
    const early: { data: RawData; isBinary: boolean }[] = [];
    let handler: ((data: RawData, isBinary: boolean) => void) | null = null;
    let onClose: (() => void) | null = null;
    ws.on('message', (data, isBinary) =>
      handler ? handler(data, isBinary) : early.push({ data, isBinary }),
    );
    ws.on('close', () => {
      this.sockets.delete(ws);
      onClose?.();
    });
    ws.on('error', (err) => logger.debug({ err }, 'sync socket error'));

    const storyId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length + 1));
    const claims = await this.options.tokens.verify(
      url.searchParams.get('token') ?? readSessionToken(req),
    );
    if (!claims) return ws.close(CloseCode.unauthenticated, 'sign in first');
    if (!isStoryId(storyId)) return ws.close(CloseCode.unknownStory, 'unknown story');
    const account = await this.options.storage.findAccountById(claims.userId);
    if (!account || account.disabled)
      return ws.close(CloseCode.unauthenticated, 'account not active');
    if (!(await this.options.storage.getStory(storyId)))
      return ws.close(CloseCode.unknownStory, 'unknown story');
    if (ws.readyState !== ws.OPEN) return;

    let room: StoryRoom;
    try {
      room = await this.options.registry.acquire(storyId);
    } catch (err) {
      logger.error({ err, storyId }, 'loading story failed');
      return ws.close(CloseCode.storageUnavailable, 'storage unavailable');
    }
    const user = toPublicUser(account);
    const conn = new SyncConnection(
      ws,
      user,
      !canWrite(user.role),
      url.searchParams.get('ack') === '1',
    );
    room.join(conn);
    onClose = () => {
      conn.closed = true;
      room.leave(conn);
      this.options.registry.release(room);
    };
    if (ws.readyState !== ws.OPEN) return onClose();
    logger.debug({ storyId, user: user.username, readOnly: conn.readOnly }, 'sync connection open');

    conn.send(encodeSyncStep1(Y.encodeStateVector(room.doc)));
    const awareness = room.awarenessSnapshot();
    if (awareness) conn.send(awareness);
    handler = (data, isBinary) => this.onMessage(room, conn, data, isBinary);
    for (const m of early.splice(0)) handler(m.data, m.isBinary);
  }

  private onMessage(room: StoryRoom, conn: SyncConnection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (!isBinary) return conn.close(CloseCode.malformed, 'binary frames only');
    try {
      const message = decodeClientMessage(toBytes(data));
      switch (message.type) {
        case 'sync-step1':
          return room.replySyncStep1(conn, message.stateVector);
        case 'sync-step2':
        case 'sync-update':
          return room.applyClientUpdate(conn, message.update);
        case 'awareness':
          return room.applyClientAwareness(conn, decodeAwarenessUpdate(message.update));
        case 'query-awareness': {
          const snapshot = room.awarenessSnapshot();
          if (snapshot) conn.send(snapshot);
          return;
        }
      }
    } catch (err) {
      this.options.logger.info(
        { err, storyId: room.id, user: conn.user.username },
        'malformed sync frame',
      );
      conn.close(CloseCode.malformed, 'malformed message');
    }
  }

  /** Closes every sync socket (graceful shutdown: 1012 tells clients to come back). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.sockets) ws.close(code, reason);
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }
}
