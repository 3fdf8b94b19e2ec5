import {
  type CommentCountsResponse,
  CommentEvent,
  type CommentListResponse,
  type CommentThread,
  type CreateCommentBody,
  canWrite,
  type MarkNotificationsReadBody,
  type NotificationListResponse,
  type PublicUser,
} from '@copydesk/shared';
import { UserDirectory } from '../activity/user-directory';
import { forbidden, notFound } from '../errors';
import { iso } from '../iso-time';
import type { Logger } from '../logger';
import type { CommentRecord, CommentStore, Storage } from '../storage/storage';
import { createAnchor } from './anchors';
import { CommentFeed, type CommentListener } from './comment-feed';
import { newId, requireCommentStore } from './comment-records';
import type { DocAccess } from './doc-access';
import { MentionNotifications } from './mention-notifications';
import { type ThreadViews, threadViews } from './thread-views';

export type { CommentListener, CommentLiveEvent } from './comment-feed';
export { type DocAccess, roomDocs } from './doc-access';

export interface CommentServiceOptions {
  storage: Storage;
  docs: DocAccess;
  logger: Logger;
  users?: UserDirectory;
}

export type ThreadFilter = 'open' | 'resolved' | 'all';

/**
 * Comment threads, replies, resolve/reopen and @mention notifications. Anchors live in the
 * document's coordinates (Yjs relative positions); nothing is ever written into the document.
 */
export class CommentService {
  readonly users: UserDirectory;
  private readonly feed: CommentFeed;
  private readonly mentions: MentionNotifications;

  constructor(private readonly options: CommentServiceOptions) {
    this.users = options.users ?? new UserDirectory(options.storage);
    this.feed = new CommentFeed(options.logger);
    this.mentions = new MentionNotifications(options.storage, this.users, this.feed);
  }

  /** Live events for the desk channel. Returns the unsubscribe function. */
  subscribe(listener: CommentListener): () => void {
    return this.feed.subscribe(listener);
  }

  private requireStore(): CommentStore {
    return requireCommentStore(this.options.storage);
  }

  private async requireStory(storyId: string): Promise<{ headline: string }> {
    const story = await this.options.storage.getStory(storyId);
    if (!story) throw notFound('No story with this id.');
    return story;
  }

  /** Every thread of the story, as the API shows them. */
  private async views(storyId: string): Promise<ThreadViews> {
    return threadViews(
      this.users,
      this.options.docs,
      storyId,
      await this.requireStore().listComments(storyId),
    );
  }

  private async thread(
    storyId: string,
    threadId: string,
  ): Promise<{ thread: CommentThread; unresolved: number }> {
    const { threads, unresolved } = await this.views(storyId);
    const thread = threads.find((t) => t.id === threadId);
    if (!thread) throw notFound('No comment with this id on this story.');
    return { thread, unresolved };
  }

  async list(storyId: string, filter: ThreadFilter = 'all'): Promise<CommentListResponse> {
    await this.requireStory(storyId);
    const { threads, unresolved } = await this.views(storyId);
    const shown =
      filter === 'all' ? threads : threads.filter((t) => t.resolved === (filter === 'resolved'));
    return { storyId, threads: shown, unresolved, total: threads.length };
  }

  private assertCanComment(user: PublicUser): void {
    if (!canWrite(user.role)) throw forbidden('Your role can read comments but not write them.');
  }

