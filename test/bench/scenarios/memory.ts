import { type BenchContext, sleep } from '../lib/context';
import { InspectorSession } from '../lib/inspector';
import { readLoadAverage, readMemory } from '../lib/proc';
import { SERVER_LABELS, type ServerUnderTest, startForRun } from '../lib/servers';
import { type ClientSpec, type ConnectResult, isCopydesk, type ServerKind } from '../lib/types';

export interface MemoryRow {
  /** 1-minute load average of the machine when the run started. */
  load1: number;
  server: ServerKind;
  label: string;
  stories: number;
  connections: number;
  baseRssMb: number;
  loadedRssMb: number;
  connectedRssMb: number;
  afterRssMb: number;
  /**
   * RSS per loaded story (its holder connection taken out) and per idle connection. Per
   * connection is the second half's: what one more idle connection costs. The first ones also
   * pay for one-time work (code compiled and hash tables grown on first use), ~3 MB of
   * Copydesk's heap that 400 connections would each seem to hold 8 KB of.
   */
  kbPerStory: number;
  kbPerConnection: number;
  /** The same from the JS heap after a full GC (less noisy than RSS). */
  heapKbPerStory: number;
  heapKbPerConnection: number;
  /** JS heap per idle connection over all of them, one-time work included. */
  heapKbPerConnectionAll: number;
  /** JS heap per story still in use after every client left and the unload delay passed. */
  keptHeapKbPerStory: number;
  /** Copydesk: stories its log says it unloaded (null for peers, judged by the heap). */
  unloadedCount: number | null;
  unloaded: boolean;
  note: string;
}

/** About 3 KB of wire-copy-like text: what one loaded story holds. */
export const STORY_TEXT = Array.from(
  { length: 24 },
  (_, i) =>
    `Paragraph ${i + 1}: officials said on Tuesday that talks would resume next week, ` +
    `according to people familiar with the matter.\n`,
).join('');

/**
 * RSS and JS heap (after a forced full GC, through the inspector) with no stories, with S loaded
 * stories of one client each, with C more idle connections, and after everyone left.
 */
