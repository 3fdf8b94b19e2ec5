import {
  type Activity,
  ActivitySchema,
  FieldRefSchema,
  type PresenceChange,
  RoleSchema,
  type UserPresence,
} from '@copydesk/shared';
import { z } from 'zod';
import type { PresenceSession } from './types';

const RANK: Record<Activity, number> = { typing: 2, active: 1, idle: 0 };

/**
 * One user's presence from all their sessions (tabs, on any instance): online while any tab is;
 * typing if any tab types, else active if any is active, else idle; `since` is the latest change
 * among the tabs that set that activity (so "idle 4 min" means idle everywhere for 4 minutes).
 */
export const aggregatePresence = (
  sessions: readonly PresenceSession[],
  rev: number,
): UserPresence | null => {
  const sorted = [...sessions].sort(
    (a, b) => a.connectedAt - b.connectedAt || a.sessionId.localeCompare(b.sessionId),
  );
  const first = sorted[0];
  const newest = sorted[sorted.length - 1];
  if (!first || !newest) return null;
  let activity: Activity = 'idle';
  for (const s of sorted) if (RANK[s.activity] > RANK[activity]) activity = s.activity;
  let since = 0;
  for (const s of sorted) if (s.activity === activity) since = Math.max(since, s.since);
  return {
    // The newest connection carries the freshest account data (name, colour, role).
    user: newest.user,
    rev,
    onlineSince: first.connectedAt,
    activity,
    since,
    sessions: sorted.map((s) => ({
      id: s.sessionId,
      storyId: s.storyId,
      field: s.field,
      activity: s.activity,
      since: s.since,
    })),
  };
};

export const presenceChange = (
  userId: string,
  rev: number,
  sessions: readonly PresenceSession[],
): PresenceChange => ({ userId, rev, presence: aggregatePresence(sessions, rev) });

/**
 * Revisions are microseconds of wall-clock time, forced monotonic: they stay comparable when
 * Redis restarts empty, and a locally made rev (while Redis is down) sorts after what came before.
 */
export const nextRev = (last: number, nowMs: number = Date.now()): number =>
  Math.max(last + 1, nowMs * 1000);

const StoredSessionSchema = z.object({
  sessionId: z.string().min(1),
  instanceId: z.string().min(1),
  user: z.object({
    id: z.string().min(1),
    username: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    color: z.string(),
  }),
  storyId: z.string().nullable(),
  field: FieldRefSchema.nullable(),
  activity: ActivitySchema,
  connectedAt: z.number(),
  since: z.number(),
});

/** The stored form: fixed key order, so equal sessions serialise to equal strings. */
export const serializeSession = (s: PresenceSession): string =>
  JSON.stringify({
    sessionId: s.sessionId,
    instanceId: s.instanceId,
    user: {
      id: s.user.id,
      username: s.user.username,
      displayName: s.user.displayName,
      role: s.user.role,
      color: s.user.color,
    },
    storyId: s.storyId,
    field: s.field,
    activity: s.activity,
    connectedAt: s.connectedAt,
    since: s.since,
  });

/** Parses a stored session; null for anything malformed (never trusted blindly). */
export const parseSession = (json: string): PresenceSession | null => {
  try {
    const result = StoredSessionSchema.safeParse(JSON.parse(json));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
};
