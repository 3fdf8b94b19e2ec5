import type { StoryStatus, VersionReason, VersionSummary } from '@copydesk/shared';
import { yieldToEventLoop } from '../event-loop';
import { KeyedLock } from '../keyed-lock';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { compareContents } from './compare';
import type { StoryContents } from './story-contents';
import { END_OF_LOG, type StoryLookup } from './story-lookup';
import { parseDetails, type VersionDetails, type VersionSummaries } from './version-summaries';

export interface RecordVersionInput {
  reason: VersionReason;
  /** Who made it (null for automatic versions). */
  userId?: string | null;
  name?: string | null;
  /** For status versions: the new status and the one before. */
  status?: StoryStatus;
  previousStatus?: StoryStatus | null;
  /** For restore versions: the number of the version restored. */
  restoredFrom?: number | null;
}

export type VersionListener = (version: VersionSummary) => void;

export interface VersionRecorderOptions {
  storage: Storage;
  logger: Logger;
  lookup: StoryLookup;
  contents: StoryContents;
  summaries: VersionSummaries;
}

/**
 * Makes versions, one at a time per story: the point of the log, who changed what since the
 * previous version (stored with it), and the listeners told of each.
 */
export class VersionRecorder {
  private readonly versionLock = new KeyedLock();
  private readonly listeners = new Set<VersionListener>();

  constructor(private readonly options: VersionRecorderOptions) {}

  /** Called with every version made (e.g. to add it to the activity feed). */
  onVersion(listener: VersionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes a version at the current end of the story's log (after what the live room holds is
   * stored). Automatic versions are skipped when nothing changed since the newest version;
   * `created` only when the story has no version yet. Status changes call this with
   * `{ reason: 'status', userId, status, previousStatus }` (done by StorageFeed).
   */
  async record(storyId: string, input: RecordVersionInput): Promise<VersionSummary | null> {
    const { storage, logger, lookup, contents, summaries } = this.options;
    const store = lookup.store();
    await lookup.flushRoom(storyId);
    return this.versionLock.run(storyId, async () => {
      const started = performance.now();
      // The creation version is the story as created (its first update), even if edits
      // followed before this ran; every other version is the end of the log now.
      const latest =
        input.reason === 'created'
          ? ((await store.loadUpdates(storyId, 0, END_OF_LOG, 1))[0] ?? null)
          : await store.latestUpdate(storyId);
      const seq = latest?.seq ?? 0;
      // Right after the read (no turn in between with SQLite): if the live room holds exactly
      // the log up to seq, its document is the version — no rebuild on the event loop.
      await contents.cacheLive(storyId, seq);
      await yieldToEventLoop();
      const versions = await store.listVersions(storyId);
      const previous = versions[versions.length - 1] ?? null;
      if (input.reason === 'auto' && (previous?.seq ?? 0) >= seq) return null;
      if (input.reason === 'created' && previous) return null;
      // The same move reported twice (the feed and an explicit call): one version.
      if (
        input.reason === 'status' &&
        previous?.reason === 'status' &&
        previous.seq === seq &&
        previous.status === input.status &&
        parseDetails(previous.details).previousStatus === (input.previousStatus ?? null)
      ) {
        return summaries.summarize(previous);
      }
      const story = await storage.getStory(storyId);
      if (!story) return null;
      const fromSeq = previous && previous.seq <= seq ? previous.seq : 0;
      // A turn between the steps: each rebuilds or compares a whole story.
      const before = await contents.at(storyId, fromSeq);
      await yieldToEventLoop();
      const after = await contents.at(storyId, seq, true);
      await yieldToEventLoop();
      const index = await contents.index(storyId, seq);
      await yieldToEventLoop();
      const comparison = compareContents(before, after, { index, fromSeq, toSeq: seq });
      await yieldToEventLoop();
      const stats = await store.updateStats(storyId, fromSeq, seq);
      const details: VersionDetails = {
        changes: comparison.changes,
        previousStatus: input.previousStatus ?? null,
        restoredFrom: input.restoredFrom ?? null,
      };
      const record = await store.insertVersion({
        storyId,
        seq,
        reason: input.reason,
        name: input.name ?? null,
        createdAt: Date.now(),
        createdBy: input.userId ?? null,
        editedAt: latest?.at ?? null,
        status: input.status ?? story.status,
        authors: stats.authors.map((a) => a.userId),
        details: JSON.stringify(details),
      });
      const summary = await summaries.summarize(record);
      logger.info(
        {
          storyId,
          version: record.number,
          reason: record.reason,
          seq,
          ms: Math.round(performance.now() - started),
        },
        'version created',
      );
      for (const listener of this.listeners) {
        try {
          listener(summary);
        } catch (err) {
          logger.warn({ err, storyId }, 'version listener failed');
        }
      }
      return summary;
    });
  }
}
