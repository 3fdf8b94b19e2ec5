import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The shared state of a copydesk-pg run: a fresh PostgreSQL database and a fresh Redis key
 * prefix on the machine's shared servers (as test/helpers/cluster.ts makes for the cluster
 * tests), removed again by `drop()`. The shared servers themselves are never flushed or
 * stopped: only this run's database and this run's keys go.
 */

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface PgRedis {
  /** DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX and a shared AUTH_SECRET for every instance. */
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

const withAdmin = async (fn: (admin: pg.Client) => Promise<void>): Promise<void> => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await fn(admin);
  } finally {
    await admin.end();
  }
};

/** Deletes the keys under `prefix` with SCAN (KEYS would block the shared Redis). */
const deleteKeys = async (prefix: string): Promise<void> => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
};

export const provisionPgRedis = async (): Promise<PgRedis> => {
  // Names made only of [a-z0-9_], so they need no quoting in SQL.
  const name = `copydesk_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const keyPrefix = `cdbench:${randomBytes(4).toString('hex')}:`;
  await withAdmin(async (admin) => {
    await admin.query(`CREATE DATABASE ${name}`);
  });
  let dropped = false;
  return {
    env: {
      DATABASE_URL: ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      // Both instances must accept each other's tokens (a client logs in on A, joins on B).
      AUTH_SECRET: randomBytes(32).toString('hex'),
    },
    drop: async () => {
      if (dropped) return;
      dropped = true;
      try {
        // FORCE: a server killed mid-run may leave connections behind.
        await withAdmin(async (admin) => {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      } finally {
        await deleteKeys(keyPrefix);
      }
    },
  };
};
