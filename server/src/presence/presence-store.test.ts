import { randomBytes } from 'node:crypto';
import type { PresenceChange, PublicUser } from '@copydesk/shared';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../logger';
import { MemoryPresenceBackend, MemoryPresenceData } from './memory-backend';
import { BackedPresenceStore } from './presence-store';
import { RedisPresenceBackend } from './redis-backend';
import { RedisLink } from './redis-link';
import type { PresenceSession, PresenceStore, PresenceStoreEvent } from './types';

/**
 * One contract, two backends: every test runs against the in-process store and against Redis
 * (the shared server, under a fresh random key prefix that is deleted afterwards).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');
const HEARTBEAT = 100;
const TTL = 500;

interface Cluster {
  /** A store playing one server instance; all stores of a cluster share one backend. */
  instance(options?: { heartbeatMs?: number; ttlMs?: number }): PresenceStore;
  /** Loses all presence data, as a Redis restarted without persistence would. */
  wipe(): Promise<void>;
  dispose(): Promise<void>;
}

const memoryCluster = (): Cluster => {
  const data = new MemoryPresenceData();
  return {
    instance: (o = {}) =>
      new BackedPresenceStore(new MemoryPresenceBackend(data), {
        instanceId: `i-${randomBytes(4).toString('hex')}`,
        logger,
        timing: { heartbeatMs: o.heartbeatMs ?? HEARTBEAT, ttlMs: o.ttlMs ?? TTL },
      }),
    wipe: async () => {
      data.sessions.clear();
      data.instances.clear();
      data.revs.clear();
    },
    dispose: async () => {},
  };
};

const redisCluster = (): Cluster => {
  const prefix = `copydesk-test-${randomBytes(6).toString('hex')}:`;
  const admin = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const deleteKeys = async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.unlink(...keys);
  };
  return {
    instance: (o = {}) => {
      const instanceId = `i-${randomBytes(4).toString('hex')}`;
      const link = new RedisLink({ url: REDIS_URL, keyPrefix: prefix, logger, name: instanceId });
      return new BackedPresenceStore(new RedisPresenceBackend(link, prefix), {
        instanceId,
        logger,
        timing: { heartbeatMs: o.heartbeatMs ?? HEARTBEAT, ttlMs: o.ttlMs ?? TTL },
      });
    },
    wipe: deleteKeys,
    dispose: async () => {
      await deleteKeys();
      await admin.quit();
    },
  };
};

const user = (name: string, index: number): PublicUser => ({
  id: `u_${name}`,
  username: name,
  displayName: name[0]?.toUpperCase() + name.slice(1),
  role: 'editor',
  color: `#00000${index}`,
});
const ANA = user('ana', 1);
const BEN = user('ben', 2);

let seq = 0;
const session = (store: PresenceStore, who: PublicUser, at = Date.now()): PresenceSession => ({
  sessionId: `s${++seq}-${randomBytes(3).toString('hex')}`,
  instanceId: store.instanceId,
  user: who,
  storyId: null,
  field: null,
  activity: 'active',
  connectedAt: at,
  since: at,
});

