import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCopydesk } from './app';
import { loadOrCreateDevSecret } from './auth/secret';
import { readEnv } from './env';
import { createLogger } from './logger';

/** Composition root: the environment is read here and nowhere else. */
const env = readEnv();
const logger = createLogger(env.LOG_LEVEL);
const production = env.NODE_ENV === 'production';
const defaultClientDist = fileURLToPath(new URL('../../client/dist', import.meta.url));

const copydesk = await startCopydesk({
  port: env.PORT,
  host: env.HOST,
  dataDir: env.DATA_DIR,
  authSecret: env.AUTH_SECRET ?? loadOrCreateDevSecret(env.DATA_DIR),
  production,
  logger,
  clientDist: env.CLIENT_DIST ? path.resolve(env.CLIENT_DIST) : defaultClientDist,
  tokenTtlSeconds: env.TOKEN_TTL_SECONDS,
  unloadAfterMs: env.STORY_UNLOAD_AFTER_MS,
  compactEveryUpdates: env.COMPACT_EVERY_UPDATES,
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
