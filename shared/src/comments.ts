import { z } from 'zod';
import type { FieldRef, Role } from './api';

/**
 * Comments (issue 5): threads anchored to a range of a field or a takeaway. The server turns
 * the range into Yjs relative positions in the live document, so the anchor follows edits; every
 * read resolves it again to the current `{field, takeawayIndex, from, to, quote}`.
 *
 * HTTP (editors and chiefs write, everyone signed in reads):
 * - `GET  /api/stories/:id/comments[?state=open|resolved|all]` → `CommentListResponse`
 * - `POST /api/stories/:id/comments` `CreateCommentBody` → 201 `CommentThread`
 * - `POST /api/stories/:id/comments/:commentId/replies` `ReplyBody` → 201 `CommentThread`
 * - `POST /api/stories/:id/comments/:commentId/resolve` `{}` → 200 `CommentThread`
 * - `POST /api/stories/:id/comments/:commentId/reopen` `{}` → 200 `CommentThread`
 * - `GET  /api/comments/counts` → `CommentCountsResponse` (unresolved per story, for the desk)
 * - `GET  /api/notifications[?unread=1&limit=]` → `NotificationListResponse`
 * - `POST /api/notifications/read` `MarkNotificationsReadBody` → `{ unread }`
 *
 * Live (desk channel): `comment:new`, `comment:updated` to everyone on the desk;
 * `mention:new` only to the mentioned user.
 */

export const COMMENT_FIELDS = [
  'headline',
  'synopsis',
  'takeaway',
  'body',
  'dateline',
  'source',
  'byline',
] as const;
export type CommentField = (typeof COMMENT_FIELDS)[number];

/** Fields stored as plain strings in `meta`: a comment anchors to the whole value. */
export const WHOLE_VALUE_COMMENT_FIELDS: readonly CommentField[] = ['dateline', 'source', 'byline'];

export const COMMENT_MAX_CHARS = 4000;
/** Quotes in answers are cut to this many characters (`quoteTruncated` says so). */
export const COMMENT_QUOTE_MAX_CHARS = 500;
export const MENTIONS_PER_COMMENT_MAX = 20;

