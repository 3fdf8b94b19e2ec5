import { storyTypes } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStorage } from '../storage/sqlite-storage';
import { addTypedStory, FIXTURE_USER, openFixtureStorage } from '../storage/test-fixtures';
import type { RoomRegistry } from './room-registry';
import { fixtureRegistry } from './test-fixtures';

/**
 * Whoever waits for a story to be stored (an HTTP view, a history version, shutdown) is told
 * when storing fails instead of waiting for ever: the room then holds edits that are not stored
 * and is dropped, so nothing may read it.
 */
describe('StoryRoom when storing fails', () => {
  let storage: SqliteStorage;
  let registry: RoomRegistry;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const fixture = await openFixtureStorage('room');
    storage = fixture.storage;
    await addTypedStory(storage, 'st_fails', 'first ');
    const rooms = fixtureRegistry(storage);
    registry = rooms.registry;
    cleanup = async () => {
      await rooms.close();
      await fixture.remove();
    };
  });
  afterEach(() => cleanup());

  it('rejects the waiters with 503, now and after, and the registry drops the room', async () => {
    const room = await registry.acquire('st_fails');
    room.editAsServer(FIXTURE_USER, (doc) => storyTypes(doc).body.insert(0, 'lost? '));
    // Handled from the start: it rejects while close() waits for the checkpoint thread.
    const waiting = expect(room.whenStoredAsync()).rejects.toMatchObject({ status: 503 });
    // The edit is stored on a later turn; the database is gone by then.
    await storage.close();

    await waiting;
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