/** Records a store's events; `next` resolves on the first (past or future) match. */
const record = (store: PresenceStore) => {
  const events: PresenceStoreEvent[] = [];
  const waiters = new Set<() => void>();
  store.subscribe((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  const changes = () =>
    events.flatMap((e) => (e.type === 'change' ? [e.change] : ([] as PresenceChange[])));
  return {
    events,
    changes,
    next: <T>(pick: () => T | undefined, timeoutMs = 5_000): Promise<T> =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = pick();
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('expected presence event did not come'));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
};

describe.each([
  ['in-process', memoryCluster],
  ['redis', redisCluster],
] as const)('presence store (%s)', (_name, makeCluster) => {
  const cluster = makeCluster();
  const stores: PresenceStore[] = [];
  const start = async (o?: { heartbeatMs?: number; ttlMs?: number }) => {
    const store = cluster.instance(o);
    stores.push(store);
    await store.start();
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await cluster.wipe();
  });
  afterAll(() => cluster.dispose());

  it('a join is a change with the account identity, and shows in the snapshot', async () => {
    const store = await start();
    const log = record(store);
    const s = session(store, ANA);
    await store.join(s);
    const change = await log.next(() => log.changes().find((c) => c.userId === ANA.id));
    expect(change.presence).toMatchObject({
      user: ANA,
      activity: 'active',
      onlineSince: s.connectedAt,
      sessions: [{ id: s.sessionId, storyId: null, field: null, activity: 'active' }],
    });
    const snapshot = await store.snapshot();
    expect(snapshot.degraded).toBe(false);
    expect(snapshot.users.map((u) => u.user.id)).toEqual([ANA.id]);
    expect(snapshot.rev).toBeGreaterThanOrEqual(change.rev);
    expect(store.degraded).toBe(false);
  });

  it('a user with several tabs is online while any tab is', async () => {
    const store = await start();
    const log = record(store);
    const tab1 = session(store, ANA);
    const tab2 = session(store, ANA);
    await store.join(tab1);
    await store.join(tab2);
    await store.update(
      tab2.sessionId,
      { storyId: 'story-0001', field: 'synopsis', activity: 'typing' },
      Date.now(),
    );
    let last = log.changes().at(-1);
    expect(last?.presence?.sessions).toHaveLength(2);
    expect(last?.presence?.activity).toBe('typing');

    await store.leave(tab2.sessionId);
    last = log.changes().at(-1);
    expect(last?.presence?.sessions.map((x) => x.id)).toEqual([tab1.sessionId]);
    expect(last?.presence?.activity).toBe('active');

    await store.leave(tab1.sessionId);
    last = log.changes().at(-1);
    expect(last).toMatchObject({ userId: ANA.id, presence: null });
    expect((await store.snapshot()).users).toEqual([]);
  });

  it('story, field and activity changes are stamped; a repeat changes nothing', async () => {
    const store = await start();
    const log = record(store);
    const s = session(store, BEN, Date.now() - 60_000);
    await store.join(s);
    const at = Date.now();
    const patch = { storyId: 'story-0002', field: 'takeaway:2', activity: 'active' } as const;
    expect(await store.update(s.sessionId, patch, at)).toBe(true);
    const count = log.changes().length;
    expect(await store.update(s.sessionId, patch, at + 5)).toBe(false);
    expect(log.changes()).toHaveLength(count);
    expect(log.changes().at(-1)?.presence).toMatchObject({
      activity: 'active',
      since: at,
      sessions: [{ storyId: 'story-0002', field: 'takeaway:2', since: at }],
    });

    // Idle everywhere: "Ben idle since <the latest tab that went idle>".
    const tab2 = session(store, BEN);
    await store.join(tab2);
    await store.update(s.sessionId, { ...patch, activity: 'idle' }, at + 10);
    await store.update(tab2.sessionId, { storyId: null, field: null, activity: 'idle' }, at + 20);
    expect(log.changes().at(-1)?.presence).toMatchObject({ activity: 'idle', since: at + 20 });
  });

  it('revisions only grow, across users and instances', async () => {
    const a = await start();
    const b = await start();
    const logA = record(a);
    const logB = record(b);
    const sa = session(a, ANA);
    const sb = session(b, ANA);
    await a.join(sa);
    await b.join(sb);
    await a.update(
      sa.sessionId,
      { storyId: 'story-0003', field: null, activity: 'idle' },
      Date.now(),
    );
    await b.leave(sb.sessionId);
    const revs = [...logA.changes(), ...logB.changes()].map((c) => c.rev).sort((x, y) => x - y);
    expect(new Set(revs).size).toBe(revs.length);
    // B's leave was last: its entry reflects A's tab, newest rev.
    const last = logB.changes().at(-1);
    expect(last?.rev).toBe(revs.at(-1));
    expect(last?.presence?.sessions.map((x) => x.id)).toEqual([sa.sessionId]);
    expect(last?.presence?.activity).toBe('idle');
  });

  it("another instance's users are visible; when it dies they expire and are reported once", async () => {
    const survivor = await start();
    // An instance that never beats again after its first registration: it has "died".
    const doomed = await start({ heartbeatMs: 60_000, ttlMs: 600 });
    const log = record(survivor);
    const doomedLog = record(doomed);
    await doomed.join(session(doomed, BEN));
    await survivor.join(session(survivor, ANA));
    const before = await survivor.snapshot();
    expect(before.users.map((u) => u.user.id).sort()).toEqual([ANA.id, BEN.id]);

    const gone = await log.next(() =>
      log.changes().find((c) => c.userId === BEN.id && c.presence === null),
    );
    expect(gone.rev).toBeGreaterThan(before.rev);
    expect(log.changes().filter((c) => c.userId === BEN.id)).toHaveLength(1);
    expect(doomedLog.changes().filter((c) => c.presence === null)).toHaveLength(0);
    expect((await survivor.snapshot()).users.map((u) => u.user.id)).toEqual([ANA.id]);
  });

  it('re-publishes its sessions when the backend lost them (e.g. Redis restarted empty)', async () => {
    const store = await start();
    const log = record(store);
    const s = session(store, ANA);
    await store.join(s);
    await store.update(
      s.sessionId,
      { storyId: 'story-0004', field: 'body', activity: 'typing' },
      Date.now(),
    );
    await cluster.wipe();
    expect((await store.snapshot()).users).toEqual([]);
    await log.next(() => log.events.find((e) => e.type === 'resynced'));
    const snapshot = await store.snapshot();
    expect(snapshot.users).toHaveLength(1);
    expect(snapshot.users[0]?.sessions[0]).toMatchObject({ storyId: 'story-0004', field: 'body' });
    // Clients were told again, with a newer rev than anything before.
    const republished = log.changes().at(-1);
    expect(republished?.presence?.sessions[0]?.activity).toBe('typing');
  });

  it('a graceful close removes the instance and its users at once', async () => {
    const a = await start();
    const b = await start();
    const logA = record(a);
    await a.join(session(a, BEN));
    await a.close();
    expect((await b.snapshot()).users).toEqual([]);
    // The closing instance reports its users' departure itself (for its broadcast).
    expect(logA.changes().at(-1)).toMatchObject({ userId: BEN.id, presence: null });
  });
});

describe('presence store (redis unreachable)', () => {
  it('starts degraded, keeps working for its own sessions and reports local snapshots', async () => {
    const prefix = `copydesk-test-${randomBytes(6).toString('hex')}:`;
    // Port 1 on loopback: nothing listens there.
    const link = new RedisLink({
      url: 'redis://127.0.0.1:1',
      keyPrefix: prefix,
      logger,
      name: 'unreachable',
      maxBackoffMs: 200,
    });
    const store = new BackedPresenceStore(new RedisPresenceBackend(link, prefix), {
      instanceId: 'lonely',
      logger,
      timing: { heartbeatMs: HEARTBEAT, ttlMs: TTL },
    });
    onTestFinished(() => store.close());
    const log = record(store);
    await store.start();
    expect(store.degraded).toBe(true);
    expect(store.status().degraded).toBe(true);
    expect(log.events.find((e) => e.type === 'status')).toMatchObject({
      status: { degraded: true },
    });
    const s = session(store, ANA);
    await store.join(s);
    expect(
      log
        .changes()
        .at(-1)
        ?.presence?.sessions.map((x) => x.id),
    ).toEqual([s.sessionId]);
    const snapshot = await store.snapshot();
    expect(snapshot.degraded).toBe(true);
    expect(snapshot.users.map((u) => u.user.id)).toEqual([ANA.id]);
    await store.leave(s.sessionId);
    expect(log.changes().at(-1)?.presence).toBeNull();
  });
});

describe('presence store (redis connection blip)', () => {
  it('re-publishes after reconnecting: changes made meanwhile reach Redis and go out cluster-wide', async () => {
    const cluster = redisCluster();
    const a = cluster.instance();
    const b = cluster.instance();
    onTestFinished(async () => {
      await Promise.all([a.close(), b.close()]);
      await cluster.dispose();
    });
    await Promise.all([a.start(), b.start()]);
    const log = record(a);
    const degradedAtEmit: boolean[] = [];
    a.subscribe((e) => {
      if (e.type === 'change') degradedAtEmit.push(a.degraded);
    });
    const stays = session(a, ANA);
    const goes = session(a, BEN);
    await a.join(stays);
    await a.join(goes);

    // Drop a's connections (ioredis reconnects by itself).
    a.redis?.cmd.disconnect(true);
    await log.next(() => log.events.find((e) => e.type === 'status' && e.status.degraded));
    degradedAtEmit.length = 0;
    // While degraded: Ben leaves, Ana moves. Only this instance knows.
    await a.leave(goes.sessionId);
    await a.update(
      stays.sessionId,
      { storyId: 'story-0005', field: 'synopsis', activity: 'active' },
      Date.now(),
    );
    expect(degradedAtEmit).toEqual([true, true]);

    await log.next(() => log.events.find((e) => e.type === 'resynced'));
    expect(a.degraded).toBe(false);
    // The re-published changes were emitted after leaving degraded mode (so they are broadcast
    // through Redis, not only to this instance's clients).
    expect(degradedAtEmit.slice(2).every((d) => d === false)).toBe(true);
    expect(degradedAtEmit.length).toBeGreaterThan(2);
    const seenByB = await b.snapshot();
    expect(seenByB.users.map((u) => u.user.id)).toEqual([ANA.id]);
    expect(seenByB.users[0]?.sessions[0]).toMatchObject({ field: 'synopsis' });
  });
});
