import { CloseCode } from '@copydesk/shared';
import { toPublicUser } from '../auth/accounts';
import { sessionStillValid } from '../auth/sessions';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { RoomRegistry } from './room-registry';
import type { StoryRoom } from './story-room';
import type { SyncConnection } from './sync-connection';

/** An open socket as the re-check sees it (the endpoint's per-socket state). */
export interface CheckedSocket {
  conn: SyncConnection | null;
  room: StoryRoom | null;
  /** Of the token the socket was opened with: a password change revokes it. */
  passwordVersion: string;
}

export interface ConnectionRecheckOptions {
  storage: Storage;
  registry: RoomRegistry;
  logger: Logger;
  everyMs: number;
  sockets: () => Iterable<CheckedSocket>;
}

/**
 * Keeps every open sync connection entitled to what it does, re-checked every `everyMs`:
 * expired sessions and disabled accounts or changed passwords are closed (4401), a changed role,
 * name or colour reaches the connection's permissions and presence, and a workflow move made on
 * another instance reaches the story's connections.
 */
export class ConnectionRecheck {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /**
   * Sessions renewed while this process ran: id → new expiry (ms), until it passes. A
   * connection lives until the later of its token's expiry and this, so a renewal also
   * reaches sockets that were still being accepted when it landed.
   */
  private readonly renewed = new Map<string, number>();

  constructor(private readonly options: ConnectionRecheckOptions) {
    this.schedule();
  }

  /** The session was renewed (a token refresh): its sockets may stay open until `untilMs`. */
  sessionRenewed(sessionId: string, untilMs: number): void {
    this.renewed.set(sessionId, Math.max(this.renewed.get(sessionId) ?? 0, untilMs));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.run()
        .catch((err: unknown) => this.options.logger.warn({ err }, 'sync re-check failed'))
        .finally(() => this.schedule());
    }, this.options.everyMs);
    this.timer.unref();
  }

  /** Expiry, account and story status of every open connection. */
  private async run(): Promise<void> {
    const { storage, logger, registry } = this.options;
    const now = Date.now();
    for (const [sessionId, until] of this.renewed) if (until <= now) this.renewed.delete(sessionId);
    const byUser = new Map<string, CheckedSocket[]>();
    for (const socket of this.options.sockets()) {
      const conn = socket.conn;
      if (!conn || conn.closed) continue;
      if (Math.max(conn.expiresAt, this.renewed.get(conn.sessionId) ?? 0) <= now) {
        logger.info({ user: conn.user.username }, 'closing sync connection: session expired');
        conn.close(CloseCode.unauthenticated, 'session expired');
        continue;
      }
      const list = byUser.get(conn.user.id);
      if (list) list.push(socket);
      else byUser.set(conn.user.id, [socket]);
    }
    for (const [userId, sockets] of byUser) {
      const account = await storage.findAccountById(userId);
      for (const live of sockets) {
        const { conn, room } = live;
        if (!conn || !room || conn.closed) continue;
        if (!sessionStillValid(live, account)) {
          logger.info(
            { user: conn.user.username, storyId: room.id },
            'closing sync connection: account disabled or password changed',
          );
          conn.close(CloseCode.unauthenticated, 'account not active');
          continue;
        }
        const user = toPublicUser(account);
        if (
          user.role !== conn.user.role ||
          user.displayName !== conn.user.displayName ||
          user.color !== conn.user.color
        ) {
          room.updateUser(conn, user);
          logger.info(
            { user: user.username, role: user.role, readOnly: conn.readOnly, storyId: room.id },
            'account changed on an open sync connection',
          );
        }
      }
    }
    // Status changes made by other instances (or missed while a story was loading): one read
    // for every open story, not one round trip each (a hundred stories: 50 queries a second).
    const open = registry.readyRooms().filter((room) => room.connections.size > 0);
    const statuses = await storage.storyStatuses(open.map((room) => room.id));
    for (const room of open) {
      const status = statuses.get(room.id);
      if (status && status !== room.status) room.setStatus(status);
    }
  }
}
