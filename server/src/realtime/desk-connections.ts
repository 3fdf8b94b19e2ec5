import { CLIENT_DESK_EVENTS, DeskEvent, ErrorCode, userRoom } from '@copydesk/shared';
import type { Logger } from '../logger';
import type { PresenceSession, PresenceStore } from '../presence';
import { DeskRejection, respond } from './desk-replies';
import type { DeskSocket } from './desk-server';
import type { PresenceUpdates } from './presence-updates';
import { SerialQueue } from './rate-limit';

/**
 * This instance's open desk connections: each joins presence on connect, has its events
 * rate-limited and handled in order, and leaves presence on disconnect.
 */
export class DeskConnections {
  private readonly perUser = new Map<string, number>();
  private readonly draining = new Set<Promise<void>>();

  constructor(
    private readonly presence: PresenceStore,
    private readonly updates: PresenceUpdates,
    private readonly logger: Logger,
  ) {}

  /** Open desk connections of the account on this instance. */
  connectionsOf(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  /** Settles once every closed connection has left presence. */
  async drained(): Promise<void> {
    await Promise.all([...this.draining]);
  }

  /** For `io.on('connection')`: the socket passed the handshake (`deskAdmission`). */
  open(socket: DeskSocket): void {
    const { presence, updates, logger, perUser, draining } = this;
    const { user, sessionId } = socket.data;
    const queue = new SerialQueue((err) => logger.error({ err }, 'desk event failed'));
    perUser.set(user.id, (perUser.get(user.id) ?? 0) + 1);
    const now = Date.now();
    const session: PresenceSession = {
      sessionId,
      instanceId: presence.instanceId,
      user,
      storyId: null,
      field: null,
      activity: 'active',
      connectedAt: now,
      since: now,
    };
    logger.debug({ user: user.username, sessionId }, 'desk connection open');
    void socket.join(userRoom(user.id));
    void queue.run(async () => {
      await presence.join(session);
      const snapshot = await presence.snapshot();
      if (socket.connected) socket.emit(DeskEvent.presenceSnapshot, snapshot);
    });

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args.length > 1 ? args[args.length - 1] : args[0];
      const ackFn = typeof ack === 'function' ? ack : undefined;
      if (!socket.data.bucket.take()) {
        return respond(
          socket,
          event,
          ackFn,
          new DeskRejection(ErrorCode.rateLimited, 'Too many desk events; slow down.'),
        );
      }
      if (!CLIENT_DESK_EVENTS.includes(event)) {
        return respond(
          socket,
          event,
          ackFn,
          new DeskRejection(ErrorCode.badRequest, `Unknown event "${event}".`),
        );
      }
      const payload = typeof args[0] === 'function' ? undefined : args[0];
      void queue.run(async () => {
        try {
          await updates.apply(socket, payload);
          respond(socket, event, ackFn, null);
        } catch (caught) {
          if (!(caught instanceof DeskRejection))
            logger.error({ err: caught }, 'desk event failed');
          const err =
            caught instanceof DeskRejection
              ? caught
              : new DeskRejection(ErrorCode.internal, 'Something went wrong; try again.');
          logger.debug(
            { user: user.username, code: err.code, msg: err.message },
            'desk event refused',
          );
          respond(socket, event, ackFn, err);
        }
      });
    });

    socket.on('disconnect', (reason) => {
      logger.debug({ user: user.username, sessionId, reason }, 'desk connection closed');
      const left = (perUser.get(user.id) ?? 1) - 1;
      if (left > 0) perUser.set(user.id, left);
      else perUser.delete(user.id);
      const done = queue.run(() => presence.leave(sessionId));
      draining.add(done);
      void done.finally(() => draining.delete(done));
    });
  }
}
