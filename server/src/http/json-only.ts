import { ErrorCode } from '@copydesk/shared';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Routes that change state without a body (logging out is harmless to force). */
const BODYLESS = new Set(['/auth/logout']);

const isJson = (contentType: string | undefined): boolean =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';

/**
 * CSRF guard for /api: a state-changing request must say `Content-Type: application/json`.
 * An HTML form can only send urlencoded, multipart or text/plain bodies, and a cross-site
 * script cannot set this header without a CORS preflight, which we never answer. Together with
 * the SameSite=Strict cookie this keeps other sites from acting as the signed-in user.
 */
export const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
  if (
    !STATE_CHANGING.has(req.method) ||
    BODYLESS.has(req.path) ||
    isJson(req.headers['content-type'])
  ) {
    return next();
  }
  next(
    new HttpError(
      415,
      ErrorCode.unsupportedMediaType,
      'Send a JSON body with Content-Type: application/json.',
    ),
  );
};
