import { describePresence, type PresenceUpdate } from '@copydesk/shared';
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
  refusal,
  SHARED_REDIS_URL,
  startPresenceServer,
} from './harness';

/** The same behaviour with presence in-process and in Redis (the shared one, own key prefix). */
describe.each([
  ['in-process', null],
  ['redis', SHARED_REDIS_URL],
] as const)('desk presence on one server (%s)', (_kind, redisUrl) => {
  let desk: Desk;
  let server: PresenceServer;
  const prefix = randomPrefix();
  const clients: DeskClient[] = [];
  const connect = async (username: string) => {
    const client = await connectDesk(server.url, { token: await desk.token(username) });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    desk = await createDesk();
    server = await startPresenceServer(desk, {
      ...(redisUrl ? { redisUrl } : {}),
      keyPrefix: prefix,
      env: { DESK_EVENT_BURST: '40', DESK_ACCOUNT_RECHECK_MS: '200' },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    if (redisUrl) await deleteRedisKeys(redisUrl, prefix);
    await desk?.close();
  });

  it('a new connection gets a snapshot with itself, named and coloured by its account', async () => {
    const ana = await connect('ana');
    const account = await desk.account('ana');
    expect(ana.state.degraded).toBe(false);
    expect(presenceOf(ana.state, 'ana')).toMatchObject({
      user: { id: account.id, displayName: 'Ana', color: account.color, role: 'editor' },
      activity: 'active',
      sessions: [{ storyId: null, field: null, activity: 'active' }],
    });
    const ben = await connect('ben');
    expect(online(ben.state)).toEqual(expect.arrayContaining(['ana', 'ben']));
    await ana.until((s) => online(s).includes('ben'), 5_000, 'ana sees ben join');
    ben.close();
    await ana.until((s) => !online(s).includes('ben'), 5_000, 'ana sees ben leave');
    ana.close();
  });

  it('story, field, typing and idle reach everyone, stamped by the server', async () => {
    const [storyId] = desk.stories;
    if (!storyId) throw new Error('no story');
    const carla = await connect('carla');
    const ben = await connect('ben');
    const before = Date.now();
    expect(await ben.update({ storyId, field: 'takeaway:2', activity: 'typing' })).toEqual({
      ok: true,
    });
    await carla.until(
      (s) => presenceOf(s, 'ben')?.sessions[0]?.field === 'takeaway:2',
      5_000,
      'carla sees ben in takeaway 3',
    );
    const typing = presenceOf(carla.state, 'ben');
    expect(typing).toMatchObject({
      activity: 'typing',
      sessions: [{ storyId, field: 'takeaway:2', activity: 'typing' }],
    });
    expect(typing?.since).toBeGreaterThanOrEqual(before - 1_000);
    if (!typing) throw new Error('unreachable');
    expect(describePresence(typing, Date.now())).toBe('Ben is typing in Takeaway 3');

    await ben.update({ storyId, field: 'takeaway:2', activity: 'active' });
    await carla.until((s) => presenceOf(s, 'ben')?.activity === 'active');
    const editing = presenceOf(carla.state, 'ben');
    if (!editing) throw new Error('unreachable');
    expect(describePresence(editing, Date.now(), storyId)).toBe('Ben is editing Takeaway 3');

    await ben.update({ storyId: null, field: null, activity: 'idle' });
    await carla.until((s) => presenceOf(s, 'ben')?.activity === 'idle', 5_000, 'ben idle');
    const idle = presenceOf(carla.state, 'ben');
    if (!idle) throw new Error('unreachable');
    expect(describePresence(idle, idle.since + 4 * 60_000)).toBe('Ben idle 4 min');

    // A viewer never shows as typing, whatever its client claims.
    const vic = await connect('vic');
    expect(await vic.update({ storyId, field: 'body', activity: 'typing' })).toEqual({ ok: true });
    await carla.until((s) => presenceOf(s, 'vic')?.sessions[0]?.field === 'body');
    expect(presenceOf(carla.state, 'vic')?.activity).toBe('active');
    vic.close();
    carla.close();
    ben.close();
  });

  it('a user is online while any tab is; a closed tab disappears within a second', async () => {
    const ana = await connect('ana');
    const vic1 = await connect('vic');
    const vic2 = await connect('vic');
    await ana.until((s) => presenceOf(s, 'vic')?.sessions.length === 2, 5_000, 'two tabs');

    vic1.close();
    await ana.until((s) => presenceOf(s, 'vic')?.sessions.length === 1, 5_000, 'one tab left');
    expect(online(ana.state)).toContain('vic');

    const closedAt = Date.now();
    vic2.close();
    await ana.until((s) => !online(s).includes('vic'), 1_000, 'last tab closed');
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    ana.close();
  });

  it('refuses bad payloads with a clear error, changes nothing, keeps the socket', async () => {
    const [storyId] = desk.stories;
    if (!storyId) throw new Error('no story');
    const ana = await connect('ana');
    const ben = await connect('ben');
    await ben.update({ storyId, field: 'synopsis', activity: 'active' });
    await ana.until((s) => presenceOf(s, 'ben')?.sessions[0]?.field === 'synopsis');
    const benRev = ana.state.revs.get((await desk.account('ben')).id);

    const bad: [unknown, string][] = [
      [null, 'bad_request'],
      ['synopsis', 'bad_request'],
      [{}, 'bad_request'],
      [{ storyId, field: 'synopsis' }, 'bad_request'],
      [{ storyId, field: 'synopsis', activity: 'dancing' }, 'bad_request'],
      [{ storyId, field: 'takeaway:x', activity: 'active' }, 'bad_request'],
      [{ storyId: '../../etc/passwd', field: null, activity: 'active' }, 'bad_request'],
      [{ storyId: null, field: 'synopsis', activity: 'active' }, 'bad_request'],
      [{ storyId: null, field: null, activity: 'typing' }, 'bad_request'],
      // Identity comes from the account; a payload cannot claim one.
      [
        {
          storyId,
          field: 'body',
          activity: 'active',
          user: { id: 'u_x', displayName: 'Carla', color: '#000000', role: 'chief' },
        },
        'bad_request',
      ],
      [{ storyId: 'story-doesnotexist', field: null, activity: 'active' }, 'not_found'],
    ];
    for (const [payload, code] of bad) {
      const ack = await ben.raw('presence:update', payload);
      expect(ack, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code } });
      if (!ack.ok) expect(ack.error.message.length).toBeGreaterThan(3);
    }
    expect(await ben.raw('presence:hijack', { storyId })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: 'Unknown event "presence:hijack".' },
    });

    // Without an ack callback the refusal comes as a `desk:error` event.
    ben.socket.emit('presence:update', { nonsense: true } as unknown as PresenceUpdate);
    await ben.until(() => ben.errors.length > 0, 5_000, 'desk:error');
    expect(ben.errors[0]).toMatchObject({ code: 'bad_request', event: 'presence:update' });

    // Nothing changed for anyone, and the same socket still works.
    expect(ana.state.revs.get((await desk.account('ben')).id)).toBe(benRev);
    expect(presenceOf(ana.state, 'ben')?.sessions[0]).toMatchObject({ field: 'synopsis' });
    expect(ben.socket.connected).toBe(true);
    expect(await ben.update({ storyId, field: 'headline', activity: 'active' })).toEqual({
      ok: true,
    });
    await ana.until((s) => presenceOf(s, 'ben')?.sessions[0]?.field === 'headline');
    ana.close();
    ben.close();
  });

  it('a flood is rate limited per connection', async () => {
    const [storyId] = desk.stories;
    if (!storyId) throw new Error('no story');
    const ben = await connect('ben');
    const acks = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        ben.update({ storyId, field: 'synopsis', activity: i % 2 ? 'typing' : 'active' }),
      ),
    );
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(30);
    expect(ben.socket.connected).toBe(true);
    ben.close();
  });

  it('an oversized message closes only that connection; the server keeps serving', async () => {
    const ana = await connect('ana');
    const ben = await connect('ben');
    await ana.until((s) => online(s).includes('ben'));
    const dropped = new Promise<string>((resolve) => ben.socket.once('disconnect', resolve));
    ben.socket.io.reconnection(false);
    ben.socket.emit('presence:update', {
      storyId: 'x'.repeat(100 * 1024),
    } as unknown as PresenceUpdate);
    expect(await dropped).toMatch(/transport (close|error)/);
    await ana.until((s) => !online(s).includes('ben'), 5_000, 'oversized sender gone');
    const carla = await connect('carla');
    expect(online(carla.state)).toEqual(expect.arrayContaining(['ana', 'carla']));
    ana.close();
    carla.close();
  });

  it('refuses handshakes without a valid session, with a clear error', async () => {
    const cases = [
      {},
      { token: 'not-a-token' },
      { token: await desk.token('ana', { secret: 'another-secret-another-secret-xx' }) },
      { cookie: 'forged' },
    ];
    for (const options of cases) {
      const refused = await refusal(server.url, options);
      expect(refused.data, JSON.stringify(options)).toMatchObject({ code: 'unauthenticated' });
      expect(refused.message).toMatch(/sign in/i);
    }
    // The session cookie works like the token; from a foreign page it is refused.
    const cookie = await desk.token('carla');
    const viaCookie = await connectDesk(server.url, { cookie, origin: server.url });
    expect(presenceOf(viaCookie.state, 'carla')).toBeDefined();
    viaCookie.close();
    const foreign = await refusal(server.url, { cookie, origin: 'https://evil.example' });
    expect(foreign.data).toMatchObject({ code: 'forbidden' });
    // A token in `auth` is not subject to the origin check (it is not ambient).
    const withToken = await connectDesk(server.url, {
      token: cookie,
      origin: 'https://elsewhere.example',
    });
    withToken.close();
    expect(server.alive()).toBe(true);
  });

  it('ends a connection when its session expires or its account is disabled', async () => {
    const ending = async (client: DeskClient) => {
      client.socket.io.reconnection(false);
      await new Promise<void>((resolve) => client.socket.once('disconnect', () => resolve()));
      expect(client.errors.at(-1)).toMatchObject({ code: 'unauthenticated', event: 'session' });
    };
    const short = await connectDesk(server.url, {
      token: await desk.token('ben', { ttlSeconds: 2 }),
    });
    clients.push(short);
    await ending(short);

    const vic = await connect('vic');
    const watcher = await connect('carla');
    await desk.setDisabled('vic', true);
    try {
      await ending(vic);
      await watcher.until((s) => !online(s).includes('vic'), 5_000, 'disabled user gone');
      const refused = await refusal(server.url, { token: await desk.token('vic') });
      expect(refused.data).toMatchObject({ code: 'unauthenticated' });
    } finally {
      await desk.setDisabled('vic', false);
    }
    watcher.close();
  });
});
