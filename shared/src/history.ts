import { z } from 'zod';
import type { StoryStatus, StoryView } from './api';

/**
 * Version history of a story (issue 6): the shapes of `/api/stories/:id/versions…`,
 * `/attribution`, `/seen`, `/changes` and `/api/history/changes`.
 *
 * Every shape is made to be rendered directly: user ids always come with a `users` map (or an
 * embedded `HistoryUser`) carrying the account's display name and colour, times are ISO strings,
 * and every diff run says whether it was added, removed or kept and by whom.
 */

/** Why a version exists. */
export const VERSION_REASONS = ['created', 'auto', 'named', 'status', 'restore'] as const;
export type VersionReason = (typeof VERSION_REASONS)[number];

/** Story fields compared and attributed by the history (the public schema, docs/PROTOCOL.md). */
export const HISTORY_TEXT_FIELDS = [
  'headline',
  'synopsis',
  'body',
  'dateline',
  'source',
  'byline',
] as const;
export type HistoryTextField = (typeof HISTORY_TEXT_FIELDS)[number];
export type HistoryField = HistoryTextField | 'takeaways';

/** An account as history shows it (from the account table, never from a client's claim). */
export interface HistoryUser {
  id: string;
  displayName: string;
  color: string;
}

/** Edits made by the server itself with no account (e.g. a migration) are shown as this user. */
export const SYSTEM_USER_ID = 'system';

/**
 * One line of "what changed": a user did `action` to `field`.
 * - text fields: `added` (only added words), `removed` (only removed words), `edited`, `rewrote`
 *   (more than half of the old text replaced), `set` (was empty), `cleared` (is now empty);
 * - takeaways: `added`, `removed`, `moved` (`fromTakeaway` → `takeaway`), `edited`.
 */
export interface VersionChange {
  userId: string | null;
  field: HistoryField;
  action: 'added' | 'removed' | 'edited' | 'rewrote' | 'set' | 'cleared' | 'moved';
  /** 0-based takeaway index in the newer state (in the older one for `removed`); else null. */
  takeaway: number | null;
  /** For `moved`: the 0-based index in the older state. */
  fromTakeaway: number | null;
  wordsAdded: number;
  wordsRemoved: number;
}

export interface VersionRef {
  id: string;
  number: number;
}

/** A version in the list: a point in the story's update log, with who and what. */
export interface VersionSummary {
  /** Opaque id used in URLs (`/versions/:vid`); currently the decimal `number`. */
  id: string;
  /** 1, 2, 3… per story, in the order versions were made. */
  number: number;
  storyId: string;
  /** Set for versions made by hand (`POST …/versions {name}`). */
  name: string | null;
  reason: VersionReason;
  /** When the version was recorded. */
  createdAt: string;
  /** Who made it (named, status, restore, created); null for automatic versions. */
  createdBy: HistoryUser | null;
  /** Time of the newest edit the version contains (what "the text at 14:02" refers to). */
  editedAt: string;
  /** The position in the update log: the version is the story with every update up to here. */
  seq: number;
  /** Workflow status at that moment. */
  status: StoryStatus;
  /** For status versions: the status before the move. */
  previousStatus: StoryStatus | null;
  /** Everyone whose edits went into this version since the previous one, most edits first. */
  authors: HistoryUser[];
  /** One line, e.g. "Ben rewrote the synopsis (+32 −10 words); Ana added takeaway 4". */
  summary: string;
  /** The same, structured (for icons, filters, colours). */
  changes: VersionChange[];
  /** For restore versions: which version was restored. */
  restoredFrom: VersionRef | null;
}

/** `GET /api/stories/:id/versions` (newest first). */
export interface VersionListResponse {
  storyId: string;
  versions: VersionSummary[];
  /** The live end of the log: edits after the newest version are not in any version yet. */
  head: {
    seq: number;
    editedAt: string | null;
    unversionedUpdates: number;
    unversionedAuthors: HistoryUser[];
  };
}

/** `GET /api/stories/:id/versions/:vid`: the story JSON as it was, plus the version. */
export interface VersionStoryView extends StoryView {
  version: VersionSummary;
}

