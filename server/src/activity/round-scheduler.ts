import { yieldToEventLoop } from '../event-loop';
import type { Logger } from '../logger';

export interface RoundSchedulerOptions {
  /** A story's new updates are turned into entries at most this often. */
  minIntervalMs: number;
  /** How long a story another instance records is left to it. */
  yieldMs: number;
  logger: Logger;
  /** One story's round. */
  process: (storyId: string) => Promise<void>;
  /** After the rounds that were due (idle working copies are dropped). */
  afterRounds: () => void;
}

/**
 * When the activity recorder's background rounds run: a story told of new updates gets a round
 * at most every `minIntervalMs`, and none while it is left to another instance.
 */
export class RoundScheduler {
  private readonly dirty = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  /** Stories another instance is recording, left to it until the time given. */
  private readonly yielded = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: RoundSchedulerOptions) {}

  /** Stories told of new updates whose round has not started. */
  get pending(): ReadonlySet<string> {
    return this.dirty;
  }

  /** The story has new updates: a round is due. */
  mark(storyId: string): void {
    this.dirty.add(storyId);
    this.kick();
  }

  /** The story is being flushed now: it needs no background round for what it has so far. */
  unmark(storyId: string): void {
    this.dirty.delete(storyId);
  }

  /** True while the story is left to another instance (or its wait was not looked at since). */
  isYielded(storyId: string): boolean {
    return this.yielded.has(storyId);
  }

  /** Another instance moved the story's cursor: leave it to that one for `yieldMs`. */
  leaveToOther(storyId: string): void {
    this.yielded.set(storyId, Date.now() + this.options.yieldMs);
    this.dirty.add(storyId);
  }

  private kick(): void {
    if (this.running || this.timer || this.closed || this.dirty.size === 0) return;
    const now = Date.now();
    let due = Number.POSITIVE_INFINITY;
    for (const id of this.dirty) due = Math.min(due, this.dueAt(id));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.running = this.runDue().finally(() => {
          this.running = null;
          this.kick();
        });
      },
      Math.max(0, due - now),
    );
    this.timer.unref();
  }

  private async runDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.dirty].filter((id) => this.dueAt(id) <= now);
    for (const id of due) {
      // SQLite answers at once: without a turn between stories, a round over many busy stories
      // is one long stretch of the event loop that every editor's keystroke waits behind.
      await yieldToEventLoop();
      if (this.closed) return;
      this.dirty.delete(id);
      this.lastRun.set(id, Date.now());
      await this.options
        .process(id)
        .catch((err: unknown) =>
          this.options.logger.error({ err, storyId: id }, 'activity: processing failed'),
        );
    }
    this.options.afterRounds();
  }

  private dueAt(storyId: string): number {
    const next = (this.lastRun.get(storyId) ?? 0) + this.options.minIntervalMs;
    const yieldedUntil = this.yielded.get(storyId);
    if (yieldedUntil === undefined) return next;
    if (yieldedUntil <= Date.now()) this.yielded.delete(storyId);
    return Math.max(next, yieldedUntil);
  }

  /** Schedules no more rounds; resolves when the one under way has finished. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
