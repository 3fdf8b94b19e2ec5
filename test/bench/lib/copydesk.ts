import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SYNC_PATH } from '@copydesk/shared';
import type * as BuildServer from '../../../scripts/build-server.mjs';
import { api, createStory, login } from '../../helpers/api';
import { type PgRedis, provisionPgRedis } from './pg-redis';
import {
  REPO_ROOT,
  removeDataDir,
  type Spawned,
  type StartOptions,
  sleep,
  spawnServer,
  trackDataDir,
} from './spawn';
import type { ClientTarget, CopydeskKind } from './types';
import type { Room, ServerUnderTest } from './under-test';

/**
 * Copydesk's abuse limits, opened up: the bench drives hundreds of clients from three demo
 * accounts (a newsroom would have one account each) and replays the trace at full speed, which
 * the default per-connection message rate would close with 4429. The checks still run. Peers
 * have no such limits. (A server that does not know a variable ignores it.)
 */
export const BENCH_LIMITS: Record<string, string> = {
  MAX_CONNECTIONS_PER_USER: '100000',
  SYNC_MESSAGES_PER_SECOND: '10000000',
  SYNC_MESSAGE_BURST: '10000000',
};

/** The bench-only server switch for the durability-cost scenario (see docs/BENCHMARKS.md). */
export const RELAY_BEFORE_STORE_ENV = 'BENCH_RELAY_BEFORE_STORE';

/** What `npm start` runs in a tree: its built server, built first if stale. */
const builtServers = new Map<string, Promise<string[]>>();
const serverCommand = (root: string): Promise<string[]> => {
  let command = builtServers.get(root);
  if (!command) {
    const script = path.join(root, 'scripts/build-server.mjs');
    // Trees from before the build (A/B runs against old commits) ran through tsx.
    command = !fs.existsSync(script)
      ? Promise.resolve(['--import', 'tsx', path.join(root, 'server/src/main.ts')])
      : (async () => {
          const build = (await import(pathToFileURL(script).href)) as typeof BuildServer;
          if (build.serverBuildIsStale()) await build.buildServer();
          return [...build.SERVER_NODE_ARGS, build.SERVER_ENTRY];
        })();
    builtServers.set(root, command);
  }
  return command;
};

/** copydesk-pg: two instances on one PostgreSQL database, in step through Redis. */
const instancesOf = (kind: CopydeskKind): number => (kind === 'copydesk-pg' ? 2 : 1);

/**
 * Starts Copydesk as `npm start` runs it (the built server/dist/main.mjs): one process on
 * SQLite in a temp DATA_DIR, or (copydesk-pg) two processes sharing a fresh PostgreSQL
 * database and Redis key prefix, each with its own port and temp dir. Everything made here
 * goes again in `stop()`.
 */
export const startCopydesk = async (
  kind: CopydeskKind,
  options: StartOptions,
): Promise<ServerUnderTest> => {
  const root = options.copydeskDir ?? REPO_ROOT;
  const args = await serverCommand(root);
  const env: Record<string, string> = { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...BENCH_LIMITS };
  if (kind === 'copydesk-rbs') env[RELAY_BEFORE_STORE_ENV] = '1';
  const dirs: string[] = [];
  const spawned: Spawned[] = [];
  let shared: PgRedis | null = null;
  const stop = async () => {
    await Promise.all(spawned.map((s) => s.stop()));
    for (const dir of dirs) removeDataDir(dir);
    await shared?.drop();
  };
  try {
    if (kind === 'copydesk-pg') {
      shared = await provisionPgRedis();
      Object.assign(env, shared.env);
    }
    // Both at once (half the start-up time on a busy machine): the server migrates under an
    // advisory lock and tolerates a race on the demo accounts, as several replicas starting
    // together on an empty database must.
    const starts = await Promise.allSettled(
      Array.from({ length: instancesOf(kind) }, () => {
        const dataDir = trackDataDir(fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-bench-')));
        dirs.push(dataDir);
        return spawnServer(args, { ...env, DATA_DIR: dataDir }, '/healthz', options, root);
      }),
    );
    for (const start of starts) if (start.status === 'fulfilled') spawned.push(start.value);
    const failed = starts.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  const first = spawned[0] as Spawned;
  const baseUrl = `http://127.0.0.1:${first.port}`;
  let tokens: string[];
  try {
    // Instance A issues every token; the shared AUTH_SECRET makes B accept them too.
    tokens = await Promise.all(['ana', 'ben', 'carla'].map((u) => login(baseUrl, u)));
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  const [ana, ben, carla] = tokens as [string, string, string];
  const editorTokens = [ana, ben];
  const urls = spawned.map((s) => `ws://127.0.0.1:${s.port}${SYNC_PATH}`);
  const target = (room: string, token: string, instance: number): ClientTarget => ({
    protocol: 'y-websocket',
    url: urls[instance % urls.length] as string,
    room,
    params: { token },
  });
  // The server logs (at warn) that the switch is on; no such line means it ignored it.
  await sleep(kind === 'copydesk-rbs' ? 200 : 0);
  const switchHonored = kind !== 'copydesk-rbs' || first.output().includes(RELAY_BEFORE_STORE_ENV);
  return {
    kind,
    processes: spawned,
    pids: spawned.map((s) => s.pid),
    switchHonored,
    createRooms: async (count, prefix) => {
      const rooms: Room[] = [];
      for (let i = 0; i < count; i++) {
        const story = await createStory(baseUrl, ana, { headline: `${prefix} ${i}` });
        rooms.push({
          id: story.id,
          editor: (n, instance = 0) => target(story.id, editorTokens[n % 2] as string, instance),
          watcher: (instance = 0) => target(story.id, carla, instance),
        });
      }
      return rooms;
    },
    settle: async (roomId) => {
      const res = await api(baseUrl, ana, 'GET', `/api/stories/${roomId}/activity?limit=1`);
      if (res.status !== 200) throw new Error(`activity feed: HTTP ${res.status}`);
    },
    stop,
  };
};
