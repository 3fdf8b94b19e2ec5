import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';

/** Either the parts to merge, or (SQLite) the file the worker reads them from itself. */
type CompactionJob =
  | { storyId: string; file: string }
  | { storyId: string; parts: Uint8Array[]; upto: number };

interface WorkerReply {
  id: number;
  parts?: Uint8Array[];
  upto?: number;
  error?: string;
}

/**
 * Background compaction: folds the latest snapshot and the log since into a new
 * snapshot in a worker thread, so encoding a large story never blocks typing. The snapshot is
 * written in parts (state-chunks.mjs), so loading it never blocks typing either.
 * The log itself is kept (history); loading reads the newest snapshot plus the log since.
 */
export class Compactor {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly inFlight = new Map<number, (reply: WorkerReply) => void>();
  private readonly queued = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: { storage: Storage; logger: Logger }) {}

  schedule(storyId: string): void {
    if (this.queued.has(storyId)) return;
    this.queued.add(storyId);
    this.chain = this.chain.then(() => this.compact(storyId)).catch(() => undefined);
  }

  /** Resolves when everything scheduled so far is done. */
  idle(): Promise<void> {
    return this.chain;
  }

  async compact(storyId: string): Promise<void> {
    this.queued.delete(storyId);
    const { storage, logger } = this.options;
    try {
      const file = storage.sqliteFile;
      let reply: WorkerReply;
      if (file) {
        reply = await this.run({ storyId, file });
      } else {
        const state = await storage.loadStoryState(storyId);
        const last = state.updates.at(-1);
        if (!last) return;
        const parts = [...(state.snapshot?.parts ?? []), ...state.updates.map((u) => u.update)];
        reply = await this.run({ storyId, parts, upto: last.seq });
      }
      if (!reply.parts || !reply.upto) return; // nothing logged since the last snapshot
      await storage.saveSnapshot(storyId, { upto: reply.upto, parts: reply.parts });
      logger.debug({ storyId, upto: reply.upto, parts: reply.parts.length }, 'story compacted');
    } catch (err) {
      logger.warn(
        { err, storyId },
        'compaction failed; the log is intact and will be retried later',
      );
    }
  }

  private run(job: CompactionJob): Promise<WorkerReply> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.inFlight.set(id, (reply) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply),
      );
      worker.postMessage({ id, ...job });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./compaction-worker.mjs', import.meta.url));
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      this.inFlight.get(reply.id)?.(reply);
      this.inFlight.delete(reply.id);
    });
    worker.on('error', (err) => {
      this.options.logger.error({ err }, 'compaction worker crashed');
      for (const settle of this.inFlight.values()) settle({ id: 0, error: String(err) });
      this.inFlight.clear();
      this.worker = null;
    });
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.worker?.terminate();
    this.worker = null;
  }
}
