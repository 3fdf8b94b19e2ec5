import path from 'node:path';
import { DEFAULT_LIMITS } from '@copydesk/shared';
import { z } from 'zod';
import { DEFAULT_CHECKPOINT_EVERY_COMMITS } from './storage/sqlite-storage';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** The only place that reads process.env. Everything else takes options. */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z.string().url().optional(),
    REDIS_URL: z.string().url().optional(),
    AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    STORY_UNLOAD_AFTER_MS: z.coerce.number().int().min(0).default(30_000),
    COMPACT_EVERY_UPDATES: z.coerce.number().int().min(10).default(2_000),
    /** SQLite: a WAL checkpoint in its own thread after this many commits; 0: on the commit. */
    SQLITE_CHECKPOINT_EVERY_COMMITS: int(0, DEFAULT_CHECKPOINT_EVERY_COMMITS),
    /** The activity feed drops a story's working copy after this long without edits. */
    ACTIVITY_IDLE_MS: int(100, 300_000),
    /** 1: the activity feed applies edits in a worker thread; 0: in the server's own loop. */
    ACTIVITY_WORKER: z.enum(['0', '1']).default('1'),
    CLIENT_DIST: z.string().optional(),

    // Redis: presence, desk events and Yjs updates across instances (docs/ARCHITECTURE.md).
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\w:.-]{1,64}$/)
      .default('copydesk:'),
    /** Unique per process when set; a random id otherwise. */
    INSTANCE_ID: z.string().min(1).max(128).optional(),
    PRESENCE_HEARTBEAT_MS: int(50, 5_000),
    PRESENCE_TTL_MS: int(200, 20_000),
    DESK_MAX_MESSAGE_BYTES: int(1024, 64 * 1024),
    /** How often a loaded story re-reads the log for edits stored by other instances. */
    CLUSTER_CATCHUP_MS: int(50, 2_000),

    // Version history (server/src/history/README.md).
    HISTORY_SETTLE_MS: int(10, 60_000),
    HISTORY_MAX_UPDATES: int(1, 500),
    HISTORY_MAX_BURST_MS: int(100, 600_000),
    HISTORY_MIN_CUT_GAP_MS: int(0, 30_000),
    HISTORY_CHECKPOINT_EVERY: int(1, 500),

    /** Benchmark only: relay before storing, to measure what durability costs. */
    BENCH_RELAY_BEFORE_STORE: z.enum(['0', '1']).default('0'),

    // Sessions (docs/SECURITY.md "Tokens").
    TOKEN_TTL_SECONDS: int(60, DEFAULT_LIMITS.tokenTtlSeconds),
    SESSION_MAX_SECONDS: int(60, DEFAULT_LIMITS.sessionMaxSeconds),
    ACCOUNT_RECHECK_MS: int(100, DEFAULT_LIMITS.accountRecheckMs),
    /** Express `trust proxy`: who may set X-Forwarded-For/-Proto ("false" to trust no one). */
    TRUST_PROXY: z.string().min(1).default('loopback, uniquelocal'),
    /** Extra origins (comma-separated) allowed to open the sync socket with the session cookie. */
    ALLOWED_ORIGINS: z.string().default(''),

    // Login rate limit.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, DEFAULT_LIMITS.loginFailuresPerAccount),
    LOGIN_MAX_FAILURES_PER_ADDRESS: int(1, DEFAULT_LIMITS.loginFailuresPerAddress),
    LOGIN_WINDOW_SECONDS: int(1, DEFAULT_LIMITS.loginWindowSeconds),

    // Sync endpoint limits (docs/SECURITY.md "Limits").
    MAX_FRAME_BYTES: int(1024, DEFAULT_LIMITS.maxFrameBytes),
    MAX_STORY_BYTES: int(1024, DEFAULT_LIMITS.maxStoryBytes),
    SYNC_MESSAGES_PER_SECOND: int(1, DEFAULT_LIMITS.syncMessagesPerSecond),
    SYNC_MESSAGE_BURST: int(1, DEFAULT_LIMITS.syncMessageBurst),
    MAX_CONNECTIONS_PER_USER: int(1, DEFAULT_LIMITS.maxConnectionsPerUser),
    MAX_BUFFERED_BYTES: int(64 * 1024, DEFAULT_LIMITS.maxBufferedBytes),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.BENCH_RELAY_BEFORE_STORE === '1') {
      ctx.addIssue({
        code: 'custom',
        path: ['BENCH_RELAY_BEFORE_STORE'],
        message: 'BENCH_RELAY_BEFORE_STORE gives up durability: benchmarks only, never production',
      });
    }
    if (env.NODE_ENV === 'production' && !env.AUTH_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_SECRET'],
        message: 'AUTH_SECRET is required when NODE_ENV=production',
      });
    }
    if (env.SESSION_MAX_SECONDS < env.TOKEN_TTL_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_MAX_SECONDS'],
        message: 'SESSION_MAX_SECONDS must be at least TOKEN_TTL_SECONDS',
      });
    }
    // A client joining a story receives the whole document at once: the outbound buffer of
    // one connection must hold it, or every join of a large story would be dropped.
    if (env.MAX_BUFFERED_BYTES < env.MAX_STORY_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_BUFFERED_BYTES'],
        message: 'MAX_BUFFERED_BYTES must be at least MAX_STORY_BYTES',
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Parses the environment once; reports every problem at once and exits on failure. */
export const readEnv = (source: NodeJS.ProcessEnv = process.env): Env => {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    process.stderr.write(`Invalid configuration:\n${lines.join('\n')}\n`);
    process.exit(78);
  }
  return { ...result.data, DATA_DIR: path.resolve(result.data.DATA_DIR) };
};

/** `TRUST_PROXY` as Express takes it: false, a hop count, or a list of addresses/ranges. */
export const parseTrustProxy = (value: string): boolean | number | string => {
  const v = value.trim();
  if (v === 'false' || v === '0' || v === '') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
};

export const parseOrigins = (value: string): string[] =>
  value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);

const StorageEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
});

/** Just where the data lives (for the `users` command, which needs no secret or port). */
export const readStorageEnv = (
  source: NodeJS.ProcessEnv = process.env,
): { dataDir: string; databaseUrl?: string } => {
  const result = StorageEnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    process.stderr.write(`Invalid configuration:\n${lines.join('\n')}\n`);
    process.exit(78);
  }
  const dataDir = path.resolve(result.data.DATA_DIR);
  return result.data.DATABASE_URL
    ? { dataDir, databaseUrl: result.data.DATABASE_URL }
    : { dataDir };
};
