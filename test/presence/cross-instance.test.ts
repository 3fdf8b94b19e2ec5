import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDesk,
  createDesk,
  type Desk,
  type DeskClient,
  deleteRedisKeys,
  online,
  type PresenceServer,
  presenceOf,
  randomPrefix,
  redisKeys,
  SHARED_REDIS_URL,
  startPresenceServer,
} from './harness';

const HEARTBEAT_MS = 250;
const TTL_MS = 2_000;

/** Two server processes sharing Redis (the shared one, under a fresh key prefix). */
describe('desk presence across instances', () => {
  let desk: Desk;
  let a: PresenceServer;
  let b: PresenceServer;
  const prefix = randomPrefix();
  const clients: DeskClient[] = [];
  const connect = async (server: PresenceServer, username: string) => {
    const client = await connectDesk(server.url, { token: await desk.token(username) });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    desk = await createDesk();
    const options = {
      redisUrl: SHARED_REDIS_URL,
      keyPrefix: prefix,
      heartbeatMs: HEARTBEAT_MS,
      ttlMs: TTL_MS,
    };
    [a, b] = await Promise.all([
      startPresenceServer(desk, options),
      startPresenceServer(desk, options),
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.kill(), b?.kill()]);
    await deleteRedisKeys(SHARED_REDIS_URL, prefix);
    await desk?.close();
  });

  it('join, field, typing, idle and leave on one instance are seen on the other', async () => {
    const [storyId] = desk.stories;
    if (!storyId) throw new Error('no story');
    const ana = await connect(a, 'ana');
    const ben = await connect(b, 'ben');
    await ben.until((s) => online(s).includes('ana'), 5_000, 'ben (on B) sees ana (on A)');
    await ana.until((s) => online(s).includes('ben'), 5_000, 'ana (on A) sees ben (on B)');

    await ana.update({ storyId, field: 'takeaway:2', activity: 'typing' });
    await ben.until(
      (s) => presenceOf(s, 'ana')?.sessions[0]?.field === 'takeaway:2',
      5_000,
      'field crosses',
    );
    expect(presenceOf(ben.state, 'ana')).toMatchObject({
      user: { displayName: 'Ana' },
      activity: 'typing',
      sessions: [{ storyId, field: 'takeaway:2', activity: 'typing' }],
    });

    await ana.update({ storyId, field: 'takeaway:2', activity: 'idle' });
    await ben.until((s) => presenceOf(s, 'ana')?.activity === 'idle', 5_000, 'idle crosses');

    // Several tabs on different instances: online while any is open.
    const carlaA = await connect(a, 'carla');
    const carlaB = await connect(b, 'carla');
    await ana.until((s) => presenceOf(s, 'carla')?.sessions.length === 2, 5_000, 'two tabs');
    carlaA.close();
    await ben.until((s) => presenceOf(s, 'carla')?.sessions.length === 1, 5_000, 'one tab');
    const closedAt = Date.now();
    carlaB.close();
    await ana.until((s) => !online(s).includes('carla'), 1_000, 'carla gone on the other side');
    expect(Date.now() - closedAt).toBeLessThan(1_000);

    const leftAt = Date.now();
    ana.close();
    await ben.until((s) => !online(s).includes('ana'), 1_000, 'ana left');
    expect(Date.now() - leftAt).toBeLessThan(1_000);
    ben.close();
  });

  it('an instance killed with SIGKILL: its users expire for clients of the other instance', async () => {
    const [, storyId] = desk.stories;
    if (!storyId) throw new Error('no story');
    const ana = await connect(a, 'ana');
    const vic = await connect(a, 'vic');
    await vic.update({ storyId, field: null, activity: 'active' });
    const ben = await connect(b, 'ben');
    await ben.until(
      (s) => online(s).includes('ana') && presenceOf(s, 'vic')?.sessions[0]?.storyId === storyId,
      5_000,
      'ben sees ana and vic',
    );

    ana.socket.io.reconnection(false);
    vic.socket.io.reconnection(false);
    const killedAt = Date.now();
    await a.kill();
    // Nobody said goodbye: only the missing heartbeats can remove them.
    await ben.until(
      (s) => !online(s).includes('ana') && !online(s).includes('vic'),
      TTL_MS + 10 * HEARTBEAT_MS + 5_000,
      'ana and vic expire',
    );
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeLessThan(30_000);
    expect(elapsed).toBeLessThan(TTL_MS + 10 * HEARTBEAT_MS + 5_000);
    expect(online(ben.state)).toEqual(['ben']);
    // The dead instance's keys are swept too; only the live instance's remain.
    const keys = await redisKeys(SHARED_REDIS_URL, prefix);
    expect(keys.filter((k) => k.includes(a.instanceId))).toEqual([]);
    expect(keys.some((k) => k.includes(b.instanceId))).toBe(true);
    expect(b.alive()).toBe(true);
    ben.close();
  });
});
