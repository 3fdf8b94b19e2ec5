import { ErrorCode } from '@copydesk/shared';

/** An error whose code and status are part of the API (see shared ErrorCode). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, ErrorCode.badRequest, message);
export const unauthenticated = (message = 'Sign in first.') =>
  new HttpError(401, ErrorCode.unauthenticated, message);
export const forbidden = (message = 'Your role does not allow this.') =>
  new HttpError(403, ErrorCode.forbidden, message);
export const notFound = (message = 'Not found.') => new HttpError(404, ErrorCode.notFound, message);
export const tooLarge = (message: string) => new HttpError(413, ErrorCode.tooLarge, message);
export const serviceUnavailable = (message: string) =>
  new HttpError(503, ErrorCode.unavailable, message);
