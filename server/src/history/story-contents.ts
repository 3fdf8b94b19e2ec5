import type * as Y from 'yjs';
import { yieldToEventLoop } from '../event-loop';
import { KeyedLock } from '../keyed-lock';
import type { Logger } from '../logger';
import type { HistoryStore, Storage } from '../storage/storage';
import type { RoomRegistry } from '../sync/room-registry';
import { encodeStateAsParts, PART_STRUCTS } from '../sync/state-chunks.mjs';
import { AuthorIndex, runsOfUpdates } from './author-index';
import { type DocContent, readContent } from './doc-content';
import { Lru } from './lru';
import { rebuildAt } from './rebuild';

/** Cached story contents (rebuilt versions) may hold about this much memory in all. */
const CONTENT_CACHE_BYTES = 8 * 1024 * 1024;

/** Rough bytes of a content: UTF-16 text plus one small object per segment. */
const contentWeight = (content: DocContent): number => {
  let bytes = 0;
  const add = (part: { text: string; segments: unknown[] }) => {
    bytes += part.text.length * 2 + part.segments.length * 80;
  };
  for (const field of Object.values(content.fields)) add(field);
  for (const takeaway of content.takeaways) add(takeaway);
  return bytes;
};

export interface StoryContentsOptions {
  storage: Storage;
  registry: RoomRegistry;
  logger: Logger;
  /** A state rebuilt from more log updates than this is saved as a snapshot (a checkpoint). */
  checkpointEvery: number;
  /** The history store (throws 503 when the storage keeps none). */
  store: () => HistoryStore;
}

/**
 * The story as it was after any point of its log, and who wrote each character of it: rebuilt
 * from stored data (never from the live document, unless it holds exactly that point) and
 * cached, since a point of the log never changes.
 */
export class StoryContents {
  private readonly indexLock = new KeyedLock();
  private readonly indexes = new Lru<AuthorIndex>(32);
  private readonly contents = new Lru<DocContent>(48, contentWeight, CONTENT_CACHE_BYTES);

  constructor(private readonly options: StoryContentsOptions) {}

  /**
   * Caches the content at `seq` from the live room when it holds exactly the log up to `seq`,
   * and checkpoints it (a snapshot at `seq`) when the room has stored many updates since the
   * last snapshot, so the version still opens from one snapshot later.
   */
  async cacheLive(storyId: string, seq: number): Promise<void> {
    const key = `${storyId}@${seq}`;
    if (seq <= 0 || this.contents.get(key)) return;
    const room = this.options.registry.loaded(storyId);
    if (room?.exactStoredPoint() !== seq) return;
    this.contents.set(key, readContent(room.doc));
    if (room.updatesSinceSnapshot >= this.options.checkpointEvery) {
      await this.checkpoint(storyId, room.doc, seq);
    }
  }

  /** The story's content after update `seq`, rebuilt from stored data (cached: it never changes). */
  async at(storyId: string, seq: number, checkpoint = false): Promise<DocContent> {
    const key = `${storyId}@${seq}`;
    const cached = this.contents.get(key);
    if (cached) return cached;
    const rebuilt = await rebuildAt(this.options.store(), storyId, seq);
    const content = readContent(rebuilt.doc);
    if (checkpoint && seq > 0 && rebuilt.replayed >= this.options.checkpointEvery) {
      await this.checkpoint(storyId, rebuilt.doc, seq);
    }
    rebuilt.doc.destroy();
    this.contents.set(key, content);
    return content;
  }

  /** Saves `doc` (the story exactly at `seq`) as a snapshot, so that point opens from one read. */
  private async checkpoint(storyId: string, doc: Y.Doc, seq: number): Promise<void> {
    const parts = encodeStateAsParts(doc, PART_STRUCTS);
    await this.options.storage.saveSnapshot(storyId, { upto: seq, parts });
    this.options.logger.debug({ storyId, upto: seq, parts: parts.length }, 'history checkpoint');
  }

  /** The authorship index of a story, extended from the log up to `upto`. */
  index(storyId: string, upto: number): Promise<AuthorIndex> {
    const store = this.options.store();
    return this.indexLock.run(storyId, async () => {
      const load = async () => {
        const persisted = await store.loadAuthorRuns(storyId);
        const fresh = new AuthorIndex();
        for (const run of persisted.runs) fresh.add(run);
        fresh.upto = persisted.upto;
        return fresh;
      };
      let index = this.indexes.get(storyId) ?? (await load());
      while (index.upto < upto) {
        const page = await store.loadUpdates(storyId, index.upto, upto, 5_000);
        const last = page[page.length - 1];
        if (!last) break;
        await yieldToEventLoop(); // a long log is decoded a page per turn
        const runs = runsOfUpdates(page);
        if (await store.appendAuthorRuns(storyId, index.upto, last.seq, runs)) {
          for (const run of runs) index.add(run);
          index.upto = last.seq;
        } else {
          index = await load(); // another instance extended it meanwhile
        }
      }
      this.indexes.set(storyId, index);
      return index;
    });
  }
}
