import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFields, storyTypes } from '@copydesk/shared';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type Copydesk, startCopydesk } from '../../server/src/app';
import { PostgresStorage } from '../../server/src/storage/postgres-storage';
import { api, createStory, login } from '../helpers/api';
import { connectClient, waitFor } from '../helpers/yjs-client';

/**
 * "Nothing lost" on PostgreSQL: the server's database connections are terminated while two
 * clients edit. Whatever happens to the write in flight (retried on a fresh connection, or
 * the story dropped and reloaded while the clients reconnect), every edit the watching
 * client saw must be in PostgreSQL, and the pool must serve again afterwards.
 */
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const withAdmin = async <T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> => {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
};

/** True when the stored state vector covers every (client, clock) of `seen`. */
const covers = (stored: Y.Doc, seen: Uint8Array): boolean => {
  const have = Y.decodeStateVector(Y.encodeStateVector(stored));
  for (const [client, clock] of Y.decodeStateVector(seen)) {
    if ((have.get(client) ?? 0) < clock) return false;
  }
  return true;
};

describe('PostgreSQL storage: nothing lost when the database connections drop', () => {
  const schema = `copydesk_test_${process.pid}_${randomBytes(3).toString('hex')}_nl`;
  const applicationName = `copydesk_test_${schema}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-pg-nothing-lost-'));
  let app: Copydesk;
  let baseUrl: string;
  let wsUrl: string;

  beforeAll(async () => {
    app = await startCopydesk({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      authSecret: randomBytes(32).toString('hex'),
      production: false,
      logger: pino({ level: 'silent' }),
      clientDist: path.join(dataDir, 'no-client'),
      storage: new PostgresStorage({
        connectionString: DATABASE_URL,
        schema,
        applicationName,
        poolSize: 4,
      }),
    });
    baseUrl = `http://127.0.0.1:${app.port}`;
    wsUrl = `ws://127.0.0.1:${app.port}`;
  });

  afterAll(async () => {
    await app?.close();
    await withAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('terminating every backend mid-edit loses no edit a second client saw', async () => {
    const anaToken = await login(baseUrl, 'ana');
    const benToken = await login(baseUrl, 'ben');
    const story = await createStory(baseUrl, anaToken, { headline: 'Pool' });
    const ana = connectClient(wsUrl, story.id, anaToken);
    const ben = connectClient(wsUrl, story.id, benToken);
    try {
      await Promise.all([ana.synced(), ben.synced()]);
      const a = storyTypes(ana.doc);
      // One edit per turn of the event loop (no timers), so the server writes many batches.
      const type = async (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          if (i % 2 === 0) a.body.insert(a.body.length, `b${i} `);
          else a.synopsis.insert(a.synopsis.length, `s${i} `);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      };

      await type(0, 150);
      await waitFor(ben.doc, () => readFields(ben.doc).body.includes('b100 '));
      // Kill the server's connections while Ana keeps typing through it.
      const terminating = withAdmin((admin) =>
        admin.query<{ ok: boolean }>(
          'SELECT pg_terminate_backend(pid, 5000) AS ok FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        ),
      );
      const seenAtKill = Y.encodeStateVector(ben.doc);
      await type(150, 300);
      const killed = await terminating;
      expect(killed.rows.length).toBeGreaterThan(0);
      await type(300, 400);

      // Everyone converges on all 400 edits (reconnecting if the story had to be dropped).
      await waitFor(
        [ana.doc, ben.doc],
        () =>
          readFields(ana.doc).body.includes('b398 ') &&
          readFields(ben.doc).body === readFields(ana.doc).body &&
          readFields(ben.doc).synopsis === readFields(ana.doc).synopsis,
        30_000,
      );
      const seenAtEnd = Y.encodeStateVector(ben.doc);

      // Read PostgreSQL through a pool of its own, while the server still runs.
      const reader = new PostgresStorage({ connectionString: DATABASE_URL, schema });
      try {
        const state = await reader.loadStoryState(story.id);
        const stored = new Y.Doc();
        for (const part of state.snapshot?.parts ?? []) Y.applyUpdate(stored, part);
        for (const u of state.updates) Y.applyUpdate(stored, u.update);
        expect(covers(stored, seenAtKill)).toBe(true);
        expect(covers(stored, seenAtEnd)).toBe(true);
        expect(readFields(stored).body).toBe(readFields(ana.doc).body);
        expect(readFields(stored).synopsis).toBe(readFields(ana.doc).synopsis);
        stored.destroy();
      } finally {
        await reader.close();
      }

      // The server's own pool serves again: readiness, a new story, the list.
      await app.storage.ping();
      const created = await api(baseUrl, anaToken, 'POST', '/api/stories', { headline: 'After' });
      expect(created.status).toBe(201);
      const list = await api(baseUrl, anaToken, 'GET', '/api/stories');
      expect(list.status).toBe(200);
    } finally {
      ana.destroy();
      ben.destroy();
    }
  });
});
