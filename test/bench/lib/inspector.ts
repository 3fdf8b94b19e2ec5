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

/** What the inspector needs of a server process: its output, which names the inspector URL. */
export interface InspectableProcess {
  output(): string;
}

/**
 * `--profile DIR`: the V8 CPU profile of each of a server's processes (main thread) over one
 * scenario's measuring window, written as DIR/<name>.cpuprofile, or DIR/<name>-a.cpuprofile,
 * DIR/<name>-b.cpuprofile… for a server of several processes (open them in Chrome DevTools or
 * summarise them with test/bench/profile-summary.ts). A no-op without --profile.
 */
export class WindowProfiler {
  private constructor(private readonly sessions: { session: InspectorSession; file: string }[]) {}

  static async start(
    profileDir: string | null,
    processes: readonly InspectableProcess[],
    name: string,
  ): Promise<WindowProfiler> {
    if (!profileDir) return new WindowProfiler([]);
    const sessions = await Promise.all(
      processes.map(async (p, i) => {
        const session = await InspectorSession.connect(() => p.output());
        await session.call('Profiler.enable');
        await session.call('Profiler.setSamplingInterval', { interval: 200 });
        await session.call('Profiler.start');
        const suffix = processes.length > 1 ? `-${String.fromCharCode(97 + i)}` : '';
        return { session, file: path.join(profileDir, `${name}${suffix}.cpuprofile`) };
      }),
    );
    return new WindowProfiler(sessions);
  }

  /** The files written (none without --profile). */
  async stop(): Promise<string[]> {
    return Promise.all(
      this.sessions.map(async ({ session, file }) => {
        const { profile } = await session.call<{ profile: unknown }>('Profiler.stop');
        session.close();
        fs.writeFileSync(file, JSON.stringify(profile));
        return file;
      }),
    );
  }
}

const START_LOOP_MONITOR = `(() => {
  const { monitorEventLoopDelay } = process.getBuiltinModule('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  globalThis.__copydeskBenchLoopDelay = h;
  return true;
})()`;

const STOP_LOOP_MONITOR = `(() => {
  const h = globalThis.__copydeskBenchLoopDelay;
  h.disable();
  delete globalThis.__copydeskBenchLoopDelay;
  return { p99: h.percentile(99), max: h.max };
})()`;

/**
 * Event-loop delay of the server itself, measured inside it (perf_hooks) over a window. A 10 ms
 * timer samples it (100 wake-ups/s, well under 1 % of a core); a stall of any length shows up
 * whole in the sample that waited for it. A server of several processes reports the worse of
 * them (p99 and max each): a client waits on whichever instance it is connected to.
 */
export class LoopDelayMonitor {
  private constructor(private readonly sessions: InspectorSession[]) {}

  static async start(processes: readonly InspectableProcess[]): Promise<LoopDelayMonitor> {
    const sessions = await Promise.all(
      processes.map(async (p) => {
        const session = await InspectorSession.connect(() => p.output());
        await session.call('Runtime.evaluate', {
          expression: START_LOOP_MONITOR,
          returnByValue: true,
        });
        return session;
      }),
    );
    return new LoopDelayMonitor(sessions);
  }

  /** Stops measuring; delays in µs (NaN when a process could not tell). */
  async stop(): Promise<{ p99Us: number; maxUs: number }> {
    const each = await Promise.all(
      this.sessions.map(async (session) => {
        const res = await session.call<{ result: { value?: { p99: number; max: number } } }>(
          'Runtime.evaluate',
          { expression: STOP_LOOP_MONITOR, returnByValue: true },
        );
        session.close();
        return res.result.value;
      }),
    );
    const values = each.filter((v): v is { p99: number; max: number } => v !== undefined);
    if (values.length === 0 || values.length < each.length)
      return { p99Us: Number.NaN, maxUs: Number.NaN };
    return {
      p99Us: Math.max(...values.map((v) => v.p99)) / 1000,
      maxUs: Math.max(...values.map((v) => v.max)) / 1000,
    };
  }
}
