import type {
  Activity,
  FieldRef,
  PresenceChange,
  PresenceSnapshot,
  PresenceStatus,
  PublicUser,
} from '@copydesk/shared';
import type { RedisLink } from './redis-link';

/** One connection (tab) as the server stores it. Identity comes from the account, not the client. */
export interface PresenceSession {
  sessionId: string;
  /** The server instance that holds the connection: its heartbeat keeps the session alive. */
  instanceId: string;
  user: PublicUser;
  storyId: string | null;
  field: FieldRef | null;
  activity: Activity;
  connectedAt: number;
  /** When storyId/field/activity last changed. */
  since: number;
}

export type PresencePatch = Pick<PresenceSession, 'storyId' | 'field' | 'activity'>;

export type PresenceStoreEvent =
  /** A user's presence changed (from this instance, a sweep of a dead one, or a re-publish). */
  | { type: 'change'; change: PresenceChange }
  | { type: 'status'; status: PresenceStatus }
  /** The backend came back and this instance's sessions are re-published: send fresh snapshots. */
  | { type: 'resynced' };

/**
 * Desk-wide presence. Two implementations behind one interface: in-process (one server) and
 * Redis (many). Every method resolves; a backend failure turns the store `degraded` and it
 * answers from what this instance knows until the backend is back.
 */
export interface PresenceStore {
  readonly kind: 'memory' | 'redis';
  readonly instanceId: string;
  readonly degraded: boolean;
  /** The Redis connections (for the Socket.IO adapter), when Redis backs the store. */
  readonly redis: RedisLink | null;
  /** Connects (or gives up for now: then starts degraded and keeps retrying) and starts heartbeats. */
  start(): Promise<void>;
  join(session: PresenceSession): Promise<void>;
  /** Returns false when nothing changed (no broadcast). */
  update(sessionId: string, patch: PresencePatch, at: number): Promise<boolean>;
  leave(sessionId: string): Promise<void>;
  snapshot(): Promise<PresenceSnapshot>;
  status(): PresenceStatus;
  /** This instance's own sessions. */
  localSessions(): PresenceSession[];
  subscribe(listener: (event: PresenceStoreEvent) => void): () => void;
  /** Removes this instance's sessions from the backend (when reachable) and disconnects. */
  close(): Promise<void>;
}

/** How long an instance's sessions outlive its last heartbeat, and how often it beats. */
export interface PresenceTiming {
  heartbeatMs: number;
  ttlMs: number;
}

export const DEFAULT_PRESENCE_TIMING: PresenceTiming = { heartbeatMs: 5_000, ttlMs: 20_000 };

/** What a backend answers to a write. */
export type BackendResult =
  | { kind: 'ok'; changes: PresenceChange[] }
  /** Nothing changed. */
  | { kind: 'same' }
  /** The backend no longer knows this instance (swept, or Redis lost its data): re-publish. */
  | { kind: 'resync' };

/** The storage under a PresenceStore: in-process maps or Redis (Lua scripts, atomic). */
export interface PresenceBackend {
  readonly kind: 'memory' | 'redis';
  readonly redis: RedisLink | null;
  /** Resolves true once usable, false if the first attempt failed (it keeps retrying). */
  connect(): Promise<boolean>;
  isReady(): boolean;
  onReadyChange(listener: (ready: boolean) => void): void;
  upsert(instanceId: string, session: PresenceSession): Promise<BackendResult>;
  leave(instanceId: string, sessionId: string, userId: string): Promise<BackendResult>;
  /** Heartbeat this instance and sweep instances whose heartbeat expired. */
  tick(instanceId: string, ttlMs: number): Promise<BackendResult>;
  /** Makes the backend hold exactly `sessions` for this instance and registers it. */
  republish(
    instanceId: string,
    ttlMs: number,
    sessions: PresenceSession[],
  ): Promise<PresenceChange[]>;
  unregister(instanceId: string): Promise<PresenceChange[]>;
  snapshot(): Promise<{ rev: number; users: PresenceSnapshot['users'] }>;
  close(): Promise<void>;
}
