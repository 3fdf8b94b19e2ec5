import { int, type PostgresDatabase } from './postgres-database';
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
  created_at: string;
  field: CommentRecord['field'];
  takeaway_index: number | null;
  rel_start: string | null;
  rel_end: string | null;
  quote: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  state_changed_at: string | null;
  mentions: string;
}

const intOrNull = (value: string | null): number | null => (value === null ? null : int(value));

const toComment = (r: CommentRow): CommentRecord => ({
  id: r.id,
  storyId: r.story_id,
  threadId: r.thread_id,
  userId: r.user_id,
  text: r.text,
  createdAt: int(r.created_at),
  field: r.field,
  takeawayIndex: r.takeaway_index,
  relStart: r.rel_start,
  relEnd: r.rel_end,
  quote: r.quote,
  resolvedAt: intOrNull(r.resolved_at),
  resolvedBy: r.resolved_by,
  stateChangedAt: intOrNull(r.state_changed_at),
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
  created_at: string;
  read_at: string | null;
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
  createdAt: int(r.created_at),
  readAt: intOrNull(r.read_at),
});

/**
 * PostgreSQL side of comments (tables `comments`, `notifications`, see
 * postgres-migrations.ts), mirroring SqliteCommentStore. Ids are compared and sorted in byte
 * order (COLLATE "C"), as SQLite does, whatever the database's locale.
 */
export class PostgresCommentStore implements CommentStore {
  constructor(private readonly db: PostgresDatabase) {}

  /**
   * The comment and its notifications in one transaction. Comment ids are fresh, so a retry
   * after a connection lost during COMMIT finds out from the comment row whether the first
   * attempt (comment and notifications together) landed, and then does not repeat it.
   */
  async insertComment(c: CommentRecord, notifications: NotificationRecord[]): Promise<void> {
    let attempted = false;
    await this.db.transaction(
      async (client) => {
        if (attempted) {
          const { rows } = await client.query('SELECT 1 FROM comments WHERE id = $1', [c.id]);
          if (rows.length > 0) return;
        }
        attempted = true;
        await client.query(
          `INSERT INTO comments (id, story_id, thread_id, user_id, text, created_at, field,
             takeaway_index, rel_start, rel_end, quote, resolved_at, resolved_by,
             state_changed_at, mentions)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
          [
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
          ],
        );
        if (notifications.length === 0) return;
        await client.query(
          `INSERT INTO notifications (id, user_id, kind, story_id, thread_id, comment_id,
             by_user_id, excerpt, created_at, read_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
             $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])`,
          [
            notifications.map((n) => n.id),
            notifications.map((n) => n.userId),
            notifications.map((n) => n.kind),
            notifications.map((n) => n.storyId),
            notifications.map((n) => n.threadId),
            notifications.map((n) => n.commentId),
            notifications.map((n) => n.byUserId),
            notifications.map((n) => n.excerpt),
            notifications.map((n) => n.createdAt),
            notifications.map((n) => n.readAt),
          ],
        );
      },
      { verifiableCommit: true },
    );
  }

  async getComment(id: string): Promise<CommentRecord | null> {
    const { rows } = await this.db.query<CommentRow>(
      'SELECT * FROM comments WHERE id = $1',
      [id],
      true,
    );
    return rows[0] ? toComment(rows[0]) : null;
  }

  async listComments(storyId: string): Promise<CommentRecord[]> {
    const { rows } = await this.db.query<CommentRow>(
      'SELECT * FROM comments WHERE story_id = $1 ORDER BY created_at, id COLLATE "C"',
      [storyId],
      true,
    );
    return rows.map(toComment);
  }

  /**
   * A conditional UPDATE: of two instances changing the thread at once, the second waits for
   * the first's row lock, re-checks the state and matches nothing. In a transaction, so a
   * connection lost before COMMIT is retried safely (a blind retry of a statement that had
   * already taken effect would wrongly report "no change").
   */
  async setThreadResolved(
    threadId: string,
    resolvedBy: string | null,
    at: number,
  ): Promise<boolean> {
    const result = await this.db.transaction((client) =>
      resolvedBy === null
        ? client.query(
            `UPDATE comments SET resolved_at = NULL, resolved_by = NULL, state_changed_at = $1
             WHERE id = $2 AND thread_id = id AND resolved_at IS NOT NULL`,
            [at, threadId],
          )
        : client.query(
            `UPDATE comments SET resolved_at = $1, resolved_by = $2, state_changed_at = $1
             WHERE id = $3 AND thread_id = id AND resolved_at IS NULL`,
            [at, resolvedBy, threadId],
          ),
    );
    return result.rowCount === 1;
  }

  async commentCounts(): Promise<CommentCountsRecord[]> {
    const { rows } = await this.db.query<{
      story_id: string;
      unresolved: number;
      total: number;
      last_at: string;
    }>(
      `SELECT story_id,
         count(*) FILTER (WHERE thread_id = id AND resolved_at IS NULL)::integer AS unresolved,
         count(*) FILTER (WHERE thread_id = id)::integer AS total,
         max(created_at) AS last_at
       FROM comments GROUP BY story_id ORDER BY story_id COLLATE "C"`,
      [],
      true,
    );
    return rows.map((r) => ({
      storyId: r.story_id,
      unresolved: r.unresolved,
      total: r.total,
      lastCommentAt: int(r.last_at),
    }));
  }

  async listNotifications(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationRecord[]> {
    const { rows } = await this.db.query<NotificationRow>(
      `SELECT * FROM notifications WHERE user_id = $1 AND (NOT $2::boolean OR read_at IS NULL)
       ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $3`,
      [userId, unreadOnly, limit],
      true,
    );
    return rows.map(toNotification);
  }

  async countUnreadNotifications(userId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
      [userId],
      true,
    );
    return rows[0]?.n ?? 0;
  }

  /** One statement, and running it again changes nothing more: safe to retry. */
  async markNotificationsRead(userId: string, ids: string[] | null, at: number): Promise<void> {
    if (ids === null) {
      await this.db.query(
        'UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL',
        [at, userId],
        true,
      );
      return;
    }
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE notifications SET read_at = $1
       WHERE user_id = $2 AND id = ANY($3::text[]) AND read_at IS NULL`,
      [at, userId, ids],
      true,
    );
  }
}
