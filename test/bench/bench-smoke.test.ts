import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COLDJOIN_COLUMNS,
  DURABILITY_COLUMNS,
  FANOUT_COLUMNS,
  MEMORY_COLUMNS,
  type Results,
  TRACE_COLUMNS,
  VERDICT_COLUMNS,
} from './lib/report';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// copydesk-pg needs the machine's PostgreSQL and Redis, like the cluster tests.
const SERVERS = ['copydesk', 'copydesk-pg', 'ywebsocket', 'hocuspocus'] as const;

/** Tiny sizes, one client process, one server process per kind for the whole run. */
const TINY = [
  '--quick',
  '--reuse-servers',
  '--workers',
  '1',
  '--sizes',
  '1x2x1',
  '--durability-sizes',
  '1x2x1',
  '--duration',
  '1',
  '--drain',
  '20',
  '--rate',
  '10',
  '--trace-edits',
  '500',
  '--joiners',
  '4',
  '--probe-rate',
  '20',
  '--mem-stories',
  '3',
  '--mem-conns',
  '3',
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  results: Results | null;
}

const bench = (out: string): Promise<Run> =>
  new Promise((resolve) => {
    const dir = path.join(out, 'results');
    const args = ['--import', 'tsx', 'test/bench/run.ts', ...TINY, '--servers', SERVERS.join(',')];
    args.push('--out', dir);
    // Lets a reviewer point the smoke test at another checkout of the server.
    if (process.env.BENCH_COPYDESK_DIR) args.push('--copydesk-dir', process.env.BENCH_COPYDESK_DIR);
    // SIGINT makes the harness stop its servers and workers before it exits.
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 160_000,
      killSignal: 'SIGINT',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => {
      const file = fs.existsSync(dir)
        ? fs.readdirSync(dir).find((f) => f.startsWith('copydesk-bench-2'))
        : undefined;
      const results = file
        ? (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { results: Results })
            .results
        : null;
      resolve({ code, stdout, stderr, results });
    });
  });

/**
 * The harness end to end at tiny sizes: every server under test converges in every scenario and
 * every table prints every column. Speed is the benchmark's business, not this test's.
 */
describe('npm run bench (smoke)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-bench-smoke-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('runs every scenario on every server at tiny sizes, and prints every column', async () => {
    const run = await bench(out);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    // One table per scenario (and the targets), each with every column.
    const stdout = run.stdout;
    const tables: [string, { header: string }[]][] = [
      ['fan-out', FANOUT_COLUMNS],
      ['trace', TRACE_COLUMNS],
      ['cold join', COLDJOIN_COLUMNS],
      ['memory', MEMORY_COLUMNS],
      ['durability cost', DURABILITY_COLUMNS],
      ['targets', VERDICT_COLUMNS],
    ];
    const blocks = stdout.split('\n\n');
    for (const [title, columns] of tables) {
      const block = blocks.find((b) => b.split('\n')[0] === title);
      expect(block, `table "${title}" in:\n${stdout}`).toBeDefined();
      const header = (block?.split('\n')[1] ?? '').split(/\s{2,}/);
      expect(header, title).toEqual(columns.map((c) => c.header));
    }

    const results = run.results;
    expect(results, 'JSON results').not.toBeNull();
    if (!results) return;
    for (const server of SERVERS) {
      const fanout = results.fanout.find((r) => r.server === server);
      expect(fanout?.converged, `fan-out on ${server}: ${fanout?.note}`).toBe(true);
      expect(fanout?.ratio).toBe(1);
      // The steady-state p99 is fed: the edits typed after the first quarter of the typing.
      expect(Number.isFinite(fanout?.p99WarmUs), `warm p99 on ${server}`).toBe(true);
      const trace = results.trace.find((r) => r.server === server);
      expect(trace?.converged, `trace on ${server}: ${trace?.note}`).toBe(true);
      const cold = results.coldjoin.filter((r) => r.server === server);
      expect(cold.length).toBeGreaterThan(0);
      for (const c of cold) expect(c.converged, `cold join on ${server}: ${c.note}`).toBe(true);
      const memory = results.memory.find((r) => r.server === server);
      expect(memory?.note, `memory on ${server}`).toBe('');
    }
    expect(results.durability.some((r) => r.label === 'copydesk store-before-relay')).toBe(true);
    // Its own timeout, whatever config runs it: 55–90 s on a 2-core machine at load 6–12 (the
    // two copydesk-pg instances add 10–30 s of it, mostly starting up); the harness is stopped
    // (SIGINT, which also drops copydesk-pg's database and Redis keys) at 160 s.
  }, 170_000);
});
