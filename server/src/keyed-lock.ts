/**
 * Runs async work one at a time per key (a story's versions, its authorship index, its activity
 * rounds), in the order asked; a failure is the caller's and does not stop the next piece.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** True while work for `key` is running or queued. */
  held(key: string): boolean {
    return this.tails.has(key);
  }

  /** The keys with work running or queued. */
  keys(): IterableIterator<string> {
    return this.tails.keys();
  }

  /** Resolves when the work running or queued now has settled (whatever its outcome). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.tails.values());
  }
}
