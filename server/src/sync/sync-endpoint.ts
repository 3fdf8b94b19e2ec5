import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import {
  CloseCode,
  isStoryId,
  type PublicUser,
  type StoryStatus,
  SYNC_PATH,
} from '@copydesk/shared';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { originAllowed } from '../auth/origin';
import { authenticateToken } from '../auth/sessions';
import type { TokenService } from '../auth/tokens';
import { readSessionToken } from '../http/session';
import type { LiveSync } from '../http/status-route';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { decodeAwarenessUpdate } from './awareness-filter';
import { CloseError } from './close-error';
import { ConnectionRecheck } from './connection-recheck';
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

/**
 * Everything the endpoint keeps per socket, in one object: the listeners are shared by all
 * sockets (no closures per connection), so an idle connection costs little more than ws's own.
 */
interface SocketState {
  /** Frames that arrived while the upgrade was being authenticated. */
  early: { data: RawData; isBinary: boolean }[] | null;
  /** The account counted against the per-account connection limit, until the socket closes. */
  countedUser: string | null;
  conn: SyncConnection | null;
  room: StoryRoom | null;
  passwordVersion: string;
}

/**
 * An account with connections: how many are open, and one copy of its public identity and
 * password version that they all share (a newsroom has few accounts and many tabs; a copy per
 * socket was ~250 bytes of each socket's heap).
 */
interface ConnectedAccount {
  open: number;
  user: PublicUser;
  passwordVersion: string;
}

/** ws closes with 1009 (Message Too Big) itself when `maxPayload` is exceeded; we say 4413. */
class SyncSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    if (code === 1009) super.close(CloseCode.tooLarge, 'frame too large');
    else super.close(code, reason);
  }
}

/**
 * `/yjs/<storyId>`: the y-websocket protocol, authenticated at the upgrade.
 * The story is loaded only after the token, the account and the story id check out.
 * Open connections are re-checked every `recheckMs`: expired tokens, disabled accounts and
 * changed passwords close them (4401); role changes and workflow moves change what they may do.
 */
export class SyncEndpoint implements LiveSync {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<WebSocket, SocketState>();
  /** Accounts with open (or opening) authenticated connections. */
  private readonly accounts = new Map<string, ConnectedAccount>();
  private readonly recheck: ConnectionRecheck;

