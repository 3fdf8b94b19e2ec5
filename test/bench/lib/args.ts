import os from 'node:os';
import path from 'node:path';
import { type FanoutSize, type Options, SCENARIOS, type ScenarioName } from './context';
import { DEFAULT_TRACE } from './trace';
import type { ServerKind } from './types';

export const USAGE = `npm run bench -- [options]

  --scenario LIST     fanout,trace,coldjoin,memory,durability or all (default all)
  --servers LIST      copydesk,copydesk-pg,ywebsocket,hocuspocus or all (default all)
                      copydesk-pg: two instances on PostgreSQL 127.0.0.1:5432 + Redis :6379
  --sizes LIST        fan-out sizes RxExW (default 1x2x0,20x5x10,1x10x200,100x2x2)
  --durability-sizes LIST   (default 20x5x10,1x10x200)
  --duration SECONDS  typing time per fan-out run (default 20; quick 3)
  --rate N            edits/s per editor (default 5)
  --drain SECONDS     wait for late deliveries (default 10; quick 3)
  --trace-edits N     replay only the first N edits of the trace (default all; quick 20000)
  --trace-file PATH   (default ../shared/traces/automerge-paper.json.gz)
  --trace-rounds N    trace rounds per server, alternating servers; the table shows each
                      figure's median (default 3; quick 1)
  --fanout-rounds N   fan-out rounds per size and server, alternating servers; the table
                      shows each figure's median and the worst delivery (default 1)
  --joiners N         cold-join clients (default 50)
  --probe-rate N      cold-join probe edits/s in the other story (default 100)
  --mem-stories N     memory: loaded stories (default 100; quick 20)
  --mem-conns N       memory: extra idle connections, in two halves (default 2000; quick 50)
  --workers N         client worker processes (default 2)
  --out DIR           where the JSON results go (default the OS temp dir)
  --profile DIR       V8 CPU profile of each server over each measuring window, into DIR,
                      and of each client process over the whole run, into DIR/clients
  --copydesk-dir DIR  benchmark the Copydesk server of another checkout (default: this one)
  --settle SECONDS    before measuring, wait up to SECONDS for the 1-minute load average
                      to fall under 1 (default 180; quick and --reuse-servers 0): a run
                      started right after the test suite measures everything slower
  --reuse-servers     one server process per kind for the whole run (fast; for the smoke
                      test only: CPU and RSS figures then mix scenarios)
  --quick             small settings and --reuse-servers: a look in under 2 minutes
  --report FILE.json  print the tables (and target verdicts) of an earlier run again
`;

const parseSize = (text: string): FanoutSize => {
  const m = /^(\d+)x(\d+)x(\d+)$/i.exec(text.trim());
  if (!m) throw new Error(`bad size "${text}": expected RxExW, e.g. 20x5x10`);
  const size = { stories: Number(m[1]), editors: Number(m[2]), watchers: Number(m[3]) };
  if (size.stories < 1 || size.editors < 1 || size.editors + size.watchers < 2)
    throw new Error(`bad size "${text}": need R ≥ 1, E ≥ 1 and at least two clients per story`);
  return size;
};

const SERVER_NAMES: ServerKind[] = ['copydesk', 'copydesk-pg', 'ywebsocket', 'hocuspocus'];

export const parseArgs = (argv: string[]): Options => {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"\n\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'quick' || name === 'help' || name === 'reuse-servers') {
      flags.add(name);
    } else if (inline !== undefined) {
      values.set(name, inline);
    } else {
      const next = argv[++i];
      if (next === undefined) throw new Error(`--${name} needs a value`);
      values.set(name, next);
    }
  }
  if (flags.has('help')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const known = new Set([
    'scenario',
    'servers',
    'sizes',
    'durability-sizes',
    'duration',
    'rate',
    'drain',
    'trace-edits',
    'trace-file',
    'trace-rounds',
    'fanout-rounds',
    'joiners',
    'probe-rate',
    'mem-stories',
    'mem-conns',
    'workers',
    'out',
    'profile',
    'copydesk-dir',
    'settle',
  ]);
  for (const name of values.keys())
    if (!known.has(name)) throw new Error(`unknown option --${name}\n\n${USAGE}`);
  const quick = flags.has('quick');
  const num = (name: string, full: number, q = full): number => {
    const raw = values.get(name);
    if (raw === undefined) return quick ? q : full;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
    return n;
  };
  const list = (name: string, fallback: string): string[] =>
    (values.get(name) ?? fallback)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const scenarioList = list('scenario', 'all');
  const scenarios: ScenarioName[] = scenarioList.includes('all')
    ? SCENARIOS
    : scenarioList.map((s) => {
        if (!SCENARIOS.includes(s as ScenarioName)) throw new Error(`unknown scenario "${s}"`);
        return s as ScenarioName;
      });
  const serverList = list('servers', 'all');
  const servers = (serverList.includes('all') ? SERVER_NAMES : serverList).map((s) => {
    if (!SERVER_NAMES.includes(s as ServerKind)) throw new Error(`unknown server "${s}"`);
    return s as ServerKind;
  });
  return {
    scenarios,
    servers,
    sizes: list('sizes', quick ? '1x2x0,20x5x10,1x10x200' : '1x2x0,20x5x10,1x10x200,100x2x2').map(
      parseSize,
    ),
    durabilitySizes: list('durability-sizes', quick ? '20x5x10' : '20x5x10,1x10x200').map(
      parseSize,
    ),
    durationMs: num('duration', 20, 3) * 1000,
    rate: num('rate', 5),
    drainMs: num('drain', 10, 3) * 1000,
    traceFile: values.get('trace-file') ?? DEFAULT_TRACE,
    traceEdits: num('trace-edits', 0, 20_000),
    traceRounds: Math.max(1, num('trace-rounds', 3, 1)),
    fanoutRounds: Math.max(1, num('fanout-rounds', 1)),
    joiners: num('joiners', 50),
    probeRate: num('probe-rate', 100),
    memStories: num('mem-stories', 100, 20),
    memConnections: num('mem-conns', 2000, 50),
    workers: Math.max(1, num('workers', 2)),
    outDir: values.get('out') ?? os.tmpdir(),
    quick,
    reuseServers: flags.has('reuse-servers') || quick,
    settleMs: num('settle', quick || flags.has('reuse-servers') ? 0 : 180, 0) * 1000,
    profileDir: values.get('profile') ? path.resolve(values.get('profile') as string) : null,
    copydeskDir: values.get('copydesk-dir')
      ? path.resolve(values.get('copydesk-dir') as string)
      : null,
  };
};
