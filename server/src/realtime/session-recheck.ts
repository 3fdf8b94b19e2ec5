import { DeskEvent, ErrorCode } from '@copydesk/shared';
import { sessionStillValid } from '../auth/sessions';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { DeskServer, DeskSocket } from './desk-server';

/** Re-checks the open desk connections every `everyMs`, one pass at a time. */
export class SessionRecheck {
  private rechecking = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly io: DeskServer,
    private readonly storage: Storage,
    private readonly logger: Logger,
    everyMs: number,
  ) {
    this.timer = setInterval(() => {
      if (this.rechecking) return;
      this.rechecking = true;
      void this.recheck()
        .catch((err: unknown) => this.logger.error({ err }, 'desk session recheck failed'))
        .finally(() => {
          this.rechecking = false;
        });
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Ends connections whose token expired or whose account was disabled or re-keyed. */
  private async recheck(): Promise<void> {
    const byUser = new Map<string, DeskSocket[]>();
    for (const socket of this.io.of('/').sockets.values()) {
      const list = byUser.get(socket.data.user.id) ?? [];
      list.push(socket);
      byUser.set(socket.data.user.id, list);
    }
    const now = Date.now();
    for (const [userId, sockets] of byUser) {
      const account = await this.storage.findAccountById(userId).catch(() => undefined);
      if (account === undefined) continue; // storage hiccup: check again next time
      for (const socket of sockets) {
        const { claims } = socket.data;
        if (sessionStillValid(claims, account) && claims.expiresAt * 1000 > now) continue;
        socket.emit(DeskEvent.error, {
          code: ErrorCode.unauthenticated,
          message: 'Your session ended; sign in again.',
          event: 'session',
        });
        socket.disconnect(true);
      }
    }
  }
}