export const CommentTextSchema = z
  .string()
  .trim()
  .min(1, 'a comment needs text')
  .max(COMMENT_MAX_CHARS, `at most ${COMMENT_MAX_CHARS} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .refine((text) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text), {
    message: 'control characters are not allowed',
  });

/**
 * A range of the text as the client sees it: UTF-16 offsets `from <= to` into the field (or
 * takeaway `takeawayIndex`, 0-based). `quote` (optional, recommended) is the text the client
 * selected: when the server's copy moved meanwhile, the nearest occurrence of it is used.
 */
export const CommentAnchorInputSchema = z
  .strictObject({
    field: z.enum(COMMENT_FIELDS),
    takeawayIndex: z.number().int().min(0).max(999).optional(),
    from: z.number().int().min(0).max(10_000_000),
    to: z.number().int().min(0).max(10_000_000),
    quote: z.string().max(100_000).optional(),
  })
  .refine((a) => a.from <= a.to, { message: 'from must not be after to', path: ['to'] })
  .refine((a) => (a.field === 'takeaway') === (a.takeawayIndex !== undefined), {
    message: 'takeawayIndex is required for (and only for) field "takeaway"',
    path: ['takeawayIndex'],
  });
export type CommentAnchorInput = z.infer<typeof CommentAnchorInputSchema>;

export const CreateCommentBody = z.strictObject({
  anchor: CommentAnchorInputSchema,
  text: CommentTextSchema,
});
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

export const ReplyBody = z.strictObject({ text: CommentTextSchema });
export type ReplyBody = z.infer<typeof ReplyBody>;

/** Resolve and reopen take an empty JSON object. */
export const CommentActionBody = z.strictObject({});

export const MarkNotificationsReadBody = z.union([
  z.strictObject({ ids: z.array(z.string().min(1).max(64)).min(1).max(500) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type MarkNotificationsReadBody = z.infer<typeof MarkNotificationsReadBody>;

/** An account as comments show it (from the account table). */
export interface CommentUser {
  id: string;
  username: string;
  displayName: string;
  color: string;
  role: Role | null;
}

/**
 * - `ok`: the anchored text is there (`from < to`, or a point anchor that never had text);
 * - `collapsed`: all the anchored text was deleted; `from === to` is where it was;
 * - `orphaned`: the takeaway it was on was removed (and no takeaway holds the quote).
 */
export type AnchorState = 'ok' | 'collapsed' | 'orphaned';

export interface ResolvedAnchor {
  field: CommentField;
  /** Current 0-based takeaway index (null for other fields, or when orphaned). */
  takeawayIndex: number | null;
  /** The presence-style field name (`synopsis`, `takeaway:2`), null when orphaned. */
  fieldRef: FieldRef | null;
  from: number;
  to: number;
  /** The anchored text now (cut to COMMENT_QUOTE_MAX_CHARS). */
  quote: string;
  /** The anchored text when the comment was made (cut likewise). */
  originalQuote: string;
  quoteTruncated: boolean;
  state: AnchorState;
  /** The takeaway was moved (re-created) and the anchor was found again by its quote. */
  relocated: boolean;
  /**
   * Yjs relative positions (base64 of `Y.encodeRelativePosition`) so a client can place the
   * highlight in its own live document: `Y.createAbsolutePositionFromRelativePosition(
   * Y.decodeRelativePosition(base64ToBytes(relStart)), doc)`. Null for meta fields.
   */
  relStart: string | null;
  relEnd: string | null;
}

export interface CommentView {
  id: string;
  /** The id of the thread's first comment (equal to `id` for it). */
  threadId: string;
  storyId: string;
  author: CommentUser;
  text: string;
  /** Users mentioned with `@username` (known accounts only). */
  mentions: CommentUser[];
  createdAt: string;
}

export interface CommentThread extends CommentView {
  anchor: ResolvedAnchor;
  resolved: boolean;
  resolvedAt: string | null;
  resolvedBy: CommentUser | null;
  /** Oldest first. */
  replies: CommentView[];
  /** Newest comment, resolve or reopen in the thread. */
  lastActivityAt: string;
}

export interface CommentListResponse {
  storyId: string;
  /** Unresolved first, then in document order (headline, synopsis, takeaways, body, meta). */
  threads: CommentThread[];
  unresolved: number;
  total: number;
}

export interface StoryCommentCounts {
  unresolved: number;
  total: number;
  lastCommentAt: string | null;
}

export interface CommentCountsResponse {
  /** Stories with at least one thread, keyed by story id. */
  stories: Record<string, StoryCommentCounts>;
}

export interface NotificationView {
  id: string;
  kind: 'mention';
  storyId: string;
  storyHeadline: string;
  threadId: string;
  commentId: string;
  by: CommentUser;
  /** The start of the comment (plain text; render it as text). */
  excerpt: string;
  createdAt: string;
  read: boolean;
}

export interface NotificationListResponse {
  /** Newest first. */
  notifications: NotificationView[];
  unread: number;
}

export interface MarkNotificationsReadResponse {
  unread: number;
}

/** Desk channel events (server → client). */
export const CommentEvent = {
  created: 'comment:new',
  updated: 'comment:updated',
  mention: 'mention:new',
} as const;
export type CommentEvent = (typeof CommentEvent)[keyof typeof CommentEvent];

/** `comment:new`: a thread was started or replied to (`comment` is the new one). */
export interface CommentNewPayload {
  storyId: string;
  thread: CommentThread;
  comment: CommentView;
  /** Unresolved threads on the story now (for the monitor card). */
  unresolved: number;
}

/** `comment:updated`: a thread was resolved or reopened. */
export interface CommentUpdatedPayload {
  storyId: string;
  action: 'resolved' | 'reopened';
  thread: CommentThread;
  unresolved: number;
}

/** `mention:new`: send only to the sockets of `userId`. */
export interface MentionNewPayload {
  userId: string;
  notification: NotificationView;
  /** The user's unread notifications now. */
  unread: number;
}

export interface CommentServerToClientEvents {
  'comment:new': (payload: CommentNewPayload) => void;
  'comment:updated': (payload: CommentUpdatedPayload) => void;
  'mention:new': (payload: MentionNewPayload) => void;
}

/**
 * `@username` mentions: an `@` not preceded by a letter, digit, `_`, `.` or `@` (so e-mail
 * addresses are not mentions), then a username. Returns lower-cased, unique usernames in order.
 */
export const parseMentions = (text: string): string[] => {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?<![\p{L}\p{N}_.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})/gu)) {
    const name = (match[1] ?? '').replace(/[._-]+$/, '').toLowerCase();
    if (name) found.add(name);
    if (found.size >= MENTIONS_PER_COMMENT_MAX) break;
  }
  return [...found];
};
