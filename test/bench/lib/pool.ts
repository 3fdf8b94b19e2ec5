import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerMessage, WorkerRequest } from './types';

const WORKER = fileURLToPath(new URL('../client/worker.ts', import.meta.url));

/** One client worker process, driven by request/response over IPC. */
export class ClientWorker {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly tail: string[] = [];
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.tail.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.tail.length > 40) this.tail.splice(0, this.tail.length - 40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (msg: WorkerMessage) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(`worker ${child.pid}: ${msg.error}`));
    });
    child.on('exit', (code) => {
      this.exited = true;
      const err = new Error(`worker ${child.pid} exited (${code}):\n${this.tail.join('\n')}`);
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** `profileDir`: a V8 CPU profile of the whole process, written there when it exits. */
  static start(profileDir: string | null = null): Promise<ClientWorker> {
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx', ...profile],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const worker = new ClientWorker(child);
    return new Promise((resolve, reject) => {
      worker.waiting.set(0, { resolve: () => resolve(worker), reject });
    });
  }

  request<T>(req: WorkerRequest): Promise<T> {
    // After stop() (Ctrl-C) the channel is closed before the worker has exited: a send then
    // would emit an unhandled 'error' and crash the harness before it stopped its servers.
    if (this.exited || !this.child.connected)
      return Promise.reject(new Error(`worker ${this.pid} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.send({ id, req }, (err) => {
        if (!err) return;
        this.waiting.delete(id);
        reject(err);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * The client worker processes, plus one more for probes (the cold-join watcher): it hosts
 * nothing else, so its measurements are not delayed by other clients' work in its event loop.
 */
export class WorkerPool {
  private constructor(
    readonly workers: ClientWorker[],
    readonly probe: ClientWorker,
  ) {}

  static async start(count: number, profileDir: string | null = null): Promise<WorkerPool> {
    const all = await Promise.all(
      Array.from({ length: count + 1 }, () => ClientWorker.start(profileDir)),
    );
    const probe = all.pop() as ClientWorker;
    return new WorkerPool(all, probe);
  }

  get size(): number {
    return this.workers.length;
  }

  worker(i: number): ClientWorker {
    return this.workers[i % this.workers.length] as ClientWorker;
  }

  /** Sends the same request to every worker (not the probe worker). */
  all<T>(req: WorkerRequest): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.request<T>(req)));
  }

  async reset(): Promise<void> {
    await Promise.all([...this.workers, this.probe].map((w) => w.request({ op: 'reset' })));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers, this.probe].map((w) => w.stop()));
  }
}
