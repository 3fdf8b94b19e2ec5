import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, DEFAULT_LIMITS, userRoom } from '@copydesk/shared';
import { ActivityRecorder, activityRouter, WorkerTrackerEngine } from './activity';
import { seedDemoAccounts } from './auth/accounts';
import { LoginLimiter } from './auth/login-limiter';
import { TokenService } from './auth/tokens';
import { LocalDocBus, RedisDocBus } from './cluster/doc-bus';
import { CommentService, commentsRouter, roomDocs } from './comments';
import { exportRouter } from './export';
import { historyRouter } from './history/history-routes';
import { HistoryService, type HistorySettings } from './history/history-service';
import { StorageFeed } from './history/storage-feed';
import { createHttpApp } from './http/http-app';
import { metricsRouter } from './http/metrics';
import type { Logger } from './logger';
import { attachDeskChannel, isDeskChannelRequest } from './realtime';
import { type CreateStorageOptions, createStorage } from './storage/create-storage';
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
  /** SQLITE_CHECKPOINT_EVERY_COMMITS: see SqliteStorageOptions.checkpointEveryCommits. */
  sqliteCheckpointEveryCommits?: number;
  unloadAfterMs?: number;
  compactEveryUpdates?: number;
  /** ACTIVITY_IDLE_MS: see ActivityRecorderOptions.idleMs. */
  activityIdleMs?: number;
  /** ACTIVITY_WORKER: apply edits for the activity feed in a worker thread (default true). */
  activityWorker?: boolean;
  storage?: Storage;
  security?: SecurityOptions;
  /** Presence, desk events and cross-instance Yjs go through Redis when set. */
  redisUrl?: string;
  redisKeyPrefix?: string;
  instanceId?: string;
  presence?: { heartbeatMs?: number; ttlMs?: number; maxMessageBytes?: number };
  /** How often loaded stories re-read the log for other instances' edits (with Redis). */
  clusterCatchUpMs?: number;
  history?: HistorySettings;
  /** Benchmark only (BENCH_RELAY_BEFORE_STORE): relay before storing. */
  relayBeforeStore?: boolean;
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

/** The storage the server opens for its configuration (the `users` command: createStorage). */
export const openStorage = (
  options: Pick<
    CreateStorageOptions,
    'dataDir' | 'databaseUrl' | 'logger' | 'sqliteCheckpointEveryCommits'
  >,
) => createStorage(options);

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
  const baseStorage = options.storage ?? openStorage(options);
  await baseStorage.migrate();
  // History and activity hear about appends, new stories and status moves through the feed.
  const feed = new StorageFeed();
  const storage = feed.observe(baseStorage);
  const instanceId = options.instanceId ?? randomBytes(6).toString('hex');
  const keyPrefix = options.redisKeyPrefix ?? 'copydesk:';
  const bus = options.redisUrl
    ? new RedisDocBus(instanceId, { url: options.redisUrl, keyPrefix, logger })
    : new LocalDocBus(instanceId);
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
    bus,
    catchUpMs: options.clusterCatchUpMs ?? 2_000,
    relayBeforeStore: options.relayBeforeStore ?? false,
  });
  bus.onReconnect(() => {
    for (const room of registry.readyRooms()) void room.catchUpFromLog();
  });
  const stories = new StoryService(storage, registry);
  const history = new HistoryService({ storage, registry, logger, feed, ...options.history });
  const activityEngine =
    options.activityWorker === false ? null : new WorkerTrackerEngine({ logger });
  const activity = new ActivityRecorder({
    storage,
    logger,
    ...(activityEngine ? { engine: activityEngine } : {}),
    ...(options.activityIdleMs === undefined ? {} : { idleMs: options.activityIdleMs }),
  });
  feed.subscribe(activity);
  const comments = new CommentService({
    storage,
    docs: roomDocs(registry),
    logger,
    users: activity.users,
  });
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
    featureRouters: [
      historyRouter({ history, tokens, storage }),
      activityRouter({ tokens, storage, activity }),
      commentsRouter({ tokens, storage, comments }),
      exportRouter({ tokens, storage, stories }),
    ],
    readiness: (): Record<string, boolean> => ({
      storageWrites: registry.writesHealthy(),
      ...(options.redisUrl ? { redis: desk.presenceHealthy() && bus.healthy() } : {}),
    }),
    metrics: metricsRouter({
      loadedStories: () => registry.loadedCount,
      syncConnections: () => sync.connectionCount,
      deskConnections: () => desk.connectionCount(),
      activityWorkingCopies: () => activity.workingCopies,
      activityWorkerRestarts: () => activityEngine?.restarts ?? 0,
      clusterCatchUps: () => registry.clusterStats.catchUps,
      streamingPauses: () => registry.streamingPauses,
      awarenessStates: () =>
        registry.readyRooms().reduce((n, room) => n + room.presence.awareness.getStates().size, 0),
    }),
  });
  const server = http.createServer(app);
  const desk = await attachDeskChannel(server, {
    tokens,
    storage,
    logger,
    redisUrl: options.redisUrl,
    keyPrefix,
    instanceId,
    heartbeatMs: options.presence?.heartbeatMs,
    presenceTtlMs: options.presence?.ttlMs,
    maxMessageBytes: options.presence?.maxMessageBytes,
    maxConnectionsPerUser: sec.maxConnectionsPerUser ?? DEFAULT_LIMITS.maxConnectionsPerUser,
    accountRecheckMs: sec.accountRecheckMs ?? DEFAULT_LIMITS.accountRecheckMs,
    allowedOrigins: sec.allowedOrigins ?? [],
  });
  // Live desk events: activity to everyone, mentions only to the mentioned person's sockets.
  activity.subscribe(({ type, entry }) => desk.io.emit(type, entry));
  comments.subscribe((event) => {
    if (event.type === 'mention:new') {
      desk.io.to(userRoom(event.payload.userId)).emit(event.type, event.payload);
    } else if (event.type === 'comment:new') {
      desk.io.emit(event.type, event.payload);
    } else {
      desk.io.emit(event.type, event.payload);
    }
  });
  server.on('upgrade', (req, socket, head) => {
    if (isDeskChannelRequest(req)) return; // Socket.IO (engine.io) handles its own upgrades
    if (!sync.handleUpgrade(req, socket, head)) socket.destroy();
  });
  // The worker starts while the server starts listening: ready before the first round, without
  // holding up start-up for its bundle (~0.2 s).
  void activity.warmUp();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: options.host, storage: storage.kind }, 'copydesk listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    server.close();
    await desk.close();
    // Tell clients first and keep reading until they have closed: an edit typed just before a
    // client saw 1012 is still stored. Only then flush and cut whatever is left.
    sync.closeAll(CloseCode.serviceRestart, 'server restarting');
    await sync.whenAllClosed(3_000);
    server.closeAllConnections();
    await registry.flushAll();
    sync.close();
    registry.close();
    await compactor.close();
    await history.close();
    await activity.close();
    await bus.close();
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
