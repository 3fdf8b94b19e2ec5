import { type BenchContext, sleep } from '../lib/context';
import { WindowProfiler } from '../lib/inspector';
import { RssSampler, readCpuUs, readLoadAverage } from '../lib/proc';
import { SERVER_LABELS, type ServerUnderTest, startForRun } from '../lib/servers';
import { range, roundsRow } from '../lib/stats';
import type { AwaitTraceResult, ConnectResult, ReplayResult, ServerKind } from '../lib/types';

export interface TraceRow {
  /** 1-minute load average of the machine when the run started. */
  load1: number;
  server: ServerKind;
  label: string;
  edits: number;
  /** Time the replaying client took to send every edit. */
  sendS: number;
  /** From the first edit to the watcher's text equal to the trace's end content. */
  convergeS: number;
  editsPerS: number;
  cpuUsPerEdit: number;
  serverCpuS: number;
  peakRssMb: number;
  converged: boolean;
  note: string;
}

/**
 * One client replays the automerge-paper trace into `body`, one update per edit, as fast as
 * the server takes them (socket backpressure); a second client in another process watches.
 */
export const runTrace = async (ctx: BenchContext, kind: ServerKind): Promise<TraceRow> => {
  const { opts, pool } = ctx;
  const row: TraceRow = {
    server: kind,
    label: SERVER_LABELS[kind],
    load1: readLoadAverage()[0],
    edits: 0,
    sendS: Number.NaN,
    convergeS: Number.NaN,
    editsPerS: Number.NaN,
    cpuUsPerEdit: Number.NaN,
    serverCpuS: Number.NaN,
    peakRssMb: Number.NaN,
    converged: false,
    note: '',
  };
  let server: ServerUnderTest | null = null;
  let rss: RssSampler | null = null;
  try {
    // Warm every worker's trace cache (parse + expected text) before anything is timed.
    await pool.all({ op: 'prepareExpected', tracePath: opts.traceFile, edits: opts.traceEdits });
    server = await startForRun(opts, kind);
    rss = new RssSampler(server.pids, 100);
    rss.start();
    const [room] = await server.createRooms(1, 'trace');
    if (!room) throw new Error('no room');
    const replayer = pool.worker(0);
    const watcher = pool.worker(pool.size > 1 ? 1 : 0);
    // The replaying client on instance A and the watcher on B (copydesk-pg): every edit
    // crosses instances before the watcher sees it.
    const connect = async (key: string, w: typeof replayer, editor: boolean) => {
      const [res] = await w.request<ConnectResult[]>({
        op: 'connect',
        clients: [
          {
            key,
            story: room.id,
            target: editor ? room.editor(0, 0) : room.watcher(1),
            role: 'idle',
            editorId: 0,
          },
        ],
        timeoutMs: 30_000,
      });
      if (!res?.ok) throw new Error(`${key} did not sync: ${res?.error}`);
    };
    await connect('replayer', replayer, true);
    await connect('watcher', watcher, false);
    await sleep(300);

    const srv = server;
    const profiler = await WindowProfiler.start(opts.profileDir, srv.processes, `${kind}-trace`);
    const cpu0 = readCpuUs(server.pids);
    const watching = watcher.request<AwaitTraceResult>({
      op: 'awaitTrace',
      key: 'watcher',
      tracePath: opts.traceFile,
      edits: opts.traceEdits,
      timeoutMs: 600_000,
    });
    const replay = await replayer.request<ReplayResult>({
      op: 'replay',
      key: 'replayer',
      tracePath: opts.traceFile,
      edits: opts.traceEdits,
    });
    const watched = await watching;
    const cpu1 = readCpuUs(server.pids);
    await profiler.stop();
    const convergeUs = watched.doneUs - replay.startUs;
    row.edits = replay.sent;
    row.sendS = (replay.endUs - replay.startUs) / 1e6;
    row.convergeS = convergeUs / 1e6;
    row.editsPerS = replay.sent / (convergeUs / 1e6);
    row.serverCpuS = (cpu1 - cpu0) / 1e6;
    row.cpuUsPerEdit = (cpu1 - cpu0) / replay.sent;
    row.peakRssMb = rss.stop() / 1024;
    row.converged = watched.converged && replay.selfMatches;
    const closed = replay.closedCode ?? watched.closedCode;
    if (closed !== null) row.note = `closed by server: ${closed}`;
    else if (!watched.converged) row.note = `watcher stuck at ${watched.length} characters`;
    else if (!replay.selfMatches) row.note = 'replaying client diverged from the trace';
  } catch (err) {
    row.note = `error: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    rss?.stop();
    await pool.reset().catch(() => {});
    await server?.stop();
  }
  return row;
};

/**
 * One row for a server's trace rounds: each figure is the median of the rounds, so one
 * disturbed round (a neighbour's load, a GC at the wrong moment) does not decide a ratio. The
 * rounds alternate between servers, so each server's rounds see the machine at several times.
 * Converged only if every round converged; the note gives the rounds' spread.
 */
export const medianTraceRow = (rounds: TraceRow[]): TraceRow =>
  roundsRow(
    rounds,
    ['load1', 'edits', 'sendS', 'convergeS', 'editsPerS', 'cpuUsPerEdit', 'serverCpuS'],
    (all) =>
      `CPU ${range(
        all.map((r) => r.cpuUsPerEdit),
        1,
      )} µs/edit, converge ${range(
        all.map((r) => r.convergeS),
        2,
      )} s`,
  );