/** `POST /api/stories/:id/versions` → 201 with the new version. */
export const CreateVersionBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
});
export type CreateVersionBody = z.infer<typeof CreateVersionBody>;

/** `POST /api/stories/:id/versions/:vid/restore` with `{}` (JSON, like every POST) → 200. */
export const RestoreBody = z.strictObject({});
export interface RestoreResponse {
  /** The new version (reason `restore`) holding the restored text. */
  version: VersionSummary;
  story: StoryView;
}

/** A point that can be compared: a version, the live story, or where the user last looked. */
export interface HistoryPoint {
  kind: 'version' | 'current' | 'seen';
  /** For `version`. */
  version: VersionRef | null;
  /** "Version 3 · Sent to legal", "Current", "Last seen". */
  label: string;
  seq: number;
  /** Time of the newest edit in that state (null for an empty story). */
  at: string | null;
}

/** `against`/`version` query values besides a version id. */
export const CURRENT_POINT = 'current';
export const SEEN_POINT = 'seen';
export const PointParam = z.union([
  z.literal(CURRENT_POINT),
  z.literal(SEEN_POINT),
  z.string().regex(/^[1-9]\d{0,8}$/),
]);

/**
 * A run of a word diff. `added` runs carry the author of that text (from the server's record of
 * who sent which update), `removed` runs the user who deleted it when known (only for an older →
 * newer comparison), `same` runs null. Consecutive runs never share op and userId.
 */
export interface DiffRun {
  op: 'same' | 'added' | 'removed';
  text: string;
  userId: string | null;
}

export interface TextDiff {
  changed: boolean;
  wordsAdded: number;
  wordsRemoved: number;
  runs: DiffRun[];
}

/**
 * One takeaway of a comparison, in display order (the newer order, with removed takeaways
 * where they used to be). Matched across the two states by the identity of its Y.Text, falling
 * back to text similarity (a moved takeaway is a new Y.Text, see docs/PROTOCOL.md).
 */
export interface TakeawayDiff {
  /** Empty when the takeaway is unchanged. `added`/`removed` never combine with the others. */
  changes: ('added' | 'removed' | 'moved' | 'edited')[];
  fromIndex: number | null;
  toIndex: number | null;
  matchedBy: 'identity' | 'text' | null;
  /** Text in the newer state (in the older one for a removed takeaway). */
  text: string;
  diff: TextDiff;
}

/** `GET /api/stories/:id/versions/:vid/diff?against=<vid|current|seen>`. */
export interface StoryDiff {
  storyId: string;
  from: HistoryPoint;
  to: HistoryPoint;
  fields: Record<HistoryTextField, TextDiff>;
  takeaways: TakeawayDiff[];
  changed: boolean;
  summary: string;
  changes: VersionChange[];
  /** Every user id appearing in runs and changes. */
  users: Record<string, HistoryUser>;
}

/** A run of text written by one user (`null`: unknown, e.g. written before the log existed). */
export interface AttributionRun {
  text: string;
  userId: string | null;
}

/** `GET /api/stories/:id/attribution[?version=<vid>]`: who wrote every character. */
export interface AttributionResponse {
  storyId: string;
  at: HistoryPoint;
  fields: Record<HistoryTextField, AttributionRun[]> & { takeaways: AttributionRun[][] };
  users: Record<string, HistoryUser>;
}

/** `POST /api/stories/:id/seen` with `{}` → 200. */
export const SeenBody = z.strictObject({});
export interface SeenResponse {
  storyId: string;
  seq: number;
  at: string;
}

/** "Changes since I last looked" for one user on one story (edits by others only). */
export interface ChangedSince {
  storyId: string;
  /** Where the user last looked; null if they never opened the story. */
  seenSeq: number | null;
  seenAt: string | null;
  changed: boolean;
  /** Updates by other people since then. */
  updates: number;
  /** Who made them, most edits first. */
  authors: HistoryUser[];
  lastEditAt: string | null;
}

/** `GET /api/stories/:id/changes`: the above plus what changed (null if never seen or unchanged). */
export interface ChangesSinceSeenResponse extends ChangedSince {
  diff: StoryDiff | null;
}

/** `GET /api/history/changes`: every story for the signed-in user (the desk list). */
export interface DeskChangesResponse {
  stories: ChangedSince[];
}
