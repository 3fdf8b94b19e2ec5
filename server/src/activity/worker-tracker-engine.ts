import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import type { StoredUpdate } from '../storage/storage';
import type { DrainedEntries, OpenTracker, TrackedStory, TrackerEngine } from './tracker-engine';
import {
  packBytes,
  packUpdates,
  type TrackerReply,
  type TrackerRequest,
} from './tracker-worker-protocol';
import { trackerWorkerSource } from './tracker-worker-source';

type Reply<T extends TrackerReply['type']> = Extract<TrackerReply, { type: T }>;
/** A request that is answered, before `call` gives it its id. */
type RequestBody<R = Extract<TrackerRequest, { id: number }>> = R extends unknown
  ? Omit<R, 'id'>
  : never;

interface Pending {
  settle: (reply: TrackerReply) => void;
  fail: (err: Error) => void;
}

export interface WorkerTrackerEngineOptions {
  logger: Logger;
  /** A request unanswered this long means the worker is stuck: it is replaced (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * Keeps the activity feed's working copies in a worker thread. Applying every edit a second
 * time (to compute who changed how many words) was a sixth of the server's busy time with a
 * hundred busy stories, and every keystroke waited behind it; here it runs on the other core.
 * Storage stays with the recorder, so the cursor and the entries are committed as before.
 *
 * If the worker dies, every open copy is lost with it: requests in flight and later requests
 * on those copies fail, the recorder drops them, and the next round rebuilds them from
 * storage in a new worker. Nothing is recorded twice or skipped (the cursor is in storage).
 */
export class WorkerTrackerEngine implements TrackerEngine {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  /** Bumped whenever a worker goes: copies opened in an earlier one are gone. */
  private generation = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly requestTimeoutMs: number;
  private closed = false;
  /** Workers lost (crashed, exited or stuck) while the engine was open: /metrics shows it. */
  restarts = 0;

  constructor(private readonly options: WorkerTrackerEngineOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The running worker thread, if any (tests kill it to check nothing is lost). */
  get thread(): Worker | null {
    return this.worker;
  }

  async open(request: OpenTracker): Promise<TrackedStory> {
    const parts = request.state
      ? [...(request.state.snapshot?.parts ?? []), ...request.state.updates.map((u) => u.update)]
      : [];
    const packed = packBytes(parts);
    const { storyId } = request;
    await this.call<'opened'>(
      {
        type: 'open',
        storyId,
        cursor: request.cursor,
        gapMs: request.gapMs,
        now: request.now,
        parts: packed,
        recent: request.recent,
      },
      [packed.data.buffer as ArrayBuffer],
    );
    const generation = this.generation;
    const engine = this;
    let cursor = request.cursor;
    let lastUsed = Date.now();
    let destroyed = false;
    return {
      storyId,
      get cursor() {
        return cursor;
      },
      get lastUsed() {
        return lastUsed;
      },
      async apply(updates: readonly StoredUpdate[]): Promise<DrainedEntries> {
        if (destroyed || generation !== engine.generation) {
          throw new Error(`the working copy of ${storyId} was lost with its worker`);
        }
        lastUsed = Date.now();
        const packedUpdates = packUpdates(updates);
        const reply = await engine.call<'applied'>(
          { type: 'apply', storyId, updates: packedUpdates },
          [packedUpdates.data.buffer as ArrayBuffer],
        );
        cursor = reply.cursor;
        lastUsed = Date.now();
        return { entries: reply.entries, created: new Set(reply.created) };
      },
      destroy() {
        if (destroyed) return;
        destroyed = true;
        if (generation === engine.generation) engine.worker?.postMessage({ type: 'drop', storyId });
      },
    };
  }

  /** Starts the worker, so neither the first edit's round nor a benchmark pays for it. */
  async warmUp(): Promise<void> {
    if (this.closed || this.worker) return;
    const worker = await this.ensureWorker();
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
  }

  private async call<T extends TrackerReply['type']>(
    body: RequestBody,
    transfer: ArrayBuffer[],
  ): Promise<Reply<T>> {
    if (this.closed) throw new Error('activity worker closed');
    const worker = await this.ensureWorker();
    if (this.closed) throw new Error('activity worker closed');
    const id = this.nextId++;
    return new Promise<Reply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replace(new Error(`activity worker did not answer in ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      timer.unref();
      this.pending.set(id, {
        settle: (reply) => {
          clearTimeout(timer);
          if (reply.type === 'failed') reject(new Error(reply.message));
          else resolve(reply as Reply<T>);
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      worker.postMessage({ ...body, id } as TrackerRequest, transfer);
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= trackerWorkerSource()
      .then((source) => this.start(source))
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  private start(source: string): Worker {
    if (this.closed) throw new Error('activity worker closed');
    const worker = new Worker(source, { eval: true });
    worker.unref();
    worker.on('message', (reply: TrackerReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      pending?.settle(reply);
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.replace(err);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.replace(new Error(`activity worker exited (${code})`));
    });
    this.worker = worker;
    return worker;
  }

  /** The worker is gone or stuck: fail what waits on it; the next request starts a new one. */
  private replace(err: Error): void {
    if (!this.closed) {
      this.restarts++;
      this.options.logger.error({ err }, 'activity worker lost; restarting it');
    }
    const worker = this.worker;
    this.worker = null;
    this.generation++;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(err);
    void worker?.terminate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    this.closed = true;
    this.replace(new Error('activity worker closed'));
    await worker?.terminate();
  }
}
