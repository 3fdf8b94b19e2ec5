/**
 * A client worker process: hosts many benchmark clients and answers the orchestrator's
 * requests over IPC (see WorkerRequest). Several of these run side by side so that the
 * client side is spread over processes and does not become the bottleneck.
 */
import fs from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import * as Y from 'yjs';
import { Histogram } from '../lib/histogram';
import { nowUs } from '../lib/proc';
import { applyTxn, contentAfter, editCount, loadTrace } from '../lib/trace';
import type {
  AwaitTraceResult,
  ClientHash,
  ClientSpec,
  CollectResult,
  ConnectResult,
  PrepareResult,
  ReplayResult,
  StatsResult,
  TypeResult,
  WorkerMessage,
  WorkerRequest,
} from '../lib/types';
import { type BenchClient, createClient } from './clients';

interface Entry {
  spec: ClientSpec;
  client: BenchClient;
  sent: number;
}

const clients = new Map<string, Entry>();
let hist = new Histogram();
let warmHist = new Histogram();
/** Deliveries of edits typed from here on (µs) also go into warmHist. */
let warmFromUs = Number.POSITIVE_INFINITY;
let delivered = 0;
let samples: [number, number][] = [];
/** Typing loops end at this instant (µs) at the latest; `stopTyping` pulls it in. */
let stopTypingUs = Number.POSITIVE_INFINITY;

const TOKEN = /\[(\d+)\.(\d+)\.(\d+)\]/g;

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sleepUntil = async (us: number): Promise<void> => {
  const ms = (us - nowUs()) / 1000;
  if (ms > 0) await sleepMs(ms);
};

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const fnv1a = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
};

/**
 * Every remote insert is scanned for typed tokens `[editor.seq.sendUs]`: one delivery each.
 * Only the structs the transaction added are read (by client and clock range): `event.delta`
 * walks the whole text from its start, and with 200 clients per process applying every edit
 * of a growing story that walk was half of the client processes' CPU, enough to make the
 * clients, not the server, the queue a delivery waits in.
 */
const trackDeliveries = (entry: Entry): void => {
  const keep = entry.spec.keepSamples === true;
  const body = entry.client.body;
  const record = (text: string, now: number) => {
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
      const sentUs = Number(m[3]);
      const latency = now - sentUs;
      hist.record(latency);
      if (sentUs >= warmFromUs) warmHist.record(latency);
      delivered++;
      if (keep) samples.push([sentUs, latency]);
    }
  };
  body.observe((event) => {
    const tr = event.transaction;
    if (tr.local) return;
    const now = nowUs();
    for (const [client, after] of tr.afterState) {
      const before = tr.beforeState.get(client) ?? 0;
      const structs = tr.doc.store.clients.get(client);
      if (after <= before || !structs) continue;
      for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
        const struct = structs[i];
        if (!struct || struct.id.clock >= after) break;
        if (!(struct instanceof Y.Item) || struct.deleted || struct.parent !== body) continue;
        if (!(struct.content instanceof Y.ContentString)) continue;
        record(struct.content.str.slice(Math.max(0, before - struct.id.clock)), now);
      }
    }
  });
};

const preloads = new Map<string, Uint8Array>();
const preload = (file: string): Uint8Array => {
  let data = preloads.get(file);
  if (!data) {
    data = new Uint8Array(fs.readFileSync(file));
    preloads.set(file, data);
  }
  return data;
};

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });

const writePieces = (client: BenchClient, text: string): void => {
  const pieces = 100;
  const size = Math.ceil(text.length / pieces);
  for (let k = 0; k < pieces; k++) {
    const piece = text.slice(k * size, (k + 1) * size);
    if (piece) client.body.insert(k % 2 === 0 ? 0 : client.body.length, piece);
  }
};

