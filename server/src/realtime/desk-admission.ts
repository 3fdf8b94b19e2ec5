import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@copydesk/shared';
import type { ExtendedError } from 'socket.io';
import { originAllowed } from '../auth/origin';
import { authenticateToken } from '../auth/sessions';
import type { TokenService } from '../auth/tokens';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { TokenBucket } from '../token-bucket';
import type { DeskLimits } from './desk-options';
import { connectError } from './desk-replies';
import type { DeskSocket } from './desk-server';
import { handshakeToken } from './handshake';

export interface DeskAdmissionOptions {
  tokens: TokenService;
  storage: Storage;
  logger: Logger;
  limits: DeskLimits;
  allowedOrigins: readonly string[];
  /** True once the channel is closing: new connections are refused. */
  closing: () => boolean;
  /** Open desk connections of the account on this instance. */
  connectionsOf: (userId: string) => number;
}

/**
 * The handshake middleware (`io.use`): a valid session from a trusted origin, within the
 * per-account connection limit, or the connection is refused with a `DeskConnectErrorData`.
 */
export const deskAdmission = (
  options: DeskAdmissionOptions,
): ((socket: DeskSocket, next: (err?: ExtendedError) => void) => void) => {
  const { tokens, storage, logger, limits, allowedOrigins, closing, connectionsOf } = options;
  return (socket, next) => {
    void (async () => {
      if (closing()) return next(connectError(ErrorCode.unavailable, 'Server restarting.'));
      const { token, viaCookie } = handshakeToken(socket.handshake.auth, socket.request);
      if (!token) {
        return next(connectError(ErrorCode.unauthenticated, 'Sign in first: no token.'));
      }
      if (viaCookie && !originAllowed(socket.request, allowedOrigins)) {
        return next(connectError(ErrorCode.forbidden, 'This origin may not use the session.'));
      }
      const session = await authenticateToken(tokens, storage, token);
      if (!session) {
        return next(
          connectError(
            ErrorCode.unauthenticated,
            'Sign in first (the session is missing, expired or revoked).',
          ),
        );
      }
      if (connectionsOf(session.user.id) >= limits.maxConnectionsPerUser) {
        return next(connectError(ErrorCode.rateLimited, 'Too many open desk connections.'));
      }
      socket.data = {
        user: session.user,
        claims: session.claims,
        sessionId: randomBytes(12).toString('base64url'),
        storyId: null,
        bucket: new TokenBucket(limits.eventsPerSecond, limits.eventBurst),
      };
      next();
    })().catch((err: unknown) => {
      logger.error({ err }, 'desk handshake failed');
      next(connectError(ErrorCode.unavailable, 'Try again in a moment.'));
    });
  };
};
