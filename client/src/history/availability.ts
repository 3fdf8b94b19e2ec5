import { ApiError } from '../api/http';

/**
 * Whether this server has the version history API. Until it is mounted every history route
 * answers 404; after the first such answer the client stops asking (one failed request, not
 * one per poll) and the History tab says why it is empty.
 */
let missing = false;

export const historyMissing = (): boolean => missing;

/** Call with any error from a history route of a story that exists. Returns `historyMissing()`. */
export const noteHistoryError = (error: unknown): boolean => {
  if (error instanceof ApiError && (error.status === 404 || error.status === 503)) missing = true;
  return missing;
};
