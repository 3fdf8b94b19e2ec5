import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../logger';
import { MemoryPresenceBackend, type MemoryPresenceData } from './memory-backend';
import { BackedPresenceStore } from './presence-store';
import { RedisPresenceBackend } from './redis-backend';
import { RedisLink } from './redis-link';
import { DEFAULT_PRESENCE_TIMING, type PresenceStore } from './types';

export const DEFAULT_KEY_PREFIX = 'copydesk:';

export interface CreatePresenceStoreOptions {
  logger: Logger;
  /** Redis when set (several instances); in-process otherwise. */
  redisUrl?: string | undefined;
  /** Every Redis key and pub/sub channel starts with it. Default `copydesk:`. */
  keyPrefix?: string | undefined;
  /** Unique per running process; default host-pid-random. */
  instanceId?: string | undefined;
  /** Heartbeat period. Default 5 s. */
  heartbeatMs?: number | undefined;
  /** A dead instance's sessions expire this long after its last heartbeat. Default 20 s. */
  ttlMs?: number | undefined;
  /** Reconnect back-off cap for Redis. Default 2 s. */
  redisMaxBackoffMs?: number | undefined;
  /** Tests: share one in-process backend between several stores. */
  memoryData?: MemoryPresenceData | undefined;
}

export const newInstanceId = (): string =>
  `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Builds (does not start) the presence store: Redis when `redisUrl` is set, else in-process. */
export const createPresenceStore = (options: CreatePresenceStoreOptions): PresenceStore => {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_PRESENCE_TIMING.heartbeatMs;
  const ttlMs = options.ttlMs ?? DEFAULT_PRESENCE_TIMING.ttlMs;
  if (!(heartbeatMs > 0) || !(ttlMs > heartbeatMs)) {
    throw new Error(`presence ttl (${ttlMs} ms) must exceed the heartbeat (${heartbeatMs} ms)`);
  }
  const instanceId = options.instanceId ?? newInstanceId();
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const logger = options.logger.child({ component: 'presence', instanceId });
  const backend = options.redisUrl
    ? new RedisPresenceBackend(
        new RedisLink({
          url: options.redisUrl,
          keyPrefix,
          logger,
          name: `${keyPrefix}${instanceId}`.replace(/[^\w:.-]/g, '_'),
          maxBackoffMs: options.redisMaxBackoffMs,
        }),
        keyPrefix,
      )
    : new MemoryPresenceBackend(options.memoryData);
  return new BackedPresenceStore(backend, {
    instanceId,
    logger,
    timing: { heartbeatMs, ttlMs },
  });
};