  async create(storyId: string, user: PublicUser, body: CreateCommentBody): Promise<CommentThread> {
    this.assertCanComment(user);
    const story = await this.requireStory(storyId);
    const store = this.requireStore();
    const anchor = await this.options.docs.withDoc(storyId, (doc) =>
      createAnchor(doc, body.anchor),
    );
    const id = newId('c');
    const createdAt = Date.now();
    const { ids, notifications } = await this.mentions.find(body.text, user, {
      id,
      storyId,
      threadId: id,
      createdAt,
    });
    const record: CommentRecord = {
      id,
      storyId,
      threadId: id,
      userId: user.id,
      text: body.text,
      createdAt,
      field: anchor.field,
      takeawayIndex: anchor.takeawayIndex,
      relStart: anchor.relStart,
      relEnd: anchor.relEnd,
      quote: anchor.quote,
      resolvedAt: null,
      resolvedBy: null,
      stateChangedAt: null,
      mentions: ids,
    };
    await store.insertComment(record, notifications);
    const { thread, unresolved } = await this.thread(storyId, id);
    this.feed.emit({
      type: CommentEvent.created,
      payload: { storyId, thread, comment: thread, unresolved },
    });
    await this.mentions.notify(notifications, story.headline);
    return thread;
  }

  private async threadRoot(storyId: string, commentId: string): Promise<CommentRecord> {
    const store = this.requireStore();
    const comment = await store.getComment(commentId);
    if (!comment || comment.storyId !== storyId) {
      throw notFound('No comment with this id on this story.');
    }
    const root =
      comment.threadId === comment.id ? comment : await store.getComment(comment.threadId);
    if (!root) throw notFound('No comment with this id on this story.');
    return root;
  }

  /** Replies to the thread of `commentId` (a thread's first comment or any reply in it). */
  async reply(
    storyId: string,
    commentId: string,
    user: PublicUser,
    text: string,
  ): Promise<CommentThread> {
    this.assertCanComment(user);
    const story = await this.requireStory(storyId);
    const root = await this.threadRoot(storyId, commentId);
    const id = newId('c');
    const createdAt = Date.now();
    const { ids, notifications } = await this.mentions.find(text, user, {
      id,
      storyId,
      threadId: root.id,
      createdAt,
    });
    await this.requireStore().insertComment(
      {
        id,
        storyId,
        threadId: root.id,
        userId: user.id,
        text,
        createdAt,
        field: null,
        takeawayIndex: null,
        relStart: null,
        relEnd: null,
        quote: null,
        resolvedAt: null,
        resolvedBy: null,
        stateChangedAt: null,
        mentions: ids,
      },
      notifications,
    );
    const { thread, unresolved } = await this.thread(storyId, root.id);
    const comment = thread.replies.find((r) => r.id === id);
    if (comment) {
      this.feed.emit({
        type: CommentEvent.created,
        payload: { storyId, thread, comment, unresolved },
      });
    }
    await this.mentions.notify(notifications, story.headline);
    return thread;
  }

  /** Resolves or reopens the thread of `commentId`; idempotent (no event when nothing changed). */
  async setResolved(
    storyId: string,
    commentId: string,
    user: PublicUser,
    resolved: boolean,
  ): Promise<CommentThread> {
    this.assertCanComment(user);
    await this.requireStory(storyId);
    const root = await this.threadRoot(storyId, commentId);
    const changed = await this.requireStore().setThreadResolved(
      root.id,
      resolved ? user.id : null,
      Date.now(),
    );
    const { thread, unresolved } = await this.thread(storyId, root.id);
    if (changed) {
      this.feed.emit({
        type: CommentEvent.updated,
        payload: { storyId, action: resolved ? 'resolved' : 'reopened', thread, unresolved },
      });
    }
    return thread;
  }

  async counts(): Promise<CommentCountsResponse> {
    const rows = await this.requireStore().commentCounts();
    return {
      stories: Object.fromEntries(
        rows.map((r) => [
          r.storyId,
          { unresolved: r.unresolved, total: r.total, lastCommentAt: iso(r.lastCommentAt) },
        ]),
      ),
    };
  }

  notifications(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationListResponse> {
    return this.mentions.list(userId, unreadOnly, limit);
  }

  markRead(userId: string, body: MarkNotificationsReadBody): Promise<{ unread: number }> {
    return this.mentions.markRead(userId, body);
  }
}
