import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, DEFAULT_LIMITS } from '@copydesk/shared';
import { seedDemoAccounts } from './auth/accounts';
import { LoginLimiter } from './auth/login-limiter';
import { TokenService } from './auth/tokens';
import { createHttpApp } from './http/http-app';
import type { Logger } from './logger';
import { createStorage } from './storage/create-storage';
import type { Storage } from './storage/storage';
import { StoryService } from './stories/story-service';
import { Compactor } from './sync/compactor';
import { RoomRegistry } from './sync/room-registry';
import { SyncEndpoint } from './sync/sync-endpoint';

export interface CopydeskOptions {
  port: number;
  host: string;
  dataDir: string;
  authSecret: string;
  production: boolean;
  logger: Logger;
  clientDist: string;
  /** PostgreSQL when set, else SQLite under dataDir. */
  databaseUrl?: string;
  unloadAfterMs?: number;
  compactEveryUpdates?: number;
  storage?: Storage;
  security?: SecurityOptions;
}

/** Every limit of docs/SECURITY.md; each defaults to DEFAULT_LIMITS (shared/src/limits.ts). */
export interface SecurityOptions {
  tokenTtlSeconds?: number;
  sessionMaxSeconds?: number;
  accountRecheckMs?: number;
  trustProxy?: boolean | number | string;
  allowedOrigins?: readonly string[];
  loginFailuresPerAccount?: number;
  loginFailuresPerAddress?: number;
  loginWindowSeconds?: number;
  maxFrameBytes?: number;
  maxStoryBytes?: number;
  syncMessagesPerSecond?: number;
  syncMessageBurst?: number;
  maxConnectionsPerUser?: number;
  maxBufferedBytes?: number;
}

/** The storage the server and the `users` command use for the given configuration. */
export const openStorage = (options: { dataDir: string; databaseUrl?: string; logger?: Logger }) =>
  createStorage({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

export interface Copydesk {
  readonly port: number;
  readonly storage: Storage;
  readonly registry: RoomRegistry;
  readonly compactor: Compactor;
  /** Graceful: flush every story, close clients with 1012, close storage. */
  close(): Promise<void>;
}

/** Builds and starts one server instance; every dependency is passed in (tests use port 0). */
export const startCopydesk = async (options: CopydeskOptions): Promise<Copydesk> => {
  const { logger } = options;
  const sec = { ...options.security };
  const storage = options.storage ?? openStorage(options);
  await storage.migrate();
  await seedDemoAccounts(storage, { production: options.production, logger });

  const tokens = new TokenService(
    options.authSecret,
    sec.tokenTtlSeconds ?? DEFAULT_LIMITS.tokenTtlSeconds,
    sec.sessionMaxSeconds ?? DEFAULT_LIMITS.sessionMaxSeconds,
  );
  const loginLimiter = new LoginLimiter({
    maxFailuresPerAccount: sec.loginFailuresPerAccount ?? DEFAULT_LIMITS.loginFailuresPerAccount,
    maxFailuresPerAddress: sec.loginFailuresPerAddress ?? DEFAULT_LIMITS.loginFailuresPerAddress,
    windowMs: (sec.loginWindowSeconds ?? DEFAULT_LIMITS.loginWindowSeconds) * 1000,
  });
  const compactor = new Compactor({ storage, logger });
  const registry = new RoomRegistry({
    storage,
    logger,
    compactor,
    unloadAfterMs: options.unloadAfterMs ?? 30_000,
    compactEveryUpdates: options.compactEveryUpdates ?? 2_000,
    maxStoryBytes: sec.maxStoryBytes ?? DEFAULT_LIMITS.maxStoryBytes,
  });
  const stories = new StoryService(storage, registry);
  const sync = new SyncEndpoint({
    storage,
    tokens,
    registry,
    logger,
    limits: {
      maxFrameBytes: sec.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes,
      messagesPerSecond: sec.syncMessagesPerSecond ?? DEFAULT_LIMITS.syncMessagesPerSecond,
      messageBurst: sec.syncMessageBurst ?? DEFAULT_LIMITS.syncMessageBurst,
      maxConnectionsPerUser: sec.maxConnectionsPerUser ?? DEFAULT_LIMITS.maxConnectionsPerUser,
      maxBufferedBytes: sec.maxBufferedBytes ?? DEFAULT_LIMITS.maxBufferedBytes,
    },
    recheckMs: sec.accountRecheckMs ?? DEFAULT_LIMITS.accountRecheckMs,
    allowedOrigins: sec.allowedOrigins ?? [],
  });
  const app = createHttpApp({
    storage,
    tokens,
    stories,
    logger,
    clientDist: options.clientDist,
    loginLimiter,
    live: sync,
    trustProxy: sec.trustProxy ?? 'loopback, uniquelocal',
  });
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!sync.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: options.host, storage: storage.kind }, 'copydesk listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    server.close();
    server.closeAllConnections();
    await registry.flushAll();
    sync.closeAll(CloseCode.serviceRestart, 'server restarting');
    sync.close();
    registry.close();
    await compactor.close();
    await storage.close();
    logger.info('copydesk stopped');
  };
  return {
    port,
    storage,
    registry,
    compactor,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
};
