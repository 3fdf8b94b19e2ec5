import type { ColdJoinRow } from '../scenarios/coldjoin';
import type { FanoutRow } from '../scenarios/fanout';
import type { MemoryRow } from '../scenarios/memory';
import type { TraceRow } from '../scenarios/trace';
import { type Column, fmt, fmtInt, fmtMs } from './table';
import { isCopydesk } from './types';

const yes = (b: boolean) => (b ? 'yes' : 'NO');

export const FANOUT_COLUMNS: Column<FanoutRow>[] = [
  { header: 'size', align: 'left', value: (r) => r.size },
  { header: 'server', align: 'left', value: (r) => r.label },
  { header: 'clients', value: (r) => fmtInt(r.clients) },
  { header: 'edits', value: (r) => fmtInt(r.edits) },
  { header: 'delivered', value: (r) => fmtInt(r.delivered) },
  { header: 'ratio', value: (r) => fmt(r.ratio, 4) },
  { header: 'p50 ms', value: (r) => fmtMs(r.p50Us) },
  { header: 'p95 ms', value: (r) => fmtMs(r.p95Us) },
  { header: 'p99 ms', value: (r) => fmtMs(r.p99Us) },
  { header: 'p99 warm ms', value: (r) => fmtMs(r.p99WarmUs) },
  { header: 'max ms', value: (r) => fmtMs(r.maxUs) },
  { header: 'srv CPU %', value: (r) => fmt(r.cpuPct) },
  { header: 'CPU µs/deliv', value: (r) => fmt(r.cpuUsPerDelivery) },
  { header: 'peak RSS MB', value: (r) => fmt(r.peakRssMb) },
  { header: 'loop p99 ms', value: (r) => fmtMs(r.loopP99Us) },
  { header: 'loop max ms', value: (r) => fmtMs(r.loopMaxUs) },
  { header: 'client CPU %', value: (r) => fmt(r.clientCpuPct, 0) },
  { header: 'converged', align: 'left', value: (r) => yes(r.converged) },
  { header: 'load', value: (r) => fmt(r.load1) },
  { header: 'note', align: 'left', value: (r) => r.note },
];

export const TRACE_COLUMNS: Column<TraceRow>[] = [
  { header: 'server', align: 'left', value: (r) => r.label },
  { header: 'edits', value: (r) => fmtInt(r.edits) },
  { header: 'send s', value: (r) => fmt(r.sendS, 2) },
  { header: 'converge s', value: (r) => fmt(r.convergeS, 2) },
  { header: 'edits/s', value: (r) => fmtInt(r.editsPerS) },
  { header: 'CPU µs/edit', value: (r) => fmt(r.cpuUsPerEdit) },
  { header: 'srv CPU s', value: (r) => fmt(r.serverCpuS, 2) },
  { header: 'peak RSS MB', value: (r) => fmt(r.peakRssMb) },
  { header: 'converged', align: 'left', value: (r) => yes(r.converged) },
  { header: 'load', value: (r) => fmt(r.load1) },
  { header: 'note', align: 'left', value: (r) => r.note },
];

export const COLDJOIN_COLUMNS: Column<ColdJoinRow>[] = [
  { header: 'server', align: 'left', value: (r) => r.label },
  { header: 'story', align: 'left', value: (r) => r.variant },
  { header: 'joiners', value: (r) => fmtInt(r.joiners) },
  { header: 'doc KB', value: (r) => fmtInt(r.docBytes / 1024) },
  { header: 'sync p50 ms', value: (r) => fmtMs(r.syncP50Us) },
  { header: 'sync p99 ms', value: (r) => fmtMs(r.syncP99Us) },
  { header: 'KB/joiner', value: (r) => fmtInt(r.kbPerJoiner) },
  { header: 'storm ms', value: (r) => fmtInt(r.stormMs) },
  { header: 'srv CPU ms', value: (r) => fmtInt(r.serverCpuMs) },
  { header: 'probe n', value: (r) => fmtInt(r.probeSamples) },
  { header: 'probe p99 ms', value: (r) => fmtMs(r.probeP99Us) },
  { header: 'probe max ms', value: (r) => fmtMs(r.probeMaxUs) },
  { header: 'p99 before ms', value: (r) => fmtMs(r.probeBaselineP99Us) },
  { header: 'loop p99 ms', value: (r) => fmtMs(r.loopP99Us) },
  { header: 'loop max ms', value: (r) => fmtMs(r.loopMaxUs) },
  { header: 'converged', align: 'left', value: (r) => yes(r.converged) },
  { header: 'load', value: (r) => fmt(r.load1) },
  { header: 'note', align: 'left', value: (r) => r.note },
];

