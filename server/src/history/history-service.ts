import {
  type AttributionResponse,
  type ChangedSince,
  type ChangesSinceSeenResponse,
  CURRENT_POINT,
  ErrorCode,
  HISTORY_TEXT_FIELDS,
  type HistoryPoint,
  type HistoryTextField,
  type PublicUser,
  type RestoreResponse,
  readFields,
  SEEN_POINT,
  type SeenResponse,
  type StoryDiff,
  type StoryStatus,
  type StoryView,
  type VersionListResponse,
  type VersionReason,
  type VersionStoryView,
  type VersionSummary,
} from '@copydesk/shared';
import { HttpError, notFound, serviceUnavailable } from '../errors';
import { yieldToEventLoop } from '../event-loop';
import { iso } from '../iso-time';
import { KeyedLock } from '../keyed-lock';
import type { Logger } from '../logger';
import type {
  HistoryStore,
  StatusChangeRecord,
  Storage,
  StoryRecord,
  VersionRecord,
} from '../storage/storage';
import type { RoomRegistry } from '../sync/room-registry';
import { attributeText, compareContents, comparisonUserIds } from './compare';
import { contentFields, type DocContent, readContent } from './doc-content';
import { applyContent, matchesContent } from './restore';
import type { StorageFeed } from './storage-feed';
import { StoryContents } from './story-contents';
import { describeChanges } from './summary';
import { VersionBursts } from './version-bursts';
import { parseDetails, type VersionDetails, VersionSummaries } from './version-summaries';

/** Settings (all optional; see server/src/history/README.md for the matching env names). */
export interface HistorySettings {
  /** A version is made once a story has had no new update for this long. Default 60 s. */
  settleMs?: number;
  /** …or as soon as this many updates are not in a version yet. Default 500. */
  maxUpdatesPerVersion?: number;
  /** …or when a burst of editing has lasted this long without settling. Default 10 min. */
  maxBurstMs?: number;
  /**
   * A long burst is cut (by count or age) at most this often per story. Without it a fast
   * typist or a paste-heavy session makes a version every few seconds — noise in the history
   * panel, and each one is a rebuild. Quiet-time versions (settleMs) are never delayed by it.
   * Default 30 s.
   */
  minCutGapMs?: number;
  /**
   * A version whose state needed more than this many log updates on top of the nearest snapshot
   * gets a snapshot of its own (a checkpoint), so opening it later is one snapshot read.
   * Default 500.
   */
  checkpointEvery?: number;
}

export interface HistoryOptions extends HistorySettings {
  storage: Storage;
  registry: RoomRegistry;
  logger: Logger;
  /** Reports appends, new stories and status moves (see storage-feed.ts). */
  feed?: StorageFeed;
}

export const HISTORY_DEFAULTS: Required<HistorySettings> = {
  settleMs: 60_000,
  maxUpdatesPerVersion: 500,
  maxBurstMs: 10 * 60_000,
  minCutGapMs: 30_000,
  checkpointEvery: 500,
};

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

const END_OF_LOG = Number.MAX_SAFE_INTEGER;
const VERSION_ID = /^[1-9]\d{0,8}$/;

interface ResolvedPoint {
  point: HistoryPoint;
  content: DocContent;
  seq: number;
}

export type VersionListener = (version: VersionSummary) => void;

/**
 * Version history of stories (issue 6): versions (automatic, named, at status moves, at
 * restores), the story as it was at any version (rebuilt from snapshots and the log, never from
 * the live document), comparisons, per-character authorship, restore and "changes since I last
 * looked".
 */
export class HistoryService {
  private readonly settings: Required<HistorySettings>;
  private readonly storage: Storage;
  private readonly registry: RoomRegistry;
  private readonly logger: Logger;
  private readonly versionLock = new KeyedLock();
  private readonly contents: StoryContents;
  private readonly summaries: VersionSummaries;
  private readonly bursts: VersionBursts;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The background version being made: the next one starts when it is done. */
  private backgroundTail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<VersionListener>();
  private readonly unsubscribe: (() => void) | null;
  private closed = false;

