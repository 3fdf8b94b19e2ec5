import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../server/src/seeded-random';

/** Size multiplier: 1 in CI, larger on demand (`CHAOS_SCALE=10 npm run test:chaos`). */
export const SCALE = Math.max(1, Number(process.env.CHAOS_SCALE ?? '1') || 1);

/**
 * Seeds for a test: CHAOS_SEEDS="1,2,3" or CHAOS_SEED=7 replace the defaults, so any failing
 * run is reproduced with the seed it printed.
 */
export const seedsFor = (defaults: number[], onDemand = defaults.length * SCALE): number[] => {
  const list = process.env.CHAOS_SEEDS ?? process.env.CHAOS_SEED;
  if (list) return list.split(',').map((s) => Number(s.trim()) >>> 0);
  if (SCALE === 1) return defaults;
  const more = [...defaults];
  for (let i = defaults.length; i < onDemand; i++) more.push(((defaults[0] ?? 1) + i * 7919) >>> 0);
  return more;
};

/** Seeded choices (mulberry32), so a failing chaos seed reproduces. */
export const rng = (seed: number) => {
  const next = mulberry32(seed);
  return {
    next,
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from empty list');
      return item;
    },
    chance: (p: number): boolean => next() < p,
  };
};
export type Rng = ReturnType<typeof rng>;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (or throws the last reason after `timeoutMs`). */
export const until = async (
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<void> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
};

export const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

/** Status of GET url, or 0 when nothing answers within `timeoutMs`. */
export const statusOf = async (url: string, timeoutMs = 2_000): Promise<number> => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
};

/** A private redis-server on a free port (the shared one at 6379 is never touched). */
export const startRedis = (port: number): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });

const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL cluster in a temp dir on a free port (the shared one at 5432 is never
 * touched). Run as the `postgres` user when we are root, as initdb refuses root.
 */
export class PrivatePostgres {
  readonly dir: string;
  readonly port: number;
  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private static run(args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const [cmd, ...rest] = args as [string, ...string[]];
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...rest], { stdio: 'pipe' });
    else execFileSync(cmd, rest, { stdio: 'pipe' });
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-chaos-pg-'));
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
    const pg = new PrivatePostgres(dir, await freePort());
    PrivatePostgres.run([
      `${PG_BIN}/initdb`,
      '-D',
      path.join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
    ]);
    pg.start();
    return pg;
  }

  start(): void {
    PrivatePostgres.run([
      `${PG_BIN}/pg_ctl`,
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
  }

  /** `mode` fast: clients disconnected, clean stop; immediate: like a crash. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    PrivatePostgres.run([
      `${PG_BIN}/pg_ctl`,
      '-D',
      path.join(this.dir, 'data'),
      '-m',
      mode,
      '-w',
      'stop',
    ]);
  }

  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Tokens written by the set workload look like `c3s17` (client 3, synopsis, 17th). */
export const TOKEN = /^c\d+[sbt]\d+$/;

/** All tokens in a story's text fields, in order of appearance (duplicates kept). */
export const tokensOf = (fields: { synopsis: string; body: string; takeaways: string[] }) => {
  const words = [
    ...fields.synopsis.split(' '),
    ...fields.body.split(' '),
    ...fields.takeaways,
  ].filter((w) => w.length > 0);
  return words;
};
