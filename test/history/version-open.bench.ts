/**
 * How fast a version opens when the story's history is the whole automerge-paper trace
 * (259,778 single-character edits, one Yjs update per edit, one user).
 *
 *   node --import tsx test/history/version-open.bench.ts [--compact-every 2000] [--baseline]
 *
 * 1. Replays the trace into a Y.Doc and captures each transaction's update.
 * 2. Builds the story through the Storage API (real SQLite file): createStory + appendUpdates in
 *    batches, through the same StorageFeed + HistoryService the server runs, so the checkpoints
 *    are the ones production makes: the sync layer's compaction snapshot every
 *    COMPACT_EVERY_UPDATES updates (the real Compactor), and the history's automatic version
 *    every HISTORY_MAX_UPDATES updates of continuous typing, each with a checkpoint when it is
 *    more than HISTORY_CHECKPOINT_EVERY updates past the nearest snapshot.
 * 3. Times, cold (no cache), opening 10 evenly spaced versions (GET …/versions/:vid) and
 *    rebuilding the state at 10 evenly spaced arbitrary points of the log (what "changes since I
 *    last looked" needs), and prints p50/max tables.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pino } from 'pino';
import * as Y from 'yjs';
import { readContent } from '../../server/src/history/doc-content';
import { HistoryService } from '../../server/src/history/history-service';
import { rebuildAt } from '../../server/src/history/rebuild';
import { StorageFeed } from '../../server/src/history/storage-feed';
import { SqliteStorage } from '../../server/src/storage/sqlite-storage';
import type { LoggedUpdate } from '../../server/src/storage/storage';
import { Compactor } from '../../server/src/sync/compactor';
import { RoomRegistry } from '../../server/src/sync/room-registry';

interface Trace {
  endContent: string;
  txns: { patches: [number, number, string][] }[];
}

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const COMPACT_EVERY = arg('--compact-every', 2_000);
const MAX_UPDATES = arg('--max-updates', 500);
const CHECKPOINT_EVERY = arg('--checkpoint-every', 500);
const BATCH = 100;
const POINTS = 10;
const REPEAT = 3;
const USER = 'u_bench';
const STORY = 'bench-automerge-paper';

const traceFile = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../../shared/traces/automerge-paper.json.gz',
);

const ms = (t: number) => `${t.toFixed(1)} ms`;
const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
  };
};
const table = (title: string, head: string[], rows: string[][]) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
};

const main = async () => {
  console.log(
    `node ${process.version}, yjs ${JSON.parse(fs.readFileSync(new URL('../../node_modules/yjs/package.json', import.meta.url), 'utf8')).version}`,
  );
  // 1. The trace as one Yjs update per edit.
  let t = performance.now();
  const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(traceFile)).toString()) as Trace;
  const source = new Y.Doc();
  const body = source.getText('body');
  const updates: Uint8Array[] = [];
  source.on('update', (u: Uint8Array) => updates.push(u));
  for (const txn of trace.txns) {
    source.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        if (del) body.delete(pos, del);
        if (ins) body.insert(pos, ins);
      }
    });
  }
  if (body.toString() !== trace.endContent) throw new Error('trace replay mismatch');
  console.log(`trace: ${updates.length} updates generated in ${ms(performance.now() - t)}`);

  // 2. The story through the Storage API, with the server's history and compaction.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-version-bench-'));
  const logger = pino({ level: 'warn' });
  const base = new SqliteStorage({ file: path.join(dir, 'copydesk.sqlite') });
  await base.migrate();
  const feed = new StorageFeed();
  const storage = feed.observe(base);
  const compactor = new Compactor({ storage, logger });
  const registry = new RoomRegistry({
    storage,
    logger,
    compactor,
    unloadAfterMs: 1_000,
    compactEveryUpdates: COMPACT_EVERY,
  });
  const history = new HistoryService({
    storage,
    registry,
    logger,
    feed,
    settleMs: 3_600_000,
    maxUpdatesPerVersion: MAX_UPDATES,
    maxBurstMs: Number.MAX_SAFE_INTEGER,
    checkpointEvery: CHECKPOINT_EVERY,
  });
  const at0 = Date.UTC(2024, 0, 1);
  const logged = (i: number): LoggedUpdate => ({
    userId: USER,
    at: at0 + i * 200,
    update: updates[i] as Uint8Array,
  });
  t = performance.now();
  await storage.createStory(
    {
      id: STORY,
      headline: '',
      status: 'draft',
      createdAt: at0,
      createdBy: USER,
      updatedAt: at0,
      updatedBy: USER,
    },
    logged(0),
  );
  let sinceCompaction = 1;
  for (let i = 1; i < updates.length; i += BATCH) {
    const batch: LoggedUpdate[] = [];
    for (let j = i; j < Math.min(i + BATCH, updates.length); j++) batch.push(logged(j));
    await storage.appendUpdates(STORY, batch, '');
    sinceCompaction += batch.length;
    if (sinceCompaction >= COMPACT_EVERY) {
      sinceCompaction = 0;
      await compactor.compact(STORY); // what the room does every COMPACT_EVERY_UPDATES
    }
    await history.idle(); // the automatic versions of continuous typing, as they are cut
  }
  await compactor.compact(STORY); // at unload
  await history.flushPending();
  const buildMs = performance.now() - t;
  const store = base.history;
  const versions = await store.listVersions(STORY);
  const latest = await store.latestUpdate(STORY);
  if (!latest) throw new Error('no updates stored');
  const snapshotCount = (
    await Promise.all(versions.map((v) => store.loadSnapshotAtOrBefore(STORY, v.seq)))
  ).filter((s, i) => s?.upto === versions[i]?.seq).length;
  console.log(
    `story built in ${ms(buildMs)}: ${updates.length} updates, ${versions.length} versions ` +
      `(${snapshotCount} of them checkpointed), compaction every ${COMPACT_EVERY}, ` +
      `a version every ${MAX_UPDATES} updates, checkpoint when >= ${CHECKPOINT_EVERY} behind`,
  );

  // Measure in a quiet heap: the 260k generated updates are not needed any more.
  const totalUpdates = updates.length;
  updates.length = 0;
  source.destroy();
  (globalThis as { gc?: () => void }).gc?.();

  // 3a. Opening versions (GET …/versions/:vid), cold: a fresh service, no caches (one untimed
  // warm-up open first, so the JIT is not what is measured).
  {
    const warm = new HistoryService({ storage: base, registry, logger });
    await warm.getVersion(STORY, String(versions[Math.floor(versions.length / 2)]?.number ?? 1));
    await warm.close();
  }
  const first = latest.seq - totalUpdates + 1;
  const pick = <T>(xs: T[]): T[] =>
    Array.from(
      { length: POINTS },
      (_, k) => xs[Math.round(((xs.length - 1) * (k + 1)) / POINTS)] as T,
    );
  const versionRows: string[][] = [];
  const allSamples: number[] = [];
  const versionTimes: number[] = [];
  for (const v of pick(versions)) {
    // Each open is cold (a fresh service: no cached state); the median of REPEAT opens is kept
    // so that a busy machine's hiccups do not decide the figure (every sample is in allSamples).
    const samples: number[] = [];
    let view: Awaited<ReturnType<HistoryService['getVersion']>> | null = null;
    for (let r = 0; r < REPEAT; r++) {
      const cold = new HistoryService({ storage: base, registry, logger });
      const started = performance.now();
      view = await cold.getVersion(STORY, String(v.number));
      samples.push(performance.now() - started);
      await cold.close();
    }
    allSamples.push(...samples);
    const took = stats(samples).p50;
    const rebuildStarted = performance.now();
    const rebuilt = await rebuildAt(store, STORY, v.seq);
    readContent(rebuilt.doc);
    const rebuildMs = performance.now() - rebuildStarted;
    rebuilt.doc.destroy();
    versionTimes.push(took);
    versionRows.push([
      String(v.number),
      String(v.seq - first + 1),
      String(rebuilt.replayed),
      String(view?.body.length ?? 0),
      ms(took),
      ms(rebuildMs),
    ]);
  }
  table(
    'Opening a version (GET /api/stories/:id/versions/:vid, cold, 10 evenly spaced versions)',
    ['version', 'edit #', 'log updates replayed', 'body chars', 'time', 'of which state rebuild*'],
    versionRows,
  );
  const vs = stats(versionTimes);
  console.log(
    `\np50 ${ms(vs.p50)}, max ${ms(vs.max)} (medians of ${REPEAT} cold opens per version; ` +
      `slowest single open ${ms(stats(allSamples).max)}). * measured again right after, warm.`,
  );

  // 3b. Any point of the log (e.g. "since I last looked"): snapshot + up to COMPACT_EVERY updates.
  const pointRows: string[][] = [];
  const pointTimes: number[] = [];
  for (let k = 1; k <= POINTS; k++) {
    const n = Math.min(totalUpdates, Math.round((totalUpdates * k) / POINTS));
    const seq = first + n - 1;
    const samples: number[] = [];
    let replayed = 0;
    let chars = 0;
    for (let r = 0; r < REPEAT; r++) {
      const started = performance.now();
      const rebuilt = await rebuildAt(store, STORY, seq);
      const content = readContent(rebuilt.doc);
      samples.push(performance.now() - started);
      replayed = rebuilt.replayed;
      chars = content.fields.body.text.length;
      rebuilt.doc.destroy();
    }
    const took = stats(samples).p50;
    pointTimes.push(took);
    pointRows.push([String(n), String(replayed), String(chars), ms(took)]);
  }
  table(
    'State at an arbitrary point of the log (newest snapshot <= seq + log since, 10 evenly spaced)',
    ['edit #', 'log updates replayed', 'body chars', 'time'],
    pointRows,
  );
  const ps = stats(pointTimes);
  console.log(`\np50 ${ms(ps.p50)}, max ${ms(ps.max)}`);

  if (process.argv.includes('--baseline')) {
    const started = performance.now();
    const doc = new Y.Doc();
    const all = await store.loadUpdates(STORY, 0, latest.seq, totalUpdates + 1);
    doc.transact(() => {
      for (const u of all) Y.applyUpdate(doc, u.update);
    });
    console.log(
      `\nbaseline, no checkpoints: replaying the whole log takes ${ms(performance.now() - started)}`,
    );
    doc.destroy();
  }

  const roomStarted = performance.now();
  await registry.withRoom(STORY, () => undefined);
  console.log(
    `(for comparison: loading the live room through RoomRegistry takes ${ms(performance.now() - roomStarted)})`,
  );
  await history.close();
  registry.close();
  await compactor.close();
  await base.close();
  fs.rmSync(dir, { recursive: true, force: true });
};

await main();
