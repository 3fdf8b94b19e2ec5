/**
 * The desk channel: Socket.IO events that carry desk-wide presence (and, later, other desk
 * events) between the server and every client. Names and payloads are declared here once;
 * the server validates every incoming payload with these schemas.
 *
 * Connect with `io(origin, { path: DESK_SOCKET_PATH, transports: [...DESK_TRANSPORTS],
 * auth: { token } })` (or rely on the session cookie). On connect the server sends
 * `presence:snapshot`; afterwards `presence:changed` for every change anywhere on the desk and
 * `presence:status` when the presence backend becomes degraded or recovers.
 */
import { z } from 'zod';
import type { ActivityServerToClientEvents } from './activity';
import { canWrite, type ErrorCode, type FieldRef, FieldRefSchema, type PublicUser } from './api';
import type { CommentServerToClientEvents } from './comments';
import { STORY_ID_PATTERN } from './protocol';

/** Socket.IO's default path; the load balancer must route it with WebSocket upgrades. */
export const DESK_SOCKET_PATH = '/socket.io';

/**
 * WebSocket only: one long-lived connection that any instance can take, so a load balancer
 * needs no sticky sessions (HTTP long-polling would need them).
 */
export const DESK_TRANSPORTS = ['websocket'] as const;

export const DeskEvent = {
  /** client → server: where I am and what I am doing. Ack: `DeskAck`. */
  presenceUpdate: 'presence:update',
  /** server → client: the whole desk's presence; on connect and after a backend recovery. */
  presenceSnapshot: 'presence:snapshot',
  /** server → client: one user's presence changed (or they went offline: `presence: null`). */
  presenceChanged: 'presence:changed',
  /** server → client: the presence backend (Redis) became degraded or recovered. */
  presenceStatus: 'presence:status',
  /** server → client: a rejected event that carried no ack callback. */
  error: 'desk:error',
} as const;
export type DeskEvent = (typeof DeskEvent)[keyof typeof DeskEvent];

/** Events a client may send; anything else is answered with `bad_request`. */
export const CLIENT_DESK_EVENTS: readonly string[] = [DeskEvent.presenceUpdate];

export const ACTIVITIES = ['active', 'typing', 'idle'] as const;
/** `typing`: keys pressed in the last few seconds; `idle`: no input for a while or tab hidden. */
export type Activity = (typeof ACTIVITIES)[number];
export const ActivitySchema = z.enum(ACTIVITIES);

/**
 * `presence:update` payload. Identity is never part of it: the server takes name, colour and
 * role from the authenticated account. `storyId: null` means "on the desk list".
 */
export const PresenceUpdateSchema = z
  .strictObject({
    storyId: z.string().regex(STORY_ID_PATTERN, 'not a story id').nullable(),
    field: FieldRefSchema.nullable(),
    activity: ActivitySchema,
  })
  .refine((u) => u.storyId !== null || (u.field === null && u.activity !== 'typing'), {
    message: 'a field or typing needs a storyId',
    path: ['storyId'],
  });
export type PresenceUpdate = z.infer<typeof PresenceUpdateSchema>;

/** One connection (browser tab) of a user. `id` is opaque and changes with every connection. */
export interface PresenceSessionView {
  id: string;
  storyId: string | null;
  field: FieldRef | null;
  activity: Activity;
  /** When this tab entered its current story/field/activity (ms since epoch, server clock). */
  since: number;
}

/**
 * A user who is online (has at least one tab open anywhere on the desk). The desk list shows
 * an avatar on every story in `sessions`; `activity`/`since` summarise all tabs:
 * typing if any tab types, else active if any tab is active, else idle.
 */
export interface UserPresence {
  user: PublicUser;
  /** Monotonic per user across the cluster: ignore a change whose rev is not newer. */
  rev: number;
  onlineSince: number;
  activity: Activity;
  since: number;
  sessions: PresenceSessionView[];
}

export interface PresenceSnapshot {
  /** Every change with `rev <= rev` is reflected in `users`. */
  rev: number;
  degraded: boolean;
  users: UserPresence[];
}

export interface PresenceChange {
  userId: string;
  rev: number;
  /** `null`: the user has no tab open any more (offline). */
  presence: UserPresence | null;
}

export interface PresenceStatus {
  /**
   * True while the presence backend (Redis) is unreachable from this server: presence still
   * works for people on the same server, but others may be missing or stale.
   */
  degraded: boolean;
  since: number;
}

export interface DeskErrorBody {
  code: ErrorCode;
  message: string;
}

export interface DeskError extends DeskErrorBody {
  /** The event that was rejected. */
  event: string;
}

export type DeskAck = { ok: true } | { ok: false; error: DeskErrorBody };

/** The room every socket of one account joins (mentions are sent only there). */
export const userRoom = (userId: string): string => `user:${userId}`;

