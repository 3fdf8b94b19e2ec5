import type { WorkerPool } from './pool';
import type { ServerKind } from './types';

export type ScenarioName = 'fanout' | 'trace' | 'coldjoin' | 'memory' | 'durability';
export const SCENARIOS: ScenarioName[] = ['fanout', 'trace', 'coldjoin', 'memory', 'durability'];

/** R stories × E editors × W watchers. */
export interface FanoutSize {
  stories: number;
  editors: number;
  watchers: number;
}

export const sizeLabel = (s: FanoutSize): string => `${s.stories}x${s.editors}x${s.watchers}`;

export interface Options {
  scenarios: ScenarioName[];
  servers: ServerKind[];
  sizes: FanoutSize[];
  durabilitySizes: FanoutSize[];
  /** Typing period of the fan-out and durability runs. */
  durationMs: number;
  /** Edits per second per editor. */
  rate: number;
  /** How long to wait for late deliveries after typing stops. */
  drainMs: number;
  traceFile: string;
  /** 0: the whole trace. */
  traceEdits: number;
  /** Trace rounds per server (alternating); the table shows medians. */
  traceRounds: number;
  /** Fan-out rounds per size and server (alternating servers); the table shows medians. */
  fanoutRounds: number;
  joiners: number;
  /** Edits per second of the cold-join probe editor (in another story). */
  probeRate: number;
  memStories: number;
  memConnections: number;
  workers: number;
  outDir: string;
  quick: boolean;
  /** Directory for `node --cpu-prof` output of the Copydesk server, or null. */
  profileDir: string | null;
  /** Another Copydesk checkout to benchmark (default: this repository). */
  copydeskDir: string | null;
  /** One server process per kind for the whole run (smoke test only: measurements mix). */
  reuseServers: boolean;
  /** Longest wait for a quiet machine (1-minute load under 1) before measuring; 0: none. */
  settleMs: number;
}

export interface BenchContext {
  opts: Options;
  pool: WorkerPool;
  log(message: string): void;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
