/**
 * Test-only server process: an HTTP server with the desk channel attached exactly as app.ts
 * will attach it (same upgrade handling), real SQLite accounts and real tokens. Spawned by the
 * presence tests so they can SIGKILL it. Configuration comes from the environment:
 *   PRESENCE_DB (sqlite file, already seeded), AUTH_SECRET, REDIS_URL?, REDIS_KEY_PREFIX,
 *   PRESENCE_HEARTBEAT_MS, PRESENCE_TTL_MS, REDIS_MAX_BACKOFF_MS, DESK_MAX_MESSAGE_BYTES,
 *   DESK_EVENTS_PER_SECOND, DESK_EVENT_BURST, DESK_ACCOUNT_RECHECK_MS, LOG_LEVEL.
 * Prints pino JSON; `presence server listening` carries the port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenService } from '../../server/src/auth/tokens';
import { createLogger } from '../../server/src/logger';
import { attachDeskChannel, isDeskChannelRequest } from '../../server/src/realtime';
import { SqliteStorage } from '../../server/src/storage/sqlite-storage';

const env = process.env;
const number = (name: string): number | undefined =>
  env[name] === undefined ? undefined : Number(env[name]);
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const logger = createLogger(env.LOG_LEVEL ?? 'info');
const storage = new SqliteStorage({ file: required('PRESENCE_DB') });
await storage.migrate();
const tokens = new TokenService(required('AUTH_SECRET'), 3600);

const server = http.createServer((_req, res) => {
  res.statusCode = 404;
  res.end();
});
// As in app.ts: upgrades nobody serves are destroyed; the desk channel's are left alone.
server.on('upgrade', (req, socket) => {
  if (!isDeskChannelRequest(req)) socket.destroy();
});

const desk = await attachDeskChannel(server, {
  tokens,
  storage,
  logger,
  redisUrl: env.REDIS_URL || undefined,
  keyPrefix: env.REDIS_KEY_PREFIX,
  instanceId: env.INSTANCE_ID,
  heartbeatMs: number('PRESENCE_HEARTBEAT_MS'),
  presenceTtlMs: number('PRESENCE_TTL_MS'),
  redisMaxBackoffMs: number('REDIS_MAX_BACKOFF_MS'),
  maxMessageBytes: number('DESK_MAX_MESSAGE_BYTES'),
  eventsPerSecond: number('DESK_EVENTS_PER_SECOND'),
  eventBurst: number('DESK_EVENT_BURST'),
  accountRecheckMs: number('DESK_ACCOUNT_RECHECK_MS'),
});

await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
logger.info(
  { port: (server.address() as AddressInfo).port, instanceId: desk.presence.instanceId },
  'presence server listening',
);

const shutdown = () => {
  void desk
    .close()
    .then(() => storage.close())
    .finally(() => {
      server.close();
      process.exit(0);
    });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