export const runMemory = async (ctx: BenchContext, kind: ServerKind): Promise<MemoryRow> => {
  const { opts, pool } = ctx;
  const S = opts.memStories;
  const C = opts.memConnections;
  const row: MemoryRow = {
    server: kind,
    label: SERVER_LABELS[kind],
    load1: readLoadAverage()[0],
    stories: S,
    connections: C,
    baseRssMb: Number.NaN,
    loadedRssMb: Number.NaN,
    connectedRssMb: Number.NaN,
    afterRssMb: Number.NaN,
    kbPerStory: Number.NaN,
    kbPerConnection: Number.NaN,
    heapKbPerStory: Number.NaN,
    heapKbPerConnection: Number.NaN,
    heapKbPerConnectionAll: Number.NaN,
    keptHeapKbPerStory: Number.NaN,
    unloadedCount: null,
    unloaded: false,
    note: '',
  };
  let server: ServerUnderTest | null = null;
  let inspector: InspectorSession | null = null;
  const unloadMs = 500;
  try {
    server = await startForRun(opts, kind, {
      // Copydesk logs every unload at debug: the exact count of stories it let go.
      env: { STORY_UNLOAD_AFTER_MS: String(unloadMs), LOG_LEVEL: 'debug' },
    });
    // copydesk-pg: every client on instance A, and only A measured (its RSS, heap and log).
    // B holds no story and no client, so adding it would only add a constant; the label says so.
    const srv = server.processes[0];
    if (!srv) throw new Error('no server process');
    if (server.processes.length > 1) row.label = `${SERVER_LABELS[kind]}, instance A`;
    inspector = await InspectorSession.connect(() => srv.output());
    const insp = inspector;
    const measure = async () => {
      const { usedBytes } = await insp.collectGarbage();
      await sleep(200);
      return { rssKb: readMemory(srv.pid).rssKb, heapKb: usedBytes / 1024 };
    };
    const connectAll = async (specs: ClientSpec[]) => {
      const perWorker: ClientSpec[][] = pool.workers.map(() => []);
      for (const [i, s] of specs.entries()) perWorker[i % pool.size]?.push(s);
      const results = (
        await Promise.all(
          perWorker.map((clients, i) =>
            pool.worker(i).request<ConnectResult[]>({ op: 'connect', clients, timeoutMs: 60_000 }),
          ),
        )
      ).flat();
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0)
        throw new Error(`${failed.length} clients failed: ${failed[0]?.error}`);
    };
    const leaveAndSettle = async () => {
      await pool.reset();
      // The unload timer, then the unload compaction.
      await sleep(unloadMs + (opts.quick ? 700 : 1500));
    };

    // Warm-up: one story through every code path, then gone again.
    const [warm] = await server.createRooms(1, 'warm-up');
    if (!warm) throw new Error('no room');
    await connectAll([
      {
        key: 'warm-a',
        story: warm.id,
        target: warm.editor(0),
        role: 'idle',
        editorId: 0,
        writeOnSync: STORY_TEXT,
      },
      { key: 'warm-b', story: warm.id, target: warm.watcher(), role: 'idle', editorId: 0 },
    ]);
    await sleep(300);
    await leaveAndSettle();
    const base = await measure();

    const rooms = await server.createRooms(S, 'memory');
    await connectAll(
      rooms.map((room, i) => ({
        key: `holder${i}`,
        story: room.id,
        target: room.editor(i),
        role: 'idle',
        editorId: 0,
        writeOnSync: STORY_TEXT,
      })),
    );
    await sleep(opts.quick ? 200 : 500);
    const loaded = await measure();

    const idle = Array.from({ length: C }, (_, i): ClientSpec => {
      const room = rooms[i % rooms.length];
      if (!room) throw new Error('no room');
      return { key: `idle${i}`, story: room.id, target: room.watcher(), role: 'idle', editorId: 0 };
    });
    const firstHalf = Math.floor(C / 2);
    await connectAll(idle.slice(0, firstHalf));
    await sleep(opts.quick ? 200 : 500);
    const half = await measure();
    await connectAll(idle.slice(firstHalf));
    await sleep(opts.quick ? 200 : 500);
    const connected = await measure();

    const leftAt = srv.mark();
    await leaveAndSettle();
    const after = await measure();
    // Stories the server says it unloaded after the clients left (Copydesk logs it at debug).
    const ids = new Set(rooms.map((r) => r.id));
    const unloaded = new Set(
      srv
        .since(leftAt)
        .split('\n')
        .filter((l) => l.includes('"story unloaded"'))
        .map((l) => /"storyId":"([^"]+)"/.exec(l)?.[1])
        .filter((id): id is string => id !== undefined && ids.has(id)),
    );

    const mb = (kb: number) => kb / 1024;
    const perConnKb = (connected.rssKb - half.rssKb) / (C - firstHalf);
    const perConnHeapKb = (connected.heapKb - half.heapKb) / (C - firstHalf);
    row.heapKbPerConnectionAll = (connected.heapKb - loaded.heapKb) / C;
    row.baseRssMb = mb(base.rssKb);
    row.loadedRssMb = mb(loaded.rssKb);
    row.connectedRssMb = mb(connected.rssKb);
    row.afterRssMb = mb(after.rssKb);
    row.kbPerConnection = perConnKb;
    // The S holders are connections too: take them out of the story's share.
    row.kbPerStory = (loaded.rssKb - base.rssKb - S * perConnKb) / S;
    row.heapKbPerConnection = perConnHeapKb;
    row.heapKbPerStory = (loaded.heapKb - base.heapKb - S * perConnHeapKb) / S;
    row.keptHeapKbPerStory = (after.heapKb - base.heapKb) / S;
    if (isCopydesk(kind)) {
      row.unloadedCount = unloaded.size;
      row.unloaded = row.unloadedCount >= S;
    } else {
      // No log to ask: unloaded when less than half of a story's heap stays behind (servers
      // that do unload still keep ~10 KB/story here: V8 code, grown hash tables).
      row.unloaded = row.keptHeapKbPerStory < 0.5 * row.heapKbPerStory;
    }
  } catch (err) {
    row.note = `error: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    inspector?.close();
    await pool.reset().catch(() => {});
    await server?.stop();
  }
  return row;
};
