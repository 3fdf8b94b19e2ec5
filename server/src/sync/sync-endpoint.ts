import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, isStoryId, type StoryStatus, SYNC_PATH } from '@copydesk/shared';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { toPublicUser } from '../auth/accounts';
import { authenticateToken, sessionStillValid } from '../auth/sessions';
import type { TokenService } from '../auth/tokens';
import { readSessionToken } from '../http/session';
import type { LiveSync } from '../http/status-route';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { decodeAwarenessUpdate } from './awareness-filter';
import { CloseError } from './close-error';
import { decodeClientMessage, encodeSyncStep1, MalformedMessageError } from './messages';
import type { RoomRegistry } from './room-registry';
import type { StoryRoom } from './story-room';
import { SyncConnection } from './sync-connection';

export interface SyncLimits {
  /** ws `maxPayload`: larger frames close the socket with 1009 (ws) before we see them. */
  maxFrameBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
  maxConnectionsPerUser: number;
  maxBufferedBytes: number;
}

export interface SyncEndpointOptions {
  storage: Storage;
  tokens: TokenService;
  registry: RoomRegistry;
  logger: Logger;
  limits: SyncLimits;
  /** How often open connections re-check their account, token expiry and story status. */
  recheckMs: number;
  /** Origins besides the server's own that may connect with the session cookie. */
  allowedOrigins: readonly string[];
}

/** Frames a client may send while its upgrade is still being authenticated. */
const MAX_EARLY_FRAMES = 32;

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

interface Live {
  room: StoryRoom;
  passwordVersion: string;
}

/**
 * `/yjs/<storyId>`: the y-websocket protocol, authenticated at the upgrade.
 * The story is loaded only after the token, the account and the story id check out.
 * Open connections are re-checked every `recheckMs`: expired tokens, disabled accounts and
 * changed passwords close them (4401); role changes and workflow moves change what they may do.
 */
