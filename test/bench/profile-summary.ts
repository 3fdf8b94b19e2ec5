/**
 * Summarises a `node --cpu-prof` profile (e.g. from `npm run bench -- --profile DIR`):
 * where the server's CPU time went, by function (self and total) and by package/file.
 *
 *   node --import tsx test/bench/profile-summary.ts DIR/trace-….cpuprofile [--top 25]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

process.stdout.on('error', () => process.exit(0)); // e.g. piped into head
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary.ts FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const topIndex = rest.indexOf('--top');
const top = topIndex >= 0 ? Number(rest[topIndex + 1]) : 25;
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = profile.endTime - profile.startTime;

const where = (url: string): string => {
  if (!url) return '(native)';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = p.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? p);
  }
  if (p.startsWith('node:')) return p;
  const src = p.indexOf('/src/');
  return src >= 0 ? path.basename(path.dirname(p.slice(0, src + 1))) + p.slice(src) : p;
};
const label = (n: ProfileNode): string => {
  const name = n.callFrame.functionName || '(anonymous)';
  return `${name}  ${where(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
};

const selfByFn = new Map<string, number>();
const totalByFn = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const n of profile.nodes) {
  const self = selfUs.get(n.id) ?? 0;
  if (self === 0) continue;
  const key = label(n);
  selfByFn.set(key, (selfByFn.get(key) ?? 0) + self);
  const pkg = where(n.callFrame.url).split(':')[0] ?? '';
  const bucket = ['(garbage collector)', '(idle)', '(program)'].includes(n.callFrame.functionName)
    ? n.callFrame.functionName
    : pkg.startsWith('server/') || pkg.startsWith('shared/')
      ? pkg.split('/').slice(0, 3).join('/')
      : pkg;
  byPackage.set(bucket, (byPackage.get(bucket) ?? 0) + self);
  // Total: charge this node's self time to every distinct function on its stack.
  const seen = new Set<string>();
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const node = byId.get(id);
    if (!node) break;
    const k = label(node);
    if (seen.has(k)) continue;
    seen.add(k);
    totalByFn.set(k, (totalByFn.get(k) ?? 0) + self);
  }
}

const busy = totalUs - (selfByFn.get('(idle)  (native)') ?? 0);
const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const list = (title: string, map: Map<string, number>, n: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n))
    process.stdout.write(`${ms(v)} ${pct(v)}  ${k}\n`);
};
process.stdout.write(
  `${path.basename(file)}: ${(totalUs / 1e6).toFixed(1)} s wall, ${(busy / 1e6).toFixed(2)} s busy (main thread)\n`,
);
list('by package / file (self time, % of busy)', byPackage, 20);

// Event-loop stalls: the longest runs of consecutive non-idle samples, and what filled them.
const idleIds = new Set(
  profile.nodes
    .filter((n) => ['(idle)', '(program)'].includes(n.callFrame.functionName))
    .map((n) => n.id),
);
const stretches: { us: number; at: number; fns: Map<string, number> }[] = [];
let current: { us: number; at: number; fns: Map<string, number> } | null = null;
let clock = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  clock += dt;
  if (idleIds.has(id)) {
    if (current) stretches.push(current);
    current = null;
    return;
  }
  current ??= { us: 0, at: clock, fns: new Map() };
  current.us += dt;
  // Charge the sample to the innermost frame that is the application's or a package's own.
  for (let nid: number | undefined = id; nid !== undefined; nid = parent.get(nid)) {
    const node = byId.get(nid);
    if (!node) break;
    const w = where(node.callFrame.url);
    if (w === '(native)' || w.startsWith('node:')) continue;
    const k = label(node);
    current.fns.set(k, (current.fns.get(k) ?? 0) + dt);
    break;
  }
});
if (current) stretches.push(current);
process.stdout.write('\nlongest busy stretches (event-loop stalls), with their top frames\n');
for (const st of stretches.sort((a, b) => b.us - a.us).slice(0, 8)) {
  const tops = [...st.fns.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(0)} ms`)
    .join('; ');
  process.stdout.write(`${ms(st.us)} at ${(st.at / 1e6).toFixed(2)} s: ${tops}\n`);
}
list('by function, self time', selfByFn, top);
list('by function, total time (self + callees)', totalByFn, top);
