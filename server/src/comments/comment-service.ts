import { randomBytes } from 'node:crypto';
import {
  type CommentCountsResponse,
  CommentEvent,
  type CommentListResponse,
  type CommentNewPayload,
  type CommentThread,
  type CommentUpdatedPayload,
  type CommentUser,
  type CommentView,
  type CreateCommentBody,
  canWrite,
  type MarkNotificationsReadBody,
  type MentionNewPayload,
  type NotificationListResponse,
  type NotificationView,
  type PublicUser,
  parseMentions,
  type ResolvedAnchor,
} from '@copydesk/shared';
import type * as Y from 'yjs';
import { UserDirectory } from '../activity/user-directory';
import { forbidden, notFound } from '../errors';
import { iso } from '../iso-time';
import type { Logger } from '../logger';
import type { CommentRecord, CommentStore, NotificationRecord, Storage } from '../storage/storage';
import type { RoomRegistry } from '../sync/room-registry';
import { anchorOrder, createAnchor, resolveAnchor } from './anchors';

/** Read access to a story's live document (the sync layer's room, loaded briefly if needed). */
export interface DocAccess {
  withDoc<T>(storyId: string, fn: (doc: Y.Doc) => T): Promise<T>;
}

/** DocAccess over the sync layer's rooms: the same live document every editor is on. */
export const roomDocs = (registry: RoomRegistry): DocAccess => ({
  withDoc: (storyId, fn) => registry.withRoom(storyId, (room) => fn(room.doc)),
});

export type CommentLiveEvent =
  | { type: typeof CommentEvent.created; payload: CommentNewPayload }
  | { type: typeof CommentEvent.updated; payload: CommentUpdatedPayload }
  | { type: typeof CommentEvent.mention; payload: MentionNewPayload };

export type CommentListener = (event: CommentLiveEvent) => void;

export interface CommentServiceOptions {
  storage: Storage;
  docs: DocAccess;
  logger: Logger;
  users?: UserDirectory;
}

export type ThreadFilter = 'open' | 'resolved' | 'all';

const EXCERPT_CHARS = 200;

const newId = (prefix: string): string => `${prefix}_${randomBytes(9).toString('base64url')}`;

/**
 * Comment threads, replies, resolve/reopen and @mention notifications. Anchors live in the
 * document's coordinates (Yjs relative positions); nothing is ever written into the document.
 */
export class CommentService {
  readonly users: UserDirectory;
  private readonly listeners = new Set<CommentListener>();

  constructor(private readonly options: CommentServiceOptions) {
    this.users = options.users ?? new UserDirectory(options.storage);
  }

