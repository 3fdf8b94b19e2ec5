import { randomBytes } from 'node:crypto';
import type { ActivityField, ActivityKind } from '@copydesk/shared';
import type { ActivityRecord, StatusChangeRecord } from '../storage/storage';

export const newActivityId = (): string => `a_${randomBytes(9).toString('base64url')}`;

/** The entry of a workflow move (the recorder hears of it as it is stored, not from the log). */
export const statusEntry = (change: StatusChangeRecord): ActivityRecord => ({
  id: newActivityId(),
  storyId: change.storyId,
  userId: change.userId,
  field: 'status',
  kind: 'status',
  target: 'status',
  takeawayIndex: null,
  fromTakeawayIndex: null,
  fromStatus: change.from,
  toStatus: change.to,
  wordsAdded: 0,
  wordsRemoved: 0,
  startWords: 0,
  firstAt: change.at,
  lastAt: change.at,
  updatedAt: Date.now(),
});

/** A one-off entry's facts (created, removed, moved…); the rest of the record is defaults. */
export interface OneOffEntry {
  userId: string;
  field: ActivityField;
  kind: ActivityKind;
  target: string;
  at: number;
  takeawayIndex?: number | null;
  fromTakeawayIndex?: number | null;
  wordsAdded?: number;
  wordsRemoved?: number;
}

/** The entries of one story's tracker that changed since its last `drain`, and which are new. */
export class EntryChanges {
  /** Entries changed since the last `drain`, by id. */
  readonly changed = new Map<string, ActivityRecord>();
  readonly createdIds = new Set<string>();

  constructor(
    readonly storyId: string,
    readonly newId: () => string,
  ) {}

  /** A one-off entry (created, removed, moved…): not a growing burst. */
  record(e: OneOffEntry): ActivityRecord {
    const entry: ActivityRecord = {
      id: this.newId(),
      storyId: this.storyId,
      userId: e.userId,
      field: e.field,
      kind: e.kind,
      target: e.target,
      takeawayIndex: e.takeawayIndex ?? null,
      fromTakeawayIndex: e.fromTakeawayIndex ?? null,
      fromStatus: null,
      toStatus: null,
      wordsAdded: e.wordsAdded ?? 0,
      wordsRemoved: e.wordsRemoved ?? 0,
      startWords: 0,
      firstAt: e.at,
      lastAt: e.at,
      updatedAt: e.at,
    };
    this.changed.set(entry.id, entry);
    this.createdIds.add(entry.id);
    return entry;
  }

  /** Copies of the changed entries and the ids of the new ones; starts over empty. */
  drain(): { entries: ActivityRecord[]; created: Set<string> } {
    const entries = [...this.changed.values()].map((e) => ({ ...e }));
    const created = new Set([...this.createdIds].filter((id) => this.changed.has(id)));
    this.changed.clear();
    this.createdIds.clear();
    return { entries, created };
  }
}