export class SyncEndpoint implements LiveSync {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly live = new Map<SyncConnection, Live>();
  /** Open (or opening) authenticated connections per account. */
  private readonly perUser = new Map<string, number>();
  private recheckTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: SyncEndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxFrameBytes,
      perMessageDeflate: false,
    });
    this.scheduleRecheck();
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Returns false when the request is not for this endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${SYNC_PATH}/`)) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      SyncEndpoint.reportOversizeAs4413(ws);
      this.accept(ws, req, url).catch((err: unknown) => {
        this.options.logger.error({ err }, 'sync upgrade failed');
        ws.close(CloseCode.storageUnavailable, 'server error');
      });
    });
    return true;
  }

  /**
   * ws enforces `maxPayload` itself and closes with 1009 (Message Too Big) before any handler
   * runs; the Copydesk contract says 4413. ws makes that close through the socket's own
   * `close()`, so the instance method is wrapped to translate the code.
   */
  private static reportOversizeAs4413(ws: WebSocket): void {
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) =>
      code === 1009 ? close(CloseCode.tooLarge, 'frame too large') : close(code, reason);
  }

  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true;
    if (this.options.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private async accept(ws: WebSocket, req: IncomingMessage, url: URL): Promise<void> {
    const { logger, limits } = this.options;
    this.sockets.add(ws);
    const early: { data: RawData; isBinary: boolean }[] = [];
    let handler: ((data: RawData, isBinary: boolean) => void) | null = null;
    let onClose: (() => void) | null = null;
    ws.on('message', (data, isBinary) => {
      if (handler) return handler(data, isBinary);
      if (early.length >= MAX_EARLY_FRAMES) return ws.close(CloseCode.rateLimited, 'slow down');
      early.push({ data, isBinary });
    });
    ws.on('close', () => {
      this.sockets.delete(ws);
      onClose?.();
    });
    ws.on('error', (err) => logger.debug({ err }, 'sync socket error'));

    let storyId: string;
    try {
      storyId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length + 1));
    } catch {
      storyId = '';
    }
    const queryToken = url.searchParams.get('token');
    const token = queryToken ?? readSessionToken(req);
    const session = await authenticateToken(this.options.tokens, this.options.storage, token);
    if (ws.readyState !== ws.OPEN) return;
    if (!session) {
      logger.debug({ ip: req.socket.remoteAddress }, 'sync upgrade refused: not authenticated');
      return ws.close(CloseCode.unauthenticated, 'sign in first');
    }
    // The session cookie rides along on any page's WebSocket: only our own origin (or an
    // allowed one) may use it. A token in the URL is not ambient, so any origin may use that.
    if (!queryToken && !this.originAllowed(req)) {
      logger.info({ origin: req.headers.origin }, 'sync upgrade refused: foreign origin');
      return ws.close(CloseCode.forbidden, 'origin not allowed');
    }
    if (!isStoryId(storyId)) return ws.close(CloseCode.unknownStory, 'unknown story');
    const user = session.user;
    const open = this.perUser.get(user.id) ?? 0;
    if (open >= limits.maxConnectionsPerUser) {
      logger.info({ user: user.username, open }, 'sync upgrade refused: too many connections');
      return ws.close(CloseCode.rateLimited, 'too many connections');
    }
    this.perUser.set(user.id, open + 1);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const n = (this.perUser.get(user.id) ?? 1) - 1;
      if (n > 0) this.perUser.set(user.id, n);
      else this.perUser.delete(user.id);
    };
    onClose = uncount;

    if (!(await this.options.storage.getStory(storyId))) {
      ws.close(CloseCode.unknownStory, 'unknown story');
      return;
    }
    if (ws.readyState !== ws.OPEN) return;

    let room: StoryRoom;
    try {
      room = await this.options.registry.acquire(storyId);
    } catch (err) {
      logger.error({ err, storyId }, 'loading story failed');
      ws.close(CloseCode.storageUnavailable, 'storage unavailable');
      return;
    }
    const conn = new SyncConnection(ws, user, {
      readOnly: !room.canWrite(user),
      wantsAck: url.searchParams.get('ack') === '1',
      sessionId: session.claims.sessionId,
      expiresAt: session.claims.expiresAt * 1000,
      maxBufferedBytes: limits.maxBufferedBytes,
      messagesPerSecond: limits.messagesPerSecond,
      messageBurst: limits.messageBurst,
      onSlow: (c, buffered) =>
        logger.warn(
          { storyId, user: c.user.username, buffered },
          'dropped a slow sync connection (outbound buffer full)',
        ),
    });
    room.join(conn);
    this.live.set(conn, { room, passwordVersion: session.claims.passwordVersion });
    onClose = () => {
      conn.closed = true;
      this.live.delete(conn);
      uncount();
      room.leave(conn);
      this.options.registry.release(room);
    };
    if (ws.readyState !== ws.OPEN) return onClose();
    if (!room.usable) return conn.close(CloseCode.serviceRestart, 'story reloading');
    logger.debug({ storyId, user: user.username, readOnly: conn.readOnly }, 'sync connection open');

    conn.send(encodeSyncStep1(Y.encodeStateVector(room.doc)));
    const awareness = room.awarenessSnapshot();
    if (awareness) conn.send(awareness);
    handler = (data, isBinary) => this.onMessage(room, conn, data, isBinary);
    for (const m of early.splice(0)) handler(m.data, m.isBinary);
  }

  private onMessage(room: StoryRoom, conn: SyncConnection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (!conn.admitMessage()) {
      this.options.logger.info(
        { storyId: room.id, user: conn.user.username },
        'sync connection over its message rate',
      );
      return conn.close(CloseCode.rateLimited, 'too many messages');
    }
    if (!isBinary) return conn.close(CloseCode.malformed, 'binary frames only');
    try {
      const message = decodeClientMessage(toBytes(data));
      switch (message.type) {
        case 'sync-step1':
          return room.replySyncStep1(conn, message.stateVector);
        case 'sync-step2':
        case 'sync-update': {
          if (message.type === 'sync-step2' && conn.resyncTimer) {
            clearTimeout(conn.resyncTimer);
            conn.resyncTimer = null;
            conn.resyncAnswered = true;
          }
          const outcome = room.applyClientUpdate(conn, message.update);
          if (outcome === 'dropped' && conn.readOnly) {
            this.options.logger.debug(
              { storyId: room.id, user: conn.user.username },
              'dropped a write from a read-only connection',
            );
          }
          return;
        }
        case 'awareness':
          return room.applyClientAwareness(conn, decodeAwarenessUpdate(message.update));
        case 'query-awareness': {
          const snapshot = room.awarenessSnapshot();
          if (snapshot) conn.send(snapshot);
          return;
        }
      }
    } catch (err) {
      const close =
        err instanceof CloseError
          ? err
          : err instanceof MalformedMessageError
            ? new CloseError(CloseCode.malformed, err.message)
            : null;
      if (!close) {
        this.options.logger.error(
          { err, storyId: room.id, user: conn.user.username },
          'sync frame failed',
        );
        return conn.close(CloseCode.malformed, 'message could not be handled');
      }
      this.options.logger.info(
        { storyId: room.id, user: conn.user.username, code: close.code, reason: close.reason },
        'sync frame refused',
      );
      conn.close(
        close.code,
        close.code === CloseCode.malformed ? 'malformed message' : close.reason,
      );
    }
  }

  // --- LiveSync (called by HTTP routes) --------------------------------------------------------

  storyStatusChanged(storyId: string, status: StoryStatus): void {
    this.options.registry.statusChanged(storyId, status);
  }

  sessionRefreshed(sessionId: string, expiresAt: number): void {
    for (const conn of this.live.keys()) {
      if (conn.sessionId === sessionId) conn.expiresAt = Math.max(conn.expiresAt, expiresAt * 1000);
    }
  }

  // --- periodic re-check ----------------------------------------------------------------------

  private scheduleRecheck(): void {
    if (this.closed) return;
    this.recheckTimer = setTimeout(() => {
      this.recheck()
        .catch((err: unknown) => this.options.logger.warn({ err }, 'sync re-check failed'))
        .finally(() => this.scheduleRecheck());
    }, this.options.recheckMs);
    this.recheckTimer.unref();
  }

  /** Expiry, account and story status of every open connection. Runs every `recheckMs`. */
  async recheck(): Promise<void> {
    const { storage, logger, registry } = this.options;
    const now = Date.now();
    const byUser = new Map<string, SyncConnection[]>();
    for (const conn of this.live.keys()) {
      if (conn.expiresAt <= now) {
        logger.info({ user: conn.user.username }, 'closing sync connection: session expired');
        conn.close(CloseCode.unauthenticated, 'session expired');
        continue;
      }
      const list = byUser.get(conn.user.id);
      if (list) list.push(conn);
      else byUser.set(conn.user.id, [conn]);
    }
    for (const [userId, conns] of byUser) {
      const account = await storage.findAccountById(userId);
      for (const conn of conns) {
        const live = this.live.get(conn);
        if (!live || conn.closed) continue;
        if (!sessionStillValid(live, account)) {
          logger.info(
            { user: conn.user.username, storyId: live.room.id },
            'closing sync connection: account disabled or password changed',
          );
          conn.close(CloseCode.unauthenticated, 'account not active');
          continue;
        }
        const user = toPublicUser(account);
        if (
          user.role !== conn.user.role ||
          user.displayName !== conn.user.displayName ||
          user.color !== conn.user.color
        ) {
          live.room.updateUser(conn, user);
          logger.info(
            {
              user: user.username,
              role: user.role,
              readOnly: conn.readOnly,
              storyId: live.room.id,
            },
            'account changed on an open sync connection',
          );
        }
      }
    }
    // Status changes made by other instances (or missed while a story was loading).
    for (const room of registry.readyRooms()) {
      if (room.connections.size === 0) continue;
      const record = await storage.getStory(room.id);
      if (record && record.status !== room.status) room.setStatus(record.status);
    }
  }

  /** Closes every sync socket (graceful shutdown: 1012 tells clients to come back). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.sockets) ws.close(code, reason);
  }

  /**
   * Resolves when every socket has finished closing (or after `timeoutMs`). Frames a client
   * sent before it saw our close frame are still handled meanwhile, so a shutdown keeps them.
   */
  async whenAllClosed(timeoutMs: number): Promise<void> {
    const open = [...this.sockets].filter((ws) => ws.readyState !== ws.CLOSED);
    if (open.length === 0) return;
    await Promise.race([
      Promise.all(open.map((ws) => new Promise((resolve) => ws.once('close', resolve)))),
      new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  }

  close(): void {
    this.closed = true;
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }
}
