import { Lru } from './lru';

/** When a burst of editing becomes an automatic version (see HistorySettings). */
export interface VersionBurstsOptions {
  settleMs: number;
  maxUpdatesPerVersion: number;
  maxBurstMs: number;
  minCutGapMs: number;
  /** A story's burst is over: make its automatic version. */
  cut: (storyId: string) => void;
}

interface Burst {
  timer: NodeJS.Timeout | null;
  firstAt: number;
  /** The burst's latest append: it settles settleMs after this. */
  lastAt: number;
  count: number;
  /** A cut is due but waits for minCutGapMs since the previous one (the timer is that wait). */
  cutDue: boolean;
}

/**
 * Each story's current burst of editing, and when it ends: `settleMs` without an append, or
 * `maxUpdatesPerVersion` appends, or `maxBurstMs` of editing — but never sooner than
 * `minCutGapMs` after the story's previous automatic version.
 */
export class VersionBursts {
  private readonly bursts = new Map<string, Burst>();
  /** When each story's last automatic version was started (for minCutGapMs). */
  private readonly lastCutAt = new Lru<number>(1_000);

  constructor(private readonly options: VersionBurstsOptions) {}

  /** Whether the story has edits whose version is still to be cut. */
  has(storyId: string): boolean {
    return this.bursts.has(storyId);
  }

  /** New updates were stored: (re)start the settle timer, or cut a version now. */
  appended(storyId: string, count: number): void {
    const { options } = this;
    const now = Date.now();
    let burst = this.bursts.get(storyId);
    if (!burst) {
      burst = { timer: null, firstAt: now, lastAt: now, count: 0, cutDue: false };
      this.bursts.set(storyId, burst);
    }
    burst.count += count;
    burst.lastAt = now;
    if (burst.cutDue) return; // a cut is already scheduled for when the gap has passed
    if (burst.count >= options.maxUpdatesPerVersion || now - burst.firstAt >= options.maxBurstMs) {
      if (burst.timer) clearTimeout(burst.timer);
      burst.timer = null;
      const wait = (this.lastCutAt.get(storyId) ?? 0) + options.minCutGapMs - now;
      if (wait <= 0) {
        this.settle(storyId);
        return;
      }
      burst.cutDue = true;
      burst.timer = setTimeout(() => this.settle(storyId), wait);
      burst.timer.unref();
      return;
    }
    // One timer per burst, not one per append: when it fires it waits on if the burst went on.
    if (!burst.timer) this.settleAfterQuiet(storyId, burst, options.settleMs);
  }

  /** Ends every burst now: each story's version is cut. */
  settleAll(): void {
    for (const id of [...this.bursts.keys()]) this.settle(id);
  }

  /** Forgets every burst and stops their timers (no more versions are cut). */
  stop(): void {
    for (const burst of this.bursts.values()) if (burst.timer) clearTimeout(burst.timer);
    this.bursts.clear();
  }

  private settleAfterQuiet(storyId: string, burst: Burst, wait: number): void {
    burst.timer = setTimeout(() => {
      burst.timer = null;
      if (this.bursts.get(storyId) !== burst || burst.cutDue) return;
      // At most settleMs more, whatever the wall clock did meanwhile.
      const { settleMs } = this.options;
      const left = Math.min(burst.lastAt + settleMs - Date.now(), settleMs);
      if (left > 0) this.settleAfterQuiet(storyId, burst, left);
      else this.settle(storyId);
    }, wait);
    burst.timer.unref();
  }

  private settle(storyId: string): void {
    const burst = this.bursts.get(storyId);
    if (burst?.timer) clearTimeout(burst.timer);
    this.bursts.delete(storyId);
    this.lastCutAt.set(storyId, Date.now());
    this.options.cut(storyId);
  }
}
