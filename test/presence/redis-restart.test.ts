import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDesk,
  createDesk,
  type Desk,
  type DeskClient,
  type OwnRedis,
  online,
  type PresenceServer,
  type PresenceServerOptions,
  presenceOf,
  randomPrefix,
  redisKeys,
  startOwnRedis,
  startPresenceServer,
} from './harness';

/** Redis crashes and comes back empty, mid-session. Our own redis-server: never the shared one. */
describe('desk presence when Redis goes away', () => {
  let desk: Desk;
  let redis: OwnRedis;
  let a: PresenceServer;
  let b: PresenceServer;
  let c: PresenceServer | undefined;
  const prefix = randomPrefix();
  const clients: DeskClient[] = [];
  let options: PresenceServerOptions;
  const connect = async (server: PresenceServer, username: string) => {
    const client = await connectDesk(server.url, { token: await desk.token(username) });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    [desk, redis] = await Promise.all([createDesk(), startOwnRedis()]);
    options = { redisUrl: redis.url, keyPrefix: prefix, heartbeatMs: 250, ttlMs: 2_000 };
    [a, b] = await Promise.all([
      startPresenceServer(desk, options),
      startPresenceServer(desk, options),
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.kill(), b?.kill(), c?.kill()]);
    await redis?.kill();
    await desk?.close();
  });

  it('degrades while Redis is down, keeps the desk working locally, and recovers', async () => {
    const [storyId, otherStory] = desk.stories;
    if (!storyId || !otherStory) throw new Error('no story');
    const ana = await connect(a, 'ana');
    const carla = await connect(a, 'carla');
    const ben = await connect(b, 'ben');
    await ana.update({ storyId, field: 'synopsis', activity: 'typing' });
    await ben.until(
      (s) => presenceOf(s, 'ana')?.sessions[0]?.field === 'synopsis' && online(s).includes('carla'),
      5_000,
      'ben sees ana and carla',
    );

    await redis.kill();
    // Every client hears that presence is degraded; no server crashed.
    await Promise.all(
      [ana, carla, ben].map((x) => x.until((s) => s.degraded, 5_000, 'degraded status')),
    );
    expect(a.alive() && b.alive()).toBe(true);

    // The desk channel still works on each instance for the people on it.
    expect(await ana.update({ storyId: otherStory, field: 'body', activity: 'active' })).toEqual({
      ok: true,
    });
    await carla.until(
      (s) => presenceOf(s, 'ana')?.sessions[0]?.field === 'body',
      5_000,
      'carla (same instance) sees ana move while Redis is down',
    );
    const late = await connect(a, 'vic');
    expect(late.state.degraded).toBe(true);
    expect(online(late.state)).toEqual(expect.arrayContaining(['ana', 'carla', 'vic']));
    // An instance that starts while Redis is down starts anyway, degraded.
    c = await startPresenceServer(desk, options);
    const benOnC = await connect(c, 'ben');
    expect(benOnC.state.degraded).toBe(true);
    expect(online(benOnC.state)).toEqual(['ben']);

    await redis.start();
    // Back: not degraded, every instance re-published its people (Redis came back empty).
    await Promise.all(
      [ana, carla, ben, late, benOnC].map((x) => x.until((s) => !s.degraded, 10_000, 'recovered')),
    );
    await ben.until(
      (s) =>
        presenceOf(s, 'ana')?.sessions[0]?.field === 'body' &&
        online(s).includes('carla') &&
        online(s).includes('vic'),
      10_000,
      'ben sees what happened on A during the outage',
    );
    // Including ben's second tab, on the instance that started during the outage.
    await ana.until(
      (s) => presenceOf(s, 'ben')?.sessions.length === 2,
      10_000,
      "ana sees both of ben's tabs",
    );
    expect(await redisKeys(redis.url, prefix)).not.toEqual([]);

    // And events cross instances again.
    await ben.update({ storyId, field: 'headline', activity: 'typing' });
    await carla.until(
      (s) => presenceOf(s, 'ben')?.sessions[0]?.field === 'headline',
      5_000,
      'ben → carla after recovery',
    );
    late.close();
    await ben.until((s) => !online(s).includes('vic'), 2_000, 'leave crosses after recovery');
    expect(ana.statuses).toEqual([true, false]);
    expect(a.alive() && b.alive() && c.alive()).toBe(true);
  });
});
