import {
  ErrorCode,
  type PublicUser,
  type RestoreResponse,
  readFields,
  type StoryView,
} from '@copydesk/shared';
import { HttpError, notFound } from '../errors';
import { iso } from '../iso-time';
import type { Logger } from '../logger';
import type { RoomRegistry } from '../sync/room-registry';
import { applyContent, matchesContent } from './restore';
import type { StoryContents } from './story-contents';
import type { StoryLookup } from './story-lookup';
import type { VersionRecorder } from './version-recorder';

export interface VersionRestorerOptions {
  registry: RoomRegistry;
  logger: Logger;
  lookup: StoryLookup;
  contents: StoryContents;
  recorder: VersionRecorder;
}

/** Restores a version on the live room (the edits themselves are restore.ts). */
export class VersionRestorer {
  constructor(private readonly options: VersionRestorerOptions) {}

  /**
   * Brings every field back to the version's text as a new edit by `user` on the live document
   * (so everyone sees it live, it is stored and attributed like any edit, and restoring an
   * earlier version undoes it). Only changed ranges are touched. Makes a `restore` version.
   */
  async restore(storyId: string, vid: string, user: PublicUser): Promise<RestoreResponse> {
    const { registry, logger, lookup, contents, recorder } = this.options;
    if (user.role !== 'chief')
      throw new HttpError(403, ErrorCode.forbidden, 'Only a desk chief can restore a version.');
    const record = await lookup.version(storyId, vid);
    const target = await contents.at(storyId, record.seq);
    const exact = await registry.withRoom(storyId, async (room) => {
      room.editAsServer(user.id, (doc) => applyContent(doc, target));
      const ok = matchesContent(room.doc, target);
      await room.whenStoredAsync();
      return ok;
    });
    if (!exact)
      logger.error(
        { storyId, version: record.number },
        'restore did not reproduce the version exactly',
      );
    const version = await recorder.record(storyId, {
      reason: 'restore',
      userId: user.id,
      restoredFrom: record.number,
    });
    if (!version) throw notFound('No story with this id.');
    logger.info({ storyId, version: record.number, user: user.username }, 'version restored');
    return { version, story: await this.view(storyId) };
  }

  /** The live JSON view (as GET /api/stories/:id). */
  private async view(storyId: string): Promise<StoryView> {
    const fields = await this.options.registry.withRoom(storyId, (room) => readFields(room.doc));
    const story = await this.options.lookup.requireStory(storyId);
    return {
      id: storyId,
      ...fields,
      status: story.status,
      createdAt: iso(story.createdAt),
      updatedAt: iso(story.updatedAt),
    };
  }
}
