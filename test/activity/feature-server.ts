/**
 * Test-only server for the activity, comments and export features until they are wired into
 * server/src/app.ts: the real SqliteStorage (a file in a temp dir), real tokens and login, the
 * real sync endpoint and rooms (stock y-websocket clients connect to it), the real story and
 * status routes, and our routers mounted in front of the API exactly as app.ts should mount them.
 * Runs in the test process (port 0) so tests can also listen to the live events.
 *
 * Once app.ts wires the features, tests that only use `baseUrl`/`wsUrl`/`stop()` switch to
 * `startServer()` from test/helpers/server.ts by changing the import.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CloseCode, DEFAULT_LIMITS } from '@copydesk/shared';
import express from 'express';
import { ActivityRecorder, activityRouter, WorkerTrackerEngine } from '../../server/src/activity';
import { seedDemoAccounts } from '../../server/src/auth/accounts';
import { LoginLimiter } from '../../server/src/auth/login-limiter';
import { TokenService } from '../../server/src/auth/tokens';
import { CommentService, commentsRouter, roomDocs } from '../../server/src/comments';
import { exportRouter } from '../../server/src/export';
import { StorageFeed } from '../../server/src/history/storage-feed';
import { errorHandler } from '../../server/src/http/error-handler';
import { requireJson } from '../../server/src/http/json-only';
import { apiRouter } from '../../server/src/http/routes';
import { createLogger } from '../../server/src/logger';
import { SqliteStorage } from '../../server/src/storage/sqlite-storage';
import type { Storage } from '../../server/src/storage/storage';
import { StoryService } from '../../server/src/stories/story-service';
import { Compactor } from '../../server/src/sync/compactor';
import { RoomRegistry } from '../../server/src/sync/room-registry';
import { SyncEndpoint } from '../../server/src/sync/sync-endpoint';

export interface FeatureServer {
  readonly baseUrl: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  readonly storage: Storage;
  readonly activity: ActivityRecorder;
  /** The activity feed's worker thread, as the app runs it (tests kill it). */
  readonly activityEngine: WorkerTrackerEngine;
  readonly comments: CommentService;
  stop(): Promise<void>;
}

export interface FeatureServerOptions {
  /** Activity rounds per story at most this often (the app default is 1000 ms). */
  minIntervalMs?: number;
  gapMs?: number;
}

export const startFeatureServer = async (
  options: FeatureServerOptions = {},
): Promise<FeatureServer> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-features-'));
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const base = new SqliteStorage({ file: path.join(dataDir, 'copydesk.sqlite') });
  await base.migrate();
  await seedDemoAccounts(base, { production: false, logger });

  // The storage the rest of the server sees reports appends, new stories and workflow moves
  // to the activity recorder after they succeed, as app.ts wires it.
  const feed = new StorageFeed();
  const storage = feed.observe(base);
  const activityEngine = new WorkerTrackerEngine({ logger });
  const activity = new ActivityRecorder({
    storage,
    logger,
    engine: activityEngine,
    minIntervalMs: options.minIntervalMs ?? 20,
    ...(options.gapMs === undefined ? {} : { gapMs: options.gapMs }),
  });
  feed.subscribe(activity);

  const tokens = new TokenService('feature-test-secret-0123456789abcdef', 3600, 24 * 3600);
  const compactor = new Compactor({ storage, logger });
  const registry = new RoomRegistry({
    storage,
    logger,
    compactor,
    unloadAfterMs: 30_000,
    compactEveryUpdates: 2_000,
    maxStoryBytes: DEFAULT_LIMITS.maxStoryBytes,
  });
  const stories = new StoryService(storage, registry);
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
      maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
      messagesPerSecond: 10_000,
      messageBurst: 10_000,
      maxConnectionsPerUser: DEFAULT_LIMITS.maxConnectionsPerUser,
      maxBufferedBytes: DEFAULT_LIMITS.maxBufferedBytes,
    },
    recheckMs: DEFAULT_LIMITS.accountRecheckMs,
    allowedOrigins: [],
  });

  const app = express();
  app.use('/api', requireJson);
  app.use('/api', express.json({ limit: '512kb', strict: true }));
  // How app.ts should mount them: in front of the API router (its catch-all 404 comes last).
  app.use('/api', activityRouter({ tokens, storage, activity }));
  app.use('/api', commentsRouter({ tokens, storage, comments }));
  app.use('/api', exportRouter({ tokens, storage, stories }));
  app.use(
    '/api',
    apiRouter({
      storage,
      tokens,
      stories,
      logger,
      loginLimiter: new LoginLimiter({
        maxFailuresPerAccount: 1000,
        maxFailuresPerAddress: 1000,
        windowMs: 60_000,
      }),
      live: sync,
    }),
  );
  app.use(errorHandler(logger));

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!sync.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await registry.flushAll();
    sync.closeAll(CloseCode.serviceRestart, 'server restarting');
    sync.close();
    registry.close();
    await activity.close();
    await compactor.close();
    await base.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    baseUrl,
    url: baseUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir,
    storage,
    activity,
    activityEngine,
    comments,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
};
