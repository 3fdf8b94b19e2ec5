import type { PublicUser } from '@copydesk/shared';
import type { NextFunction, Request, Response } from 'express';
import { authenticateToken, type Session } from '../auth/sessions';
import type { TokenService } from '../auth/tokens';
import { unauthenticated } from '../errors';
import type { Storage } from '../storage/storage';
import { readSessionToken } from './session';

declare module 'express-serve-static-core' {
  interface Request {
    user?: PublicUser;
    session?: Session;
  }
}

/**
 * Every /api route but login: Bearer token or session cookie, checked against the live account
 * on every request (a disabled account, a changed role or a new password count at once).
 */
export const authenticate =
  (tokens: TokenService, storage: Storage) =>
  async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const session = await authenticateToken(tokens, storage, readSessionToken(req));
    if (!session)
      throw unauthenticated('Sign in first (the session is missing, expired or revoked).');
    req.session = session;
    req.user = session.user;
    next();
  };

export const currentUser = (req: Request): PublicUser => {
  if (!req.user) throw unauthenticated();
  return req.user;
};

export const currentSession = (req: Request): Session => {
  if (!req.session) throw unauthenticated();
  return req.session;
};