  /** Live events for the desk channel. Returns the unsubscribe function. */
  subscribe(listener: CommentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: CommentLiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger.error({ err }, 'comment listener failed');
      }
    }
  }

  private get store(): CommentStore | undefined {
    return this.options.storage.comments;
  }

  private requireStore(): CommentStore {
    const store = this.store;
    if (!store) throw new Error('comment storage missing');
    return store;
  }

  private async requireStory(storyId: string): Promise<{ headline: string }> {
    const story = await this.options.storage.getStory(storyId);
    if (!story) throw notFound('No story with this id.');
    return story;
  }

  // ---- views -----------------------------------------------------------------------------

  private async views(
    storyId: string,
    records: CommentRecord[],
  ): Promise<{ threads: CommentThread[]; unresolved: number }> {
    const ids = new Set<string>();
    for (const r of records) {
      ids.add(r.userId);
      for (const m of r.mentions) ids.add(m);
      if (r.resolvedBy) ids.add(r.resolvedBy);
    }
    const users = await this.users.users(ids);
    const user = (id: string): CommentUser =>
      users.get(id) ?? {
        id,
        username: id,
        displayName: 'Unknown user',
        color: '#6b7280',
        role: null,
      };
    const roots = records.filter((r) => r.threadId === r.id);
    const anchors: Map<string, ResolvedAnchor> =
      roots.length === 0
        ? new Map()
        : await this.options.docs.withDoc(
            storyId,
            (doc) => new Map(roots.map((r) => [r.id, resolveAnchor(doc, r)])),
          );
    const view = (r: CommentRecord): CommentView => ({
      id: r.id,
      threadId: r.threadId,
      storyId: r.storyId,
      author: user(r.userId),
      text: r.text,
      mentions: r.mentions.map(user),
      createdAt: iso(r.createdAt),
    });
    const replies = new Map<string, CommentRecord[]>();
    for (const r of records) {
      if (r.threadId === r.id) continue;
      const list = replies.get(r.threadId);
      if (list) list.push(r);
      else replies.set(r.threadId, [r]);
    }
    const threads = roots.map((root): CommentThread => {
      const own = replies.get(root.id) ?? [];
      const last = Math.max(
        root.createdAt,
        root.stateChangedAt ?? 0,
        ...own.map((r) => r.createdAt),
      );
      const anchor = anchors.get(root.id);
      if (!anchor) throw new Error('anchor not resolved');
      return {
        ...view(root),
        anchor,
        resolved: root.resolvedAt !== null,
        resolvedAt: root.resolvedAt === null ? null : iso(root.resolvedAt),
        resolvedBy: root.resolvedBy ? user(root.resolvedBy) : null,
        replies: own.map(view),
        lastActivityAt: iso(last),
      };
    });
    threads.sort((a, b) => {
      if (a.resolved !== b.resolved) return a.resolved ? 1 : -1;
      const ka = anchorOrder(a.anchor);
      const kb = anchorOrder(b.anchor);
      for (let i = 0; i < ka.length; i++) {
        const d = (ka[i] ?? 0) - (kb[i] ?? 0);
        if (d !== 0) return d;
      }
      return a.createdAt.localeCompare(b.createdAt);
    });
    return { threads, unresolved: threads.filter((t) => !t.resolved).length };
  }

  private async thread(
    storyId: string,
    threadId: string,
  ): Promise<{
    thread: CommentThread;
    unresolved: number;
  }> {
    const { threads, unresolved } = await this.views(
      storyId,
      await this.requireStore().listComments(storyId),
    );
    const thread = threads.find((t) => t.id === threadId);
    if (!thread) throw notFound('No comment with this id on this story.');
    return { thread, unresolved };
  }

  // ---- operations ------------------------------------------------------------------------

  async list(storyId: string, filter: ThreadFilter = 'all'): Promise<CommentListResponse> {
    await this.requireStory(storyId);
    const { threads, unresolved } = await this.views(
      storyId,
      await this.requireStore().listComments(storyId),
    );
    const shown =
      filter === 'all' ? threads : threads.filter((t) => t.resolved === (filter === 'resolved'));
    return { storyId, threads: shown, unresolved, total: threads.length };
  }

  private assertCanComment(user: PublicUser): void {
    if (!canWrite(user.role)) throw forbidden('Your role can read comments but not write them.');
  }

  /** Mentioned accounts (known, enabled, not the author) and their notifications. */
  private async mentions(
    text: string,
    author: PublicUser,
    comment: { id: string; storyId: string; threadId: string; createdAt: number },
  ): Promise<{ ids: string[]; notifications: NotificationRecord[] }> {
    const accounts = await this.users.byUsernames(parseMentions(text));
    const ids = accounts.map((a) => a.id);
    const notifications = accounts
      .filter((a) => a.id !== author.id)
      .map(
        (a): NotificationRecord => ({
          id: newId('n'),
          userId: a.id,
          kind: 'mention',
          storyId: comment.storyId,
          threadId: comment.threadId,
          commentId: comment.id,
          byUserId: author.id,
          excerpt: text.slice(0, EXCERPT_CHARS),
          createdAt: comment.createdAt,
          readAt: null,
        }),
      );
    return { ids, notifications };
  }

  private async notify(notifications: NotificationRecord[], headline: string): Promise<void> {
    if (notifications.length === 0 || this.listeners.size === 0) return;
    const store = this.requireStore();
    const users = await this.users.users(notifications.map((n) => n.byUserId));
    for (const n of notifications) {
      const by = users.get(n.byUserId);
      if (!by) continue;
      this.emit({
        type: CommentEvent.mention,
        payload: {
          userId: n.userId,
          notification: toNotificationView(n, by, headline),
          unread: await store.countUnreadNotifications(n.userId),
        },
      });
    }
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
    const { ids, notifications } = await this.mentions(body.text, user, {
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
    this.emit({
      type: CommentEvent.created,
      payload: { storyId, thread, comment: thread, unresolved },
    });
    await this.notify(notifications, story.headline);
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
    const { ids, notifications } = await this.mentions(text, user, {
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
      this.emit({ type: CommentEvent.created, payload: { storyId, thread, comment, unresolved } });
    }
    await this.notify(notifications, story.headline);
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
      this.emit({
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

  async notifications(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationListResponse> {
    const store = this.requireStore();
    const records = await store.listNotifications(userId, unreadOnly, limit);
    const users = await this.users.users(records.map((r) => r.byUserId));
    const headlines = new Map<string, string>();
    for (const storyId of new Set(records.map((r) => r.storyId))) {
      headlines.set(storyId, (await this.options.storage.getStory(storyId))?.headline ?? '');
    }
    return {
      notifications: records.flatMap((r) => {
        const by = users.get(r.byUserId);
        return by ? [toNotificationView(r, by, headlines.get(r.storyId) ?? '')] : [];
      }),
      unread: await store.countUnreadNotifications(userId),
    };
  }

  async markRead(userId: string, body: MarkNotificationsReadBody): Promise<{ unread: number }> {
    const store = this.requireStore();
    await store.markNotificationsRead(userId, 'ids' in body ? body.ids : null, Date.now());
    return { unread: await store.countUnreadNotifications(userId) };
  }
}

const toNotificationView = (
  n: NotificationRecord,
  by: CommentUser,
  headline: string,
): NotificationView => ({
  id: n.id,
  kind: n.kind,
  storyId: n.storyId,
  storyHeadline: headline,
  threadId: n.threadId,
  commentId: n.commentId,
  by,
  excerpt: n.excerpt,
  createdAt: iso(n.createdAt),
  read: n.readAt !== null,
});