export const MEMORY_COLUMNS: Column<MemoryRow>[] = [
  { header: 'server', align: 'left', value: (r) => r.label },
  { header: 'stories', value: (r) => fmtInt(r.stories) },
  { header: 'idle conns', value: (r) => fmtInt(r.connections) },
  { header: 'base MB', value: (r) => fmt(r.baseRssMb) },
  { header: 'loaded MB', value: (r) => fmt(r.loadedRssMb) },
  { header: '+conns MB', value: (r) => fmt(r.connectedRssMb) },
  { header: 'after MB', value: (r) => fmt(r.afterRssMb) },
  { header: 'KB/story', value: (r) => fmt(r.kbPerStory) },
  { header: 'KB/conn', value: (r) => fmt(r.kbPerConnection) },
  { header: 'heap KB/story', value: (r) => fmt(r.heapKbPerStory) },
  { header: 'heap KB/conn', value: (r) => fmt(r.heapKbPerConnection) },
  { header: 'heap KB/conn, all', value: (r) => fmt(r.heapKbPerConnectionAll) },
  { header: 'kept KB/story', value: (r) => fmt(r.keptHeapKbPerStory) },
  {
    header: 'unloaded',
    align: 'left',
    value: (r) =>
      r.note
        ? '-'
        : `${yes(r.unloaded)} (${r.unloadedCount === null ? 'heap' : `log: ${r.unloadedCount}/${r.stories}`})`,
  },
  { header: 'load', value: (r) => fmt(r.load1) },
  { header: 'note', align: 'left', value: (r) => r.note },
];

export const DURABILITY_COLUMNS: Column<FanoutRow>[] = FANOUT_COLUMNS.filter(
  (c) => c.header !== 'clients' && c.header !== 'edits',
);

export interface Verdict {
  target: string;
  copydesk: string;
  peers: string;
  verdict: 'met' | 'missed' | 'n/a';
}

export const VERDICT_COLUMNS: Column<Verdict>[] = [
  { header: 'target', align: 'left', value: (r) => r.target },
  { header: 'copydesk', align: 'left', value: (r) => r.copydesk },
  { header: 'peers', align: 'left', value: (r) => r.peers },
  { header: 'verdict', align: 'left', value: (r) => r.verdict },
];

export interface Results {
  fanout: FanoutRow[];
  trace: TraceRow[];
  /** Every trace round, when the table shows medians of several. */
  traceRounds?: TraceRow[];
  /** Every fan-out round, when the table shows medians of several. */
  fanoutRounds?: FanoutRow[];
  coldjoin: ColdJoinRow[];
  memory: MemoryRow[];
  durability: FanoutRow[];
}

const ok = (n: number) => Number.isFinite(n);
const judge = (condition: boolean | null): Verdict['verdict'] =>
  condition === null ? 'n/a' : condition ? 'met' : 'missed';

