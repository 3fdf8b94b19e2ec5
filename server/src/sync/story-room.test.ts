import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storyTypes } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { SqliteStorage } from '../storage/sqlite-storage';
import { addFixtureAccount, addTypedStory, FIXTURE_USER } from '../storage/test-fixtures';
import { Compactor } from './compactor';
import { RoomRegistry } from './room-registry';

/**
 * Whoever waits for a story to be stored (an HTTP view, a history version, shutdown) is told
 * when storing fails instead of waiting for ever: the room then holds edits that are not stored
 * and is dropped, so nothing may read it.
 */
describe('StoryRoom when storing fails', () => {
  let dir: string;
  let storage: SqliteStorage;
  let compactor: Compactor;
  let registry: RoomRegistry;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-room-'));
    storage = new SqliteStorage({ file: path.join(dir, 'copydesk.sqlite') });
    await storage.migrate();
    await addFixtureAccount(storage);
    await addTypedStory(storage, 'st_fails', 'first ');
    const logger = createLogger('silent');
    compactor = new Compactor({ storage, logger });
    registry = new RoomRegistry({
      storage,
      logger,
      compactor,
      unloadAfterMs: 60_000,
      compactEveryUpdates: 10_000,
    });
  });
  afterEach(async () => {
    registry.close();
    await compactor.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects the waiters with 503, now and after, and the registry drops the room', async () => {
    const room = await registry.acquire('st_fails');
    room.editAsServer(FIXTURE_USER, (doc) => storyTypes(doc).body.insert(0, 'lost? '));
    const waiting = room.whenStoredAsync();
    // The edit is stored on a later turn; the database is gone by then.
    await storage.close();

    await expect(waiting).rejects.toMatchObject({ status: 503 });
    await expect(room.whenStoredAsync()).rejects.toMatchObject({ status: 503 });
    expect(registry.loaded('st_fails')).toBeUndefined();
  });

  it('resolves the waiters once the edit is stored', async () => {
    const room = await registry.acquire('st_fails');
    room.editAsServer(FIXTURE_USER, (doc) => storyTypes(doc).body.insert(0, 'kept '));
    await room.whenStoredAsync();
    const state = await storage.loadStoryState('st_fails');
    expect(state.updates).toHaveLength(2);
    registry.release(room);
  });
});
