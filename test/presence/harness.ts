import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {
  applyPresenceChange,
  applyPresenceSnapshot,
  applyPresenceStatus,
  DESK_SOCKET_PATH,
  DESK_TRANSPORTS,
  type DeskAck,
  type DeskClientToServerEvents,
  type DeskConnectErrorData,
  type DeskError,
  type DeskServerToClientEvents,
  emptyPresenceState,
  type PresenceState,
  type PresenceUpdate,
  SESSION_COOKIE,
} from '@copydesk/shared';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { seedDemoAccounts } from '../../server/src/auth/accounts';
import { newSessionId, passwordVersion, TokenService } from '../../server/src/auth/tokens';
import { createLogger } from '../../server/src/logger';
import { SqliteStorage } from '../../server/src/storage/sqlite-storage';
import { REPO_ROOT } from '../helpers/server';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVER_ENTRY = path.join(REPO_ROOT, 'test/presence/presence-server.ts');

export const randomPrefix = (): string => `copydesk-test-${randomBytes(6).toString('hex')}:`;

/** Deletes every key under the prefix (never anything else: the Redis may be shared). */
export const deleteRedisKeys = async (url: string, prefix: string): Promise<void> => {
  const admin = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  admin.on('error', () => {});
  try {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.unlink(...keys);
  } finally {
    admin.disconnect();
  }
};

export const redisKeys = async (url: string, prefix: string): Promise<string[]> => {
  const admin = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  admin.on('error', () => {});
  try {
    return await admin.keys(`${prefix}*`);
  } finally {
    admin.disconnect();
  }
};

/** A desk: a seeded SQLite file the servers share, its secret, stories and real tokens. */
export interface Desk {
  readonly dbFile: string;
  readonly secret: string;
  readonly stories: string[];
  token(username: string, options?: { secret?: string; ttlSeconds?: number }): Promise<string>;
  setDisabled(username: string, disabled: boolean): Promise<void>;
  account(username: string): Promise<{ id: string; displayName: string; color: string }>;
  close(): Promise<void>;
}

export const createDesk = async (storyCount = 3): Promise<Desk> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-presence-'));
  const dbFile = path.join(dir, 'copydesk.sqlite');
  const secret = randomBytes(32).toString('hex');
  const storage = new SqliteStorage({ file: dbFile });
  await storage.migrate();
  await seedDemoAccounts(storage, { production: false, logger: createLogger('silent') });
  const ana = await storage.findAccountByUsername('ana');
  if (!ana) throw new Error('demo accounts missing');
  const stories: string[] = [];
  for (let i = 0; i < storyCount; i++) {
    const doc = new Y.Doc();
    doc.getText('headline').insert(0, `Story ${i}`);
    const id = `story-${randomBytes(6).toString('hex')}`;
    const now = Date.now();
    await storage.createStory(
      {
        id,
        headline: `Story ${i}`,
        status: 'draft',
        createdAt: now,
        createdBy: ana.id,
        updatedAt: now,
        updatedBy: ana.id,
      },
      { userId: ana.id, at: now, update: Y.encodeStateAsUpdate(doc) },
    );
    stories.push(id);
  }
  const find = async (username: string) => {
    const account = await storage.findAccountByUsername(username);
    if (!account) throw new Error(`no account ${username}`);
    return account;
  };
  return {
    dbFile,
    secret,
    stories,
    account: find,
    token: async (username, options = {}) => {
      const account = await find(username);
      const tokens = new TokenService(options.secret ?? secret, options.ttlSeconds ?? 3600);
      const { token } = await tokens.sign({
        userId: account.id,
        role: account.role,
        sessionId: newSessionId(),
        passwordVersion: passwordVersion(account.passwordHash),
        authTime: Math.floor(Date.now() / 1000),
      });
      return token;
    },
    setDisabled: async (username, disabled) => {
      await storage.updateAccount((await find(username)).id, { disabled });
    },
    close: async () => {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

type LogEntry = Record<string, unknown> & { msg?: string };

export interface PresenceServer {
  readonly url: string;
  readonly process: ChildProcess;
  readonly instanceId: string;
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** SIGKILL: a crash, nothing cleaned up. */
  kill(): Promise<void>;
  /** SIGTERM: graceful. */
  stop(): Promise<void>;
  alive(): boolean;
}

export interface PresenceServerOptions {
  redisUrl?: string;
  keyPrefix?: string;
  heartbeatMs?: number;
  ttlMs?: number;
  env?: Record<string, string>;
}

export const startPresenceServer = async (
  desk: Desk,
  options: PresenceServerOptions = {},
): Promise<PresenceServer> => {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      PRESENCE_DB: desk.dbFile,
      AUTH_SECRET: desk.secret,
      REDIS_URL: options.redisUrl ?? '',
      REDIS_KEY_PREFIX: options.keyPrefix ?? randomPrefix(),
      PRESENCE_HEARTBEAT_MS: String(options.heartbeatMs ?? 250),
      PRESENCE_TTL_MS: String(options.ttlMs ?? 2_000),
      REDIS_MAX_BACKOFF_MS: '200',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entries: LogEntry[] = [];
  const logEvents = new EventEmitter();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<LogEntry>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as LogEntry;
        entries.push(entry);
        logEvents.emit('entry', entry);
        if (entry.msg === 'presence server listening') resolve(entry);
      } catch {
        // not JSON
      }
    });
    void exited.then(() =>
      reject(new Error(`presence server exited before listening:\n${stderr}`)),
    );
  });
  return {
    url: `http://127.0.0.1:${Number(listening.port)}`,
    instanceId: String(listening.instanceId),
    process: child,
    alive: () => child.exitCode === null && child.signalCode === null,
    waitForLog: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const found = entries.find(match);
        if (found) return resolve(found);
        const timer = setTimeout(() => {
          logEvents.off('entry', onEntry);
          reject(new Error('expected log entry did not appear'));
        }, timeoutMs);
        const onEntry = (entry: LogEntry) => {
          if (!match(entry)) return;
          clearTimeout(timer);
          logEvents.off('entry', onEntry);
          resolve(entry);
        };
        logEvents.on('entry', onEntry);
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** A private redis-server on a free port, for tests that stop and restart Redis. */
export interface OwnRedis {
  readonly url: string;
  /** SIGKILL (a crash: it keeps nothing, `--save ''`). */
  kill(): Promise<void>;
  /** Starts again on the same port. */
  start(): Promise<void>;
}

export const startOwnRedis = async (): Promise<OwnRedis> => {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    kill: async () => {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    },
  };
};

type ClientSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/** A real Socket.IO client that keeps the desk's presence with the shared reducer. */
export interface DeskClient {
  readonly socket: ClientSocket;
  state: PresenceState;
  readonly errors: DeskError[];
  readonly statuses: boolean[];
  snapshots: number;
  /** Resolves once `check(state)` holds; re-checked on every event (no sleeps). */
  until(check: (state: PresenceState) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  update(update: PresenceUpdate): Promise<DeskAck>;
  /** Emits anything, as a broken or hostile client would. */
  raw(event: string, ...args: unknown[]): Promise<DeskAck>;
  close(): void;
}

export interface ConnectOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  /** Resolve on connection (default) or return at once (to watch connect_error). */
  wait?: boolean;
}

export const connectDesk = async (url: string, options: ConnectOptions): Promise<DeskClient> => {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = `${SESSION_COOKIE}=${options.cookie}`;
  if (options.origin) headers.origin = options.origin;
  const socket: ClientSocket = io(url, {
    path: DESK_SOCKET_PATH,
    transports: [...DESK_TRANSPORTS],
    auth: options.token ? { token: options.token } : {},
    extraHeaders: headers,
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
    randomizationFactor: 0.5,
    timeout: 5_000,
  });
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const client: DeskClient = {
    socket,
    state: emptyPresenceState(),
    errors: [],
    statuses: [],
    snapshots: 0,
    until: (check, timeoutMs = 10_000, what = 'presence condition') =>
      new Promise((resolve, reject) => {
        const test = () => {
          if (!check(client.state)) return;
          listeners.delete(test);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(test);
          reject(new Error(`${what}: not met within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(test);
        test();
      }),
    update: (update) => socket.timeout(5_000).emitWithAck('presence:update', update),
    raw: (event, ...args) =>
      // Deliberately untyped: the point is to send what the types forbid.
      (socket as unknown as Socket).timeout(5_000).emitWithAck(event, ...args) as Promise<DeskAck>,
    close: () => socket.disconnect(),
  };
  socket.on('presence:snapshot', (snapshot) => {
    client.snapshots += 1;
    client.state = applyPresenceSnapshot(client.state, snapshot);
    notify();
  });
  socket.on('presence:changed', (change) => {
    client.state = applyPresenceChange(client.state, change);
    notify();
  });
  socket.on('presence:status', (status) => {
    client.statuses.push(status.degraded);
    client.state = applyPresenceStatus(client.state, status);
    notify();
  });
  socket.on('desk:error', (error) => {
    client.errors.push(error);
    notify();
  });
  if (options.wait === false) return client;
  await new Promise<void>((resolve, reject) => {
    socket.once('presence:snapshot', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return client;
};

/** The `connect_error` a refused handshake produces. */
export const refusal = async (
  url: string,
  options: ConnectOptions,
): Promise<{ message: string; data: DeskConnectErrorData | undefined }> => {
  const client = await connectDesk(url, { ...options, wait: false });
  try {
    return await new Promise((resolve, reject) => {
      client.socket.once('connect', () => reject(new Error('the handshake was accepted')));
      client.socket.once('connect_error', (err: Error & { data?: DeskConnectErrorData }) =>
        resolve({ message: err.message, data: err.data }),
      );
    });
  } finally {
    client.close();
  }
};

/** Online users' usernames, sorted. */
export const online = (state: PresenceState): string[] =>
  [...state.users.values()].map((p) => p.user.username).sort();

export const presenceOf = (state: PresenceState, username: string) =>
  [...state.users.values()].find((p) => p.user.username === username);
