import type { ServerProcess } from './spawn';
import type { ClientTarget, ServerKind } from './types';

export interface Room {
  id: string;
  /**
   * Target for the i-th editor (Copydesk: alternating editor accounts) on instance `instance`
   * (taken modulo the server's processes, so single-process servers ignore it; default A).
   */
  editor(i: number, instance?: number): ClientTarget;
  watcher(instance?: number): ClientTarget;
}

export interface ServerUnderTest {
  readonly kind: ServerKind;
  /**
   * Every process of the server: one, or the two instances of copydesk-pg (A first). The
   * harness sums CPU and RSS over them and takes the worse event-loop delay.
   */
  readonly processes: readonly ServerProcess[];
  readonly pids: readonly number[];
  /** Copydesk: false when it ignored the relay-before-store switch it was started with. */
  readonly switchHonored: boolean;
  createRooms(count: number, prefix: string): Promise<Room[]>;
  /**
   * Waits for the background work that edits to this room started (Copydesk: the activity
   * feed's round, which a reader of the feed waits for). Peers have none.
   */
  settle?(roomId: string): Promise<void>;
  stop(): Promise<void>;
}