/** The issue's targets, as ratios against the peers measured in the same run. */
export const verdicts = (r: Results): Verdict[] => {
  const out: Verdict[] = [];
  const sizes = [...new Set(r.fanout.map((f) => f.size))];
  for (const size of sizes) {
    const of = (server: string) =>
      r.fanout.find((f) => f.size === size && f.server === server && !f.note.startsWith('error'));
    const cd = of('copydesk');
    const ref = of('ywebsocket');
    const hp = of('hocuspocus');
    if (!cd) continue;
    const p99 = (x?: FanoutRow) => (x && ok(x.p99Us) ? x.p99Us : Number.NaN);
    // A latency over the clients that stayed is no win when the others were dropped.
    const lost = cd.ratio < 1 ? ` (${fmt(cd.ratio * 100, 0)} % delivered)` : '';
    const latencyVerdict = (met: boolean | null): Verdict['verdict'] =>
      lost ? 'missed' : judge(met);
    if (hp) {
      const ratio = p99(cd) / p99(hp);
      out.push({
        target: `fan-out ${size}: p99 ≤ 0.5 × hocuspocus`,
        copydesk: `${fmtMs(p99(cd))} ms${lost}`,
        peers: `${fmtMs(p99(hp))} ms (ratio ${fmt(ratio, 2)})`,
        verdict: latencyVerdict(ok(ratio) ? ratio <= 0.5 : null),
      });
    }
    if (ref) {
      const ratio = p99(cd) / p99(ref);
      out.push({
        target: `fan-out ${size}: p99 ≤ 1.0 × reference`,
        copydesk: `${fmtMs(p99(cd))} ms${lost}`,
        peers: `${fmtMs(p99(ref))} ms (ratio ${fmt(ratio, 2)})`,
        verdict: latencyVerdict(ok(ratio) ? ratio <= 1.0 : null),
      });
    }
    out.push({
      target: `fan-out ${size}: delivery ratio 1.0`,
      copydesk: fmt(cd.ratio, 4),
      peers: [ref, hp]
        .filter((x): x is FanoutRow => !!x)
        .map((x) => fmt(x.ratio, 4))
        .join(' / '),
      verdict: judge(ok(cd.ratio) ? cd.ratio === 1 : null),
    });
    const peersCpu = [ref, hp].filter((x): x is FanoutRow => !!x && ok(x.cpuUsPerDelivery));
    if (peersCpu.length > 0) {
      out.push({
        target: `fan-out ${size}: CPU/delivered update < both peers`,
        copydesk: `${fmt(cd.cpuUsPerDelivery)} µs`,
        peers: peersCpu.map((x) => `${fmt(x.cpuUsPerDelivery)} µs`).join(' / '),
        verdict: judge(
          ok(cd.cpuUsPerDelivery)
            ? peersCpu.every((x) => cd.cpuUsPerDelivery < x.cpuUsPerDelivery)
            : null,
        ),
      });
    }
    if (size === '1x10x200') {
      out.push({
        target: 'fan-out 1x10x200: p99 < 50 ms',
        copydesk: `${fmtMs(p99(cd))} ms${lost}`,
        peers: [ref, hp]
          .filter((x): x is FanoutRow => !!x)
          .map((x) => `${fmtMs(p99(x))} ms`)
          .join(' / '),
        verdict: latencyVerdict(ok(p99(cd)) ? p99(cd) < 50_000 : null),
      });
    }
  }
  const tr = (s: string) => r.trace.find((t) => t.server === s && t.converged);
  const tcd = r.trace.find((t) => t.server === 'copydesk');
  const tref = tr('ywebsocket');
  const thp = tr('hocuspocus');
  if (tcd) {
    if (tref) {
      const ratio = tcd.cpuUsPerEdit / tref.cpuUsPerEdit;
      out.push({
        target: 'trace: CPU/edit ≤ 0.5 × reference',
        copydesk: `${fmt(tcd.cpuUsPerEdit)} µs`,
        peers: `${fmt(tref.cpuUsPerEdit)} µs (ratio ${fmt(ratio, 2)})`,
        verdict: judge(ok(ratio) && tcd.converged ? ratio <= 0.5 : null),
      });
    }
    const peers = [tref, thp].filter((x): x is TraceRow => !!x);
    out.push({
      target: 'trace: watcher converged (endContent)',
      copydesk: yes(tcd.converged),
      peers: peers.map((p) => yes(p.converged)).join(' / '),
      verdict: judge(tcd.converged),
    });
    if (peers.length > 0) {
      out.push({
        target: 'trace: converged no later than either peer',
        copydesk: `${fmt(tcd.convergeS, 2)} s`,
        peers: peers.map((p) => `${fmt(p.convergeS, 2)} s`).join(' / '),
        verdict: judge(tcd.converged ? peers.every((p) => tcd.convergeS <= p.convergeS) : false),
      });
    }
  }
  for (const cj of r.coldjoin.filter((c) => c.server === 'copydesk')) {
    const peers = r.coldjoin.filter((c) => !isCopydesk(c.server));
    out.push({
      target: `cold join (${cj.variant}): other story's p99 ≤ 50 ms`,
      copydesk: `${fmtMs(cj.probeP99Us)} ms`,
      peers: peers.map((p) => `${fmtMs(p.probeP99Us)} ms`).join(' / '),
      verdict: judge(ok(cj.probeP99Us) ? cj.probeP99Us <= 50_000 : null),
    });
  }
  const mcd = r.memory.find((m) => m.server === 'copydesk' && !m.note);
  const mref = r.memory.find((m) => m.server === 'ywebsocket' && !m.note);
  if (mcd) {
    if (mref) {
      // Judged on the JS heap after a full GC (RSS deltas of a few MB are within its noise),
      // per connection of the second half (one more idle connection, one-time work excluded).
      const heap = (m: MemoryRow) =>
        `heap ${fmt(m.heapKbPerConnection)} KB (all: ${fmt(m.heapKbPerConnectionAll)}; RSS ${fmt(m.kbPerConnection)} KB)`;
      out.push({
        target: 'memory: per idle connection ≤ reference',
        copydesk: heap(mcd),
        peers: heap(mref),
        verdict: judge(mcd.heapKbPerConnection <= mref.heapKbPerConnection),
      });
    }
    out.push({
      target: 'memory: idle stories unloaded',
      copydesk: `${mcd.unloadedCount ?? '-'}/${mcd.stories} unloaded, ${fmt(mcd.keptHeapKbPerStory)} KB/story kept`,
      peers: r.memory
        .filter((m) => !isCopydesk(m.server))
        .map((m) => `${fmt(m.keptHeapKbPerStory)} KB/story kept`)
        .join(' / '),
      verdict: judge(mcd.unloaded),
    });
  }
  return out;
};
