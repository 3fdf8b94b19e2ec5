import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCopydesk } from './app';
import { loadOrCreateDevSecret } from './auth/secret';
import { parseOrigins, parseTrustProxy, readEnv } from './env';
import { createLogger } from './logger';

/** Composition root: the environment is read here and nowhere else. */
const env = readEnv();
const logger = createLogger(env.LOG_LEVEL);
const production = env.NODE_ENV === 'production';
// Two levels up from both server/src/main.ts and the built server/dist/main.mjs.
const defaultClientDist = fileURLToPath(new URL('../../client/dist', import.meta.url));

const relayBeforeStore = env.BENCH_RELAY_BEFORE_STORE === '1';
if (relayBeforeStore) {
  logger.warn(
    'BENCH_RELAY_BEFORE_STORE=1: edits are relayed before they are stored (benchmark only)',
  );
}

const copydesk = await startCopydesk({
  relayBeforeStore,
  port: env.PORT,
  host: env.HOST,
  dataDir: env.DATA_DIR,
  authSecret: env.AUTH_SECRET ?? loadOrCreateDevSecret(env.DATA_DIR),
  production,
  logger,
  clientDist: env.CLIENT_DIST ? path.resolve(env.CLIENT_DIST) : defaultClientDist,
  ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  sqliteCheckpointEveryCommits: env.SQLITE_CHECKPOINT_EVERY_COMMITS,
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  redisKeyPrefix: env.REDIS_KEY_PREFIX,
  ...(env.INSTANCE_ID ? { instanceId: env.INSTANCE_ID } : {}),
  presence: {
    heartbeatMs: env.PRESENCE_HEARTBEAT_MS,
    ttlMs: env.PRESENCE_TTL_MS,
    maxMessageBytes: env.DESK_MAX_MESSAGE_BYTES,
  },
  clusterCatchUpMs: env.CLUSTER_CATCHUP_MS,
  history: {
    settleMs: env.HISTORY_SETTLE_MS,
    maxUpdatesPerVersion: env.HISTORY_MAX_UPDATES,
    maxBurstMs: env.HISTORY_MAX_BURST_MS,
    minCutGapMs: env.HISTORY_MIN_CUT_GAP_MS,
    checkpointEvery: env.HISTORY_CHECKPOINT_EVERY,
  },
  unloadAfterMs: env.STORY_UNLOAD_AFTER_MS,
  compactEveryUpdates: env.COMPACT_EVERY_UPDATES,
  activityIdleMs: env.ACTIVITY_IDLE_MS,
  activityWorker: env.ACTIVITY_WORKER === '1',
  security: {
    tokenTtlSeconds: env.TOKEN_TTL_SECONDS,
    sessionMaxSeconds: env.SESSION_MAX_SECONDS,
    accountRecheckMs: env.ACCOUNT_RECHECK_MS,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    loginFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginFailuresPerAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS,
    loginWindowSeconds: env.LOGIN_WINDOW_SECONDS,
    maxFrameBytes: env.MAX_FRAME_BYTES,
    maxStoryBytes: env.MAX_STORY_BYTES,
    syncMessagesPerSecond: env.SYNC_MESSAGES_PER_SECOND,
    syncMessageBurst: env.SYNC_MESSAGE_BURST,
    maxConnectionsPerUser: env.MAX_CONNECTIONS_PER_USER,
    maxBufferedBytes: env.MAX_BUFFERED_BYTES,
  },
});

const shutdown = (signal: string) => {
  logger.info({ signal }, 'shutting down: flushing stories');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  copydesk.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
