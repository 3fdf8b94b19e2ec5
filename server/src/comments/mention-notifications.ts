import {
  CommentEvent,
  type CommentUser,
  type MarkNotificationsReadBody,
  type NotificationListResponse,
  type NotificationView,
  type PublicUser,
  parseMentions,
} from '@copydesk/shared';
import type { UserDirectory } from '../activity/user-directory';
import { iso } from '../iso-time';
import type { CommentStore, NotificationRecord, Storage } from '../storage/storage';
import type { CommentFeed } from './comment-feed';
import { newId, requireCommentStore } from './comment-records';

const EXCERPT_CHARS = 200;

/** @mentions in comments: who is notified, the live `mention:new` events, the inbox. */
export class MentionNotifications {
  constructor(
    private readonly storage: Storage,
    private readonly users: UserDirectory,
    private readonly feed: CommentFeed,
  ) {}

  private requireStore(): CommentStore {
    return requireCommentStore(this.storage);
  }

  /** Mentioned accounts (known, enabled, not the author) and their notifications. */
  async find(
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

  async notify(notifications: NotificationRecord[], headline: string): Promise<void> {
    if (notifications.length === 0 || !this.feed.listening) return;
    const store = this.requireStore();
    const users = await this.users.users(notifications.map((n) => n.byUserId));
    for (const n of notifications) {
      const by = users.get(n.byUserId);
      if (!by) continue;
      this.feed.emit({
        type: CommentEvent.mention,
        payload: {
          userId: n.userId,
          notification: toNotificationView(n, by, headline),
          unread: await store.countUnreadNotifications(n.userId),
        },
      });
    }
  }

  async list(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationListResponse> {
    const store = this.requireStore();
    const records = await store.listNotifications(userId, unreadOnly, limit);
    const users = await this.users.users(records.map((r) => r.byUserId));
    const headlines = new Map<string, string>();
    for (const storyId of new Set(records.map((r) => r.storyId))) {
      headlines.set(storyId, (await this.storage.getStory(storyId))?.headline ?? '');
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