  constructor(options: HistoryOptions) {
    this.storage = options.storage;
    this.registry = options.registry;
    this.logger = options.logger;
    this.settings = {
      settleMs: options.settleMs ?? HISTORY_DEFAULTS.settleMs,
      maxUpdatesPerVersion: options.maxUpdatesPerVersion ?? HISTORY_DEFAULTS.maxUpdatesPerVersion,
      maxBurstMs: options.maxBurstMs ?? HISTORY_DEFAULTS.maxBurstMs,
      minCutGapMs: options.minCutGapMs ?? HISTORY_DEFAULTS.minCutGapMs,
      checkpointEvery: options.checkpointEvery ?? HISTORY_DEFAULTS.checkpointEvery,
    };
    this.contents = new StoryContents({
      storage: this.storage,
      registry: this.registry,
      logger: this.logger,
      checkpointEvery: this.settings.checkpointEvery,
      store: () => this.store(),
    });
    this.summaries = new VersionSummaries(this.storage);
    this.bursts = new VersionBursts({
      ...this.settings,
      cut: (storyId) =>
        this.background(storyId, 'automatic version', () =>
          this.recordVersion(storyId, { reason: 'auto' }),
        ),
    });
    if (!this.storage.history) {
      this.logger.warn(
        { storage: this.storage.kind },
        'this storage has no version history: no versions are made, history routes answer 503',
      );
    }
    this.unsubscribe =
      options.feed?.subscribe({
        appended: (storyId, run) => this.noteAppended(storyId, run.updates.length),
        created: (story) => this.noteCreated(story),
        statusChanged: (change) => this.noteStatusChanged(change),
      }) ?? null;
  }

  get available(): boolean {
    return this.storage.history !== undefined;
  }

