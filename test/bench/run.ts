/**
 * `npm run bench`: Copydesk against the reference y-websocket server and Hocuspocus, side by
 * side on the same workloads. Each server under test is its own process; clients live in
 * worker processes; everything on 127.0.0.1. See docs/BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from './lib/args';
import { type BenchContext, sizeLabel } from './lib/context';
import { WorkerPool } from './lib/pool';
import { readLoadAverage, waitForQuietMachine } from './lib/proc';
import {
  COLDJOIN_COLUMNS,
  DURABILITY_COLUMNS,
  FANOUT_COLUMNS,
  MEMORY_COLUMNS,
  type Results,
  TRACE_COLUMNS,
  VERDICT_COLUMNS,
  verdicts,
} from './lib/report';
import { stopAllServers } from './lib/servers';
import { formatTable } from './lib/table';
import type { ServerKind } from './lib/types';
import { runColdJoin } from './scenarios/coldjoin';
import { type FanoutRow, runFanout } from './scenarios/fanout';
import { medianFanoutRow } from './scenarios/fanout-rounds';
import { runMemory } from './scenarios/memory';
import { medianTraceRow, runTrace, type TraceRow } from './scenarios/trace';

/** `--report FILE.json`: print the tables of an earlier run again (with today's verdicts). */
const reportIndex = process.argv.indexOf('--report');
if (reportIndex > 0) {
  const file = process.argv[reportIndex + 1] ?? '';
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    meta: { date: string; command: string; nproc: number; node: string; loadBefore: number[] };
    results: Results;
  };
  const r = saved.results;
  const out = (text: string) => process.stdout.write(`${text}\n\n`);
  out(
    `${saved.meta.command}  (${saved.meta.date}, ${saved.meta.nproc} cores, Node ${saved.meta.node})`,
  );
  if (r.fanout.length) out(formatTable('fan-out', FANOUT_COLUMNS, r.fanout));
  if (r.trace.length) out(formatTable('trace', TRACE_COLUMNS, r.trace));
  if (r.coldjoin.length) out(formatTable('cold join', COLDJOIN_COLUMNS, r.coldjoin));
  if (r.memory.length) out(formatTable('memory', MEMORY_COLUMNS, r.memory));
  if (r.durability.length) out(formatTable('durability cost', DURABILITY_COLUMNS, r.durability));
  out(formatTable('targets', VERDICT_COLUMNS, verdicts(r)));
  process.exit(0);
}

const opts = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
})();

