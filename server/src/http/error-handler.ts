import { type ErrorBody, ErrorCode } from '@copydesk/shared';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors';
import type { Logger } from '../logger';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Every error becomes `{error:{code,message}}`; stacks stay in the log. */
export const errorHandler =
  (logger: Logger) =>
  (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const send = (status: number, code: ErrorCode, message: string) => {
      const body: ErrorBody = { error: { code, message } };
      res.status(status).json(body);
    };
    if (err instanceof HttpError) return send(err.status, err.code, err.message);
    const parserError = err as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      return send(413, ErrorCode.tooLarge, 'The request body is too large.');
    }
    if (parserError?.type === 'entity.parse.failed') {
      return send(400, ErrorCode.badRequest, 'The request body is not valid JSON.');
    }
    if (parserError?.type && parserError.status && parserError.status < 500) {
      return send(parserError.status, ErrorCode.badRequest, 'The request body could not be read.');
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    send(500, ErrorCode.internal, 'Something went wrong on our side.');
  };
