import {
  type HistoryUser,
  type StoryStatus,
  SYSTEM_USER_ID,
  type VersionChange,
  type VersionSummary,
} from '@copydesk/shared';
import { iso } from '../iso-time';
import type { Storage, VersionRecord } from '../storage/storage';
import { summarizeVersion } from './summary';

/** What a version stores besides its columns (VersionRecord.details). */
export interface VersionDetails {
  changes: VersionChange[];
  previousStatus: StoryStatus | null;
  restoredFrom: number | null;
}

const FALLBACK_COLOR = '#6b7280';

export const parseDetails = (json: string): VersionDetails => {
  try {
    const raw = JSON.parse(json) as Partial<VersionDetails>;
    return {
      changes: Array.isArray(raw.changes) ? raw.changes : [],
      previousStatus: raw.previousStatus ?? null,
      restoredFrom: typeof raw.restoredFrom === 'number' ? raw.restoredFrom : null,
    };
  } catch {
    return { changes: [], previousStatus: null, restoredFrom: null };
  }
};

/**
 * Versions as the API shows them, with the people in them: names and colours are read from
 * the accounts when asked for (a renamed account shows its new name in old versions), deleted
 * accounts show as "Former user", and the server's own edits as Copydesk.
 */
export class VersionSummaries {
  constructor(private readonly storage: Storage) {}

  async users(ids: Iterable<string | null>): Promise<Record<string, HistoryUser>> {
    const out: Record<string, HistoryUser> = {};
    for (const id of new Set(ids)) {
      if (!id || out[id]) continue;
      if (id === SYSTEM_USER_ID) {
        out[id] = { id, displayName: 'Copydesk', color: FALLBACK_COLOR };
        continue;
      }
      const account = await this.storage.findAccountById(id);
      out[id] = account
        ? { id, displayName: account.displayName, color: account.color }
        : { id, displayName: 'Former user', color: FALLBACK_COLOR };
    }
    return out;
  }

  userOf(id: string, users: Record<string, HistoryUser>): HistoryUser {
    return users[id] ?? { id, displayName: 'Former user', color: FALLBACK_COLOR };
  }

  async summarize(record: VersionRecord): Promise<VersionSummary> {
    const { summaries } = await this.summarizeAll([record]);
    return summaries[0] as VersionSummary;
  }

  /**
   * Summaries of `records`, each version's details parsed once and every account read once,
   * with `alsoUsers` among the accounts returned (for the caller's own lines).
   */
  async summarizeAll(
    records: readonly VersionRecord[],
    alsoUsers: readonly string[] = [],
  ): Promise<{ summaries: VersionSummary[]; users: Record<string, HistoryUser> }> {
    const details = records.map((r) => parseDetails(r.details));
    const users = await this.users([
      ...records.flatMap((r, i) => [
        r.createdBy,
        ...r.authors,
        ...(details[i] as VersionDetails).changes.map((c) => c.userId),
      ]),
      ...alsoUsers,
    ]);
    const summaries = records.map((r, i) => this.toSummary(r, users, details[i] as VersionDetails));
    return { summaries, users };
  }

  private toSummary(
    record: VersionRecord,
    users: Record<string, HistoryUser>,
    details: VersionDetails,
  ): VersionSummary {
    return {
      id: String(record.number),
      number: record.number,
      storyId: record.storyId,
      name: record.name,
      reason: record.reason,
      createdAt: iso(record.createdAt),
      createdBy: record.createdBy ? this.userOf(record.createdBy, users) : null,
      editedAt: iso(record.editedAt ?? record.createdAt),
      seq: record.seq,
      status: record.status,
      previousStatus: details.previousStatus,
      authors: record.authors.map((id) => this.userOf(id, users)),
      summary: summarizeVersion(
        {
          reason: record.reason,
          createdBy: record.createdBy,
          status: record.status,
          previousStatus: details.previousStatus,
          restoredFrom: details.restoredFrom,
          changes: details.changes,
        },
        users,
      ),
      changes: details.changes,
      restoredFrom:
        details.restoredFrom === null
          ? null
          : { id: String(details.restoredFrom), number: details.restoredFrom },
    };
  }
}
