import type { HistoryUser, StoryStatus, VersionChange, VersionReason } from '@copydesk/shared';

/**
 * The one-line summary of a version or a comparison, e.g.
 * "Ben rewrote the synopsis (+32 −10 words); Ana added takeaway 4".
 */

const STATUS_LABELS: Record<StoryStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  published: 'Published',
};

export const statusLabel = (status: StoryStatus): string => STATUS_LABELS[status] ?? status;

const FIELD_LABELS: Record<string, string> = {
  headline: 'the headline',
  synopsis: 'the synopsis',
  body: 'the body',
  dateline: 'the dateline',
  source: 'the source',
  byline: 'the byline',
};

const MINUS = '\u2212';

const words = (added: number, removed: number): string => {
  const parts: string[] = [];
  if (added > 0) parts.push(`+${added}`);
  if (removed > 0) parts.push(`${MINUS}${removed}`);
  if (parts.length === 0) return '';
  return ` (${parts.join(' ')} ${added + removed === 1 ? 'word' : 'words'})`;
};

const list = (numbers: number[]): string => {
  if (numbers.length <= 1) return String(numbers[0] ?? '');
  return `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
};

export const nameOf = (userId: string | null, users: Record<string, HistoryUser>): string =>
  userId === null ? 'Someone' : (users[userId]?.displayName ?? 'Someone');

/** The clauses for one user's changes, in order ("rewrote the synopsis (+3 words)", …). */
const clauses = (changes: VersionChange[]): string[] => {
  const out: string[] = [];
  const takeawayGroups = new Map<string, VersionChange[]>();
  for (const c of changes) {
    if (c.field === 'takeaways') {
      if (c.action === 'moved') {
        out.push(
          `moved takeaway ${(c.fromTakeaway ?? 0) + 1} to position ${(c.takeaway ?? 0) + 1}`,
        );
        continue;
      }
      const group = takeawayGroups.get(c.action);
      if (group) group.push(c);
      else {
        takeawayGroups.set(c.action, [c]);
        out.push(`\u0000${c.action}`); // placeholder keeps the order of first appearance
      }
      continue;
    }
    const label = FIELD_LABELS[c.field] ?? c.field;
    const count = words(c.wordsAdded, c.wordsRemoved);
    switch (c.action) {
      case 'set':
        out.push(`set ${label}`);
        break;
      case 'cleared':
        out.push(`cleared ${label}${c.field === 'synopsis' || c.field === 'body' ? count : ''}`);
        break;
      case 'added':
        out.push(`added to ${label}${count}`);
        break;
      case 'removed':
        out.push(`cut ${label}${count}`);
        break;
      case 'rewrote':
        out.push(`rewrote ${label}${count}`);
        break;
      default:
        out.push(
          c.field === 'synopsis' || c.field === 'body'
            ? `edited ${label}${count}`
            : `changed ${label}`,
        );
    }
  }
  return out.map((clause) => {
    if (!clause.startsWith('\u0000')) return clause;
    const action = clause.slice(1);
    const group = takeawayGroups.get(action) ?? [];
    const numbers = [...new Set(group.map((c) => (c.takeaway ?? 0) + 1))].sort((a, b) => a - b);
    const noun = numbers.length === 1 ? 'takeaway' : 'takeaways';
    const added = group.reduce((n, c) => n + c.wordsAdded, 0);
    const removed = group.reduce((n, c) => n + c.wordsRemoved, 0);
    return `${action} ${noun} ${list(numbers)}${action === 'edited' ? words(added, removed) : ''}`;
  });
};

/** "Ben rewrote the synopsis (+32 −10 words); Ana added takeaway 4". */
export const describeChanges = (
  changes: VersionChange[],
  users: Record<string, HistoryUser>,
  maxUsers = 4,
): string => {
  const byUser = new Map<string | null, VersionChange[]>();
  for (const c of changes) {
    const list = byUser.get(c.userId);
    if (list) list.push(c);
    else byUser.set(c.userId, [c]);
  }
  // Known users first (unknown authorship, e.g. text from before the log, last).
  const entries = [...byUser].sort((a, b) => Number(a[0] === null) - Number(b[0] === null));
  const parts = entries
    .slice(0, maxUsers)
    .map(([userId, list]) => `${nameOf(userId, users)} ${clauses(list).join(', ')}`);
  const rest = entries.length - maxUsers;
  if (rest > 0) parts.push(`${rest} more ${rest === 1 ? 'person' : 'people'} made changes`);
  return parts.join('; ');
};

export interface SummaryInput {
  reason: VersionReason;
  createdBy: string | null;
  status: StoryStatus;
  previousStatus: StoryStatus | null;
  restoredFrom: number | null;
  changes: VersionChange[];
}

/** The summary line of a version: what made it, then what changed since the previous one. */
export const summarizeVersion = (v: SummaryInput, users: Record<string, HistoryUser>): string => {
  const actor = nameOf(v.createdBy, users);
  let lead = '';
  if (v.reason === 'created') lead = `${actor} created the story`;
  else if (v.reason === 'restore') lead = `${actor} restored version ${v.restoredFrom ?? '?'}`;
  else if (v.reason === 'status') {
    lead = v.previousStatus
      ? `${actor} moved the story from ${statusLabel(v.previousStatus)} to ${statusLabel(v.status)}`
      : `${actor} moved the story to ${statusLabel(v.status)}`;
  }
  // A creation or a restore is one change by its maker: no need to list each field it touched
  // (other people's edits since the previous version are still named).
  if (v.reason === 'created') return lead;
  let changes = v.changes;
  if (v.reason === 'restore') {
    if (changes.length === 0) return `${lead} (no changes)`;
    changes = changes.filter((c) => c.userId !== v.createdBy);
  }
  const details = describeChanges(changes, users);
  if (lead && details) return `${lead}; ${details}`;
  return lead || details || 'No changes to the text';
};
