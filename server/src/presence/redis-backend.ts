import { createHash } from 'node:crypto';
import type { PresenceChange, UserPresence } from '@copydesk/shared';
import type { Redis } from 'ioredis';
import { aggregatePresence, parseSession, presenceChange, serializeSession } from './aggregate';
import type { RedisLink } from './redis-link';
import { LEAVE, REPUBLISH, SNAPSHOT, TICK, UNREGISTER, UPSERT } from './redis-scripts';
import type { BackendResult, PresenceBackend, PresenceSession } from './types';

/** EVALSHA, falling back to EVAL when Redis does not know the script (e.g. after a restart). */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, prefix: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, 1, prefix, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, 1, prefix, ...args);
    }
  }
}

const SCRIPTS = {
  upsert: new LuaScript(UPSERT),
  leave: new LuaScript(LEAVE),
  tick: new LuaScript(TICK),
  republish: new LuaScript(REPUBLISH),
  unregister: new LuaScript(UNREGISTER),
  snapshot: new LuaScript(SNAPSHOT),
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** `{ userId, rev, json... }` from a script → a change (malformed sessions are skipped). */
const toChange = (raw: unknown): PresenceChange | null => {
  const [userId, rev, ...jsons] = strings(raw);
  if (!userId || !rev) return null;
  const sessions = jsons.map(parseSession).filter((s): s is PresenceSession => s !== null);
  return presenceChange(userId, Number(rev), sessions);
};

const toResult = (raw: unknown): BackendResult => {
  if (!Array.isArray(raw)) throw new Error('unexpected presence script reply');
  const [status, ...rest] = raw;
  if (status === 'resync') return { kind: 'resync' };
  if (status === 'same') return { kind: 'same' };
  if (status !== 'ok') throw new Error(`unexpected presence script status ${String(status)}`);
  return { kind: 'ok', changes: rest.map(toChange).filter((c): c is PresenceChange => !!c) };
};

/** Presence in Redis: every change is one atomic Lua script on the `cmd` connection. */
export class RedisPresenceBackend implements PresenceBackend {
  readonly kind = 'redis' as const;

  constructor(
    readonly redis: RedisLink,
    private readonly prefix: string,
  ) {}

  connect(): Promise<boolean> {
    return this.redis.connect();
  }

  isReady(): boolean {
    return this.redis.isReady();
  }

  onReadyChange(listener: (ready: boolean) => void): void {
    this.redis.onReadyChange(listener);
  }

  private run(script: LuaScript, args: (string | number)[]): Promise<unknown> {
    return script.run(this.redis.cmd, this.prefix, args);
  }

  async upsert(instanceId: string, session: PresenceSession): Promise<BackendResult> {
    return toResult(
      await this.run(SCRIPTS.upsert, [
        instanceId,
        session.sessionId,
        session.user.id,
        serializeSession(session),
      ]),
    );
  }

  async leave(instanceId: string, sessionId: string, userId: string): Promise<BackendResult> {
    return toResult(await this.run(SCRIPTS.leave, [instanceId, sessionId, userId]));
  }

  async tick(instanceId: string, ttlMs: number): Promise<BackendResult> {
    return toResult(await this.run(SCRIPTS.tick, [instanceId, ttlMs]));
  }

  async republish(
    instanceId: string,
    ttlMs: number,
    sessions: PresenceSession[],
  ): Promise<PresenceChange[]> {
    const args: (string | number)[] = [instanceId, ttlMs];
    for (const s of sessions) args.push(s.sessionId, s.user.id, serializeSession(s));
    const result = toResult(await this.run(SCRIPTS.republish, args));
    return result.kind === 'ok' ? result.changes : [];
  }

  async unregister(instanceId: string): Promise<PresenceChange[]> {
    const result = toResult(await this.run(SCRIPTS.unregister, [instanceId]));
    return result.kind === 'ok' ? result.changes : [];
  }

  async snapshot(): Promise<{ rev: number; users: UserPresence[] }> {
    const raw = await this.run(SCRIPTS.snapshot, []);
    if (!Array.isArray(raw)) throw new Error('unexpected presence snapshot reply');
    const [lastRev, revPairs, jsons] = raw;
    const rev = Number(lastRev) || 0;
    const revs = new Map<string, number>();
    const pairs = strings(revPairs);
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const uid = pairs[i];
      if (uid) revs.set(uid, Number(pairs[i + 1]));
    }
    const byUser = new Map<string, PresenceSession[]>();
    for (const json of strings(jsons)) {
      const s = parseSession(json);
      if (!s) continue;
      const list = byUser.get(s.user.id) ?? [];
      list.push(s);
      byUser.set(s.user.id, list);
    }
    const users: UserPresence[] = [];
    for (const [uid, list] of byUser) {
      const p = aggregatePresence(list, revs.get(uid) ?? rev);
      if (p) users.push(p);
    }
    return { rev, users };
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}
