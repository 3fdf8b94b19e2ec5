import {
  type ChangedSince,
  type ChangesSinceSeenResponse,
  CURRENT_POINT,
  SEEN_POINT,
  type SeenResponse,
} from '@copydesk/shared';
import { notFound } from '../errors';
import { iso } from '../iso-time';
import type { Storage } from '../storage/storage';
import type { ComparisonViews } from './comparison-views';
import { END_OF_LOG, type StoryLookup } from './story-lookup';
import type { VersionSummaries } from './version-summaries';

export interface SeenChangesOptions {
  storage: Storage;
  lookup: StoryLookup;
  summaries: VersionSummaries;
  comparisons: ComparisonViews;
}

/** "Changes since I last looked": where each user last looked, and what others did since. */
export class SeenChanges {
  constructor(private readonly options: SeenChangesOptions) {}

  async markSeen(storyId: string, userId: string): Promise<SeenResponse> {
    const { lookup } = this.options;
    const store = lookup.store();
    await lookup.requireStory(storyId);
    await lookup.flushRoom(storyId);
    const latest = await store.latestUpdate(storyId);
    const at = Date.now();
    const seq = latest?.seq ?? 0;
    await store.markSeen({ storyId, userId, seq, at });
    return { storyId, seq, at: iso(at) };
  }

  /** For the desk list: per story, whether others changed it since this user last looked. */
  async changedSince(userId: string, storyIds?: string[]): Promise<ChangedSince[]> {
    const { storage, lookup, summaries } = this.options;
    const store = lookup.store();
    const ids = storyIds ?? (await storage.listStories()).map((s) => s.id);
    const marks = new Map((await store.listSeen(userId)).map((m) => [m.storyId, m]));
    const rows = await Promise.all(
      ids.map(async (storyId) => {
        const mark = marks.get(storyId) ?? null;
        const stats = await store.updateStats(storyId, mark?.seq ?? 0, END_OF_LOG, userId);
        return { storyId, mark, stats };
      }),
    );
    const users = await summaries.users(rows.flatMap((r) => r.stats.authors.map((a) => a.userId)));
    return rows.map(({ storyId, mark, stats }) => ({
      storyId,
      seenSeq: mark?.seq ?? null,
      seenAt: mark ? iso(mark.at) : null,
      changed: stats.count > 0,
      updates: stats.count,
      authors: stats.authors.map((a) => summaries.userOf(a.userId, users)),
      lastEditAt: stats.lastAt === null ? null : iso(stats.lastAt),
    }));
  }

  async changesSinceSeen(storyId: string, userId: string): Promise<ChangesSinceSeenResponse> {
    await this.options.lookup.requireStory(storyId);
    const [summary] = await this.changedSince(userId, [storyId]);
    if (!summary) throw notFound('No story with this id.');
    const diff =
      summary.changed && summary.seenSeq !== null
        ? await this.options.comparisons.diff(storyId, SEEN_POINT, CURRENT_POINT, userId)
        : null;
    return { ...summary, diff };
  }
}
