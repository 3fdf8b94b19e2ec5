import type { PublicUser } from '@copydesk/shared';
import type { NextFunction, Request, Response } from 'express';
import { toPublicUser } from '../auth/accounts';
import type { TokenService } from '../auth/tokens';
import { unauthenticated } from '../errors';
import type { Storage } from '../storage/storage';
import { readSessionToken } from './session';

declare module 'express-serve-static-core' {
  interface Request {
    user?: PublicUser;
  }
}

/** Every /api route but login: Bearer token or session cookie, checked against the live account. */
export const authenticate =
  (tokens: TokenService, storage: Storage) =>
  async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const claims = await tokens.verify(readSessionToken(req));
    if (!claims) throw unauthenticated();
    const account = await storage.findAccountById(claims.userId);
    if (!account || account.disabled) throw unauthenticated('This account is not active.');
    req.user = toPublicUser(account);
    next();
  };

export const currentUser = (req: Request): PublicUser => {
  if (!req.user) throw unauthenticated();
  return req.user;
};
