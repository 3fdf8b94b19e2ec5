import type { PresenceChange, PresenceSnapshot, PresenceStatus } from '@copydesk/shared';
import type { Logger } from '../logger';
import { aggregatePresence, nextRev, presenceChange } from './aggregate';
import type { RedisLink } from './redis-link';
import type {
  BackendResult,
  PresenceBackend,
  PresencePatch,
  PresenceSession,
  PresenceStore,
  PresenceStoreEvent,
  PresenceTiming,
} from './types';

export interface BackedPresenceStoreOptions {
  instanceId: string;
  logger: Logger;
  timing: PresenceTiming;
}

/**
 * The presence logic over either backend. This instance's own sessions are kept here too (the
 * source of truth for what it holds): they are re-published whenever the backend forgot them
 * (Redis restarted, or the instance was swept after a long stall) and they are what presence
 * shows while the backend is unreachable (`degraded`).
 */
export class BackedPresenceStore implements PresenceStore {
  private readonly local = new Map<string, PresenceSession>();
  private readonly listeners = new Set<(event: PresenceStoreEvent) => void>();
  private isDegraded = false;
  private statusSince = Date.now();
  private lastRev = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopping = false;
  private resyncing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly backend: PresenceBackend,
    private readonly options: BackedPresenceStoreOptions,
  ) {
    backend.onReadyChange((ready) => {
      if (ready) void this.resync();
      else this.markDegraded(new Error('backend connection lost'));
    });
  }

  get kind(): 'memory' | 'redis' {
    return this.backend.kind;
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  get degraded(): boolean {
    return this.isDegraded;
  }

  get redis(): RedisLink | null {
    return this.backend.redis;
  }

  subscribe(listener: (event: PresenceStoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (await this.backend.connect()) await this.resync();
    else this.markDegraded(new Error('backend unreachable at start'));
    this.timer = setInterval(() => void this.tick(), this.options.timing.heartbeatMs);
    this.timer.unref();
  }

  status(): PresenceStatus {
    return { degraded: this.isDegraded, since: this.statusSince };
  }

  localSessions(): PresenceSession[] {
    return [...this.local.values()];
  }

  async join(session: PresenceSession): Promise<void> {
    const own = { ...session, instanceId: this.instanceId };
    this.local.set(own.sessionId, own);
    await this.write(own.user.id, () => this.backend.upsert(this.instanceId, own));
  }

  async update(sessionId: string, patch: PresencePatch, at: number): Promise<boolean> {
    const current = this.local.get(sessionId);
    if (!current) return false;
    if (
      current.storyId === patch.storyId &&
      current.field === patch.field &&
      current.activity === patch.activity
    )
      return false;
    const next: PresenceSession = { ...current, ...patch, since: at };
    this.local.set(sessionId, next);
    await this.write(next.user.id, () => this.backend.upsert(this.instanceId, next));
    return true;
  }

  async leave(sessionId: string): Promise<void> {
    const current = this.local.get(sessionId);
    if (!current) return;
    this.local.delete(sessionId);
    await this.write(current.user.id, () =>
      this.backend.leave(this.instanceId, sessionId, current.user.id),
    );
  }

  async snapshot(): Promise<PresenceSnapshot> {
    if (!this.isDegraded) {
      try {
        const { rev, users } = await this.backend.snapshot();
        this.lastRev = Math.max(this.lastRev, rev);
        return { rev, degraded: false, users };
      } catch (err) {
        this.markDegraded(err);
      }
    }
    // Degraded: what this instance knows first-hand, newer than anything seen before.
    const rev = this.bumpRev();
    const byUser = new Map<string, PresenceSession[]>();
    for (const s of this.local.values()) {
      byUser.set(s.user.id, [...(byUser.get(s.user.id) ?? []), s]);
    }
    const users = [...byUser.values()]
      .map((list) => aggregatePresence(list, rev))
      .filter((p) => p !== null);
    return { rev, degraded: true, users };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.isDegraded && this.backend.isReady()) {
      try {
        for (const change of await this.backend.unregister(this.instanceId))
          this.emitChange(change);
      } catch (err) {
        this.options.logger.debug({ err }, 'presence unregister failed; it will expire');
      }
    }
    this.local.clear();
    await this.backend.close();
    this.listeners.clear();
  }

  /** Applies a write to the backend; while degraded (or if it fails) reports the local view. */
  private async write(userId: string, op: () => Promise<BackendResult>): Promise<void> {
    if (!this.isDegraded) {
      try {
        const result = await op();
        if (result.kind === 'ok') for (const change of result.changes) this.emitChange(change);
        if (result.kind !== 'resync') return;
        await this.resync();
        if (!this.isDegraded) return;
      } catch (err) {
        this.markDegraded(err);
      }
    }
    const sessions = [...this.local.values()].filter((s) => s.user.id === userId);
    this.emitChange(presenceChange(userId, this.bumpRev(), sessions));
  }

  private async tick(): Promise<void> {
    if (this.stopping || this.ticking) return;
    this.ticking = true;
    try {
      if (this.isDegraded) {
        if (this.backend.isReady()) await this.resync();
        return;
      }
      const result = await this.backend.tick(this.instanceId, this.options.timing.ttlMs);
      if (result.kind === 'resync') await this.resync();
      else if (result.kind === 'ok') for (const change of result.changes) this.emitChange(change);
    } catch (err) {
      this.markDegraded(err);
    } finally {
      this.ticking = false;
    }
  }

  /** Makes the backend hold exactly this instance's sessions again, then reports recovery. */
  private resync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        const changes = await this.backend.republish(this.instanceId, this.options.timing.ttlMs, [
          ...this.local.values(),
        ]);
        // Not degraded first: the re-published changes must go to every instance, not just here.
        const wasDegraded = this.isDegraded;
        this.setDegraded(false);
        if (wasDegraded) this.options.logger.info('presence re-published; no longer degraded');
        for (const change of changes) this.emitChange(change);
        this.emit({ type: 'resynced' });
      } catch (err) {
        this.markDegraded(err);
      } finally {
        this.resyncing = null;
      }
    })();
    return this.resyncing;
  }

  private markDegraded(err: unknown): void {
    if (this.stopping || this.isDegraded) return;
    this.options.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'presence degraded: serving this instance only',
    );
    this.setDegraded(true);
  }

  private setDegraded(degraded: boolean): void {
    if (this.isDegraded === degraded) return;
    this.isDegraded = degraded;
    this.statusSince = Date.now();
    this.emit({ type: 'status', status: this.status() });
  }

  private bumpRev(): number {
    this.lastRev = nextRev(this.lastRev);
    return this.lastRev;
  }

  private emitChange(change: PresenceChange): void {
    this.lastRev = Math.max(this.lastRev, change.rev);
    this.emit({ type: 'change', change });
  }

  private emit(event: PresenceStoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger.error({ err }, 'presence listener failed');
      }
    }
  }
}
