import type { CommentThread, CommentUser, CommentView, ResolvedAnchor } from '@copydesk/shared';
import { type UserDirectory, unknownUser } from '../activity/user-directory';
import { iso } from '../iso-time';
import type { CommentRecord } from '../storage/storage';
import { anchorOrder, resolveAnchor } from './anchors';
import type { DocAccess } from './doc-access';

export interface ThreadViews {
  threads: CommentThread[];
  unresolved: number;
}

/**
 * A story's comment records as the API shows them: threads with their replies, names and
 * colours from the accounts, anchors resolved in the live document; open threads first, in
 * document order.
 */
export const threadViews = async (
  directory: UserDirectory,
  docs: DocAccess,
  storyId: string,
  records: CommentRecord[],
): Promise<ThreadViews> => {
  const ids = new Set<string>();
  for (const r of records) {
    ids.add(r.userId);
    for (const m of r.mentions) ids.add(m);
    if (r.resolvedBy) ids.add(r.resolvedBy);
  }
  const users = await directory.users(ids);
  const user = (id: string): CommentUser => users.get(id) ?? unknownUser(id);
  const roots = records.filter((r) => r.threadId === r.id);
  const anchors: Map<string, ResolvedAnchor> =
    roots.length === 0
      ? new Map()
      : await docs.withDoc(
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
    const last = Math.max(root.createdAt, root.stateChangedAt ?? 0, ...own.map((r) => r.createdAt));
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
};
