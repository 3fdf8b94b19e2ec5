import type { StoryStatus } from './api';

/**
 * The activity feed (issue 5): who changed which field of which story, and when, derived by the
 * server from its own update log (the authenticated account of every stored update), never
 * from what a client claims.
 *
 * HTTP:
 * - `GET /api/stories/:id/activity[?before=<ISO|ms>&limit=<1..200>]` → `StoryActivityResponse`
 * - `GET /api/activity[?since=<ISO|ms>&limit=<1..500>]` → `DeskActivityResponse` (desk-wide,
 *   entries created *or updated* after `since`; pass the previous `serverTime` back as `since`)
 * - `GET /api/activity/latest` → `LatestActivityResponse` (newest entry per story, for the monitor)
 *
 * Live (desk channel): `activity:new` when an entry appears, `activity:updated` while a burst
 * of typing goes on (at most about once a second per story). Both carry the whole entry, so a
 * client upserts it by `id` (`upsertActivity`).
 */

/** What an entry is about. `takeaway` entries carry `takeawayIndex`. */
export const ACTIVITY_FIELDS = [
  'headline',
  'synopsis',
  'takeaway',
  'body',
  'dateline',
  'source',
  'byline',
  'status',
  'story',
] as const;
export type ActivityField = (typeof ACTIVITY_FIELDS)[number];

/**
 * - text (headline, synopsis, body, meta fields, an existing takeaway's text):
 *   `set` (was empty), `added` (words added only), `removed` (words removed only), `edited`,
 *   `rewrote` (more than half of the words there before were replaced), `cleared` (now empty);
 * - takeaways as items: `added`, `removed`, `moved` (`fromTakeawayIndex` → `takeawayIndex`);
 * - `status`: a workflow move (`fromStatus` → `toStatus`); `created`: the story was created.
 */
