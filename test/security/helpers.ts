import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { MessageType, SYNC_PATH } from '@copydesk/shared';
import Database from 'better-sqlite3';
import * as encoding from 'lib0/encoding';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import type { RunningServer } from '../helpers/server';
import { REPO_ROOT } from '../helpers/server';

/** A fixed secret, so tests can sign tokens the server accepts (and almost-valid ones). */
export const TEST_SECRET = 'test-secret-for-security-suite-0123456789abcdef';

// --- frames ---------------------------------------------------------------------------------

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

export const syncStep1Frame = (stateVector: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint8Array(e, stateVector);
  });

export const syncStep2Frame = (update: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, update);
  });

export const syncUpdateFrame = (update: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, update);
  });

export const awarenessFrame = (
  entries: { clientId: number; clock: number; state: unknown }[],
): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.awareness);
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, entries.length);
    for (const entry of entries) {
      encoding.writeVarUint(inner, entry.clientId);
      encoding.writeVarUint(inner, entry.clock);
      encoding.writeVarString(inner, JSON.stringify(entry.state));
    }
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  });

/** An update that inserts `text` at the start of root text `field` of a fresh client. */
export const insertUpdate = (field: string, text: string, clientID?: number): Uint8Array => {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  doc.getText(field).insert(0, text);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
};

// --- raw sockets ----------------------------------------------------------------------------

export interface Closed {
  code: number;
  reason: string;
  /** ms from `closedAfter()` being armed (or the socket opening) to the close. */
  at: number;
}

export interface RawSocket {
  ws: WebSocket;
  messages: Uint8Array[];
  opened: Promise<void>;
  closed: Promise<Closed>;
  isOpen(): boolean;
  send(data: Uint8Array | string): void;
  /** Resolves with the first message from index `from` on (received or future) that matches. */
  next(match: (m: Uint8Array) => boolean, from?: number, timeoutMs?: number): Promise<Uint8Array>;
  close(): void;
}

/** A bare WebSocket on the sync endpoint: sends exactly the bytes a test gives it. */
export const openRaw = (
  server: Pick<RunningServer, 'wsUrl'>,
  storyId: string,
  token: string | null,
  options: { headers?: Record<string, string>; query?: string } = {},
): RawSocket => {
  const query = [token === null ? '' : `token=${encodeURIComponent(token)}`, options.query ?? '']
    .filter(Boolean)
    .join('&');
  const ws = new WebSocket(`${server.wsUrl}${SYNC_PATH}/${storyId}${query ? `?${query}` : ''}`, {
    headers: options.headers ?? {},
  });
  ws.binaryType = 'nodebuffer';
  const messages: Uint8Array[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    messages.push(new Uint8Array(data));
    for (const w of [...waiters]) w();
  });
  const started = performance.now();
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  opened.catch(() => undefined);
  const closed = new Promise<Closed>((resolve) => {
    ws.once('close', (code, reason) => {
      for (const w of [...waiters]) w();
      resolve({ code, reason: reason.toString(), at: performance.now() - started });
    });
  });
  return {
    ws,
    messages,
    opened,
    closed,
    isOpen: () => ws.readyState === WebSocket.OPEN,
    send: (data) => ws.send(data, { binary: typeof data !== 'string' }),
    next: (match, from = 0, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        let seen = from;
        const check = () => {
          for (; seen < messages.length; seen++) {
            const m = messages[seen] as Uint8Array;
            if (match(m)) {
              done();
              return resolve(m);
            }
          }
          if (ws.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error('socket closed before the expected message'));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error('expected message did not arrive'));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => ws.close(),
  };
};

/** First byte(s) of a frame: [messageType, syncSubType]. */
export const isSyncStep2 = (m: Uint8Array): boolean => m[0] === 0 && m[1] === 1;
export const isSyncStep1 = (m: Uint8Array): boolean => m[0] === 0 && m[1] === 0;
export const isSyncUpdate = (m: Uint8Array): boolean => m[0] === 0 && m[1] === 2;
export const isAwareness = (m: Uint8Array): boolean => m[0] === 1;

/** Sends a sync step 1 and waits for the reply: everything sent before it was handled. */
export const roundTrip = async (socket: RawSocket): Promise<void> => {
  const before = socket.messages.length;
  socket.send(syncStep1Frame(Y.encodeStateVector(new Y.Doc())));
  await socket.next(isSyncStep2, before);
};

// --- storage --------------------------------------------------------------------------------

/** The stored update log of a story, read straight from the SQLite file (byte-exact). */
export const readUpdateLog = (server: RunningServer, storyId: string): Buffer[] => {
  const db = new Database(path.join(server.dataDir, 'copydesk.sqlite'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT data FROM updates WHERE story_id = ? ORDER BY seq')
      .all(storyId) as { data: Buffer }[];
    return rows.map((r) => r.data);
  } finally {
    db.close();
  }
};

/** The story as a fresh client would get it: its full encoded state, from the stored log. */
export const storedState = (server: RunningServer, storyId: string): Uint8Array => {
  const doc = new Y.Doc();
  for (const u of readUpdateLog(server, storyId)) Y.applyUpdate(doc, u);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
};

// --- tokens ---------------------------------------------------------------------------------

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT signed with HS256 and `secret` (or unsigned with `alg: none`). */
export const signJwt = (
  payload: Record<string, unknown>,
  options: { secret?: string; alg?: 'HS256' | 'none' } = {},
): string => {
  const alg = options.alg ?? 'HS256';
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  if (alg === 'none') return `${head}.`;
  const sig = createHmac('sha256', options.secret ?? TEST_SECRET)
    .update(head)
    .digest('base64url');
  return `${head}.${sig}`;
};

export const decodeJwt = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

// --- logs and the users command -------------------------------------------------------------

export const logEntries = (server: RunningServer): Record<string, unknown>[] =>
  server.logs.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

export const waitForLog = async (
  server: RunningServer,
  match: (entry: Record<string, unknown>) => boolean,
): Promise<void> => {
  await expect.poll(() => logEntries(server).some(match), { timeout: 15_000 }).toBe(true);
};

/** Runs `npm run users -- …` (the same entry point) against a data dir. */
export const runUsers = (
  dataDir: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'server/src/cli/users.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, DATA_DIR: dataDir, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin.end(options.stdin ?? '');
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
