import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** What one checkpoint in the thread did. */
export type CheckpointResult =
  | { ok: true; walFrames: number; copied: number }
  | { ok: false; error: string };

export interface SqliteCheckpointerOptions {
  /** The database file (WAL mode); the thread opens its own connection to it. */
  file: string;
  /** A checkpoint is asked for once this many commits went into the WAL since the last. */
  everyCommits: number;
  /** The thread is gone: the writing connection must checkpoint on its own again. */
  onFailed: (err: Error) => void;
}

/** Checkpoints asked for back to back while commits keep landing during them (see below). */
const MAX_FOLLOW_UPS = 3;

/**
 * Runs SQLite's WAL checkpoints in a thread of their own.
 *
 * SQLite checkpoints inside the COMMIT that pushes the WAL past `wal_autocheckpoint`: that
 * commit copies the WAL's pages into the database file and fsyncs both, on the event loop.
 * With a hundred stories typing that was a 5–25 ms stall a few times a second, and every
 * keystroke of every story waited behind it. A PASSIVE checkpoint from a second connection
 * copies the same pages while the writer goes on committing. Durability is unchanged: a commit
 * is in the WAL before anyone is told, as before, and a checkpoint only copies committed pages.
 *
 * The WAL file starts over only when a write begins with everything in it copied. A checkpoint
 * that commits overtook is followed at once by another, with only those pages to copy, which
 * lets it start over under moderate load. Under sustained load commits overtake every one;
 * the writer's `wal_autocheckpoint` then stays as a backstop: it copies only what the thread
 * has not (the thread did the rest) and lets the WAL start over.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private commitsSince = 0;
  private running = false;
  private committedWhileRunning = false;
  private followUps = 0;
  private closed = false;
  /** Checkpoints the thread finished (whatever they found to copy). */
  completed = 0;
  lastResult: CheckpointResult | null = null;
  private readonly settledListeners = new Set<() => void>();

  constructor(private readonly options: SqliteCheckpointerOptions) {
    // execArgv: [] — the thread needs no TypeScript loader (it would cost tens of MB).
    this.worker = new Worker(new URL('./sqlite-checkpoint-worker.mjs', import.meta.url), {
      workerData: { file: options.file },
      execArgv: [],
    });
    this.worker.unref();
    this.worker.on('message', (result: CheckpointResult) => this.finished(result));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`checkpoint thread exited (${code})`)));
  }

  /** The writing connection committed (call after each successful write transaction). */
  committed(): void {
    if (this.closed) return;
    if (this.running) {
      this.committedWhileRunning = true;
      return;
    }
    if (++this.commitsSince < this.options.everyCommits) return;
    this.start();
  }

  /** Resolves when no checkpoint is running (tests). */
  idle(): Promise<void> {
    if (!this.running || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.settledListeners.add(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = once(this.worker, 'exit');
    // Held open until the thread has closed its connection, or the process could end first.
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
    this.settle();
  }

  /** Test hook: the thread dies as if it had crashed. */
  async crashForTest(): Promise<void> {
    await this.worker.terminate();
  }

  private start(): void {
    this.commitsSince = 0;
    this.committedWhileRunning = false;
    this.running = true;
    this.worker.postMessage('checkpoint');
  }

  private finished(result: CheckpointResult): void {
    this.running = false;
    this.completed++;
    this.lastResult = result;
    if (
      !this.closed &&
      result.ok &&
      this.committedWhileRunning &&
      this.followUps < MAX_FOLLOW_UPS
    ) {
      this.followUps++;
      this.start();
      return;
    }
    this.followUps = 0;
    this.settle();
  }

  private settle(): void {
    const listeners = [...this.settledListeners];
    this.settledListeners.clear();
    for (const fn of listeners) fn();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.running = false;
    this.settle();
    this.options.onFailed(err);
  }
}
