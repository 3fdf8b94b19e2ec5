import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from './context';
import { startCopydesk } from './copydesk';
import { REPO_ROOT, type StartOptions, spawnServer } from './spawn';
import { type ClientTarget, isCopydesk, type ServerKind } from './types';
import type { ServerUnderTest } from './under-test';

export type { Room, ServerUnderTest } from './under-test';

const HOCUSPOCUS_MAIN = fileURLToPath(new URL('../peers/hocuspocus-server.mjs', import.meta.url));
const REFERENCE_MAIN = path.join(REPO_ROOT, 'node_modules/y-websocket-server-ref/bin/server.cjs');

export const SERVER_LABELS: Record<ServerKind, string> = {
  copydesk: 'copydesk',
  'copydesk-rbs': 'copydesk relay-before-store',
  'copydesk-pg': 'copydesk pg+redis ×2',
  ywebsocket: 'y-websocket 2.1.0',
  hocuspocus: 'hocuspocus 3',
};

const startPeer = async (
  kind: 'ywebsocket' | 'hocuspocus',
  options: StartOptions,
): Promise<ServerUnderTest> => {
  const s =
    kind === 'ywebsocket'
      ? await spawnServer([REFERENCE_MAIN], {}, '/', options)
      : await spawnServer([HOCUSPOCUS_MAIN], {}, '/', options);
  const url = `ws://127.0.0.1:${s.port}`;
  const protocol = kind === 'hocuspocus' ? 'hocuspocus' : 'y-websocket';
  let counter = 0;
  return {
    kind,
    processes: [s],
    pids: [s.pid],
    switchHonored: true,
    createRooms: async (count, prefix) =>
      Array.from({ length: count }, () => {
        const id = `${prefix.replace(/\W+/g, '-')}-${counter++}`;
        const target: ClientTarget = { protocol, url, room: id, params: {} };
        return { id, editor: () => target, watcher: () => target };
      }),
    stop: s.stop,
  };
};

/** Every server started and not yet fully stopped, for stopAllServers (Ctrl-C mid-scenario). */
const live = new Set<ServerUnderTest>();

/**
 * Starts a server; its stop() is idempotent and stays in `live` until it has finished, so that
 * stopAllServers also waits for a stop a scenario began (on Ctrl-C the scenario's `finally`
 * and the harness's shutdown both stop it; exiting before copydesk-pg's stop ends would leave
 * its database behind).
 */
export const startServerUnderTest = async (
  kind: ServerKind,
  options: StartOptions = {},
): Promise<ServerUnderTest> => {
  const server = isCopydesk(kind)
    ? await startCopydesk(kind, options)
    : await startPeer(kind, options);
  let stopping: Promise<void> | null = null;
  const tracked: ServerUnderTest = {
    ...server,
    stop: () => {
      stopping ??= server.stop().finally(() => live.delete(tracked));
      return stopping;
    },
  };
  live.add(tracked);
  return tracked;
};

/**
 * Every server runs with the inspector open on a random loopback port (no session, no cost
 * until one attaches): the harness measures the server's own event-loop delay through it, the
 * memory scenario forces GCs, and --profile records CPU profiles (see WindowProfiler).
 */
const INSPECT = '--inspect=127.0.0.1:0';

/** --reuse-servers: one server per kind for the whole run (smoke test, not measuring). */
const shared = new Map<ServerKind, Promise<ServerUnderTest>>();

/**
 * Starts a server for a scenario with the run's options: the Copydesk checkout and, with
 * --profile, the inspector (for WindowProfiler). With
 * --reuse-servers it hands out one shared server per kind, started with every scenario's
 * needs (inspector, short unload delay, debug log), whose stop() does nothing.
 */
export const startForRun = async (
  opts: Options,
  kind: ServerKind,
  extra: StartOptions = {},
): Promise<ServerUnderTest> => {
  if (!opts.reuseServers) {
    const nodeArgs = [...(extra.nodeArgs ?? []), INSPECT];
    return startServerUnderTest(kind, {
      ...extra,
      copydeskDir: opts.copydeskDir ?? undefined,
      nodeArgs: [...new Set(nodeArgs)],
    });
  }
  let server = shared.get(kind);
  if (!server) {
    server = startServerUnderTest(kind, {
      copydeskDir: opts.copydeskDir ?? undefined,
      nodeArgs: [INSPECT],
      env: { STORY_UNLOAD_AFTER_MS: '300', LOG_LEVEL: 'debug' },
    });
    shared.set(kind, server);
  }
  return { ...(await server), stop: async () => {} };
};

/**
 * Stops every server still running, shared or not: the processes, their temp dirs and, for
 * copydesk-pg, its database and Redis keys (which no exit handler could remove).
 */
export const stopAllServers = async (): Promise<void> => {
  shared.clear();
  await Promise.allSettled([...live].map((s) => s.stop()));
};
