import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger';
import type { Storage } from '../storage/storage';
import { addTypedStory, openFixtureStorage } from '../storage/test-fixtures';
import { fixtureRegistry } from '../sync/test-fixtures';
import { countTurns } from '../turn-counter';
import { HistoryService } from './history-service';
import type { HistorySettings } from './history-settings';
import { StorageFeed } from './storage-feed';

/** A history service over a fresh SQLite file, fed by every append as in the server. */
const openHistory = async (name: string, settings: HistorySettings) => {
  const fixture = await openFixtureStorage(name);
  const feed = new StorageFeed();
  const observed = feed.observe(fixture.storage);
  const rooms = fixtureRegistry(observed);
  const history = new HistoryService({
    storage: observed,
    registry: rooms.registry,
    logger: createLogger('silent'),
    feed,
    ...settings,
  });
  const close = async () => {
    await history.close();
    await rooms.close();
    await fixture.remove();
  };
  return { observed, rooms, history, close };
};

/**
 * Automatic versions are made off the edit path. When many stories cut a version at once (a
 * busy desk reaching maxUpdatesPerVersion together), the event loop must keep turning between
 * their steps: each step rebuilds or compares a whole story, and keystrokes wait behind it.
 */
describe('HistoryService background versions', () => {
  /** The storage as the server uses it: history hears of every append. */
  let observed: Storage;
  let history: HistoryService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    // Every 20th stored update cuts a version at once.
    const opened = await openHistory('history', { maxUpdatesPerVersion: 20, minCutGapMs: 0 });
    ({ observed, history } = opened);
    cleanup = opened.close;
  });
  afterEach(() => cleanup());

  it('makes versions of many stories one step per turn, and makes every one', async () => {
    const stories = 12;
    const typists = [];
    for (let s = 0; s < stories; s++) {
      typists.push(await addTypedStory(observed, `story-${s}`, `Story ${s} begins.`));
    }
    await history.idle();
    const made: string[] = [];
    history.onVersion((v) => made.push(v.storyId));
    // Each story reaches 20 new updates: twelve cuts fall due in the same turn.
    for (let i = 0; i < 20; i++) {
      for (const typist of typists) await typist.append(` word${i}`);
    }
    const turns = countTurns();
    await history.idle();

    expect(made.sort()).toEqual(Array.from({ length: stories }, (_, s) => `story-${s}`).sort());
    // At least the five turns between the steps of each version, one version after another;
    // made together in one stretch, twelve versions take a turn or two.
    expect(turns.stop()).toBeGreaterThanOrEqual(stories * 5);
  });
});

describe('HistoryService quiet-time versions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cuts a version once the story has been quiet for settleMs after its last edit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { observed, history, close } = await openHistory('history-settle', {
      settleMs: 1_000,
      minCutGapMs: 0,
    });
    try {
      const typist = await addTypedStory(observed, 'st_quiet', 'Talks begin.');
      await history.idle();
      const made: number[] = [];
      history.onVersion(() => made.push(Date.now()));
      // Typing on for 3 s, an edit every 600 ms: never quiet for a whole second.
      for (let i = 0; i < 5; i++) {
        await typist.append(` word${i}`);
        await vi.advanceTimersByTimeAsync(600);
        await history.idle();
        expect(made).toEqual([]);
      }
      const lastEdit = Date.now() - 600;
      await vi.advanceTimersByTimeAsync(400);
      await history.idle();
      // One version, a second after the last edit.
      expect(made).toEqual([lastEdit + 1_000]);
    } finally {
      await close();
    }
  });
});

/**
 * A version far past the story's newest snapshot is saved as one (a checkpoint), so opening it
 * later is one snapshot read and not a replay of the log — whether the version was read from
 * the live room or rebuilt from storage.
 */
describe('HistoryService checkpoints', () => {
  let observed: Storage;
  let history: HistoryService;
  let rooms: ReturnType<typeof fixtureRegistry>;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await openHistory('history-checkpoints', { checkpointEvery: 10 });
    ({ observed, history, rooms } = opened);
    cleanup = opened.close;
  });
  afterEach(() => cleanup());

  const typed = async (id: string, words: number) => {
    const typist = await addTypedStory(observed, id, 'Lead.');
    for (let i = 0; i < words; i++) await typist.append(` word${i}`);
    await history.idle();
  };
  const snapshotUpto = async (id: string) =>
    (await observed.loadStoryState(id)).snapshot?.upto ?? null;

  it('saves a version rebuilt from more updates than checkpointEvery as a snapshot', async () => {
    await typed('rebuilt', 12);
    const version = await history.recordVersion('rebuilt', { reason: 'named', name: 'Late' });
    expect(version?.seq).toBeGreaterThan(0);
    expect(await snapshotUpto('rebuilt')).toBe(version?.seq);
  });

  it('saves a version read from the live room the same way', async () => {
    await typed('live', 12);
    const version = await rooms.registry.withRoom('live', () =>
      history.recordVersion('live', { reason: 'named', name: 'Live' }),
    );
    expect(await snapshotUpto('live')).toBe(version?.seq);
  });

  it('saves none for a version a few updates past the last', async () => {
    await typed('short', 3);
    await history.recordVersion('short', { reason: 'named', name: 'Early' });
    expect(await snapshotUpto('short')).toBeNull();
  });
});
