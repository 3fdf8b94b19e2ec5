import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, isStoryId, type StoryStatus, SYNC_PATH } from '@copydesk/shared';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { originAllowed } from '../auth/origin';
import { authenticateToken } from '../auth/sessions';
import type { TokenService } from '../auth/tokens';
import { readSessionToken } from '../http/session';
import type { LiveSync } from '../http/status-route';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { ConnectedAccounts } from './connected-accounts';
import { ConnectionRecheck } from './connection-recheck';
import { encodeSyncStep1 } from './messages';
import type { RoomRegistry } from './room-registry';
import type { StoryRoom } from './story-room';
import { SyncConnection } from './sync-connection';
import { handleClientFrame } from './sync-frames';

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
  private readonly accounts = new ConnectedAccounts();
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
      handleClientFrame(state.room, state.conn, data, isBinary, this.options.logger);
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
    if (state.countedUser !== null) this.accounts.release(state.countedUser);
    state.countedUser = null;
    const { conn, room } = state;
    if (conn && room) {
      conn.closed = true;
      room.leave(conn);
      this.options.registry.release(room);
    }
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
    const account = this.accounts.entry(session.user, session.claims.passwordVersion);
    const { user, passwordVersion, open } = account;
    if (open >= limits.maxConnectionsPerUser) {
      this.accounts.forgetUnused(user.id);
      logger.info({ user: user.username, open }, 'sync upgrade refused: too many connections');
      return ws.close(CloseCode.rateLimited, 'too many connections');
    }
    this.accounts.admit(account);
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
    for (const m of early ?? []) handleClientFrame(room, conn, m.data, m.isBinary, logger);
  }

  private readonly onSlow = (conn: SyncConnection, buffered: number): void =>
    this.options.logger.warn(
      { storyId: conn.storyId, user: conn.user.username, buffered },
      'dropped a slow sync connection (outbound buffer full)',
    );

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
