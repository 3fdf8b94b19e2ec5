import fs from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';

/**
 * A minimal DevTools-protocol session with a server started with `--inspect=127.0.0.1:0`:
 * the memory scenario forces a full GC before it reads RSS, the same way for every server.
 */
export class InspectorSession {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (msg.id === undefined) return;
      this.waiting.get(msg.id)?.(msg.result ?? null);
      this.waiting.delete(msg.id);
    });
  }

  /** Finds "Debugger listening on ws://…" in the process output and connects. */
  static async connect(output: () => string, timeoutMs = 10_000): Promise<InspectorSession> {
    const deadline = Date.now() + timeoutMs;
    let url: string | undefined;
    while (!url) {
      url = /Debugger listening on (ws:\/\/\S+)/.exec(output())?.[1];
      if (url) break;
      if (Date.now() > deadline) throw new Error('no inspector URL in the server output');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new InspectorSession(ws);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, (r) => resolve(r as T));
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second frees what finalizers released), then the heap size. */
  async collectGarbage(): Promise<{ usedBytes: number }> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const usage = await this.call<{ usedSize: number }>('Runtime.getHeapUsage');
    return { usedBytes: usage.usedSize };
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * `--profile DIR`: the V8 CPU profile of a server's main thread over one scenario's measuring
 * window, written as DIR/<name>.cpuprofile (open it in Chrome DevTools or summarise it with
 * test/bench/profile-summary.ts). A no-op without --profile.
 */
export class WindowProfiler {
  private constructor(
    private readonly session: InspectorSession | null,
    private readonly file: string,
  ) {}

  static async start(
    profileDir: string | null,
    output: () => string,
    name: string,
  ): Promise<WindowProfiler> {
    if (!profileDir) return new WindowProfiler(null, '');
    const session = await InspectorSession.connect(output);
    await session.call('Profiler.enable');
    await session.call('Profiler.setSamplingInterval', { interval: 200 });
    await session.call('Profiler.start');
    return new WindowProfiler(session, path.join(profileDir, `${name}.cpuprofile`));
  }

  async stop(): Promise<string | null> {
    if (!this.session) return null;
    const { profile } = await this.session.call<{ profile: unknown }>('Profiler.stop');
    this.session.close();
    fs.writeFileSync(this.file, JSON.stringify(profile));
    return this.file;
  }
}

/**
 * Event-loop delay of the server itself, measured inside it (perf_hooks) over a window. A 10 ms
 * timer samples it (100 wake-ups/s, well under 1 % of a core); a stall of any length shows up
 * whole in the sample that waited for it.
 */
export class LoopDelayMonitor {
  private constructor(private readonly session: InspectorSession) {}

  static async start(output: () => string): Promise<LoopDelayMonitor> {
    const session = await InspectorSession.connect(output);
    await session.call('Runtime.evaluate', {
      expression: `(() => {
        const { monitorEventLoopDelay } = process.getBuiltinModule('node:perf_hooks');
        const h = monitorEventLoopDelay({ resolution: 10 });
        h.enable();
        globalThis.__copydeskBenchLoopDelay = h;
        return true;
      })()`,
      returnByValue: true,
    });
    return new LoopDelayMonitor(session);
  }

  /** Stops measuring; delays in µs. */
  async stop(): Promise<{ p99Us: number; maxUs: number }> {
    const res = await this.session.call<{ result: { value?: { p99: number; max: number } } }>(
      'Runtime.evaluate',
      {
        expression: `(() => {
          const h = globalThis.__copydeskBenchLoopDelay;
          h.disable();
          delete globalThis.__copydeskBenchLoopDelay;
          return { p99: h.percentile(99), max: h.max };
        })()`,
        returnByValue: true,
      },
    );
    this.session.close();
    const v = res.result.value;
    return v
      ? { p99Us: v.p99 / 1000, maxUs: v.max / 1000 }
      : { p99Us: Number.NaN, maxUs: Number.NaN };
  }
}
