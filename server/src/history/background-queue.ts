import { yieldToEventLoop } from '../event-loop';
import type { Logger } from '../logger';

/**
 * Background work is tracked so `close()` can wait for it; failures are logged, never thrown.
 * It runs one piece at a time, across stories, each from a later turn and yielding between
 * its steps (recordVersion): every story of a busy desk reaches maxUpdatesPerVersion in the
 * same second, and their versions made back to back were one 142-ms stretch of the event
 * loop with 20 stories, measured in the fan-out benchmark — every editor's keystroke behind it.
 */
export class BackgroundQueue {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The background version being made: the next one starts when it is done. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  /** Queues `work` (about `storyId`; `what` names it in the log if it fails). */
  add(storyId: string, what: string, work: () => Promise<unknown>): void {
    const promise = this.tail
      .then(yieldToEventLoop)
      .then(work)
      .catch((err: unknown) => this.logger.warn({ err, storyId }, `history: ${what} failed`));
    this.tail = promise;
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  /** Resolves when the work queued now is done. */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Resolves when the work queued now has settled, whatever its outcome. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
