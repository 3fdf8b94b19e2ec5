import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger';
import type { SqliteStorage } from '../storage/sqlite-storage';
import type { AppendedRange } from '../storage/storage';
import {
  addTypedStory,
  FIXTURE_OTHER_USER,
  FIXTURE_USER,
  openFixtureStorage,
} from '../storage/test-fixtures';
import { countTurns } from '../turn-counter';
import { ActivityRecorder, type ActivityRecorderOptions } from './activity-recorder';
import { aroundApply, twoTypists } from './test-fixtures';
import { InProcessTrackerEngine, type TrackerEngine } from './tracker-engine';
import { WorkerTrackerEngine } from './worker-tracker-engine';

/** Real SQLite storage; the recorder reads the log the way it does in the server. */
let storage: SqliteStorage;
let removeStorage: () => Promise<void>;
const recorders: ActivityRecorder[] = [];

beforeEach(async () => {
  ({ storage, remove: removeStorage } = await openFixtureStorage('activity'));
});
afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close();
  await removeStorage();
});

const recorder = (options: Omit<ActivityRecorderOptions, 'storage' | 'logger'>) => {
  const r = new ActivityRecorder({ storage, logger: createLogger('silent'), ...options });
  recorders.push(r);
  return r;
};

/** Where the working copies live: every behaviour below holds for both. */
const ENGINES: Record<string, () => TrackerEngine | undefined> = {
  'in this thread': () => undefined,
  'in a worker thread': () => new WorkerTrackerEngine({ logger: createLogger('silent') }),
};

describe.each(Object.entries(ENGINES))('ActivityRecorder, working copies %s', (_, engine) => {
  it('drops an idle working copy by itself, with no other story changing, and rebuilds it', async () => {
    const story = await addTypedStory(storage, 'st_idle', 'first ');
    const r = recorder({ idleMs: 300, engine: engine() });
    await r.flush('st_idle');
    expect(r.workingCopies).toBe(1);
    // Nothing else happens: the copy must still go (it used to stay until another story changed).
    await vi.waitFor(() => expect(r.workingCopies).toBe(0), { timeout: 3_000 });

    // The next edit rebuilds the copy from storage and is recorded as before.
    await story.append('second ');
    await r.flush('st_idle');
    expect(r.workingCopies).toBe(1);
    const feed = await r.storyActivity('st_idle', null, 10);
    expect(feed.entries.length).toBeGreaterThan(0);
  });

  it('records every word of two people typing in turn', async () => {
    const story = await twoTypists(storage);
    const r = recorder({ engine: engine() });
    await r.flush(story.id);
    await story.typeInTurn(200);
    await r.flush(story.id);
    expect(await story.wordsAddedBy(r)).toEqual({ [FIXTURE_USER]: 100, [FIXTURE_OTHER_USER]: 100 });
  });
});

describe('ActivityRecorder desk feed', () => {
  it('waits for a round under way, instead of answering without its entries', async () => {
    const story = await twoTypists(storage);
    let entered: () => void = () => {};
    const inRound = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A working copy that takes a while, as one in a worker thread does.
    const engine = new InProcessTrackerEngine();
    aroundApply(engine, async (apply, updates) => {
      entered();
      await gate;
      return apply(updates);
    });
    const r = recorder({ engine, minIntervalMs: 0 });
    r.storyChanged(story.id);
    await inRound;
    const desk = r.deskActivity(null, 50);
    // Everything the desk feed does without waiting is done before this turn.
    setImmediate(release);
    const { entries } = await desk;
    expect(entries.map((e) => [e.storyId, e.summary])).toEqual([
      [story.id, 'Ana created the story'],
    ]);
  });
});

describe('ActivityRecorder rounds in this thread', () => {
  it('lets other work run between the runs of a long round', async () => {
    const story = await twoTypists(storage);
    const r = recorder({ sliceMs: 0 });
    await r.flush(story.id);
    await story.typeInTurn(200);
    const turns = countTurns();
    await r.flush(story.id);
    // Applied in one go, the round would take one turn.
    expect(turns.stop()).toBeGreaterThanOrEqual(200);
    expect(await story.wordsAddedBy(r)).toEqual({ [FIXTURE_USER]: 100, [FIXTURE_OTHER_USER]: 100 });
  });
});

/** Two instances (two recorders) sharing one log and one activity cursor. */
describe.each(Object.entries(ENGINES))(
  'ActivityRecorder on two instances, copies %s',
  (_, engine) => {
    let append: (text: string) => Promise<AppendedRange>;
    beforeEach(async () => {
      append = (await addTypedStory(storage, 'st_two', 'one ')).append;
    });
    const instance = (yieldMs: number) =>
      recorder({ minIntervalMs: 20, yieldMs, engine: engine() });
    /**
     * Net words added to the body over every entry stored (each burst counted once; the
     * story's first update is its "created" entry).
     */
    const bodyWords = async (r: ActivityRecorder) =>
      (await r.storyActivity('st_two', null, 50)).entries
        .filter((e) => e.field === 'body')
        .reduce((sum, e) => sum + e.wordsAdded, 0);

    it('leaves a story the other instance records to it, instead of rebuilding it every round', async () => {
      const a = instance(60_000);
      const b = instance(60_000);
      await a.flush('st_two');
      expect(a.trackerBuilds).toBe(1);
      await append('two ');
      await b.flush('st_two'); // B records the story now: the shared cursor is B's
      await append('three ');
      a.storyChanged('st_two');
      await vi.waitFor(() => expect(a.workingCopies).toBe(0), { timeout: 3_000 });

      for (const word of ['four ', 'five ', 'six ']) {
        await append(word);
        a.storyChanged('st_two');
        b.storyChanged('st_two');
      }
      await vi.waitFor(async () => expect(await bodyWords(b)).toBe(5), { timeout: 3_000 });
      // A has not rebuilt its working copy (a load of the story) on any round since.
      expect(a.trackerBuilds).toBe(1);
      expect(a.workingCopies).toBe(0);
    });

    it('takes the story back when the other instance stops recording it', async () => {
      const a = instance(200);
      const b = instance(200);
      await b.flush('st_two');
      await append('two ');
      await a.flush('st_two');
      await append('three ');
      b.storyChanged('st_two'); // B finds the cursor moved by A: it yields
      await vi.waitFor(() => expect(b.workingCopies).toBe(0), { timeout: 3_000 });
      await a.close();
      await append('four ');
      b.storyChanged('st_two');
      await vi.waitFor(async () => expect(await bodyWords(b)).toBe(3), { timeout: 3_000 });
    });
  },
);
