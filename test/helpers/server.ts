import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVER_ENTRY, SERVER_NODE_ARGS } from '../../scripts/build-server.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type LogEntry = Record<string, unknown> & { msg?: string; level?: number };

export interface ServerOptions {
  /** Reuse a data dir (restart after a kill); a fresh temp dir otherwise. */
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  /** Variables to remove from the inherited environment (e.g. AUTH_SECRET). */
  unsetEnv?: string[];
  /** Extra node flags before the entry point, e.g. `--inspect=127.0.0.1:0` for heap reads. */
  nodeArgs?: string[];
}

export interface RunningServer {
  readonly port: number;
  readonly baseUrl: string;
  /** Same as baseUrl (kept for readability in browser tests). */
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Log lines (pino JSON) seen so far. */
  readonly logs: string[];
  /** The same lines parsed (lines that are not JSON left out). */
  readonly entries: readonly LogEntry[];
  /** Everything the process wrote to stderr so far (the inspector prints its URL there). */
  stderr(): string;
  /** Resolves with the first log entry (past or future) that matches. */
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** SIGTERM and wait for exit (graceful). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash). */
  kill(): Promise<void>;
}

/**
 * Starts a real server process (what `npm start` runs) on port 0 with its own data dir;
 * resolves once it listens.
 */
export const startServer = async (options: ServerOptions = {}): Promise<RunningServer> => {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-test-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  for (const name of options.unsetEnv ?? []) delete env[name];
  // The built server (vitest's globalSetup keeps it in step with the sources).
  const args = [...SERVER_NODE_ARGS, ...(options.nodeArgs ?? []), SERVER_ENTRY];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const entries: LogEntry[] = [];
  const logEvents = new EventEmitter();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as LogEntry & { port?: number };
        entries.push(entry);
        logEvents.emit('entry', entry);
        if (entry.msg === 'copydesk listening' && entry.port) resolve(entry.port);
      } catch {
        // not JSON: keep it in logs only
      }
    });
    void exited.then((code) =>
      reject(new Error(`server exited (${code}) before listening:\n${stderr}`)),
    );
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    port,
    baseUrl,
    url: baseUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir,
    process: child,
    logs,
    entries,
    stderr: () => stderr,
    waitForLog: (match, timeoutMs = 10_000) =>
      new Promise<LogEntry>((resolve, reject) => {
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
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
};
