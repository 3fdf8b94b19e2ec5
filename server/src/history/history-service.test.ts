import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { SqliteStorage } from '../storage/sqlite-storage';
import type { Storage } from '../storage/storage';
import { addFixtureAccount, addTypedStory } from '../storage/test-fixtures';
import { Compactor } from '../sync/compactor';
import { RoomRegistry } from '../sync/room-registry';
import { HistoryService } from './history-service';
import { StorageFeed } from './storage-feed';

/**
 * Automatic versions are made off the edit path. When many stories cut a version at once (a
 * busy desk reaching maxUpdatesPerVersion together), the event loop must keep turning between
 * their steps: each step rebuilds or compares a whole story, and keystrokes wait behind it.
 */
describe('HistoryService background versions', () => {
  let dir: string;
  let storage: SqliteStorage;
  /** The storage as the server uses it: history hears of every append. */
  let observed: Storage;
  let history: HistoryService;
  let compactor: Compactor;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-history-'));
    const logger = createLogger('silent');
    const feed = new StorageFeed();
    storage = new SqliteStorage({ file: path.join(dir, 'copydesk.sqlite') });
    await storage.migrate();
    await addFixtureAccount(storage);
    observed = feed.observe(storage);
    compactor = new Compactor({ storage: observed, logger });
    const registry = new RoomRegistry({
      storage: observed,
      logger,
      compactor,
      unloadAfterMs: 1_000,
      compactEveryUpdates: 10_000,
    });
    // Every 20th stored update cuts a version at once.
    history = new HistoryService({
      storage: observed,
      registry,
      logger,
      feed,
      maxUpdatesPerVersion: 20,
      minCutGapMs: 0,
    });
  });

  afterEach(async () => {
    await history.close();
    await compactor.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

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
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    await history.idle();
    counting = false;

    expect(made.sort()).toEqual(Array.from({ length: stories }, (_, s) => `story-${s}`).sort());
    // At least the five turns between the steps of each version, one version after another;
    // made together in one stretch, twelve versions take a turn or two.
    expect(turns).toBeGreaterThanOrEqual(stories * 5);
  });
});
