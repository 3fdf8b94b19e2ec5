import type { VersionListResponse, VersionStoryView } from '@copydesk/shared';
import { iso } from '../iso-time';
import { contentFields } from './doc-content';
import type { StoryContents } from './story-contents';
import { END_OF_LOG, type StoryLookup } from './story-lookup';
import type { VersionRecorder } from './version-recorder';
import type { VersionSummaries } from './version-summaries';

export interface VersionViewsOptions {
  lookup: StoryLookup;
  contents: StoryContents;
  summaries: VersionSummaries;
  recorder: VersionRecorder;
  /** Quiet time after which a burst becomes a version (HistorySettings.settleMs). */
  settleMs: number;
  /** Whether a settle timer of this process is watching the story's latest edits. */
  settling: (storyId: string) => boolean;
}

/** A story's versions as the API serves them: the list, and the story as it was at one. */
export class VersionViews {
  constructor(private readonly options: VersionViewsOptions) {}

  async listVersions(storyId: string): Promise<VersionListResponse> {
    const { lookup, summaries, recorder } = this.options;
    const store = lookup.store();
    await lookup.requireStory(storyId);
    let records = await store.listVersions(storyId);
    let head = await store.updateStats(storyId, records[records.length - 1]?.seq ?? 0, END_OF_LOG);
    // Edits that settled while no timer was watching (a restart, another instance): version
    // them now, so the list is complete.
    if (
      head.count > 0 &&
      !this.options.settling(storyId) &&
      head.lastAt !== null &&
      Date.now() - head.lastAt >= this.options.settleMs
    ) {
      await recorder.record(storyId, { reason: 'auto' });
      records = await store.listVersions(storyId);
      head = await store.updateStats(storyId, records[records.length - 1]?.seq ?? 0, END_OF_LOG);
    }
    const latest = await store.latestUpdate(storyId);
    const { summaries: versions, users } = await summaries.summarizeAll(
      records.reverse(),
      head.authors.map((a) => a.userId),
    );
    return {
      storyId,
      versions,
      head: {
        seq: latest?.seq ?? 0,
        editedAt: latest ? iso(latest.at) : null,
        unversionedUpdates: head.count,
        unversionedAuthors: head.authors.map((a) => summaries.userOf(a.userId, users)),
      },
    };
  }

  /** `GET …/versions/:vid`: the story JSON as it was. */
  async getVersion(storyId: string, vid: string): Promise<VersionStoryView> {
    const { lookup, contents, summaries } = this.options;
    const record = await lookup.version(storyId, vid);
    const story = await lookup.requireStory(storyId);
    const content = await contents.at(storyId, record.seq);
    const summary = await summaries.summarize(record);
    return {
      id: storyId,
      ...contentFields(content),
      status: record.status,
      createdAt: iso(story.createdAt),
      updatedAt: iso(record.editedAt ?? record.createdAt),
      version: summary,
    };
  }
}
