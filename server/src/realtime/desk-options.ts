import type { TokenService } from '../auth/tokens';
import type { Logger } from '../logger';
import type { PresenceStore } from '../presence';
import type { Storage } from '../storage/storage';

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

/** The limits in force: each option, or its default. */
export interface DeskLimits {
  maxMessageBytes: number;
  eventsPerSecond: number;
  eventBurst: number;
  maxConnectionsPerUser: number;
  accountRecheckMs: number;
}

export const deskLimits = (options: DeskChannelOptions): DeskLimits => ({
  maxMessageBytes: options.maxMessageBytes ?? DESK_CHANNEL_DEFAULTS.maxMessageBytes,
  eventsPerSecond: options.eventsPerSecond ?? DESK_CHANNEL_DEFAULTS.eventsPerSecond,
  eventBurst: options.eventBurst ?? DESK_CHANNEL_DEFAULTS.eventBurst,
  maxConnectionsPerUser:
    options.maxConnectionsPerUser ?? DESK_CHANNEL_DEFAULTS.maxConnectionsPerUser,
  accountRecheckMs: options.accountRecheckMs ?? DESK_CHANNEL_DEFAULTS.accountRecheckMs,
});
