import { storyTypes } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../logger';
import type { SqliteStorage } from '../storage/sqlite-storage';
import type { ActivityRecord, StoredUpdate } from '../storage/storage';
import { FIXTURE_OTHER_USER, FIXTURE_USER, openFixtureStorage } from '../storage/test-fixtures';
import { ActivityRecorder } from './activity-recorder';
import { aroundApply, twoTypists } from './test-fixtures';
import {
  InProcessTrackerEngine,
  type OpenTracker,
  type TrackedStory,
  type TrackerEngine,
} from './tracker-engine';
import { WorkerTrackerEngine } from './worker-tracker-engine';

const logger = createLogger('silent');
const engines: TrackerEngine[] = [];
const workerEngine = () => {
  const engine = new WorkerTrackerEngine({ logger });
  engines.push(engine);
  return engine;
};
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

/** A story edited by two accounts: typing, a takeaway added, then rewritten text. */
const editingSession = (): StoredUpdate[] => {
  const doc = new Y.Doc();
  const types = storyTypes(doc);
  const updates: StoredUpdate[] = [];
  let at = 1_700_000_000_000;
  const edit = (userId: string, change: () => void) => {
    const before = Y.encodeStateVector(doc);
    change();
    at += 400;
    updates.push({
      seq: updates.length + 1,
      userId,
      at,
      update: Y.encodeStateAsUpdate(doc, before),
    });
  };
  for (const word of ['Moscow ', 'proposed ', 'talks ', 'today. ']) {
    edit(FIXTURE_USER, () => types.body.insert(types.body.length, word));
  }
  edit(FIXTURE_OTHER_USER, () => types.synopsis.insert(0, 'Talks offered.'));
  edit(FIXTURE_OTHER_USER, () => {
    const takeaway = new Y.Text('Sanctions stay.');
    types.takeaways.push([takeaway]);
  });
  edit(FIXTURE_USER, () => types.body.delete(0, 7));
  edit(FIXTURE_USER, () => types.body.insert(0, 'The Kremlin '));
  return updates;
};

/** What an entry says, without its random id. */
const described = (entries: ActivityRecord[]) =>
  entries
    .map(({ id: _id, ...rest }) => rest)
    .sort((a, b) => a.firstAt - b.firstAt || a.target.localeCompare(b.target));

const open = (engine: TrackerEngine, request: Partial<OpenTracker> = {}): Promise<TrackedStory> =>
  engine.open({
    storyId: 'st_engine',
    state: null,
    cursor: 0,
    recent: [],
    now: Date.now(),
    gapMs: 60_000,
    ...request,
  });

describe('WorkerTrackerEngine', () => {
  it('turns a log into the same entries as the working copy in this thread', async () => {
    const updates = editingSession();
    const here = await open(new InProcessTrackerEngine());
    const there = await open(workerEngine());
    // In two rounds, so the second continues bursts the first opened.
    for (const round of [updates.slice(0, 3), updates.slice(3)]) {
      const a = await here.apply(round);
      const b = await there.apply(round);
      expect(b.entries.length).toBeGreaterThan(0);
      expect(described(b.entries)).toEqual(described(a.entries));
      expect(b.created.size).toBe(a.created.size);
    }
    expect(there.cursor).toBe(updates.length);
    expect(here.cursor).toBe(updates.length);
  });

  it('opens a copy from stored state and continues the open entries it is given', async () => {
    const updates = editingSession();
    const first = await open(new InProcessTrackerEngine());
    const { entries } = await first.apply(updates.slice(0, 6));
    const resumed = {
      state: { snapshot: null, updates: updates.slice(0, 6) },
      cursor: 6,
      recent: entries,
      now: (updates[5] as StoredUpdate).at,
    };
    const here = await open(new InProcessTrackerEngine(), resumed);
    const there = await open(workerEngine(), resumed);
    const a = await here.apply(updates.slice(6));
    const b = await there.apply(updates.slice(6));
    // The body burst goes on as the same entry (its id is kept), not a new one.
    expect(b.created.size).toBe(0);
    expect(b.entries.map((e) => e.id).sort()).toEqual(a.entries.map((e) => e.id).sort());
    expect(described(b.entries)).toEqual(described(a.entries));
  });

  it('starts its worker on warm-up, before any story needs it, and stops it on close', async () => {
    const engine = workerEngine();
    expect(engine.thread).toBeNull();
    await engine.warmUp();
    const thread = engine.thread;
    expect(thread).not.toBeNull();
    const exited = new Promise((resolve) => thread?.once('exit', resolve));
    await engine.close();
    await exited;
    expect(engine.thread).toBeNull();
    expect(engine.restarts).toBe(0);
    await expect(open(engine)).rejects.toThrow(/closed/);
  });

  it('replaces a worker that does not answer in time, and fails what waited on it', async () => {
    // No worker compiles its bundle and answers within 1 ms: to this engine, each one hangs.
    const engine = new WorkerTrackerEngine({ logger, requestTimeoutMs: 1 });
    engines.push(engine);
    await expect(open(engine)).rejects.toThrow(/did not answer in 1 ms/);
    expect(engine.restarts).toBe(1);
    expect(engine.thread).toBeNull();
    await expect(open(engine)).rejects.toThrow(/did not answer/);
    expect(engine.restarts).toBe(2);
  });

  it('fails the copies of a worker that died, and opens new ones in a new worker', async () => {
    const engine = workerEngine();
    const updates = editingSession();
    const copy = await open(engine);
    const dead = engine.thread;
    const applying = copy.apply(updates);
    await dead?.terminate();
    await expect(applying).rejects.toThrow();
    await expect(copy.apply(updates)).rejects.toThrow(/lost with its worker/);
    expect(engine.restarts).toBe(1);

    const fresh = await open(engine);
    expect(engine.thread).not.toBe(dead);
    const { entries } = await fresh.apply(updates);
    expect(entries.length).toBeGreaterThan(0);
    expect(fresh.cursor).toBe(updates.length);
  });
});

describe('ActivityRecorder whose worker is killed mid-round', () => {
  let storage: SqliteStorage;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ storage, remove } = await openFixtureStorage('activity-worker'));
  });
  afterEach(async () => {
    await remove();
  });

  it('records every word exactly once after rebuilding the copy in a new worker', async () => {
    const engine = new WorkerTrackerEngine({ logger });
    let kills = 0;
    // Kills the worker right after each of the first two batches is sent to it.
    aroundApply(engine, (apply, updates) => {
      const applying = apply(updates);
      if (kills < 2) {
        kills++;
        void engine.thread?.terminate();
      }
      return applying;
    });
    const r = new ActivityRecorder({ storage, logger, engine });
    try {
      const story = await twoTypists(storage, 'st_killed');
      await story.typeInTurn(40);
      const words = await story.wordsAddedBy(r);
      expect(kills).toBe(2);
      // "start " is the story's creation; 20 words each after it, none lost or doubled.
      expect(words).toEqual({ [FIXTURE_USER]: 20, [FIXTURE_OTHER_USER]: 20 });
      expect(r.trackerBuilds).toBe(3);
    } finally {
      await r.close();
    }
  });
});
