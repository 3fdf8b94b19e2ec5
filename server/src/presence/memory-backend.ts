import type { PresenceChange, UserPresence } from '@copydesk/shared';
import { aggregatePresence, nextRev, presenceChange } from './aggregate';
import type { BackendResult, PresenceBackend, PresenceSession } from './types';

/**
 * The in-process counterpart of the Redis keys. One per process in production; tests share one
 * between several stores to play several instances (same semantics as the Lua scripts).
 */
export class MemoryPresenceData {
  readonly sessions = new Map<string, PresenceSession>();
  /** instanceId → heartbeat expiry (ms). */
  readonly instances = new Map<string, number>();
  readonly revs = new Map<string, number>();
  lastRev = 0;

  constructor(readonly now: () => number = Date.now) {}

  entry(userId: string): PresenceChange {
    const rev = nextRev(this.lastRev, this.now());
    this.lastRev = rev;
    const sessions = [...this.sessions.values()].filter((s) => s.user.id === userId);
    if (sessions.length === 0) this.revs.delete(userId);
    else this.revs.set(userId, rev);
    return presenceChange(userId, rev, sessions);
  }

  /** Removes the instance's sessions; returns the users touched. */
  dropInstance(instanceId: string, keep: ReadonlySet<string> = new Set()): Set<string> {
    const touched = new Set<string>();
    for (const [sid, s] of this.sessions) {
      if (s.instanceId !== instanceId || keep.has(sid)) continue;
      this.sessions.delete(sid);
      touched.add(s.user.id);
    }
    return touched;
  }
}

const sameSession = (a: PresenceSession | undefined, b: PresenceSession): boolean =>
  !!a && JSON.stringify(a) === JSON.stringify(b);

/** In-process presence: no network, never degraded. */
export class MemoryPresenceBackend implements PresenceBackend {
  readonly kind = 'memory' as const;
  readonly redis = null;

  constructor(private readonly data: MemoryPresenceData = new MemoryPresenceData()) {}

  async connect(): Promise<boolean> {
    return true;
  }

  isReady(): boolean {
    return true;
  }

  onReadyChange(): void {
    // always ready
  }

  async upsert(instanceId: string, session: PresenceSession): Promise<BackendResult> {
    const { data } = this;
    if (!data.instances.has(instanceId)) return { kind: 'resync' };
    if (sameSession(data.sessions.get(session.sessionId), session)) return { kind: 'same' };
    data.sessions.set(session.sessionId, { ...session, instanceId });
    return { kind: 'ok', changes: [data.entry(session.user.id)] };
  }

  async leave(instanceId: string, sessionId: string, userId: string): Promise<BackendResult> {
    const { data } = this;
    if (!data.instances.has(instanceId)) return { kind: 'resync' };
    data.sessions.delete(sessionId);
    return { kind: 'ok', changes: [data.entry(userId)] };
  }

  async tick(instanceId: string, ttlMs: number): Promise<BackendResult> {
    const { data } = this;
    if (!data.instances.has(instanceId)) return { kind: 'resync' };
    const now = data.now();
    data.instances.set(instanceId, now + ttlMs);
    const touched = new Set<string>();
    for (const [other, expiresAt] of data.instances) {
      if (other === instanceId || expiresAt >= now) continue;
      for (const uid of data.dropInstance(other)) touched.add(uid);
      data.instances.delete(other);
    }
    return { kind: 'ok', changes: [...touched].map((uid) => data.entry(uid)) };
  }

  async republish(
    instanceId: string,
    ttlMs: number,
    sessions: PresenceSession[],
  ): Promise<PresenceChange[]> {
    const { data } = this;
    data.instances.set(instanceId, data.now() + ttlMs);
    const touched = data.dropInstance(instanceId, new Set(sessions.map((s) => s.sessionId)));
    for (const s of sessions) {
      if (sameSession(data.sessions.get(s.sessionId), s)) continue;
      data.sessions.set(s.sessionId, s);
      touched.add(s.user.id);
    }
    return [...touched].map((uid) => data.entry(uid));
  }

  async unregister(instanceId: string): Promise<PresenceChange[]> {
    const { data } = this;
    const touched = data.dropInstance(instanceId);
    data.instances.delete(instanceId);
    return [...touched].map((uid) => data.entry(uid));
  }

  async snapshot(): Promise<{ rev: number; users: UserPresence[] }> {
    const { data } = this;
    const now = data.now();
    const byUser = new Map<string, PresenceSession[]>();
    for (const s of data.sessions.values()) {
      if ((data.instances.get(s.instanceId) ?? 0) < now) continue;
      const list = byUser.get(s.user.id) ?? [];
      list.push(s);
      byUser.set(s.user.id, list);
    }
    const users: UserPresence[] = [];
    for (const [uid, list] of byUser) {
      const p = aggregatePresence(list, data.revs.get(uid) ?? data.lastRev);
      if (p) users.push(p);
    }
    return { rev: data.lastRev, users };
  }

  async close(): Promise<void> {
    // nothing to release
  }
}