  constructor(private readonly options: SyncEndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxFrameBytes,
      perMessageDeflate: false,
      WebSocket: SyncSocket,
    });
    const endpoint = this;
    this.onSocketMessage = function (this: WebSocket, data: RawData, isBinary: boolean) {
      endpoint.socketMessage(this, data, isBinary);
    };
    this.onSocketClose = function (this: WebSocket) {
      endpoint.socketClosed(this);
    };
    this.onSocketError = (err: Error) => options.logger.debug({ err }, 'sync socket error');
    this.recheck = new ConnectionRecheck({
      storage: options.storage,
      registry: options.registry,
      logger: options.logger,
      everyMs: options.recheckMs,
      sockets: () => this.sockets.values(),
    });
  }

  private readonly onSocketMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onSocketClose: (this: WebSocket) => void;
  private readonly onSocketError: (err: Error) => void;

  private socketMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const state = this.sockets.get(ws);
    if (!state) return;
    if (state.conn && state.room && state.early === null) {
      this.onMessage(state.room, state.conn, data, isBinary);
      return;
    }
    state.early ??= [];
    if (state.early.length >= MAX_EARLY_FRAMES) return ws.close(CloseCode.rateLimited, 'slow down');
    state.early.push({ data, isBinary });
  }

  private socketClosed(ws: WebSocket): void {
    const state = this.sockets.get(ws);
    if (!state) return;
    this.sockets.delete(ws);
    this.uncount(state);
    const { conn, room } = state;
    if (conn && room) {
      conn.closed = true;
      room.leave(conn);
      this.options.registry.release(room);
    }
  }

  private uncount(state: SocketState): void {
    const userId = state.countedUser;
    if (userId === null) return;
    state.countedUser = null;
    const account = this.accounts.get(userId);
    if (account && --account.open <= 0) this.accounts.delete(userId);
  }

  /** The account's entry, holding this session's identity (the one copy its sockets share). */
  private connectedAccount(user: PublicUser, passwordVersion: string): ConnectedAccount {
    let account = this.accounts.get(user.id);
    if (!account) {
      account = { open: 0, user, passwordVersion };
      this.accounts.set(user.id, account);
    } else if (
      account.passwordVersion !== passwordVersion ||
      !isDeepStrictEqual(account.user, user)
    ) {
      account.user = user;
      account.passwordVersion = passwordVersion;
    }
    return account;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Returns false when the request is not for this endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${SYNC_PATH}/`)) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accept(ws, req, url).catch((err: unknown) => {
        this.options.logger.error({ err }, 'sync upgrade failed');
        ws.close(CloseCode.storageUnavailable, 'server error');
      });
    });
    return true;
  }

  private async accept(ws: WebSocket, req: IncomingMessage, url: URL): Promise<void> {
    const { logger, limits } = this.options;
    const state: SocketState = {
      early: null,
      countedUser: null,
      conn: null,
      room: null,
      passwordVersion: '',
    };
    this.sockets.set(ws, state);
    ws.on('message', this.onSocketMessage);
    ws.on('close', this.onSocketClose);
    ws.on('error', this.onSocketError);

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
    if (!queryToken && !originAllowed(req, this.options.allowedOrigins)) {
      logger.info({ origin: req.headers.origin }, 'sync upgrade refused: foreign origin');
      return ws.close(CloseCode.forbidden, 'origin not allowed');
    }
    if (!isStoryId(storyId)) return ws.close(CloseCode.unknownStory, 'unknown story');
    const account = this.connectedAccount(session.user, session.claims.passwordVersion);
    const { user, passwordVersion, open } = account;
    if (open >= limits.maxConnectionsPerUser) {
      if (open === 0) this.accounts.delete(user.id);
      logger.info({ user: user.username, open }, 'sync upgrade refused: too many connections');
      return ws.close(CloseCode.rateLimited, 'too many connections');
    }
    account.open++;
    state.countedUser = user.id;

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
    const conn = new SyncConnection(ws, user, room.id, {
      readOnly: !room.canWrite(user),
      wantsAck: url.searchParams.get('ack') === '1',
      sessionId: session.claims.sessionId,
      expiresAt: session.claims.expiresAt * 1000,
      limits,
      onSlow: this.onSlow,
    });
    room.join(conn);
    state.conn = conn;
    state.room = room;
    state.passwordVersion = passwordVersion;
    // Closed while the story loaded: the close handler ran before conn/room were set.
    if (!this.sockets.has(ws) || ws.readyState !== ws.OPEN) {
      conn.closed = true;
      room.leave(conn);
      this.options.registry.release(room);
      return;
    }
    if (!room.usable) return conn.close(CloseCode.serviceRestart, 'story reloading');
    logger.debug({ storyId, user: user.username, readOnly: conn.readOnly }, 'sync connection open');

    conn.send(encodeSyncStep1(Y.encodeStateVector(room.doc)));
    const awareness = room.presence.snapshot();
    if (awareness) conn.send(awareness);
    const early = state.early;
    state.early = null;
    for (const m of early ?? []) this.onMessage(room, conn, m.data, m.isBinary);
  }

  private readonly onSlow = (conn: SyncConnection, buffered: number): void =>
    this.options.logger.warn(
      { storyId: conn.storyId, user: conn.user.username, buffered },
      'dropped a slow sync connection (outbound buffer full)',
    );

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
          return room.presence.applyClient(conn, decodeAwarenessUpdate(message.update));
        case 'query-awareness': {
          const snapshot = room.presence.snapshot();
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
    this.recheck.sessionRenewed(sessionId, expiresAt * 1000);
  }

  /** Closes every sync socket (graceful shutdown: 1012 tells clients to come back). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.sockets.keys()) ws.close(code, reason);
  }

  /**
   * Resolves when every socket has finished closing (or after `timeoutMs`). Frames a client
   * sent before it saw our close frame are still handled meanwhile, so a shutdown keeps them.
   */
  async whenAllClosed(timeoutMs: number): Promise<void> {
    const open = [...this.sockets.keys()].filter((ws) => ws.readyState !== ws.CLOSED);
    if (open.length === 0) return;
    await Promise.race([
      Promise.all(open.map((ws) => new Promise((resolve) => ws.once('close', resolve)))),
      new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  }

  close(): void {
    this.recheck.stop();
    for (const ws of this.sockets.keys()) ws.terminate();
    this.wss.close();
  }
}
