import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startCopydesk } from '../../server/src/app';
import type { HistorySettings } from '../../server/src/history/history-service';
import { type LogEntry, REPO_ROOT, startServer } from '../helpers/server';

/**
 * A Copydesk server with version history, for the history suites.
 *
 * By default a real server process (test/helpers/server.ts `startServer`) with the history
 * settings passed as env (HISTORY_SETTLE_MS, …). HISTORY_TEST_SERVER=in-process runs the same
 * `startCopydesk` inside the test process instead (handy with a debugger). Either way: a real
 * SQLite file, the real sync endpoint, stock y-websocket clients.
 */
export interface HistoryTestServer {
  /** Main API: login, stories, status. */
  readonly baseUrl: string;
  /** History API (`/api/stories/:id/versions`…): the same server. */
  readonly historyUrl: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  /** Resolves with the first log entry (past or future) that matches. */
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** Resolves with the n-th matching entry (1-based), past or future. */
  waitForLogs(
    match: (entry: LogEntry) => boolean,
    n: number,
    timeoutMs?: number,
  ): Promise<LogEntry[]>;
  stop(): Promise<void>;
}

const MODE = process.env.HISTORY_TEST_SERVER === 'in-process' ? 'in-process' : 'process';

export const historyEnv = (s: HistorySettings): Record<string, string> => {
  const env: Record<string, string> = {};
  if (s.settleMs !== undefined) env.HISTORY_SETTLE_MS = String(s.settleMs);
  if (s.maxUpdatesPerVersion !== undefined)
    env.HISTORY_MAX_UPDATES = String(s.maxUpdatesPerVersion);
  if (s.maxBurstMs !== undefined) env.HISTORY_MAX_BURST_MS = String(s.maxBurstMs);
  // Tests that cut by count expect every cut at once unless they ask for a gap.
  env.HISTORY_MIN_CUT_GAP_MS = String(s.minCutGapMs ?? 0);
  if (s.checkpointEvery !== undefined) env.HISTORY_CHECKPOINT_EVERY = String(s.checkpointEvery);
  return env;
};

/** Log entries with "past or future" waiting, like RunningServer.waitForLog. */
class LogCollector {
  readonly entries: LogEntry[] = [];
  private readonly events = new EventEmitter();

  push(entry: LogEntry): void {
    this.entries.push(entry);
    this.events.emit('entry', entry);
  }

  waitFor(match: (e: LogEntry) => boolean, n: number, timeoutMs: number): Promise<LogEntry[]> {
    return new Promise((resolve, reject) => {
      const found = () => this.entries.filter(match);
      if (found().length >= n) return resolve(found().slice(0, n));
      const timer = setTimeout(() => {
        this.events.off('entry', onEntry);
        reject(new Error(`expected ${n} matching log entries, saw ${found().length}`));
      }, timeoutMs);
      const onEntry = () => {
        const all = found();
        if (all.length < n) return;
        clearTimeout(timer);
        this.events.off('entry', onEntry);
        resolve(all.slice(0, n));
      };
      this.events.on('entry', onEntry);
    });
  }
}

const startInProcess = async (settings: HistorySettings): Promise<HistoryTestServer> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-history-'));
  const logs = new LogCollector();
  const logger = pino(
    { level: 'debug', base: { service: 'copydesk' } },
    {
      write: (line: string) => {
        try {
          logs.push(JSON.parse(line) as LogEntry);
        } catch {
          // not JSON
        }
      },
    },
  );
  const copydesk = await startCopydesk({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    authSecret: 'history-test-secret-history-test-secret-0123456789',
    production: false,
    logger,
    clientDist: path.join(REPO_ROOT, 'client/dist'),
    unloadAfterMs: 1_000,
    history: { minCutGapMs: 0, ...settings },
  });
  const baseUrl = `http://127.0.0.1:${copydesk.port}`;
  return {
    baseUrl,
    historyUrl: baseUrl,
    wsUrl: `ws://127.0.0.1:${copydesk.port}`,
    dataDir,
    waitForLog: async (match, timeoutMs = 10_000) =>
      (await logs.waitFor(match, 1, timeoutMs))[0] as LogEntry,
    waitForLogs: (match, n, timeoutMs = 10_000) => logs.waitFor(match, n, timeoutMs),
    stop: () => copydesk.close(),
  };
};

const startAsProcess = async (settings: HistorySettings): Promise<HistoryTestServer> => {
  const server = await startServer({ env: historyEnv(settings) });
  const parsed = () =>
    server.logs.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return [];
      }
    });
  const waitForLogs = async (match: (e: LogEntry) => boolean, n: number, timeoutMs = 10_000) => {
    // waitForLog checks past entries first, then each new one; the n-th match satisfies it.
    await server.waitForLog((e) => match(e) && parsed().filter(match).length >= n, timeoutMs);
    return parsed().filter(match).slice(0, n);
  };
  return {
    baseUrl: server.baseUrl,
    historyUrl: server.baseUrl,
    wsUrl: server.wsUrl,
    dataDir: server.dataDir,
    waitForLog: (match, timeoutMs) => server.waitForLog(match, timeoutMs),
    waitForLogs,
    stop: async () => {
      await server.stop();
    },
  };
};

/** The one switch between the in-process wiring and the real server process. */
export const startHistoryServer = (settings: HistorySettings = {}): Promise<HistoryTestServer> =>
  MODE === 'process' ? startAsProcess(settings) : startInProcess(settings);