/** Typed Socket.IO event maps: `io<DeskServerToClientEvents, DeskClientToServerEvents>()`. */
export interface DeskServerToClientEvents
  extends ActivityServerToClientEvents,
    CommentServerToClientEvents {
  'presence:snapshot': (snapshot: PresenceSnapshot) => void;
  'presence:changed': (change: PresenceChange) => void;
  'presence:status': (status: PresenceStatus) => void;
  'desk:error': (error: DeskError) => void;
}

export interface DeskClientToServerEvents {
  'presence:update': (update: PresenceUpdate, ack?: (result: DeskAck) => void) => void;
}

/** Why a handshake was refused: `connect_error` carries it as `err.data`. */
export interface DeskConnectErrorData {
  code: ErrorCode;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Client-side state: a pure reducer both the client and the tests use.

export interface PresenceState {
  users: ReadonlyMap<string, UserPresence>;
  /** Newest rev seen per user, kept after they go offline so a late, older change is ignored. */
  revs: ReadonlyMap<string, number>;
  degraded: boolean;
}

export const emptyPresenceState = (): PresenceState => ({
  users: new Map(),
  revs: new Map(),
  degraded: false,
});

/**
 * Merges a snapshot: per user the newer rev wins, so a change that overtook the snapshot on
 * the wire is not undone; a user missing from the snapshot is dropped unless we know of a
 * newer change for them.
 */
export const applyPresenceSnapshot = (
  state: PresenceState,
  snapshot: PresenceSnapshot,
): PresenceState => {
  const users = new Map<string, UserPresence>();
  const revs = new Map<string, number>();
  for (const [userId, rev] of state.revs) {
    if (rev <= snapshot.rev) continue;
    revs.set(userId, rev);
    const known = state.users.get(userId);
    if (known) users.set(userId, known);
  }
  for (const presence of snapshot.users) {
    const id = presence.user.id;
    if ((revs.get(id) ?? Number.NEGATIVE_INFINITY) >= presence.rev) continue;
    revs.set(id, presence.rev);
    users.set(id, presence);
  }
  return { users, revs, degraded: snapshot.degraded };
};

export const applyPresenceChange = (
  state: PresenceState,
  change: PresenceChange,
): PresenceState => {
  if ((state.revs.get(change.userId) ?? Number.NEGATIVE_INFINITY) >= change.rev) return state;
  const users = new Map(state.users);
  const revs = new Map(state.revs);
  revs.set(change.userId, change.rev);
  if (change.presence) users.set(change.userId, change.presence);
  else users.delete(change.userId);
  return { users, revs, degraded: state.degraded };
};

export const applyPresenceStatus = (state: PresenceState, status: PresenceStatus): PresenceState =>
  state.degraded === status.degraded ? state : { ...state, degraded: status.degraded };

/** Users with a tab open on `storyId`, for the avatars on a desk row or a story's People tab. */
export const usersInStory = (state: PresenceState, storyId: string): UserPresence[] =>
  [...state.users.values()].filter((p) => p.sessions.some((s) => s.storyId === storyId));

/** "Takeaway 3" for `takeaway:2`, "Synopsis" for `synopsis`. */
export const presenceFieldLabel = (field: FieldRef): string => {
  const takeaway = /^takeaway:(\d+)$/.exec(field);
  if (takeaway) return `Takeaway ${Number(takeaway[1]) + 1}`;
  return field.charAt(0).toUpperCase() + field.slice(1);
};

const idleFor = (since: number, now: number): string => {
  const minutes = Math.floor(Math.max(0, now - since) / 60_000);
  if (minutes < 1) return '';
  return minutes < 60 ? ` ${minutes} min` : ` ${Math.floor(minutes / 60)} h`;
};

/**
 * One line for a person, e.g. "Ana is editing Takeaway 3", "Ana is typing in Synopsis",
 * "Ben idle 4 min" (the most active tab speaks). With `storyId`, only that story's tabs count.
 */
export const describePresence = (presence: UserPresence, now: number, storyId?: string): string => {
  const name = presence.user.displayName;
  const tabs =
    storyId === undefined
      ? presence.sessions
      : presence.sessions.filter((s) => s.storyId === storyId);
  const rank = { typing: 2, active: 1, idle: 0 } as const;
  const best = [...tabs].sort(
    (a, b) => rank[b.activity] - rank[a.activity] || (b.field ? 1 : 0) - (a.field ? 1 : 0),
  )[0];
  if (!best) return `${name} is not here`;
  if (best.activity === 'idle') return `${name} idle${idleFor(best.since, now)}`;
  if (best.field) {
    const label = presenceFieldLabel(best.field);
    if (best.activity === 'typing') return `${name} is typing in ${label}`;
    return canWrite(presence.user.role)
      ? `${name} is editing ${label}`
      : `${name} is reading ${label}`;
  }
  return best.storyId ? `${name} is reading` : `${name} is on the desk`;
};