  /** Called with every version made (e.g. to add it to the activity feed). */
  onVersion(listener: VersionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private store(): HistoryStore {
    const store = this.storage.history;
    if (!store) {
      throw serviceUnavailable('This storage does not keep version history.');
    }
    return store;
  }

  /**
   * Background work is tracked so `close()` can wait for it; failures are logged, never thrown.
   * It runs one piece at a time, across stories, each from a later turn and yielding between
   * its steps (recordVersion): every story of a busy desk reaches maxUpdatesPerVersion in the
   * same second, and their versions made back to back were one 142-ms stretch of the event
   * loop with 20 stories, measured in the fan-out benchmark — every editor's keystroke behind it.
   */
  private background(storyId: string, what: string, work: () => Promise<unknown>): void {
    if (this.closed || !this.available) return;
    const promise = this.backgroundTail
      .then(yieldToEventLoop)
      .then(work)
      .catch((err: unknown) => this.logger.warn({ err, storyId }, `history: ${what} failed`));
    this.backgroundTail = promise;
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  /* ---------------- automatic versions ---------------- */

  /** New updates were stored: (re)start the story's burst, or cut its version now. */
  noteAppended(storyId: string, count: number): void {
    if (this.closed || !this.available) return;
    this.bursts.appended(storyId, count);
  }

  private noteCreated(story: StoryRecord): void {
    this.background(story.id, 'creation version', () =>
      this.recordVersion(story.id, { reason: 'created', userId: story.createdBy }),
    );
  }

  private noteStatusChanged(change: StatusChangeRecord): void {
    this.background(change.storyId, 'status version', () =>
      this.recordVersion(change.storyId, {
        reason: 'status',
        userId: change.userId,
        status: change.to,
        previousStatus: change.from,
      }),
    );
  }

  /** Makes the automatic versions of every burst still settling, now. */
  async flushPending(): Promise<void> {
    this.bursts.settleAll();
    await Promise.all([...this.inFlight]);
  }

  /** Resolves when the versions being made right now are made (pending bursts keep waiting). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Stops the timers, makes pending versions and waits for them (before storage closes). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushPending().catch(() => undefined);
    this.closed = true;
    this.bursts.stop();
    this.unsubscribe?.();
    await Promise.allSettled([...this.inFlight]);
  }

  /* ---------------- versions ---------------- */

  private async requireStory(storyId: string): Promise<StoryRecord> {
    const story = await this.storage.getStory(storyId);
    if (!story) throw notFound('No story with this id.');
    return story;
  }

  /** Waits until the loaded room (if any) has stored everything it holds. */
  private async flushRoom(storyId: string): Promise<void> {
    const room = this.registry.loaded(storyId);
    // A room whose store failed is dropped and reloaded: the version reads storage instead.
    if (room) await room.whenStoredAsync().catch(() => undefined);
  }

  /**
   * Makes a version at the current end of the story's log (after what the live room holds is
   * stored). Automatic versions are skipped when nothing changed since the newest version;
   * `created` only when the story has no version yet. Status changes call this with
   * `{ reason: 'status', userId, status, previousStatus }` (done by StorageFeed).
   */
  async recordVersion(storyId: string, input: RecordVersionInput): Promise<VersionSummary | null> {
    const store = this.store();
    await this.flushRoom(storyId);
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
      await this.contents.cacheLive(storyId, seq);
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
        return this.summaries.summarize(previous);
      }
      const story = await this.storage.getStory(storyId);
      if (!story) return null;
      const fromSeq = previous && previous.seq <= seq ? previous.seq : 0;
      // A turn between the steps: each rebuilds or compares a whole story.
      const before = await this.contents.at(storyId, fromSeq);
      await yieldToEventLoop();
      const after = await this.contents.at(storyId, seq, true);
      await yieldToEventLoop();
      const index = await this.contents.index(storyId, seq);
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
      const summary = await this.summaries.summarize(record);
      this.logger.info(
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
          this.logger.warn({ err, storyId }, 'version listener failed');
        }
      }
      return summary;
    });
  }

  /** `POST …/versions {name}`. */
  async createNamedVersion(
    storyId: string,
    name: string,
    user: PublicUser,
  ): Promise<VersionSummary> {
    await this.requireStory(storyId);
    const version = await this.recordVersion(storyId, { reason: 'named', userId: user.id, name });
    if (!version) throw notFound('No story with this id.');
    return version;
  }

  async listVersions(storyId: string): Promise<VersionListResponse> {
    const store = this.store();
    await this.requireStory(storyId);
    let records = await store.listVersions(storyId);
    let head = await store.updateStats(storyId, records[records.length - 1]?.seq ?? 0, END_OF_LOG);
    // Edits that settled while no timer was watching (a restart, another instance): version
    // them now, so the list is complete.
    if (
      head.count > 0 &&
      !this.bursts.has(storyId) &&
      head.lastAt !== null &&
      Date.now() - head.lastAt >= this.settings.settleMs
    ) {
      await this.recordVersion(storyId, { reason: 'auto' });
      records = await store.listVersions(storyId);
      head = await store.updateStats(storyId, records[records.length - 1]?.seq ?? 0, END_OF_LOG);
    }
    const latest = await store.latestUpdate(storyId);
    const users = await this.summaries.users([
      ...records.flatMap((r) => [
        r.createdBy,
        ...r.authors,
        ...parseDetails(r.details).changes.map((c) => c.userId),
      ]),
      ...head.authors.map((a) => a.userId),
    ]);
    return {
      storyId,
      versions: records.reverse().map((r) => this.summaries.toSummary(r, users)),
      head: {
        seq: latest?.seq ?? 0,
        editedAt: latest ? iso(latest.at) : null,
        unversionedUpdates: head.count,
        unversionedAuthors: head.authors.map((a) => this.summaries.userOf(a.userId, users)),
      },
    };
  }

  private async version(storyId: string, vid: string): Promise<VersionRecord> {
    const store = this.store();
    await this.requireStory(storyId);
    const record = VERSION_ID.test(vid) ? await store.getVersion(storyId, Number(vid)) : null;
    if (!record) throw notFound('No version with this id.');
    return record;
  }

  /** `GET …/versions/:vid`: the story JSON as it was. */
  async getVersion(storyId: string, vid: string): Promise<VersionStoryView> {
    const record = await this.version(storyId, vid);
    const story = await this.requireStory(storyId);
    const content = await this.contents.at(storyId, record.seq);
    const summary = await this.summaries.summarize(record);
    return {
      id: storyId,
      ...contentFields(content),
      status: record.status,
      createdAt: iso(story.createdAt),
      updatedAt: iso(record.editedAt ?? record.createdAt),
      version: summary,
    };
  }

  /* ---------------- comparison and authorship ---------------- */

  private async point(storyId: string, param: string, userId: string): Promise<ResolvedPoint> {
    const store = this.store();
    if (param === CURRENT_POINT) {
      await this.requireStory(storyId);
      const content = await this.registry.withRoom(storyId, (room) => readContent(room.doc));
      const latest = await store.latestUpdate(storyId);
      return {
        content,
        seq: latest?.seq ?? 0,
        point: {
          kind: 'current',
          version: null,
          label: 'Current',
          seq: latest?.seq ?? 0,
          at: latest ? iso(latest.at) : null,
        },
      };
    }
    if (param === SEEN_POINT) {
      await this.requireStory(storyId);
      const mark = await store.getSeen(storyId, userId);
      if (!mark) throw notFound('You have not looked at this story before.');
      return {
        content: await this.contents.at(storyId, mark.seq),
        seq: mark.seq,
        point: { kind: 'seen', version: null, label: 'Last seen', seq: mark.seq, at: iso(mark.at) },
      };
    }
    const record = await this.version(storyId, param);
    return {
      content: await this.contents.at(storyId, record.seq),
      seq: record.seq,
      point: {
        kind: 'version',
        version: { id: String(record.number), number: record.number },
        label: `Version ${record.number}${record.name ? ` · ${record.name}` : ''}`,
        seq: record.seq,
        at: record.editedAt === null ? null : iso(record.editedAt),
      },
    };
  }

  /** Field-by-field comparison of two points (`vid`, `current` or `seen`). */
  async diff(
    storyId: string,
    fromParam: string,
    toParam: string,
    userId: string,
  ): Promise<StoryDiff> {
    const from = await this.point(storyId, fromParam, userId);
    const to = await this.point(storyId, toParam, userId);
    const index = await this.contents.index(storyId, Math.max(from.seq, to.seq));
    const comparison = compareContents(from.content, to.content, {
      index,
      fromSeq: from.seq,
      toSeq: to.seq,
    });
    const users = await this.summaries.users(comparisonUserIds(comparison));
    return {
      storyId,
      from: from.point,
      to: to.point,
      fields: comparison.fields,
      takeaways: comparison.takeaways,
      changed: comparison.changed,
      summary: comparison.changed
        ? describeChanges(comparison.changes, users) || 'Changes by unknown authors'
        : 'No changes',
      changes: comparison.changes,
      users,
    };
  }

  /** Who wrote every character, at a version or now. */
  async attribution(storyId: string, param: string, userId: string): Promise<AttributionResponse> {
    const at = await this.point(storyId, param, userId);
    const index = await this.contents.index(storyId, at.seq);
    const fields = {} as AttributionResponse['fields'];
    for (const name of HISTORY_TEXT_FIELDS) {
      const f = at.content.fields[name as HistoryTextField];
      fields[name] = attributeText(f.text, f.segments, index);
    }
    fields.takeaways = at.content.takeaways.map((t) => attributeText(t.text, t.segments, index));
    const ids = new Set<string>();
    for (const name of HISTORY_TEXT_FIELDS)
      for (const r of fields[name]) if (r.userId) ids.add(r.userId);
    for (const list of fields.takeaways) for (const r of list) if (r.userId) ids.add(r.userId);
    return { storyId, at: at.point, fields, users: await this.summaries.users(ids) };
  }

  /* ---------------- restore ---------------- */

  /**
   * Brings every field back to the version's text as a new edit by `user` on the live document
   * (so everyone sees it live, it is stored and attributed like any edit, and restoring an
   * earlier version undoes it). Only changed ranges are touched. Makes a `restore` version.
   */
  async restore(storyId: string, vid: string, user: PublicUser): Promise<RestoreResponse> {
    if (user.role !== 'chief')
      throw new HttpError(403, ErrorCode.forbidden, 'Only a desk chief can restore a version.');
    const record = await this.version(storyId, vid);
    const target = await this.contents.at(storyId, record.seq);
    const exact = await this.registry.withRoom(storyId, async (room) => {
      room.editAsServer(user.id, (doc) => applyContent(doc, target));
      const ok = matchesContent(room.doc, target);
      await room.whenStoredAsync();
      return ok;
    });
    if (!exact)
      this.logger.error(
        { storyId, version: record.number },
        'restore did not reproduce the version exactly',
      );
    const version = await this.recordVersion(storyId, {
      reason: 'restore',
      userId: user.id,
      restoredFrom: record.number,
    });
    if (!version) throw notFound('No story with this id.');
    this.logger.info({ storyId, version: record.number, user: user.username }, 'version restored');
    return { version, story: await this.view(storyId) };
  }

  /** The live JSON view (as GET /api/stories/:id). */
  private async view(storyId: string): Promise<StoryView> {
    const fields = await this.registry.withRoom(storyId, (room) => readFields(room.doc));
    const story = await this.requireStory(storyId);
    return {
      id: storyId,
      ...fields,
      status: story.status,
      createdAt: iso(story.createdAt),
      updatedAt: iso(story.updatedAt),
    };
  }

  /* ---------------- changes since I last looked ---------------- */

  async markSeen(storyId: string, userId: string): Promise<SeenResponse> {
    const store = this.store();
    await this.requireStory(storyId);
    await this.flushRoom(storyId);
    const latest = await store.latestUpdate(storyId);
    const at = Date.now();
    const seq = latest?.seq ?? 0;
    await store.markSeen({ storyId, userId, seq, at });
    return { storyId, seq, at: iso(at) };
  }

  /** For the desk list: per story, whether others changed it since this user last looked. */
  async changedSince(userId: string, storyIds?: string[]): Promise<ChangedSince[]> {
    const store = this.store();
    const ids = storyIds ?? (await this.storage.listStories()).map((s) => s.id);
    const marks = new Map((await store.listSeen(userId)).map((m) => [m.storyId, m]));
    const rows = await Promise.all(
      ids.map(async (storyId) => {
        const mark = marks.get(storyId) ?? null;
        const stats = await store.updateStats(storyId, mark?.seq ?? 0, END_OF_LOG, userId);
        return { storyId, mark, stats };
      }),
    );
    const users = await this.summaries.users(
      rows.flatMap((r) => r.stats.authors.map((a) => a.userId)),
    );
    return rows.map(({ storyId, mark, stats }) => ({
      storyId,
      seenSeq: mark?.seq ?? null,
      seenAt: mark ? iso(mark.at) : null,
      changed: stats.count > 0,
      updates: stats.count,
      authors: stats.authors.map((a) => this.summaries.userOf(a.userId, users)),
      lastEditAt: stats.lastAt === null ? null : iso(stats.lastAt),
    }));
  }

  async changesSinceSeen(storyId: string, userId: string): Promise<ChangesSinceSeenResponse> {
    await this.requireStory(storyId);
    const [summary] = await this.changedSince(userId, [storyId]);
    if (!summary) throw notFound('No story with this id.');
    const diff =
      summary.changed && summary.seenSeq !== null
        ? await this.diff(storyId, SEEN_POINT, CURRENT_POINT, userId)
        : null;
    return { ...summary, diff };
  }
}