export const ACTIVITY_KINDS = [
  'created',
  'set',
  'added',
  'removed',
  'edited',
  'rewrote',
  'cleared',
  'moved',
  'status',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** The kinds a text burst can have (it stays open, and grows, while its author keeps typing). */
const TEXT_ACTIVITY_KINDS: ReadonlySet<ActivityKind> = new Set<ActivityKind>([
  'set',
  'added',
  'removed',
  'edited',
  'rewrote',
  'cleared',
]);
export const isTextActivityKind = (kind: ActivityKind): boolean => TEXT_ACTIVITY_KINDS.has(kind);

/** One line of the feed, ready to render: "Ben rewrote the synopsis (+32 −10 words)". */
export interface ActivityEntry {
  id: string;
  storyId: string;
  /** The account that sent the updates (from the authenticated connection). */
  userId: string;
  /** Display name and colour of that account, as it is now. */
  userName: string;
  userColor: string;
  field: ActivityField;
  kind: ActivityKind;
  /** 0-based; for `takeaway` entries (the position after the change), else null. */
  takeawayIndex: number | null;
  /** 0-based position before a `moved`; else null. */
  fromTakeawayIndex: number | null;
  fromStatus: StoryStatus | null;
  toStatus: StoryStatus | null;
  /** The sentence, with the user's display name first. */
  summary: string;
  /** Net words added and removed over the whole burst (0 for structure and status entries). */
  wordsAdded: number;
  wordsRemoved: number;
  /** Time of the first and the latest update of the burst (ISO, server clock). */
  firstAt: string;
  lastAt: string;
  /** When the server last wrote this entry (ISO); `GET /api/activity?since=` filters on it. */
  updatedAt: string;
  /** True while the burst may still grow (the user edited this field in the last minute). */
  open: boolean;
}

export interface StoryActivityResponse {
  storyId: string;
  /** Newest first (by `lastAt`). */
  entries: ActivityEntry[];
  /** Pass as `before` to page back; null when there is nothing older. */
  nextBefore: string | null;
}

export interface DeskActivityResponse {
  /** Newest first (by `lastAt`). */
  entries: ActivityEntry[];
  /** The server's clock when the answer was made: the next `since`. */
  serverTime: string;
}

export interface LatestActivityResponse {
  /** The newest entry of every story that has one, keyed by story id. */
  stories: Record<string, ActivityEntry>;
}

/** Desk channel events (server → client). The presence engineer's channel broadcasts them. */
export const ActivityEvent = {
  created: 'activity:new',
  updated: 'activity:updated',
} as const;
export type ActivityEvent = (typeof ActivityEvent)[keyof typeof ActivityEvent];

export interface ActivityServerToClientEvents {
  'activity:new': (entry: ActivityEntry) => void;
  'activity:updated': (entry: ActivityEntry) => void;
}

/** Grouping: one user's edits to one field are one entry until this long passes without one. */
export const ACTIVITY_BURST_GAP_MS = 60_000;

/** Inserts or replaces `entry` (by id) in a newest-first list, keeping at most `max` entries. */
export const upsertActivity = (
  list: readonly ActivityEntry[],
  entry: ActivityEntry,
  max = 200,
): ActivityEntry[] => {
  const rest = list.filter((e) => e.id !== entry.id);
  const at = rest.findIndex((e) => e.lastAt <= entry.lastAt);
  if (at === -1) rest.push(entry);
  else rest.splice(at, 0, entry);
  return rest.slice(0, max);
};

// ---------------------------------------------------------------------------------------------
// Sentences (shared so a client can re-render an entry, e.g. with "You").

const MINUS = '\u2212';

const FIELD_NOUNS: Record<string, string> = {
  headline: 'the headline',
  synopsis: 'the synopsis',
  body: 'the body',
  dateline: 'the dateline',
  source: 'the source',
  byline: 'the byline',
};

/** Fields shown without word counts (one short line each). */
const SHORT_FIELDS = new Set<ActivityField>(['headline', 'dateline', 'source', 'byline']);

/** " (+32 −10 words)", or "" when nothing was counted. */
export const wordCountLabel = (added: number, removed: number): string => {
  const parts: string[] = [];
  if (added > 0) parts.push(`+${added}`);
  if (removed > 0) parts.push(`${MINUS}${removed}`);
  if (parts.length === 0) return '';
  return ` (${parts.join(' ')} ${added + removed === 1 ? 'word' : 'words'})`;
};

const STATUS_VERBS: Record<string, string> = {
  'draft>in_review': 'sent the story for review',
  'in_review>approved': 'approved the story',
  'in_review>draft': 'sent the story back to draft',
  'approved>published': 'published the story',
  'approved>draft': 'reopened the story',
  'published>draft': 'reopened the story to correct it',
};

const STATUS_NAMES: Record<StoryStatus, string> = {
  draft: 'draft',
  in_review: 'review',
  approved: 'approved',
  published: 'published',
};

export type ActivitySentenceInput = Pick<
  ActivityEntry,
  | 'field'
  | 'kind'
  | 'takeawayIndex'
  | 'fromTakeawayIndex'
  | 'fromStatus'
  | 'toStatus'
  | 'wordsAdded'
  | 'wordsRemoved'
>;

/** The sentence without its subject: "rewrote the synopsis (+32 −10 words)". */
export const activityPredicate = (e: ActivitySentenceInput): string => {
  const count = wordCountLabel(e.wordsAdded, e.wordsRemoved);
  if (e.kind === 'created') return 'created the story';
  if (e.kind === 'status' || e.field === 'status') {
    const key = `${e.fromStatus ?? ''}>${e.toStatus ?? ''}`;
    return STATUS_VERBS[key] ?? `moved the story to ${STATUS_NAMES[e.toStatus ?? 'draft']}`;
  }
  if (e.field === 'takeaway') {
    const n = (e.takeawayIndex ?? 0) + 1;
    switch (e.kind) {
      case 'added':
        return `added takeaway ${n}${count}`;
      case 'removed':
        return `removed takeaway ${n}`;
      case 'moved':
        return `moved takeaway ${(e.fromTakeawayIndex ?? 0) + 1} to ${n}`;
      case 'set':
        return `wrote takeaway ${n}${count}`;
      case 'cleared':
        return `cleared takeaway ${n}`;
      case 'rewrote':
        return `rewrote takeaway ${n}${count}`;
      default:
        return `edited takeaway ${n}${count}`;
    }
  }
  const noun = FIELD_NOUNS[e.field] ?? `the ${e.field}`;
  if (e.kind === 'cleared') return `cleared ${noun}`;
  if (SHORT_FIELDS.has(e.field)) return e.kind === 'set' ? `set ${noun}` : `changed ${noun}`;
  switch (e.kind) {
    case 'set':
      return `wrote ${noun}${count}`;
    case 'added':
      return `added to ${noun}${count}`;
    case 'removed':
      return `cut ${noun}${count}`;
    case 'rewrote':
      return `rewrote ${noun}${count}`;
    default:
      return `edited ${noun}${count}`;
  }
};

/** "Ben rewrote the synopsis (+32 −10 words)". */
export const activitySentence = (name: string, e: ActivitySentenceInput): string =>
  `${name} ${activityPredicate(e)}`;
