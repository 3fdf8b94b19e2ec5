import { notFound, serviceUnavailable } from '../errors';
import type { HistoryStore, Storage, StoryRecord, VersionRecord } from '../storage/storage';
import type { RoomRegistry } from '../sync/room-registry';

/** A seq past every stored update: "up to the end of the log". */
export const END_OF_LOG = Number.MAX_SAFE_INTEGER;
const VERSION_ID = /^[1-9]\d{0,8}$/;

/**
 * What the history's requests look up first, answered as HTTP errors when missing: the history
 * store (503), the story (404) and a version of it (404); and the wait until a loaded room has
 * stored what it holds.
 */
export class StoryLookup {
  constructor(
    private readonly storage: Storage,
    private readonly registry: RoomRegistry,
  ) {}

  store(): HistoryStore {
    const store = this.storage.history;
    if (!store) {
      throw serviceUnavailable('This storage does not keep version history.');
    }
    return store;
  }

  async requireStory(storyId: string): Promise<StoryRecord> {
    const story = await this.storage.getStory(storyId);
    if (!story) throw notFound('No story with this id.');
    return story;
  }

  /** Waits until the loaded room (if any) has stored everything it holds. */
  async flushRoom(storyId: string): Promise<void> {
    const room = this.registry.loaded(storyId);
    // A room whose store failed is dropped and reloaded: the version reads storage instead.
    if (room) await room.whenStoredAsync().catch(() => undefined);
  }

  /** The version `vid` (its number, as in the URL) of the story. */
  async version(storyId: string, vid: string): Promise<VersionRecord> {
    const store = this.store();
    await this.requireStory(storyId);
    const record = VERSION_ID.test(vid) ? await store.getVersion(storyId, Number(vid)) : null;
    if (!record) throw notFound('No version with this id.');
    return record;
  }
}
