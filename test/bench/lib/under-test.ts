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
  stop(): Promise<void>;
}
