import {
  type AppendedRange,
  type LoggedUpdate,
  NOTHING_APPENDED,
  type StatusChangeRecord,
  type Storage,
  type StoredUpdate,
  type StoryRecord,
} from '../storage/storage';

/** Rows just stored for one story, in log order: every row of it after `prevSeq`. */
export interface StoredRun {
  prevSeq: number;
  updates: StoredUpdate[];
}

/**
 * What the history needs to hear about: new updates (to make a version once a burst of editing
 * settles), new stories (the "created" version) and workflow moves (a version at every status
 * change). `observe(storage)` returns the same Storage that reports these after they succeed,
 * so the composition root wires history without touching the sync or HTTP layers.
 */
export interface StorageListener {
  /** A non-empty run of rows was stored for the story. */
  appended?(storyId: string, run: StoredRun): void;
  created?(story: StoryRecord, first: LoggedUpdate): void;
  statusChanged?(change: StatusChangeRecord): void;
}

export class StorageFeed {
  private readonly listeners = new Set<StorageListener>();

  subscribe(listener: StorageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(fn: (l: StorageListener) => void): void {
    for (const l of this.listeners) {
      try {
        fn(l);
      } catch {
        // A listener never breaks storage.
      }
    }
  }

  private appended(storyId: string, updates: LoggedUpdate[], range: AppendedRange): void {
    if (updates.length === 0) return;
    // Built field by field: an object spread here was most of the cost of the whole hook.
    const rows: StoredUpdate[] = new Array(updates.length);
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i] as LoggedUpdate;
      rows[i] = { seq: range.seqs[i] ?? 0, userId: u.userId, at: u.at, update: u.update };
    }
    const run: StoredRun = { prevSeq: range.prevSeq, updates: rows };
    this.emit((l) => l.appended?.(storyId, run));
  }

  /** The same storage; appends, story creation and status moves are reported after success. */
  observe(storage: Storage): Storage {
    const wrapped: Partial<Storage> = {
      appendUpdates: async (storyId, updates, headline) => {
        const range = await storage.appendUpdates(storyId, updates, headline);
        this.appended(storyId, updates, range);
        return range;
      },
      createStory: async (story, first) => {
        await storage.createStory(story, first);
        this.emit((l) => l.created?.(story, first));
      },
    };
    const appendUpdatesMany = storage.appendUpdatesMany?.bind(storage);
    if (appendUpdatesMany) {
      wrapped.appendUpdatesMany = async (batches) => {
        const ranges = await appendUpdatesMany(batches);
        for (const [i, b] of batches.entries()) {
          this.appended(b.storyId, b.updates, ranges[i] ?? NOTHING_APPENDED);
        }
        return ranges;
      };
    }
    const setStoryStatus = storage.setStoryStatus?.bind(storage);
    if (setStoryStatus) {
      wrapped.setStoryStatus = async (change) => {
        const moved = await setStoryStatus(change);
        if (moved) this.emit((l) => l.statusChanged?.(change));
        return moved;
      };
    }
    return new Proxy(storage, {
      get(target, prop) {
        if (typeof prop === 'string' && prop in wrapped) return wrapped[prop as keyof Storage];
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
