import type {
  AttributionResponse,
  ChangedSince,
  ChangesSinceSeenResponse,
  PublicUser,
  RestoreResponse,
  SeenResponse,
  StoryDiff,
  VersionListResponse,
  VersionStoryView,
  VersionSummary,
} from '@copydesk/shared';
import { notFound } from '../errors';
import type { Storage } from '../storage/storage';
import { AutomaticVersions } from './automatic-versions';
import { ComparisonViews } from './comparison-views';
import { type HistoryOptions, resolveHistorySettings } from './history-settings';
import { SeenChanges } from './seen-changes';
import { StoryContents } from './story-contents';
import { StoryLookup } from './story-lookup';
import { type RecordVersionInput, type VersionListener, VersionRecorder } from './version-recorder';
import { VersionRestorer } from './version-restorer';
import { VersionSummaries } from './version-summaries';
import { VersionViews } from './version-views';

export {
  HISTORY_DEFAULTS,
  type HistoryOptions,
  type HistorySettings,
} from './history-settings';
export type { RecordVersionInput, VersionListener } from './version-recorder';

/**
 * Version history of stories (issue 6): versions (automatic, named, at status moves, at
 * restores), the story as it was at any version (rebuilt from snapshots and the log, or read
 * from the live document when it holds exactly that point), comparisons, per-character
 * authorship, restore and "changes since I last looked".
 *
 * The parts: version-recorder.ts (making a version), automatic-versions.ts (the versions the
 * storage feed calls for, made in the background), version-views.ts (listing and opening),
 * comparison-views.ts (diffs and attribution), version-restorer.ts (restore), seen-changes.ts
 * ("changes since I last looked"); story-lookup.ts finds what they all need first.
 */
export class HistoryService {
  private readonly storage: Storage;
  private readonly lookup: StoryLookup;
  private readonly recorder: VersionRecorder;
  private readonly automatic: AutomaticVersions;
  private readonly versions: VersionViews;
  private readonly comparisons: ComparisonViews;
  private readonly restorer: VersionRestorer;
  private readonly seen: SeenChanges;

  constructor(options: HistoryOptions) {
    const { storage, registry, logger } = options;
    const settings = resolveHistorySettings(options);
    if (!storage.history) {
      logger.warn(
        { storage: storage.kind },
        'this storage has no version history: no versions are made, history routes answer 503',
      );
    }
    const lookup = new StoryLookup(storage, registry);
    const contents = new StoryContents({
      storage,
      registry,
      logger,
      checkpointEvery: settings.checkpointEvery,
      store: () => lookup.store(),
    });
    const summaries = new VersionSummaries(storage);
    const recorder = new VersionRecorder({ storage, logger, lookup, contents, summaries });
    const comparisons = new ComparisonViews({ registry, lookup, contents, summaries });
    this.storage = storage;
    this.lookup = lookup;
    this.recorder = recorder;
    this.automatic = new AutomaticVersions({
      storage,
      logger,
      settings,
      recorder,
      feed: options.feed,
    });
    this.versions = new VersionViews({
      lookup,
      contents,
      summaries,
      recorder,
      settleMs: settings.settleMs,
      settling: (storyId) => this.automatic.settling(storyId),
    });
    this.comparisons = comparisons;
    this.restorer = new VersionRestorer({ registry, logger, lookup, contents, recorder });
    this.seen = new SeenChanges({ storage, lookup, summaries, comparisons });
  }

  get available(): boolean {
    return this.storage.history !== undefined;
  }

  /** Called with every version made (e.g. to add it to the activity feed). */
  onVersion(listener: VersionListener): () => void {
    return this.recorder.onVersion(listener);
  }

  /* ---------------- automatic versions ---------------- */

  /** New updates were stored: (re)start the story's burst, or cut its version now. */
  noteAppended(storyId: string, count: number): void {
    this.automatic.noteAppended(storyId, count);
  }

  /** Makes the automatic versions of every burst still settling, now. */
  flushPending(): Promise<void> {
    return this.automatic.flushPending();
  }

  /** Resolves when the versions being made right now are made (pending bursts keep waiting). */
  idle(): Promise<void> {
    return this.automatic.idle();
  }

  /** Stops the timers, makes pending versions and waits for them (before storage closes). */
  close(): Promise<void> {
    return this.automatic.close();
  }

  /* ---------------- versions ---------------- */

  /** Makes a version at the current end of the story's log (see VersionRecorder.record). */
  recordVersion(storyId: string, input: RecordVersionInput): Promise<VersionSummary | null> {
    return this.recorder.record(storyId, input);
  }

  /** `POST …/versions {name}`. */
  async createNamedVersion(
    storyId: string,
    name: string,
    user: PublicUser,
  ): Promise<VersionSummary> {
    await this.lookup.requireStory(storyId);
    const version = await this.recorder.record(storyId, { reason: 'named', userId: user.id, name });
    if (!version) throw notFound('No story with this id.');
    return version;
  }

  listVersions(storyId: string): Promise<VersionListResponse> {
    return this.versions.listVersions(storyId);
  }

  /** `GET …/versions/:vid`: the story JSON as it was. */
  getVersion(storyId: string, vid: string): Promise<VersionStoryView> {
    return this.versions.getVersion(storyId, vid);
  }

  /* ---------------- comparison and authorship ---------------- */

  /** Field-by-field comparison of two points (`vid`, `current` or `seen`). */
  diff(storyId: string, fromParam: string, toParam: string, userId: string): Promise<StoryDiff> {
    return this.comparisons.diff(storyId, fromParam, toParam, userId);
  }

  /** Who wrote every character, at a version or now. */
  attribution(storyId: string, param: string, userId: string): Promise<AttributionResponse> {
    return this.comparisons.attribution(storyId, param, userId);
  }

  /* ---------------- restore ---------------- */

  /** A chief brings the story back to a version, as a new edit (see VersionRestorer.restore). */
  restore(storyId: string, vid: string, user: PublicUser): Promise<RestoreResponse> {
    return this.restorer.restore(storyId, vid, user);
  }

  /* ---------------- changes since I last looked ---------------- */

  markSeen(storyId: string, userId: string): Promise<SeenResponse> {
    return this.seen.markSeen(storyId, userId);
  }

  /** For the desk list: per story, whether others changed it since this user last looked. */
  changedSince(userId: string, storyIds?: string[]): Promise<ChangedSince[]> {
    return this.seen.changedSince(userId, storyIds);
  }

  changesSinceSeen(storyId: string, userId: string): Promise<ChangesSinceSeenResponse> {
    return this.seen.changesSinceSeen(storyId, userId);
  }
}
