import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from './server';

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly servers: RunningServer[];
  /** Starts one more instance on the shared PostgreSQL and Redis. */
  startInstance(extra?: Record<string, string>): Promise<RunningServer>;
  /** Runs SQL against this cluster's database. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Several real server processes sharing a fresh PostgreSQL database and a fresh Redis key
 * prefix — the docker-compose topology without Docker. Everything is removed by `stop()`.
 */
export const startCluster = async (
  options: {
    instances?: number;
    redisUrl?: string;
    env?: Record<string, string>;
    /** A private PostgreSQL (test/chaos/lib.ts) instead of the shared one at 5432. */
    adminUrl?: string;
  } = {},
): Promise<Cluster> => {
  const adminUrl = options.adminUrl ?? ADMIN_URL;
  const name = `copydesk_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const redisUrl = options.redisUrl ?? SHARED_REDIS_URL;
  const keyPrefix = `cdtest:${randomBytes(4).toString('hex')}:`;
  const authSecret = randomBytes(32).toString('hex');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const servers: RunningServer[] = [];

  const startInstance = async (extra: Record<string, string> = {}) => {
    const serverOptions: ServerOptions = {
      env: {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        AUTH_SECRET: authSecret,
        CLUSTER_CATCHUP_MS: '500',
        PRESENCE_HEARTBEAT_MS: '500',
        PRESENCE_TTL_MS: '2000',
        ...options.env,
        ...extra,
      },
    };
    const server = await startServer(serverOptions);
    servers.push(server);
    return server;
  };
  // One after the other: the first one migrates and seeds the demo desk.
  for (let i = 0; i < (options.instances ?? 2); i++) await startInstance();

  return {
    databaseUrl,
    redisUrl,
    keyPrefix,
    servers,
    startInstance,
    query: async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await pool.query<T>(sql, params)).rows,
    stop: async () => {
      await Promise.all(servers.map((s) => s.kill()));
      await pool.end();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      } catch {
        // a test that stopped its own Redis: nothing to clean there
      } finally {
        redis.disconnect();
      }
    },
  };
};

/** The first two instances of a cluster. */
export const twoInstances = (cluster: Cluster): [RunningServer, RunningServer] => {
  const [a, b] = cluster.servers;
  if (!a || !b) throw new Error('the cluster has fewer than two instances');
  return [a, b];
};

/**
 * A cluster (two instances unless told) for the tests of one `describe`: started before them,
 * stopped after. Call the returned function inside a test.
 */
export const clusterForSuite = (options: Parameters<typeof startCluster>[0] = {}) => {
  let cluster: Cluster | null = null;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 2, ...options });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return (): Cluster => {
    if (!cluster) throw new Error('the cluster is not started yet');
    return cluster;
  };
};