const started = Date.now();
const log = (message: string) =>
  process.stderr.write(
    `[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );
const print = (text: string) => process.stdout.write(`${text}\n\n`);

const settledS = opts.settleMs > 0 ? await waitForQuietMachine(opts.settleMs, log) : 0;
const meta = {
  date: new Date().toISOString(),
  nproc: os.availableParallelism(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  loadBefore: readLoadAverage(),
  loadAfter: [0, 0, 0] as [number, number, number],
  durationS: 0,
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
};
print(
  [
    `Copydesk benchmark  ${meta.date}`,
    `machine: ${meta.nproc} cores (${meta.cpu}), ${meta.memoryGb} GiB, Node ${meta.node}`,
    `load average at start: ${meta.loadBefore.join(' ')}${settledS > 0 ? ` (after waiting ${settledS} s for a quiet machine)` : ''}`,
    `settings: ${opts.durationMs / 1000} s typing at ${opts.rate} edits/s per editor, ${opts.workers} client processes${opts.quick ? ' (quick)' : ''}`,
  ].join('\n'),
);

fs.mkdirSync(opts.outDir, { recursive: true });
if (opts.profileDir) fs.mkdirSync(opts.profileDir, { recursive: true });
const pool = await WorkerPool.start(
  opts.workers,
  opts.profileDir ? path.join(opts.profileDir, 'clients') : null,
);
const ctx: BenchContext = { opts, pool, log };
const results: Results = { fanout: [], trace: [], coldjoin: [], memory: [], durability: [] };

const shutdown = async () => {
  await Promise.allSettled([pool.stop(), stopAllServers()]);
};
process.on('SIGINT', () => {
  void shutdown().then(() => process.exit(130));
});

try {
  for (const scenario of opts.scenarios) {
    if (scenario === 'fanout') {
      const all: FanoutRow[] = [];
      for (const size of opts.sizes) {
        const rounds = new Map<ServerKind, FanoutRow[]>(opts.servers.map((kind) => [kind, []]));
        for (let round = 1; round <= opts.fanoutRounds; round++) {
          for (const kind of opts.servers) {
            const of = opts.fanoutRounds > 1 ? ` (round ${round}/${opts.fanoutRounds})` : '';
            log(`fan-out ${sizeLabel(size)} on ${kind}${of}`);
            rounds.get(kind)?.push(await runFanout(ctx, size, kind));
          }
        }
        for (const rows of rounds.values()) {
          all.push(...rows);
          results.fanout.push(medianFanoutRow(rows));
        }
      }
      if (opts.fanoutRounds > 1) results.fanoutRounds = all;
      print(formatTable('fan-out', FANOUT_COLUMNS, results.fanout));
    }
    if (scenario === 'durability') {
      if (!opts.servers.includes('copydesk')) continue;
      let switchMissing = false;
      for (const size of opts.durabilitySizes) {
        let rbs: FanoutRow;
        if (switchMissing) {
          rbs = { ...results.durability[1], size: sizeLabel(size) } as FanoutRow;
        } else {
          log(`durability ${sizeLabel(size)}: relay before store`);
          rbs = await runFanout(ctx, size, 'copydesk-rbs');
          switchMissing = rbs.note.startsWith('needs server switch');
        }
        // Without the switch there is nothing to compare: reuse the fan-out row if there is one.
        const reuse = switchMissing
          ? results.fanout.find((f) => f.server === 'copydesk' && f.size === sizeLabel(size))
          : undefined;
        if (!reuse) log(`durability ${sizeLabel(size)}: store before relay`);
        const sbr = reuse ?? (await runFanout(ctx, size, 'copydesk'));
        results.durability.push({ ...sbr, label: 'copydesk store-before-relay' }, rbs);
      }
      print(formatTable('durability cost', DURABILITY_COLUMNS, results.durability));
    }
    if (scenario === 'trace') {
      const rounds = new Map<ServerKind, TraceRow[]>(opts.servers.map((kind) => [kind, []]));
      for (let round = 1; round <= opts.traceRounds; round++) {
        for (const kind of opts.servers) {
          log(
            `trace on ${kind}${opts.traceRounds > 1 ? ` (round ${round}/${opts.traceRounds})` : ''}`,
          );
          rounds.get(kind)?.push(await runTrace(ctx, kind));
        }
      }
      results.traceRounds = [...rounds.values()].flat();
      for (const rows of rounds.values()) results.trace.push(medianTraceRow(rows));
      print(formatTable('trace', TRACE_COLUMNS, results.trace));
    }
    if (scenario === 'coldjoin') {
      for (const kind of opts.servers) {
        log(`cold join on ${kind}`);
        results.coldjoin.push(await runColdJoin(ctx, kind, 'loaded'));
        // Copydesk can unload the story first, so the joiners make it load from storage.
        if (kind === 'copydesk' || kind === 'copydesk-pg') {
          log(`cold join on ${kind}, story unloaded first`);
          results.coldjoin.push(await runColdJoin(ctx, kind, 'from disk'));
        }
      }
      print(formatTable('cold join', COLDJOIN_COLUMNS, results.coldjoin));
    }
    if (scenario === 'memory') {
      for (const kind of opts.servers) {
        log(`memory on ${kind}`);
        results.memory.push(await runMemory(ctx, kind));
      }
      print(formatTable('memory', MEMORY_COLUMNS, results.memory));
    }
  }
} finally {
  await shutdown();
}

meta.loadAfter = readLoadAverage();
meta.durationS = Math.round((Date.now() - started) / 1000);
const targets = verdicts(results);
if (targets.length > 0) print(formatTable('targets', VERDICT_COLUMNS, targets));
const file = path.join(opts.outDir, `copydesk-bench-${meta.date.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, `${JSON.stringify({ meta, options: opts, results, targets }, null, 2)}\n`);
print(
  `load average at end: ${meta.loadAfter.join(' ')}; took ${meta.durationS} s\nresults: ${file}`,
);

const broken = [
  ...results.fanout,
  ...results.durability,
  ...results.trace,
  ...results.coldjoin,
].filter((r) => r.note.startsWith('error') || (!r.converged && !r.note.startsWith('needs')));
const memoryBroken = results.memory.filter((m) => m.note !== '');
process.exit(broken.length + memoryBroken.length > 0 ? 1 : 0);
