import { type ActivityEntry, ActivityEvent } from '@copydesk/shared';
import type { Logger } from '../logger';
import type { ActivityRecord } from '../storage/storage';
import { entryViews } from './entry-views';
import type { UserDirectory } from './user-directory';

export interface ActivityLiveEvent {
  type: ActivityEvent;
  entry: ActivityEntry;
}

export type ActivityListener = (event: ActivityLiveEvent) => void;

/** The recorder's live feed: every new or grown entry, to whoever listens (the desk channel). */
export class LiveEvents {
  private readonly listeners = new Set<ActivityListener>();

  constructor(
    private readonly users: UserDirectory,
    private readonly gapMs: number,
    private readonly logger: Logger,
  ) {}

  /** Returns the unsubscribe function. */
  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async emit(entries: ActivityRecord[], created: Set<string>): Promise<void> {
    if (this.listeners.size === 0 || entries.length === 0) return;
    const views = await entryViews(this.users, entries, this.gapMs);
    for (const entry of views) {
      const event: ActivityLiveEvent = {
        type: created.has(entry.id) ? ActivityEvent.created : ActivityEvent.updated,
        entry,
      };
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (err) {
          this.logger.error({ err }, 'activity listener failed');
        }
      }
    }
  }
}
