import { serviceUnavailable } from '../errors';

const storyUnavailable = () =>
  serviceUnavailable('This story could not be stored; try again shortly.');

export interface StoredWaitersOptions {
  /** The document holds nothing that is not yet stored. */
  allStored: () => boolean;
  /** Storing failed: the room holds edits that are not stored and must never be read. */
  failed: () => boolean;
}

/** Whoever waits until a room's document holds nothing unstored (sync replies, HTTP views). */
export class StoredWaiters {
  private waiters: (() => void)[] = [];
  /** whenStoredAsync's rejections, for when storing fails before it resolves. */
  private readonly failureWaiters = new Set<(err: Error) => void>();

  constructor(private readonly options: StoredWaitersOptions) {}

  /** Calls `fn` as soon as the document holds nothing that is not yet stored. */
  whenStored(fn: () => void): void {
    if (this.options.allStored()) fn();
    else this.waiters.push(fn);
  }

  /**
   * Resolves once nothing is unstored; rejects (503) if storing fails first. A promise that
   * merely never settled hung HTTP views and, behind it, every version the history queues
   * after it.
   */
  whenStoredAsync(): Promise<void> {
    if (this.options.failed()) return Promise.reject(storyUnavailable());
    return new Promise((resolve, reject) => {
      this.failureWaiters.add(reject);
      this.whenStored(() => {
        this.failureWaiters.delete(reject);
        resolve();
      });
    });
  }

  /** Nothing is waiting to be stored: whoever waited for that may go on. */
  release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const fn of waiters) fn();
  }

  /** Storing failed: sync waiters are dropped (their sockets close), async ones get a 503. */
  fail(): void {
    this.waiters = [];
    for (const reject of this.failureWaiters) reject(storyUnavailable());
    this.failureWaiters.clear();
  }
}
