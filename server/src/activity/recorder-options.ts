import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { TrackerEngine } from './tracker-engine';
import type { UserDirectory } from './user-directory';

export interface ActivityRecorderOptions {
  storage: Storage;
  logger: Logger;
  /** Shared with the comments service when both run (one account cache). */
  users?: UserDirectory;
  /** A burst ends after this long without an edit by the same person to the same field. */
  gapMs?: number;
  /** A story's new updates are turned into entries at most this often (live feed rate). */
  minIntervalMs?: number;
  /**
   * Where working copies live and apply updates (default: in this thread, yielding every
   * `sliceMs`). The server passes a WorkerTrackerEngine.
   */
  engine?: TrackerEngine;
  /** In-process engine: longest stretch (ms) of applying updates before other work runs. */
  sliceMs?: number;
  /** Updates read per storage round trip (a long backlog is read in several). */
  maxUpdatesPerRound?: number;
  /** Stories whose working copy is kept in memory (least recently used are dropped). */
  maxTrackers?: number;
  /** A story's working copy is dropped after this long without new updates (default 5 gaps). */
  idleMs?: number;
  /**
   * When another instance records a story's activity (it moved the shared cursor), this one
   * leaves the story to it for this long (default 10 s) instead of racing it round after round.
   */
  yieldMs?: number;
}
