import { ErrorCode, isStoryId } from '@copydesk/shared';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { TokenService } from '../auth/tokens';
import { HttpError, notFound, serviceUnavailable } from '../errors';
import { authenticate } from '../http/authenticate';
import type { Storage } from '../storage/storage';

/**
 * Authenticates like every /api route (Bearer token or session cookie), unless an earlier
 * middleware already did for this request. Used per route, so mounting one of our routers in
 * front of the main API never puts login behind authentication.
 */
export const requireUser = (tokens: TokenService, storage: Storage): RequestHandler => {
  const auth = authenticate(tokens, storage);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.user) return next();
    await auth(req, res, next);
  };
};

/** Every `:id` must look like a story id before any storage key is built from it. */
export const checkStoryIdParam = (router: Router): void => {
  router.param('id', (_req, _res, next, id: string) => {
    next(isStoryId(id) ? undefined : notFound('No story with this id.'));
  });
};

export const unavailable = (what: string): HttpError =>
  serviceUnavailable(`This storage does not support ${what} yet.`);

/** Milliseconds from an ISO date or a number of ms since the epoch; null when absent. */
export const parseTime = (value: unknown, name: string): number | null => {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new HttpError(400, ErrorCode.badRequest, `Bad ${name}.`);
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new HttpError(400, ErrorCode.badRequest, `${name} must be an ISO date or epoch ms.`);
  }
  return ms;
};

export const parseLimit = (value: unknown, fallback: number, max: number): number => {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new HttpError(400, ErrorCode.badRequest, `limit must be between 1 and ${max}.`);
  }
  return n;
};
