import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYNC_PATH } from '@copydesk/shared';
import { createStory, login } from '../../helpers/api';
import type { Options } from './context';
import type { ClientTarget, ServerKind } from './types';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const HOCUSPOCUS_MAIN = fileURLToPath(new URL('../peers/hocuspocus-server.mjs', import.meta.url));
const REFERENCE_MAIN = path.join(REPO_ROOT, 'node_modules/y-websocket-server-ref/bin/server.cjs');

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

export const SERVER_LABELS: Record<ServerKind, string> = {
  copydesk: 'copydesk',
  'copydesk-rbs': 'copydesk relay-before-store',
  ywebsocket: 'y-websocket 2.1.0',
  hocuspocus: 'hocuspocus 3',
};

export interface Room {
  id: string;
  /** Target for the i-th editor (Copydesk: alternating editor accounts). */
  editor(i: number): ClientTarget;
  watcher(): ClientTarget;
}

export interface ServerUnderTest {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly port: number;
  /** What the process printed (stdout and stderr): the start, then the last 512 KB or more. */
  output(): string;
  /** A position in the output, for `since`. */
  mark(): number;
  /** What the process printed after `mark` (as far as it is still kept). */
  since(mark: number): string;
  /** Copydesk: false when it ignored the relay-before-store switch it was started with. */
  readonly switchHonored: boolean;
  createRooms(count: number, prefix: string): Promise<Room[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra `node` flags (e.g. --cpu-prof, --inspect). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** The Copydesk checkout to run (default: this repository). */
  copydeskDir?: string;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitReady = async (url: string, child: ChildProcess, out: () => string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}):\n${out()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`server did not become ready at ${url}:\n${out()}`);
};

/** Every server process still running and its data dir: cleaned up if the harness exits early. */
const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Spawned {
  child: ChildProcess;
  port: number;
  output: () => string;
  mark: () => number;
  since: (mark: number) => string;
  stop: () => Promise<void>;
}

const spawnServer = async (
  args: string[],
  env: Record<string, string>,
  readyPath: string,
  options: StartOptions,
  cwd = REPO_ROOT,
): Promise<Spawned> => {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  // The first 64 KB (start-up lines, the inspector URL) are kept, then the last 512 KB.
  let head = '';
  let tail = '';
  let total = 0;
  const keep = (text: string) => {
    total += text.length;
    if (head.length < 65_536) {
      const room = 65_536 - head.length;
      head += text.slice(0, room);
      text = text.slice(room);
    }
    tail += text;
    if (tail.length > 1_048_576) tail = tail.slice(-524_288);
  };
  child.on('error', (err) => keep(`\n${err.message}\n`));
  child.stdout?.on('data', (chunk: Buffer) => keep(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      running.delete(child);
      resolve();
    }),
  );
  const output = () => head + tail;
  const since = (mark: number) => (head + tail).slice(-(total - mark));
  try {
    await waitReady(`http://127.0.0.1:${port}${readyPath}`, child, output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    port,
    output,
    mark: () => total,
    since,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

const startCopydesk = async (
  kind: 'copydesk' | 'copydesk-rbs',
  options: StartOptions,
): Promise<ServerUnderTest> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-bench-'));
  dataDirs.add(dataDir);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...BENCH_LIMITS,
  };
  if (kind === 'copydesk-rbs') env[RELAY_BEFORE_STORE_ENV] = '1';
  const root = options.copydeskDir ?? REPO_ROOT;
  const main = path.join(root, 'server/src/main.ts');
  const s = await spawnServer(['--import', 'tsx', main], env, '/healthz', options, root);
  const baseUrl = `http://127.0.0.1:${s.port}`;
  const stop = async () => {
    await s.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    dataDirs.delete(dataDir);
  };
  let tokens: string[];
  try {
    tokens = await Promise.all(['ana', 'ben', 'carla'].map((u) => login(baseUrl, u)));
  } catch (err) {
    await stop();
    throw err;
  }
  const [ana, ben, carla] = tokens;
  const editorTokens = [ana as string, ben as string];
  const url = `ws://127.0.0.1:${s.port}${SYNC_PATH}`;
  // The server logs (at warn) that the switch is on; no such line means it ignored it.
  await sleep(kind === 'copydesk-rbs' ? 200 : 0);
  const switchHonored = kind !== 'copydesk-rbs' || s.output().includes(RELAY_BEFORE_STORE_ENV);
  return {
    kind,
    pid: s.child.pid ?? -1,
    port: s.port,
    output: s.output,
    mark: s.mark,
    since: s.since,
    switchHonored,
    createRooms: async (count, prefix) => {
      const rooms: Room[] = [];
      for (let i = 0; i < count; i++) {
        const story = await createStory(baseUrl, ana as string, { headline: `${prefix} ${i}` });
        rooms.push({
          id: story.id,
          editor: (n) => ({
            protocol: 'y-websocket',
            url,
            room: story.id,
            params: { token: editorTokens[n % 2] as string },
          }),
          watcher: () => ({
            protocol: 'y-websocket',
            url,
            room: story.id,
            params: { token: carla as string },
          }),
        });
      }
      return rooms;
    },
    stop,
  };
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
    pid: s.child.pid ?? -1,
    port: s.port,
    output: s.output,
    mark: s.mark,
    since: s.since,
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

/**
 * Every server runs with the inspector open on a random loopback port (no session, no cost
 * until one attaches): the harness measures the server's own event-loop delay through it, the
 * memory scenario forces GCs, and --profile records CPU profiles (see WindowProfiler).
 */
const INSPECT = '--inspect=127.0.0.1:0';

/** --reuse-servers: one process per server kind for the whole run (smoke test, not measuring). */
const shared = new Map<ServerKind, Promise<ServerUnderTest>>();

/**
 * Starts a server for a scenario with the run's options: the Copydesk checkout and, with
 * --profile, the inspector (for WindowProfiler). With
 * --reuse-servers it hands out one shared process per kind, started with every scenario's
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

export const stopSharedServers = async (): Promise<void> => {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map(async (s) => (await s).stop()));
};

export const startServerUnderTest = (
  kind: ServerKind,
  options: StartOptions = {},
): Promise<ServerUnderTest> =>
  kind === 'copydesk' || kind === 'copydesk-rbs'
    ? startCopydesk(kind, options)
    : startPeer(kind, options);