const connect = async (
  specs: ClientSpec[],
  startAtUs: number | undefined,
  timeoutMs: number,
): Promise<ConnectResult[]> => {
  for (const spec of specs) if (spec.preloadFile) preload(spec.preloadFile);
  if (startAtUs !== undefined) await sleepUntil(startAtUs);
  const t0 = startAtUs ?? nowUs();
  const started = specs.map((spec) => {
    const client = createClient(
      spec.target,
      spec.preloadFile ? preload(spec.preloadFile) : undefined,
    );
    const entry: Entry = { spec, client, sent: 0 };
    clients.set(spec.key, entry);
    if (spec.awareness !== false) {
      client.setAwareness({ field: spec.role === 'editor' ? 'body' : null, typing: false });
    }
    if (spec.role !== 'idle') trackDeliveries(entry);
    let syncUs = 0;
    let bytesAtSync = 0;
    const done = client.synced.then(() => {
      syncUs = nowUs() - t0;
      bytesAtSync = client.bytesReceived();
      if (spec.writeOnSync) writePieces(client, spec.writeOnSync);
    });
    return { spec, client, done, sync: () => ({ syncUs, bytesAtSync }) };
  });
  return Promise.all(
    started.map(async ({ spec, client, done, sync }): Promise<ConnectResult> => {
      try {
        await withTimeout(done, timeoutMs, `client ${spec.key} sync`);
        return { key: spec.key, ok: true, ...sync(), bodyLength: client.body.length };
      } catch (err) {
        return {
          key: spec.key,
          ok: false,
          error: (err as Error).message,
          syncUs: Number.NaN,
          bytesAtSync: client.bytesReceived(),
          bodyLength: client.body.length,
        };
      }
    }),
  );
};

const typeLoop = async (
  entry: Entry,
  startAtUs: number,
  durationMs: number,
  rate: number,
): Promise<void> => {
  const periodUs = 1e6 / rate;
  const endUs = startAtUs + durationMs * 1000;
  const phase = Math.random() * periodUs;
  for (let k = 0; ; k++) {
    const due = startAtUs + phase + k * periodUs;
    if (due >= Math.min(endUs, stopTypingUs)) return;
    await sleepUntil(due);
    if (due >= stopTypingUs) return;
    if (!clients.has(entry.spec.key)) return;
    entry.sent++;
    const body = entry.client.body;
    body.insert(body.length, `[${entry.spec.editorId}.${entry.sent}.${nowUs()}]`);
  }
};

const type = async (
  startAtUs: number,
  durationMs: number,
  rate: number,
  onlyKeys?: string[],
  warmFrom?: number,
): Promise<TypeResult> => {
  warmFromUs = warmFrom ?? Number.POSITIVE_INFINITY;
  const only = onlyKeys ? new Set(onlyKeys) : null;
  const editors = [...clients.values()].filter(
    (e) => e.spec.role === 'editor' && (!only || only.has(e.spec.key)),
  );
  for (const e of editors) e.sent = 0;
  stopTypingUs = Number.POSITIVE_INFINITY;
  await Promise.all(editors.map((e) => typeLoop(e, startAtUs, durationMs, rate)));
  return { sent: Object.fromEntries(editors.map((e) => [e.spec.key, e.sent])) };
};

const collect = (): CollectResult => {
  const hashes: ClientHash[] = [...clients.values()].map((e) => {
    const text = e.client.body.toString();
    return { key: e.spec.key, story: e.spec.story, length: text.length, hash: fnv1a(text) };
  });
  const closed: Record<string, number> = {};
  for (const e of clients.values()) {
    const code = e.client.closedByServer();
    if (code !== null) closed[code] = (closed[code] ?? 0) + 1;
  }
  return {
    hist: hist.toData(),
    warmHist: warmHist.toData(),
    delivered,
    samples,
    hashes,
    closed,
    cpuUs: cpuUs(),
  };
};

const destroy = (keys: Iterable<string>): void => {
  for (const key of [...keys]) {
    const entry = clients.get(key);
    if (!entry) continue;
    clients.delete(key);
    try {
      entry.client.destroy();
    } catch {
      // already closed
    }
  }
};

const entryOf = (key: string): Entry => {
  const entry = clients.get(key);
  if (!entry) throw new Error(`no client ${key} in worker ${process.pid}`);
  return entry;
};

const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/** Replays the trace into `body`, one update per edit, as fast as the socket drains. */
const replay = async (key: string, tracePath: string, limit: number): Promise<ReplayResult> => {
  const { client } = entryOf(key);
  const trace = loadTrace(tracePath);
  const n = editCount(trace, limit);
  const expected = contentAfter(trace, tracePath, n);
  const startUs = nowUs();
  for (let i = 0; i < n; i++) {
    applyTxn(client.doc, client.body, trace.txns[i] as { patches: [number, number, string][] });
    if ((i & 127) === 127) {
      if (client.bufferedAmount() > HIGH_WATER) {
        while (client.bufferedAmount() > LOW_WATER) await sleepMs(1);
      } else {
        await yieldToLoop();
      }
    }
  }
  const endUs = nowUs();
  const closedCode = client.closedByServer();
  const selfMatches = client.body.length === expected.length && client.body.toString() === expected;
  return { startUs, endUs, sent: n, selfMatches, closedCode };
};

