import { DeskEvent, type PresenceChange } from '@copydesk/shared';
import type { Logger } from '../logger';
import type { PresenceStore } from '../presence';
import type { DeskServer } from './desk-server';

/** The presence store's events to the desk's clients: changes, backend status, fresh snapshots. */
export const relayPresence = (io: DeskServer, presence: PresenceStore, logger: Logger): void => {
  const broadcastChange = (change: PresenceChange): void => {
    // Degraded: Redis is unreachable, so only this instance's clients can be told.
    if (presence.degraded) io.local.emit(DeskEvent.presenceChanged, change);
    else io.emit(DeskEvent.presenceChanged, change);
  };

  /** After Redis came back: everyone here gets the desk as Redis now has it. */
  const resendSnapshots = (): void => {
    presence
      .snapshot()
      .then((snapshot) => void io.local.emit(DeskEvent.presenceSnapshot, snapshot))
      .catch((err: unknown) => logger.error({ err }, 'presence snapshot failed'));
  };

  presence.subscribe((event) => {
    if (event.type === 'change') broadcastChange(event.change);
    else if (event.type === 'status') io.local.emit(DeskEvent.presenceStatus, event.status);
    else resendSnapshots();
  });
};
