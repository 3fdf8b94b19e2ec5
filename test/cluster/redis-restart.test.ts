import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, login } from '../helpers/api';
import { type Cluster, startCluster, twoInstances } from '../helpers/cluster';
import { connectClient, waitFor } from '../helpers/yjs-client';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

/** A private redis-server for this test: the shared one at 6379 is never stopped. */
const startRedis = (port: number): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });

describe('Redis down and restarted mid-session', () => {
  let cluster: Cluster;
  let redis: ChildProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    cluster = await startCluster({ instances: 2, redisUrl: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await cluster.stop();
    redis.kill('SIGKILL');
  });

  it('editing goes on, instances stay in step through the log, and readiness recovers', async () => {
    const [a, b] = twoInstances(cluster);
    const anaToken = await login(a.baseUrl, 'ana');
    const benToken = await login(b.baseUrl, 'ben');
    const story = await createStory(a.baseUrl, anaToken, { headline: 'Redis outage' });
    const ana = connectClient(a.wsUrl, story.id, anaToken);
    const ben = connectClient(b.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);
    storyTypes(ana.doc).body.insert(0, 'before ');
    await waitFor(ben.doc, () => readFields(ben.doc).body === 'before ');

    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;
    await expect
      .poll(async () => (await api(a.baseUrl, null, 'GET', '/readyz')).status, { timeout: 15_000 })
      .toBe(503);

    // Both keep editing; the other instance catches up from PostgreSQL.
    storyTypes(ana.doc).body.insert(storyTypes(ana.doc).body.length, 'during-ana ');
    storyTypes(ben.doc).synopsis.insert(0, 'during-ben');
    await waitFor(
      [ana.doc, ben.doc],
      () =>
        readFields(ben.doc).body.includes('during-ana') &&
        readFields(ana.doc).synopsis === 'during-ben',
      15_000,
    );

    redis = await startRedis(port);
    await expect
      .poll(async () => (await api(a.baseUrl, null, 'GET', '/readyz')).status, { timeout: 20_000 })
      .toBe(200);
    await expect
      .poll(async () => (await api(b.baseUrl, null, 'GET', '/readyz')).status, { timeout: 20_000 })
      .toBe(200);
    storyTypes(ben.doc).body.insert(0, 'after ');
    await waitFor(ana.doc, () => readFields(ana.doc).body.startsWith('after '), 15_000);
    expect(readFields(ana.doc)).toEqual(readFields(ben.doc));
    ana.destroy();
    ben.destroy();
  });
});
