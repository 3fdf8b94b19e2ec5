import { randomBytes } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import {
  CLIENT_DESK_EVENTS,
  canWrite,
  DESK_SOCKET_PATH,
  DESK_TRANSPORTS,
  type DeskAck,
  type DeskConnectErrorData,
  DeskEvent,
  type DeskServerToClientEvents,
  ErrorCode,
  type PresenceChange,
  PresenceUpdateSchema,
  type PublicUser,
  userRoom,
} from '@copydesk/shared';
import { createAdapter } from '@socket.io/redis-adapter';
import { type ExtendedError, Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import { authenticateToken, sessionStillValid } from '../auth/sessions';
import type { TokenClaims, TokenService } from '../auth/tokens';
import type { Logger } from '../logger';
import {
  type CreatePresenceStoreOptions,
  createPresenceStore,
  type PresenceSession,
  type PresenceStore,
} from '../presence';
import type { Storage } from '../storage/storage';
import { handshakeToken, originAllowed } from './handshake';
import { SerialQueue, TokenBucket } from './rate-limit';

/** Defaults of the desk channel's knobs (see `DeskChannelOptions`). */
export const DESK_CHANNEL_DEFAULTS = {
  maxMessageBytes: 64 * 1024,
  pingIntervalMs: 10_000,
  pingTimeoutMs: 5_000,
  eventsPerSecond: 10,
  eventBurst: 30,
  maxConnectionsPerUser: 20,
  accountRecheckMs: 5_000,
} as const;

export interface DeskChannelOptions {
  tokens: TokenService;
  storage: Storage;
  logger: Logger;
  /** A store made with `createPresenceStore` (not started); otherwise one is made from below. */
  presence?: PresenceStore;
  /** `REDIS_URL`: presence in Redis and events across instances; in-process without it. */
  redisUrl?: string | undefined;
  /** `REDIS_KEY_PREFIX`, default `copydesk:`: Redis keys and the adapter's channels. */
  keyPrefix?: string | undefined;
  instanceId?: string | undefined;
  /** `PRESENCE_HEARTBEAT_MS`, default 5000. */
  heartbeatMs?: number | undefined;
  /** `PRESENCE_TTL_MS`, default 20000: a dead instance's users vanish within ttl + heartbeat. */
  presenceTtlMs?: number | undefined;
  redisMaxBackoffMs?: number | undefined;
  /** `DESK_MAX_MESSAGE_BYTES`, default 64 KiB: a bigger message closes that connection. */
  maxMessageBytes?: number | undefined;
  /** Socket.IO ping: a vanished client (no close frame) is dropped within interval + timeout. */
  pingIntervalMs?: number | undefined;
  pingTimeoutMs?: number | undefined;
  /** Per connection: sustained events per second and burst. */
  eventsPerSecond?: number | undefined;
  eventBurst?: number | undefined;
  /** Open desk connections per account on this instance. */
  maxConnectionsPerUser?: number | undefined;
  /** How often open connections re-check their token expiry and account (disabled, new password). */
  accountRecheckMs?: number | undefined;
  /** Extra origins allowed to connect with the session cookie (same host is always allowed). */
  allowedOrigins?: readonly string[] | undefined;
}

export interface DeskChannel {
  readonly io: DeskServer;
  readonly presence: PresenceStore;
  /** Open desk connections on this instance. */
  connectionCount(): number;
  /** False while presence is degraded (Redis unreachable); for `/readyz` and `/metrics`. */
  presenceHealthy(): boolean;
  /** Disconnects this instance's clients, removes their presence, closes Redis. Idempotent. */
  close(): Promise<void>;
}

/** What the server accepts: payloads are `unknown` until the shared zod schemas pass them. */
interface IncomingEvents {
  'presence:update': (payload: unknown, ack?: unknown) => void;
}

interface SocketData {
  user: PublicUser;
  claims: TokenClaims;
  sessionId: string;
  storyId: string | null;
  bucket: TokenBucket;
}

type DeskServer = Server<
  IncomingEvents,
  DeskServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type DeskSocket = Socket<
  IncomingEvents,
  DeskServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** True for requests the desk channel serves; app.ts's upgrade handler must leave them alone. */
export const isDeskChannelRequest = (req: IncomingMessage): boolean =>
  (req.url ?? '').startsWith(`${DESK_SOCKET_PATH}/`);

class DeskRejection extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const connectError = (code: ErrorCode, message: string): ExtendedError => {
  const data: DeskConnectErrorData = { code, message };
  return Object.assign(new Error(message), { data });
};

const zodMessage = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`)
    .join('; ');

/**
 * The desk channel: Socket.IO on the HTTP server (path `/socket.io`, WebSocket only), carrying
 * desk-wide presence. Attach it after `http.createServer(app)` and before or after `listen`.
 */
export const attachDeskChannel = async (
  httpServer: HttpServer,
  options: DeskChannelOptions,
): Promise<DeskChannel> => {
  const { tokens, storage } = options;
  const logger = options.logger.child({ component: 'desk' });
  const storeOptions: CreatePresenceStoreOptions = {
    logger: options.logger,
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    instanceId: options.instanceId,
    heartbeatMs: options.heartbeatMs,
    ttlMs: options.presenceTtlMs,
    redisMaxBackoffMs: options.redisMaxBackoffMs,
  };
  const presence = options.presence ?? createPresenceStore(storeOptions);
  const limits = {
    maxMessageBytes: options.maxMessageBytes ?? DESK_CHANNEL_DEFAULTS.maxMessageBytes,
    eventsPerSecond: options.eventsPerSecond ?? DESK_CHANNEL_DEFAULTS.eventsPerSecond,
    eventBurst: options.eventBurst ?? DESK_CHANNEL_DEFAULTS.eventBurst,
    maxConnectionsPerUser:
      options.maxConnectionsPerUser ?? DESK_CHANNEL_DEFAULTS.maxConnectionsPerUser,
    accountRecheckMs: options.accountRecheckMs ?? DESK_CHANNEL_DEFAULTS.accountRecheckMs,
  };
  const allowedOrigins = options.allowedOrigins ?? [];

  const io: DeskServer = new Server(httpServer, {
    path: DESK_SOCKET_PATH,
    transports: [...DESK_TRANSPORTS],
    maxHttpBufferSize: limits.maxMessageBytes,
    pingInterval: options.pingIntervalMs ?? DESK_CHANNEL_DEFAULTS.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs ?? DESK_CHANNEL_DEFAULTS.pingTimeoutMs,
    serveClient: false,
    // The app's own upgrade handler ends upgrades that nobody serves.
    destroyUpgrade: false,
    connectTimeout: 10_000,
  });
  const redis = presence.redis;
  if (redis) {
    // Pub/sub adapter: every desk event reaches the sockets of every instance.
    io.adapter(createAdapter(redis.pub, redis.sub, { key: `${redis.keyPrefix}socket.io` }));
  }

  const perUser = new Map<string, number>();
  const draining = new Set<Promise<void>>();
  let closing: Promise<void> | null = null;

  const broadcastChange = (change: PresenceChange): void => {
    // Degraded: Redis is unreachable, so only this instance's clients can be told.
    if (presence.degraded) io.local.emit(DeskEvent.presenceChanged, change);
    else io.emit(DeskEvent.presenceChanged, change);
  };

  /** After Redis came back: everyone here gets the desk as Redis now has it. */
  const resendSnapshots = (): void => {
    presence
      .snapshot()
      .then((snapshot) => void io.local.emit(DeskEvent.presenceSnapshot, snapshot))
      .catch((err: unknown) => logger.error({ err }, 'presence snapshot failed'));
  };

  presence.subscribe((event) => {
    if (event.type === 'change') broadcastChange(event.change);
    else if (event.type === 'status') io.local.emit(DeskEvent.presenceStatus, event.status);
    else resendSnapshots();
  });

  io.use((socket, next) => {
    void (async () => {
      if (closing) return next(connectError(ErrorCode.unavailable, 'Server restarting.'));
      const { token, viaCookie } = handshakeToken(socket.handshake.auth, socket.request);
      if (!token) {
        return next(connectError(ErrorCode.unauthenticated, 'Sign in first: no token.'));
      }
      if (viaCookie && !originAllowed(socket.request, allowedOrigins)) {
        return next(connectError(ErrorCode.forbidden, 'This origin may not use the session.'));
      }
      const session = await authenticateToken(tokens, storage, token);
      if (!session) {
        return next(
          connectError(
            ErrorCode.unauthenticated,
            'Sign in first (the session is missing, expired or revoked).',
          ),
        );
      }
      if ((perUser.get(session.user.id) ?? 0) >= limits.maxConnectionsPerUser) {
        return next(connectError(ErrorCode.rateLimited, 'Too many open desk connections.'));
      }
      socket.data = {
        user: session.user,
        claims: session.claims,
        sessionId: randomBytes(12).toString('base64url'),
        storyId: null,
        bucket: new TokenBucket(limits.eventsPerSecond, limits.eventBurst),
      };
      next();
    })().catch((err: unknown) => {
      logger.error({ err }, 'desk handshake failed');
      next(connectError(ErrorCode.unavailable, 'Try again in a moment.'));
    });
  });

  const respond = (
    socket: DeskSocket,
    event: string,
    ack: unknown,
    error: DeskRejection | null,
  ): void => {
    if (typeof ack === 'function') {
      const result: DeskAck = error
        ? { ok: false, error: { code: error.code, message: error.message } }
        : { ok: true };
      ack(result);
    } else if (error) {
      socket.emit(DeskEvent.error, { code: error.code, message: error.message, event });
    }
  };

  const handleUpdate = async (socket: DeskSocket, payload: unknown): Promise<void> => {
    const parsed = PresenceUpdateSchema.safeParse(payload);
    if (!parsed.success) throw new DeskRejection(ErrorCode.badRequest, zodMessage(parsed.error));
    const update = parsed.data;
    if (update.storyId !== null && update.storyId !== socket.data.storyId) {
      const story = await storage.getStory(update.storyId).catch((err: unknown) => {
        logger.error({ err }, 'story lookup failed');
        throw new DeskRejection(ErrorCode.unavailable, 'Try again in a moment.');
      });
      if (!story) throw new DeskRejection(ErrorCode.notFound, 'Unknown story.');
    }
    socket.data.storyId = update.storyId;
    // Read-only roles never show as typing, whatever their client says.
    const activity =
      update.activity === 'typing' && !canWrite(socket.data.user.role) ? 'active' : update.activity;
    await presence.update(socket.data.sessionId, { ...update, activity }, Date.now());
  };

  io.on('connection', (socket) => {
    const { user, sessionId } = socket.data;
    const queue = new SerialQueue((err) => logger.error({ err }, 'desk event failed'));
    perUser.set(user.id, (perUser.get(user.id) ?? 0) + 1);
    const now = Date.now();
    const session: PresenceSession = {
      sessionId,
      instanceId: presence.instanceId,
      user,
      storyId: null,
      field: null,
      activity: 'active',
      connectedAt: now,
      since: now,
    };
    logger.debug({ user: user.username, sessionId }, 'desk connection open');
    void socket.join(userRoom(user.id));
    void queue.run(async () => {
      await presence.join(session);
      const snapshot = await presence.snapshot();
      if (socket.connected) socket.emit(DeskEvent.presenceSnapshot, snapshot);
    });

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args.length > 1 ? args[args.length - 1] : args[0];
      const ackFn = typeof ack === 'function' ? ack : undefined;
      if (!socket.data.bucket.take()) {
        return respond(
          socket,
          event,
          ackFn,
          new DeskRejection(ErrorCode.rateLimited, 'Too many desk events; slow down.'),
        );
      }
      if (!CLIENT_DESK_EVENTS.includes(event)) {
        return respond(
          socket,
          event,
          ackFn,
          new DeskRejection(ErrorCode.badRequest, `Unknown event "${event}".`),
        );
      }
      const payload = typeof args[0] === 'function' ? undefined : args[0];
      void queue.run(async () => {
        try {
          await handleUpdate(socket, payload);
          respond(socket, event, ackFn, null);
        } catch (caught) {
          if (!(caught instanceof DeskRejection))
            logger.error({ err: caught }, 'desk event failed');
          const err =
            caught instanceof DeskRejection
              ? caught
              : new DeskRejection(ErrorCode.internal, 'Something went wrong; try again.');
          logger.debug(
            { user: user.username, code: err.code, msg: err.message },
            'desk event refused',
          );
          respond(socket, event, ackFn, err);
        }
      });
    });

    socket.on('disconnect', (reason) => {
      logger.debug({ user: user.username, sessionId, reason }, 'desk connection closed');
      const left = (perUser.get(user.id) ?? 1) - 1;
      if (left > 0) perUser.set(user.id, left);
      else perUser.delete(user.id);
      const done = queue.run(() => presence.leave(sessionId));
      draining.add(done);
      void done.finally(() => draining.delete(done));
    });
  });

  /** Ends connections whose token expired or whose account was disabled or re-keyed. */
  const recheck = async (): Promise<void> => {
    const byUser = new Map<string, DeskSocket[]>();
    for (const socket of io.of('/').sockets.values()) {
      const list = byUser.get(socket.data.user.id) ?? [];
      list.push(socket);
      byUser.set(socket.data.user.id, list);
    }
    const now = Date.now();
    for (const [userId, sockets] of byUser) {
      const account = await storage.findAccountById(userId).catch(() => undefined);
      if (account === undefined) continue; // storage hiccup: check again next time
      for (const socket of sockets) {
        const { claims } = socket.data;
        if (sessionStillValid(claims, account) && claims.expiresAt * 1000 > now) continue;
        socket.emit(DeskEvent.error, {
          code: ErrorCode.unauthenticated,
          message: 'Your session ended; sign in again.',
          event: 'session',
        });
        socket.disconnect(true);
      }
    }
  };
  let rechecking = false;
  const recheckTimer = setInterval(() => {
    if (rechecking) return;
    rechecking = true;
    void recheck()
      .catch((err: unknown) => logger.error({ err }, 'desk session recheck failed'))
      .finally(() => {
        rechecking = false;
      });
  }, limits.accountRecheckMs);
  recheckTimer.unref();

  await presence.start();
  logger.info(
    { presence: presence.kind, instanceId: presence.instanceId, degraded: presence.degraded },
    'desk channel ready',
  );

  const close = async (): Promise<void> => {
    clearInterval(recheckTimer);
    io.local.disconnectSockets(true);
    await Promise.all([...draining]);
    await presence.close();
    io.engine.close();
  };

  return {
    io,
    presence,
    connectionCount: () => io.of('/').sockets.size,
    presenceHealthy: () => !presence.degraded,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
};
