import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { RoomRegistry } from '../sync/room-registry';
import type { StorageFeed } from './storage-feed';

/** Settings (all optional; see server/src/history/README.md for the matching env names). */
export interface HistorySettings {
  /** A version is made once a story has had no new update for this long. Default 60 s. */
  settleMs?: number;
  /** …or as soon as this many updates are not in a version yet. Default 500. */
  maxUpdatesPerVersion?: number;
  /** …or when a burst of editing has lasted this long without settling. Default 10 min. */
  maxBurstMs?: number;
  /**
   * A long burst is cut (by count or age) at most this often per story. Without it a fast
   * typist or a paste-heavy session makes a version every few seconds — noise in the history
   * panel, and each one is a rebuild. Quiet-time versions (settleMs) are never delayed by it.
   * Default 30 s.
   */
  minCutGapMs?: number;
  /**
   * A version whose state needed more than this many log updates on top of the nearest snapshot
   * gets a snapshot of its own (a checkpoint), so opening it later is one snapshot read.
   * Default 500.
   */
  checkpointEvery?: number;
}

export interface HistoryOptions extends HistorySettings {
  storage: Storage;
  registry: RoomRegistry;
  logger: Logger;
  /** Reports appends, new stories and status moves (see storage-feed.ts). */
  feed?: StorageFeed;
}

export const HISTORY_DEFAULTS: Required<HistorySettings> = {
  settleMs: 60_000,
  maxUpdatesPerVersion: 500,
  maxBurstMs: 10 * 60_000,
  minCutGapMs: 30_000,
  checkpointEvery: 500,
};

/** The settings given, each one missing at its default. */
export const resolveHistorySettings = (options: HistorySettings): Required<HistorySettings> => ({
  settleMs: options.settleMs ?? HISTORY_DEFAULTS.settleMs,
  maxUpdatesPerVersion: options.maxUpdatesPerVersion ?? HISTORY_DEFAULTS.maxUpdatesPerVersion,
  maxBurstMs: options.maxBurstMs ?? HISTORY_DEFAULTS.maxBurstMs,
  minCutGapMs: options.minCutGapMs ?? HISTORY_DEFAULTS.minCutGapMs,
  checkpointEvery: options.checkpointEvery ?? HISTORY_DEFAULTS.checkpointEvery,
});
