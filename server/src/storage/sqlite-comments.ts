import { SqliteSubStore } from './sqlite-statements';
import type {
  CommentCountsRecord,
  CommentRecord,
  CommentStore,
  NotificationRecord,
} from './storage';

interface CommentRow {
  id: string;
  story_id: string;
  thread_id: string;
  user_id: string;
  text: string;
  created_at: number;
  field: CommentRecord['field'];
  takeaway_index: number | null;
  rel_start: string | null;
  rel_end: string | null;
  quote: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  state_changed_at: number | null;
  mentions: string;
}

const toComment = (r: CommentRow): CommentRecord => ({
  id: r.id,
  storyId: r.story_id,
  threadId: r.thread_id,
  userId: r.user_id,
  text: r.text,
  createdAt: r.created_at,
  field: r.field,
  takeawayIndex: r.takeaway_index,
  relStart: r.rel_start,
  relEnd: r.rel_end,
  quote: r.quote,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  stateChangedAt: r.state_changed_at,
  mentions: JSON.parse(r.mentions) as string[],
});

interface NotificationRow {
  id: string;
  user_id: string;
  kind: 'mention';
  story_id: string;
  thread_id: string;
  comment_id: string;
  by_user_id: string;
  excerpt: string;
  created_at: number;
  read_at: number | null;
}

const toNotification = (r: NotificationRow): NotificationRecord => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  storyId: r.story_id,
  threadId: r.thread_id,
  commentId: r.comment_id,
  byUserId: r.by_user_id,
  excerpt: r.excerpt,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** SQLite side of comments (tables `comments`, `notifications`, see sqlite-migrations.ts). */
export class SqliteCommentStore extends SqliteSubStore implements CommentStore {
  async insertComment(c: CommentRecord, notifications: NotificationRecord[]): Promise<void> {
    await this.write(() => this.insertCommentTx(c, notifications));
  }

  private insertCommentTx(c: CommentRecord, notifications: NotificationRecord[]): void {
    this.db.transaction(() => {
      this.stmt(
        `INSERT INTO comments (id, story_id, thread_id, user_id, text, created_at, field,
           takeaway_index, rel_start, rel_end, quote, resolved_at, resolved_by, state_changed_at,
           mentions)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        c.id,
        c.storyId,
        c.threadId,
        c.userId,
        c.text,
        c.createdAt,
        c.field,
        c.takeawayIndex,
        c.relStart,
        c.relEnd,
        c.quote,
        c.resolvedAt,
        c.resolvedBy,
        c.stateChangedAt,
        JSON.stringify(c.mentions),
      );
      const insert = this.stmt(
        `INSERT INTO notifications (id, user_id, kind, story_id, thread_id, comment_id,
           by_user_id, excerpt, created_at, read_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const n of notifications) {
        insert.run(
          n.id,
          n.userId,
          n.kind,
          n.storyId,
          n.threadId,
          n.commentId,
          n.byUserId,
          n.excerpt,
          n.createdAt,
          n.readAt,
        );
      }
    })();
  }

  async getComment(id: string): Promise<CommentRecord | null> {
    const row = this.stmt('SELECT * FROM comments WHERE id = ?').get(id) as CommentRow | undefined;
    return row ? toComment(row) : null;
  }

  async listComments(storyId: string): Promise<CommentRecord[]> {
    const rows = this.stmt('SELECT * FROM comments WHERE story_id = ? ORDER BY created_at, id').all(
      storyId,
    ) as CommentRow[];
    return rows.map(toComment);
  }

  async setThreadResolved(
    threadId: string,
    resolvedBy: string | null,
    at: number,
  ): Promise<boolean> {
    const result = await this.write(() =>
      resolvedBy === null
        ? this.stmt(
            `UPDATE comments SET resolved_at = NULL, resolved_by = NULL, state_changed_at = ?
             WHERE id = ? AND thread_id = id AND resolved_at IS NOT NULL`,
          ).run(at, threadId)
        : this.stmt(
            `UPDATE comments SET resolved_at = ?, resolved_by = ?, state_changed_at = ?
             WHERE id = ? AND thread_id = id AND resolved_at IS NULL`,
          ).run(at, resolvedBy, at, threadId),
    );
    return result.changes === 1;
  }

  async commentCounts(): Promise<CommentCountsRecord[]> {
    const rows = this.stmt(
      `SELECT story_id,
         sum(CASE WHEN thread_id = id AND resolved_at IS NULL THEN 1 ELSE 0 END) AS unresolved,
         sum(CASE WHEN thread_id = id THEN 1 ELSE 0 END) AS total,
         max(created_at) AS last_at
       FROM comments GROUP BY story_id`,
    ).all() as { story_id: string; unresolved: number; total: number; last_at: number }[];
    return rows.map((r) => ({
      storyId: r.story_id,
      unresolved: r.unresolved,
      total: r.total,
      lastCommentAt: r.last_at,
    }));
  }

  async listNotifications(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationRecord[]> {
    const rows = this.stmt(
      `SELECT * FROM notifications WHERE user_id = ? AND (? = 0 OR read_at IS NULL)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(userId, unreadOnly ? 1 : 0, limit) as NotificationRow[];
    return rows.map(toNotification);
  }

  async countUnreadNotifications(userId: string): Promise<number> {
    const row = this.stmt(
      'SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL',
    ).get(userId) as { n: number };
    return row.n;
  }

  async markNotificationsRead(userId: string, ids: string[] | null, at: number): Promise<void> {
    if (ids === null) {
      await this.write(() =>
        this.stmt('UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL').run(
          at,
          userId,
        ),
      );
      return;
    }
    const update = this.stmt(
      'UPDATE notifications SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL',
    );
    await this.write(() =>
      this.db.transaction(() => {
        for (const id of ids) update.run(at, userId, id);
      })(),
    );
  }
}
