import {
  type ActivityEntry,
  activitySentence,
  type CommentUser,
  isTextActivityKind,
} from '@copydesk/shared';
import { iso } from '../iso-time';
import type { ActivityRecord } from '../storage/storage';
import { type UserDirectory, unknownUser } from './user-directory';

export const toEntry = (
  r: ActivityRecord,
  user: CommentUser,
  now: number,
  gapMs: number,
): ActivityEntry => {
  const name = user.displayName;
  return {
    id: r.id,
    storyId: r.storyId,
    userId: r.userId,
    userName: name,
    userColor: user.color,
    field: r.field,
    kind: r.kind,
    takeawayIndex: r.takeawayIndex,
    fromTakeawayIndex: r.fromTakeawayIndex,
    fromStatus: r.fromStatus,
    toStatus: r.toStatus,
    summary: activitySentence(name, r),
    wordsAdded: r.wordsAdded,
    wordsRemoved: r.wordsRemoved,
    firstAt: iso(r.firstAt),
    lastAt: iso(r.lastAt),
    updatedAt: iso(r.updatedAt),
    open:
      (isTextActivityKind(r.kind) || (r.field === 'takeaway' && r.kind === 'added')) &&
      now - r.lastAt <= gapMs,
  };
};

/** Entries as the API and the live feed show them (names and colours from the accounts). */
export const entryViews = async (
  users: UserDirectory,
  records: ActivityRecord[],
  gapMs: number,
): Promise<ActivityEntry[]> => {
  const byId = await users.users(records.map((r) => r.userId));
  const now = Date.now();
  return records.map((r) => toEntry(r, byId.get(r.userId) ?? unknownUser(r.userId), now, gapMs));
};
