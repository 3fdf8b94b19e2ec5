import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** Starting server processes for the bench: ports, readiness, output kept, cleanup. */

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface StartOptions {
  /** Extra `node` flags (e.g. --cpu-prof, --inspect). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** The Copydesk checkout to run (default: this repository). */
  copydeskDir?: string;
}

/** One process of a server under test. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** What the process printed (stdout and stderr): the start, then the last 512 KB or more. */
  output(): string;
  /** A position in the output, for `since`. */
  mark(): number;
  /** What the process printed after `mark` (as far as it is still kept). */
  since(mark: number): string;
}

export interface Spawned extends ServerProcess {
  readonly child: ChildProcess;
  stop(): Promise<void>;
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** A temp dir removed when the harness exits, if `removeDataDir` did not remove it first. */
export const trackDataDir = (dir: string): string => {
  dataDirs.add(dir);
  return dir;
};

export const removeDataDir = (dir: string): void => {
  fs.rmSync(dir, { recursive: true, force: true });
  dataDirs.delete(dir);
};

export const spawnServer = async (
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
    pid: child.pid ?? -1,
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
