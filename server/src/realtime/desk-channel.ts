import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { DESK_SOCKET_PATH } from '@copydesk/shared';
import {
  type CreatePresenceStoreOptions,
  createPresenceStore,
  type PresenceStore,
} from '../presence';
import { deskAdmission } from './desk-admission';
import { DeskConnections } from './desk-connections';
import { type DeskChannelOptions, deskLimits } from './desk-options';
import { createDeskServer, type DeskServer } from './desk-server';
import { relayPresence } from './presence-relay';
import { PresenceUpdates } from './presence-updates';
import { SessionRecheck } from './session-recheck';

export { DESK_CHANNEL_DEFAULTS, type DeskChannelOptions } from './desk-options';

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

/** True for requests the desk channel serves; app.ts's upgrade handler must leave them alone. */
export const isDeskChannelRequest = (req: IncomingMessage): boolean =>
  (req.url ?? '').startsWith(`${DESK_SOCKET_PATH}/`);

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
  const limits = deskLimits(options);
  const allowedOrigins = options.allowedOrigins ?? [];

  const io = createDeskServer(httpServer, options, limits, presence);
  const connections = new DeskConnections(
    presence,
    new PresenceUpdates(storage, presence, logger),
    logger,
  );
  let closing: Promise<void> | null = null;

  relayPresence(io, presence, logger);
  io.use(
    deskAdmission({
      tokens,
      storage,
      logger,
      limits,
      allowedOrigins,
      closing: () => closing !== null,
      connectionsOf: (userId) => connections.connectionsOf(userId),
    }),
  );
  io.on('connection', (socket) => connections.open(socket));
  const recheck = new SessionRecheck(io, storage, logger, limits.accountRecheckMs);

  await presence.start();
  logger.info(
    { presence: presence.kind, instanceId: presence.instanceId, degraded: presence.degraded },
    'desk channel ready',
  );

  const close = async (): Promise<void> => {
    recheck.stop();
    io.local.disconnectSockets(true);
    await connections.drained();
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
