import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readFields, storyTypes } from '@copydesk/shared';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor, type YClient } from '../helpers/yjs-client';
import { PrivatePostgres, sleep, statusOf, until } from './lib';

/**
 * Storage faults mid-session: the server must not relay what it could not store, must say so
 * on /readyz and in its log, and must recover by itself; every edit survives.
 */
describe('storage faults', () => {
  const servers: RunningServer[] = [];
  const clients: YClient[] = [];
  let pg: PrivatePostgres | null = null;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await s.kill();
    pg?.destroy();
    pg = null;
  });

  /** Samples /readyz and what `watcher` holds while `during` runs. */
  const watch = (baseUrl: string, watcher: YClient, marker: string) => {
    const statuses: number[] = [];
    let leaked = false;
    let on = true;
    const loop = (async () => {
      while (on) {
        statuses.push(await statusOf(`${baseUrl}/readyz`, 1_500));
        if (readFields(watcher.doc).body.includes(marker)) leaked = true;
        await sleep(200);
      }
    })();
    return {
      stop: async () => {
        on = false;
        await loop;
        return { statuses, leaked };
      },
    };
  };

  const session = async (server: RunningServer) => {
    const anaToken = await login(server.baseUrl, 'ana');
    const benToken = await login(server.baseUrl, 'ben');
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Storage fault' });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const ben = connectClient(server.wsUrl, story.id, benToken);
    clients.push(ana, ben);
    const anaCloses: number[] = [];
    ana.provider.on('connection-close', (e: CloseEvent | null) => anaCloses.push(e?.code ?? 0));
    await Promise.all([ana.synced(), ben.synced()]);
    storyTypes(ana.doc).body.insert(0, 'before ');
    await waitFor(ben.doc, () => readFields(ben.doc).body === 'before ');
    return { story, ana, ben, anaToken, anaCloses };
  };

  const restartedHas = async (server: RunningServer, storyId: string, expected: string) => {
    await server.kill();
    const again = await startServer({ dataDir: server.dataDir, env: envOf(server) });
    servers.push(again);
    const token = await login(again.baseUrl, 'carla');
    const fresh = connectClient(again.wsUrl, storyId, token);
    clients.push(fresh);
    await fresh.synced();
    expect(readFields(fresh.doc).body).toBe(expected);
    expect((await getStory(again.baseUrl, token, storyId)).body).toBe(expected);
  };
  const envs = new Map<RunningServer, Record<string, string>>();
  const envOf = (s: RunningServer) => envs.get(s) ?? {};

  it('SQLite write lock held past the write deadline: not relayed, unready, logged, recovers', async () => {
    const server = await startServer();
    servers.push(server);
    const { story, ana, ben, anaCloses } = await session(server);

    const locker = new Database(path.join(server.dataDir, 'copydesk.sqlite'));
    locker.pragma('busy_timeout = 0');
    locker.exec('BEGIN EXCLUSIVE');
    const watching = watch(server.baseUrl, ben, 'during-lock');
    storyTypes(ana.doc).body.insert(storyTypes(ana.doc).body.length, 'during-lock ');
    await server.waitForLog((e) => /storing updates failed/.test(e.msg ?? ''), 15_000);
    await sleep(1_500);
    locker.exec('COMMIT');
    locker.close();
    const { statuses, leaked } = await watching.stop();

    expect(leaked).toBe(false);
    expect(anaCloses).toContain(4503);
    expect(readFields(ana.doc).body).toBe('before during-lock ');
    await waitFor(
      [ana.doc, ben.doc],
      () => readFields(ben.doc).body === 'before during-lock ',
      20_000,
    );
    await until(async () => (await statusOf(`${server.baseUrl}/readyz`)) === 200, 10_000, 'ready');
    console.log(`[storage-faults] sqlite readyz statuses while locked: ${statuses.join(',')}`);
    await restartedHas(server, story.id, 'before during-lock ');
    // A server that cannot write must not call itself ready, and waiting for the lock must not
    // freeze it (0 = no answer in 1.5 s; sqlite-busy.ts retries on a timer).
    expect(statuses.some((s) => s === 503)).toBe(true);
    expect(statuses).not.toContain(0);
  }, 90_000);

  it('PostgreSQL stopped and restarted mid-session: not relayed, unready, logged, recovers', async () => {
    pg = await PrivatePostgres.create();
    const env = { DATABASE_URL: pg.url, AUTH_SECRET: randomBytes(32).toString('hex') };
    const server = await startServer({ env });
    envs.set(server, env);
    servers.push(server);
    const { story, ana, ben } = await session(server);

    pg.stop('fast');
    const watching = watch(server.baseUrl, ben, 'during-outage');
    storyTypes(ana.doc).body.insert(storyTypes(ana.doc).body.length, 'during-outage ');
    await until(
      async () => (await statusOf(`${server.baseUrl}/readyz`)) === 503,
      15_000,
      'unready',
    );
    await sleep(2_000);
    expect(readFields(ben.doc).body).toBe('before ');
    pg.start();
    const { statuses, leaked } = await watching.stop();
    expect(leaked).toBe(false);
    expect(statuses).toContain(503);
    expect(server.logs.some((l) => /"level":(50|40)/.test(l))).toBe(true);
    await waitFor(
      [ana.doc, ben.doc],
      () => readFields(ben.doc).body === 'before during-outage ',
      30_000,
    );
    await until(async () => (await statusOf(`${server.baseUrl}/readyz`)) === 200, 20_000, 'ready');
    await restartedHas(server, story.id, 'before during-outage ');
  }, 90_000);
});
