import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchContext, sleep } from '../lib/context';
import { percentileOf } from '../lib/histogram';
import { LoopDelayMonitor, WindowProfiler } from '../lib/inspector';
import { nowUs, readCpuUs, readLoadAverage } from '../lib/proc';
import { SERVER_LABELS, type ServerUnderTest, startForRun } from '../lib/servers';
import type {
  ClientSpec,
  CollectResult,
  ConnectResult,
  PrepareResult,
  ServerKind,
  TypeResult,
} from '../lib/types';
import { allConverged, closedNote } from './fanout';

export interface ColdJoinRow {
  /** 1-minute load average of the machine when the run started. */
  load1: number;
  server: ServerKind;
  label: string;
  /** 'loaded': a client holds the story; 'from disk': Copydesk had unloaded it. */
  variant: 'loaded' | 'from disk';
  joiners: number;
  docBytes: number;
  syncP50Us: number;
  syncP99Us: number;
  syncMaxUs: number;
  /** WebSocket payload bytes the joiners received until synced, per joiner. */
  kbPerJoiner: number;
  stormMs: number;
  serverCpuMs: number;
  probeSamples: number;
  probeP99Us: number;
  probeMaxUs: number;
  probeBaselineP99Us: number;
  /** The server's own event-loop delay during the storm (perf_hooks, through the inspector). */
  loopP99Us: number;
  loopMaxUs: number;
  converged: boolean;
  note: string;
}

/** Encodes the document after the trace once (cached in the OS temp dir). */
export const ensureTraceState = async (
  ctx: BenchContext,
): Promise<{ file: string; bytes: number }> => {
  const { opts, pool } = ctx;
  const stat = fs.statSync(opts.traceFile);
  const file = path.join(
    os.tmpdir(),
    `copydesk-bench-trace-state-${opts.traceEdits || 'all'}-${stat.size}-${Math.floor(stat.mtimeMs)}.bin`,
  );
  if (!fs.existsSync(file)) {
    ctx.log('  encoding the trace document for the cold join (once)…');
    await pool.worker(0).request<PrepareResult>({
      op: 'prepareTraceState',
      tracePath: opts.traceFile,
      edits: opts.traceEdits,
      cacheFile: file,
    });
  }
  return { file, bytes: fs.statSync(file).size };
};

/**
 * A story holding the whole trace; N clients join at once. Meanwhile an editor types in another
 * story and a watcher there measures how long its edits take: the server's responsiveness to
 * everyone else during the storm.
 */