/** Resolves when the client's body equals the trace's content after `limit` edits. */
const awaitTrace = (
  key: string,
  tracePath: string,
  limit: number,
  timeoutMs: number,
): Promise<AwaitTraceResult> => {
  const { client } = entryOf(key);
  const trace = loadTrace(tracePath);
  const expected = contentAfter(trace, tracePath, editCount(trace, limit));
  const matches = () =>
    client.body.length === expected.length && client.body.toString() === expected;
  return new Promise((resolve) => {
    const finish = (converged: boolean) => {
      clearTimeout(timer);
      clearInterval(closedCheck);
      client.doc.off('update', onUpdate);
      resolve({
        doneUs: nowUs(),
        converged,
        length: client.body.length,
        closedCode: client.closedByServer(),
      });
    };
    const onUpdate = () => {
      if (client.body.length === expected.length && matches()) finish(true);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    // A client the server closed (4429, 4400…) will never converge: say so at once.
    const closedCheck = setInterval(() => {
      if (client.closedByServer() !== null) finish(false);
    }, 100);
    client.doc.on('update', onUpdate);
    if (matches()) finish(true);
  });
};

/** Replays the trace locally and caches the encoded document (cold-join seed). */
const prepareTraceState = (tracePath: string, limit: number, cacheFile: string): PrepareResult => {
  const trace = loadTrace(tracePath);
  const n = editCount(trace, limit);
  const doc = new Y.Doc();
  const text = doc.getText('body');
  for (let i = 0; i < n; i++)
    applyTxn(doc, text, trace.txns[i] as { patches: [number, number, string][] });
  const expected = contentAfter(trace, tracePath, n);
  if (text.toString() !== expected)
    throw new Error('trace replay does not reach the expected text');
  const state = Y.encodeStateAsUpdate(doc);
  fs.writeFileSync(`${cacheFile}.tmp`, state);
  fs.renameSync(`${cacheFile}.tmp`, cacheFile);
  return { bytes: state.byteLength, length: text.length };
};

const handle = async (req: WorkerRequest): Promise<unknown> => {
  switch (req.op) {
    case 'connect':
      return connect(req.clients, req.startAtUs, req.timeoutMs);
    case 'type':
      return type(req.startAtUs, req.durationMs, req.rate, req.onlyKeys, req.warmFromUs);
    case 'stopTyping':
      stopTypingUs = nowUs();
      return null;
    case 'stats':
      return { delivered, cpuUs: cpuUs() } satisfies StatsResult;
    case 'collect':
      return collect();
    case 'disconnect':
      destroy(req.keys);
      return null;
    case 'reset':
      destroy(clients.keys());
      hist = new Histogram();
      warmHist = new Histogram();
      warmFromUs = Number.POSITIVE_INFINITY;
      delivered = 0;
      samples = [];
      await sleepMs(50);
      return null;
    case 'replay':
      return replay(req.key, req.tracePath, req.edits);
    case 'awaitTrace':
      return awaitTrace(req.key, req.tracePath, req.edits, req.timeoutMs);
    case 'prepareExpected': {
      const trace = loadTrace(req.tracePath);
      return contentAfter(trace, req.tracePath, editCount(trace, req.edits)).length;
    }
    case 'prepareTraceState':
      return prepareTraceState(req.tracePath, req.edits, req.cacheFile);
  }
};

const reply = (message: WorkerMessage) => process.send?.(message);

process.on('message', (raw: { id: number; req: WorkerRequest }) => {
  handle(raw.req).then(
    (result) => reply({ id: raw.id, ok: true, result: result ?? null }),
    (err: unknown) =>
      reply({ id: raw.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
// Every y-websocket provider adds a process 'exit' listener; hundreds per worker are expected.
process.setMaxListeners(0);
// Yield once so pending I/O from a previous request does not delay the ready signal.
void yieldToLoop().then(() => reply({ id: 0, ok: true, result: 'ready' }));
