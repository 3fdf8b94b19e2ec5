import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT, type RunningServer } from '../helpers/server';
import { sameOrigin } from './same-origin';

export interface DeskFront {
  /** Where the browser goes: the server itself, or one origin in front of it and the channel. */
  readonly baseUrl: string;
  /** True when the app serves the desk channel itself. */
  readonly mounted: boolean;
  close(): Promise<void>;
}

/** Does the app serve Socket.IO on /socket.io? Without it the SPA fallback answers with HTML. */
export const deskChannelMounted = async (baseUrl: string): Promise<boolean> => {
  const response = await fetch(`${baseUrl}/socket.io/?EIO=4&transport=polling`);
  await response.body?.cancel();
  return !(response.headers.get('content-type') ?? '').includes('text/html');
};

/**
 * The desk channel for browser tests. When the app serves it, that is used as is. Until then,
 * the presence suite's channel server (test/presence/presence-server.ts: the real
 * `attachDeskChannel`, on the same SQLite accounts and token secret) runs beside the app, and
 * one origin in front sends `/socket.io/` to it and everything else to the app.
 */
export const withDeskChannel = async (server: RunningServer): Promise<DeskFront> => {
  if (await deskChannelMounted(server.baseUrl)) {
    return { baseUrl: server.baseUrl, mounted: true, close: async () => {} };
  }
  const secret = fs.readFileSync(path.join(server.dataDir, 'auth-secret'), 'utf8').trim();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'test/presence/presence-server.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PRESENCE_DB: path.join(server.dataDir, 'copydesk.sqlite'),
        AUTH_SECRET: secret,
        LOG_LEVEL: 'info',
        REDIS_URL: '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'presence server listening' && entry.port) resolve(entry.port);
      } catch {
        // not JSON
      }
    });
    child.once('exit', (code) => reject(new Error(`desk channel server exited (${code})`)));
  });
  const front = await sameOrigin(server.baseUrl, `http://127.0.0.1:${port}`, (p) =>
    p.startsWith('/socket.io/'),
  );
  return {
    baseUrl: front.baseUrl,
    mounted: false,
    close: async () => {
      await front.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
};
