/** Types shared by the orchestrator (run.ts) and the client worker processes. */

export type ServerKind = 'copydesk' | 'copydesk-rbs' | 'copydesk-pg' | 'ywebsocket' | 'hocuspocus';

export type CopydeskKind = Extract<ServerKind, `copydesk${string}`>;

export const isCopydesk = (kind: ServerKind): kind is CopydeskKind => kind.startsWith('copydesk');

export type ClientProtocol = 'y-websocket' | 'hocuspocus';

/** Where and how a client connects (decided by the server under test). */
export interface ClientTarget {
  protocol: ClientProtocol;
  /** y-websocket: the provider's server URL (room appended); hocuspocus: the server URL. */
  url: string;
  room: string;
  params: Record<string, string>;
}

export type ClientRole = 'editor' | 'watcher' | 'idle';

export interface ClientSpec {
  key: string;
  /** Clients with the same story key must converge to the same body. */
  story: string;
  target: ClientTarget;
  role: ClientRole;
  /** Globally unique, written into every token an editor types. */
  editorId: number;
  /** Apply the cached trace state (file path) to the doc before connecting. */
  preloadFile?: string;
  /**
   * Once synced, insert this text into `body` in 100 transactions, alternately at the start
   * and the end, so the story holds ~100 separate items like a typed one (memory scenario).
   */
  writeOnSync?: string;
  /** Keep (send time, latency) pairs, not only the histogram (the cold-join probe). */
  keepSamples?: boolean;
  /** Set an awareness state like the Copydesk editor does (default true). */
  awareness?: boolean;
}

export interface ConnectResult {
  key: string;
  ok: boolean;
  error?: string;
  /** Time from the connect start (startAtUs, or when the request arrived) to `synced`. */
  syncUs: number;
  /** Bytes of WebSocket payload received up to `synced`. */
  bytesAtSync: number;
  bodyLength: number;
}

export interface ClientHash {
  key: string;
  story: string;
  length: number;
  hash: string;
}

export interface HistogramDataMsg {
  buckets: [number, number][];
  count: number;
  sumUs: number;
  maxUs: number;
}

export type WorkerRequest =
  | {
      op: 'connect';
      clients: ClientSpec[];
      /** Wait until this instant (µs, shared monotonic clock) and create every client at once. */
      startAtUs?: number;
      timeoutMs: number;
    }
  | {
      op: 'type';
      startAtUs: number;
      durationMs: number;
      rate: number;
      onlyKeys?: string[];
      /** Edits typed from this instant (µs) on also go into `warmHist` (see CollectResult). */
      warmFromUs?: number;
    }
  | { op: 'stopTyping' }
  | { op: 'stats' }
  | { op: 'collect' }
  | { op: 'reset' }
  | { op: 'disconnect'; keys: string[] }
  | { op: 'replay'; key: string; tracePath: string; edits: number }
  | { op: 'awaitTrace'; key: string; tracePath: string; edits: number; timeoutMs: number }
  | { op: 'prepareExpected'; tracePath: string; edits: number }
  | { op: 'prepareTraceState'; tracePath: string; edits: number; cacheFile: string };

export interface TypeResult {
  /** Edits sent per editor key. */
  sent: Record<string, number>;
}

export interface StatsResult {
  delivered: number;
  cpuUs: number;
}

export interface CollectResult {
  hist: HistogramDataMsg;
  /**
   * The deliveries of edits typed from the `type` request's `warmFromUs` on: the run's latency
   * without its first seconds, which every server spends on cold code (empty when not asked).
   */
  warmHist: HistogramDataMsg;
  delivered: number;
  /** [send time µs, latency µs] of clients with keepSamples. */
  samples: [number, number][];
  hashes: ClientHash[];
  /** Close code (≥ 4000) → number of clients the server closed with it. */
  closed: Record<string, number>;
  cpuUs: number;
}

export interface ReplayResult {
  startUs: number;
  endUs: number;
  sent: number;
  /** The replaying client's own text equals the expected content. */
  selfMatches: boolean;
  /** Set when the server closed the replaying client (e.g. 4429 rate limited). */
  closedCode: number | null;
}

export interface AwaitTraceResult {
  doneUs: number;
  converged: boolean;
  length: number;
  closedCode: number | null;
}

export interface PrepareResult {
  bytes: number;
  length: number;
}

export type WorkerMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };
