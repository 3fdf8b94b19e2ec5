/**
 * Writes to SQLite without blocking the event loop on a held write lock.
 *
 * better-sqlite3 is synchronous: with a long `busy_timeout`, a write that meets another
 * process's write lock freezes the whole server (every story, every connection, /healthz) until
 * the lock goes or the timeout ends. So the connection gets a busy_timeout of a few ms and a
 * write that still finds the lock taken (SQLITE_BUSY*) is retried from a timer, with back-off,
 * until `deadlineMs` after it was issued; only then does it fail (the same ~5 s a write used to
 * wait before counting as failed, so rooms, /readyz and recovery behave as before).
 *
 * Writes stay in the order they were issued: while one waits for the lock, later writes queue
 * behind it instead of overtaking it (they were strictly ordered when every write was
 * synchronous, and the update log relies on it). When nothing waits, a write runs at once, in
 * the caller's turn of the event loop, exactly as before.
 */

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, …). */
export const isSqliteBusy = (err: unknown): boolean =>
  err instanceof Error &&
  'code' in err &&
  typeof err.code === 'string' &&
  err.code.startsWith('SQLITE_BUSY');

export interface BusyRetryOptions {
  /** A write fails once it has waited this long for the lock (from when it was issued). */
  deadlineMs: number;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BUSY_RETRY: BusyRetryOptions = {
  deadlineMs: 5_000,
  firstDelayMs: 5,
  maxDelayMs: 100,
};

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SqliteWriteQueue {
  /** Settles when the last queued write has settled (whatever its outcome). */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly options: BusyRetryOptions = DEFAULT_BUSY_RETRY,
    /** Called after each write that went through (the checkpoint thread counts commits). */
    private readonly onWritten?: () => void,
  ) {}

  /** Writes waiting for the lock (or for an earlier write that waits). */
  get waiting(): number {
    return this.queued;
  }

  /** Runs `write` (one statement or one transaction) now, or after the writes queued before it. */
  run<T>(write: () => T): Promise<T> {
    const deadline = Date.now() + this.options.deadlineMs;
    if (this.queued === 0) {
      try {
        return Promise.resolve(this.attempt(write));
      } catch (err) {
        if (!isSqliteBusy(err)) return Promise.reject(err);
        return this.enqueue(write, deadline, err);
      }
    }
    return this.enqueue(write, deadline, null);
  }

  /** One try of `write`; `onWritten` hears of it only if it went through. */
  private attempt<T>(write: () => T): T {
    const result = write();
    this.onWritten?.();
    return result;
  }

  /** Resolves once every write issued so far has settled (close waits for it). */
  drained(): Promise<void> {
    return this.tail;
  }

  private enqueue<T>(write: () => T, deadline: number, firstError: unknown): Promise<T> {
    this.queued++;
    const result = this.tail.then(() => this.retry(write, deadline, firstError));
    const settled = () => {
      this.queued--;
    };
    this.tail = result.then(settled, settled);
    return result;
  }

  /**
   * Attempts `write` until it gets the lock or the deadline passes. A write that was not tried
   * yet (it queued behind another) is tried at once, even past its deadline: the lock may be
   * free by now.
   */
  private async retry<T>(write: () => T, deadline: number, firstError: unknown): Promise<T> {
    let lastError = firstError;
    let delay = this.options.firstDelayMs;
    if (lastError !== null) {
      await pause(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
    for (;;) {
      try {
        return this.attempt(write);
      } catch (err) {
        if (!isSqliteBusy(err)) throw err;
        lastError = err;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw lastError;
      delay = Math.min(delay * 2, this.options.maxDelayMs);
      await pause(Math.min(delay, left));
    }
  }
}