export const runColdJoin = async (
  ctx: BenchContext,
  kind: ServerKind,
  variant: ColdJoinRow['variant'],
): Promise<ColdJoinRow> => {
  const { opts, pool } = ctx;
  const row: ColdJoinRow = {
    server: kind,
    label: SERVER_LABELS[kind],
    load1: readLoadAverage()[0],
    variant,
    joiners: opts.joiners,
    docBytes: 0,
    syncP50Us: Number.NaN,
    syncP99Us: Number.NaN,
    syncMaxUs: Number.NaN,
    kbPerJoiner: Number.NaN,
    stormMs: Number.NaN,
    serverCpuMs: Number.NaN,
    probeSamples: 0,
    probeP99Us: Number.NaN,
    probeMaxUs: Number.NaN,
    probeBaselineP99Us: Number.NaN,
    loopP99Us: Number.NaN,
    loopMaxUs: Number.NaN,
    converged: false,
    note: '',
  };
  let server: ServerUnderTest | null = null;
  try {
    const state = await ensureTraceState(ctx);
    row.docBytes = state.bytes;
    server = await startForRun(opts, kind, {
      env: { STORY_UNLOAD_AFTER_MS: '300' },
    });
    const [big, probe] = await server.createRooms(2, 'coldjoin');
    if (!big || !probe) throw new Error('no rooms');
    const w0 = pool.worker(0);
    const w1 = pool.worker(1);
    const one = async (w: typeof w0, spec: ClientSpec): Promise<ConnectResult> => {
      const [res] = await w.request<ConnectResult[]>({
        op: 'connect',
        clients: [spec],
        timeoutMs: 60_000,
      });
      if (!res?.ok) throw new Error(`${spec.key} did not sync: ${res?.error}`);
      return res;
    };

    // Seed: a client that already holds the whole document connects (to instance A) and syncs
    // it up.
    await one(w0, {
      key: 'seeder',
      story: big.id,
      target: big.editor(0, 0),
      role: 'idle',
      editorId: 0,
      preloadFile: state.file,
    });
    const seedLength = (await w0.request<CollectResult>({ op: 'collect' })).hashes.find(
      (h) => h.key === 'seeder',
    )?.length;
    // Until a fresh client receives the whole text, the server has not taken it all yet. The
    // verifier joins the last instance: with copydesk-pg that is B, so the text has also gone
    // through PostgreSQL or Redis. For the 'loaded' story the verifier that saw it all stays, so
    // that B holds the story in memory as A does (the seeder's).
    const lastInstance = server.processes.length - 1;
    const holdOnB = variant === 'loaded' && lastInstance > 0;
    for (let attempt = 0; ; attempt++) {
      const key = `verifier${attempt}`;
      const res = await one(w1, {
        key,
        story: big.id,
        target: big.watcher(lastInstance),
        role: 'idle',
        editorId: 0,
      });
      const complete = res.bodyLength === seedLength;
      if (!(complete && holdOnB)) await w1.request({ op: 'disconnect', keys: [key] });
      if (complete) break;
      if (attempt > 50) throw new Error('the seeded document never reached the server');
      await sleep(200);
    }
    // The seed (a client holding the trace's whole editing history: 260,000 Yjs items in one
    // update) makes Copydesk's activity feed apply it once, ~80 ms in one stretch, in the
    // round after it is stored. That is the seed's cost, not the storm's: it is done first.
    await server.settle?.(big.id);
    if (variant === 'from disk') {
      await w0.request({ op: 'disconnect', keys: ['seeder'] });
      await sleep(opts.quick ? 1200 : 2500); // STORY_UNLOAD_AFTER_MS=300, then compaction
    }

    // Probe: an editor typing in another story and its watcher, in a process of their own; the
    // editor on instance A, the watcher on B (copydesk-pg), so every probe edit crosses over.
    const probeWorker = pool.probe;
    await one(probeWorker, {
      key: 'probe-editor',
      story: probe.id,
      target: probe.editor(0, 0),
      role: 'editor',
      editorId: 1,
    });
    await one(probeWorker, {
      key: 'probe-watcher',
      story: probe.id,
      target: probe.watcher(1),
      role: 'watcher',
      editorId: 0,
      keepSamples: true,
    });
    const srv = server;
    const profiler = await WindowProfiler.start(
      opts.profileDir,
      srv.processes,
      `${kind}-coldjoin-${variant.replace(' ', '-')}`,
    );
    const typeStart = nowUs() + 100_000;
    const typing = probeWorker.request<TypeResult>({
      op: 'type',
      startAtUs: typeStart,
      durationMs: 300_000,
      rate: opts.probeRate,
      onlyKeys: ['probe-editor'],
    });

    // The storm: every joiner created at the same instant, split over the workers and, with
    // copydesk-pg, alternately over instances A and B.
    const stormStart = typeStart + (opts.quick ? 700_000 : 1_500_000);
    const perWorker: ClientSpec[][] = pool.workers.map(() => []);
    for (let i = 0; i < opts.joiners; i++)
      perWorker[i % pool.size]?.push({
        key: `joiner${i}`,
        story: big.id,
        target: big.watcher(i),
        role: 'idle',
        editorId: 0,
      });
    const joining = Promise.all(
      perWorker.map((clients, i) =>
        pool.worker(i).request<ConnectResult[]>({
          op: 'connect',
          clients,
          startAtUs: stormStart,
          timeoutMs: 120_000,
        }),
      ),
    );
    const loop = await LoopDelayMonitor.start(srv.processes);
    await sleep((stormStart - nowUs()) / 1000);
    const cpu0 = readCpuUs(server.pids);
    const joined = (await joining).flat();
    const cpu1 = readCpuUs(server.pids);
    const loopDelay = await loop.stop();
    await profiler.stop();
    await sleep(500);
    await probeWorker.request({ op: 'stopTyping' });
    await typing;
    await sleep(300);

    const failed = joined.filter((j) => !j.ok);
    const syncs = joined.filter((j) => j.ok).map((j) => j.syncUs);
    const stormUs = Math.max(...syncs);
    row.syncP50Us = percentileOf(syncs, 50);
    row.syncP99Us = percentileOf(syncs, 99);
    row.syncMaxUs = stormUs;
    row.kbPerJoiner = joined.reduce((a, j) => a + j.bytesAtSync, 0) / joined.length / 1024;
    row.stormMs = stormUs / 1000;
    row.serverCpuMs = (cpu1 - cpu0) / 1000;
    row.loopP99Us = loopDelay.p99Us;
    row.loopMaxUs = loopDelay.maxUs;

    const collected = [
      ...(await pool.all<CollectResult>({ op: 'collect' })),
      await probeWorker.request<CollectResult>({ op: 'collect' }),
    ];
    const samples = collected.flatMap((c) => c.samples);
    const during = samples
      .filter(([sent]) => sent >= stormStart && sent <= stormStart + stormUs)
      .map(([, latency]) => latency);
    const before = samples.filter(([sent]) => sent < stormStart).map(([, latency]) => latency);
    row.probeSamples = during.length;
    row.probeP99Us = percentileOf(during, 99);
    row.probeMaxUs = during.length > 0 ? Math.max(...during) : Number.NaN;
    row.probeBaselineP99Us = percentileOf(before, 99);
    row.converged =
      failed.length === 0 &&
      allConverged(collected) &&
      joined.every((j) => j.bodyLength === seedLength);
    if (failed.length > 0) row.note = `${failed.length} joiners failed: ${failed[0]?.error}`;
    else row.note = closedNote(collected);
  } catch (err) {
    row.note = `error: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    await pool.reset().catch(() => {});
    await server?.stop();
  }
  return row;
};
