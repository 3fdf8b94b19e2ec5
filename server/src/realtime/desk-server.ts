import type { Server as HttpServer } from 'node:http';
import {
  DESK_SOCKET_PATH,
  DESK_TRANSPORTS,
  type DeskServerToClientEvents,
  type PublicUser,
} from '@copydesk/shared';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server, type Socket } from 'socket.io';
import type { TokenClaims } from '../auth/tokens';
import type { PresenceStore } from '../presence';
import type { TokenBucket } from '../token-bucket';
import { DESK_CHANNEL_DEFAULTS, type DeskChannelOptions, type DeskLimits } from './desk-options';

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

export type DeskServer = Server<
  IncomingEvents,
  DeskServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type DeskSocket = Socket<
  IncomingEvents,
  DeskServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** Socket.IO on the HTTP server, WebSocket only; across instances through Redis when present. */
export const createDeskServer = (
  httpServer: HttpServer,
  options: DeskChannelOptions,
  limits: DeskLimits,
  presence: PresenceStore,
): DeskServer => {
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
  return io;
};
