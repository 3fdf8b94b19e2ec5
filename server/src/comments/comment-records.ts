import { randomBytes } from 'node:crypto';
import type { CommentStore, Storage } from '../storage/storage';

/** A comment (`c`) or notification (`n`) id. */
export const newId = (prefix: string): string =>
  `${prefix}_${randomBytes(9).toString('base64url')}`;

/** The storage's comment and notification store; the service cannot work without one. */
export const requireCommentStore = (storage: Storage): CommentStore => {
  const store = storage.comments;
  if (!store) throw new Error('comment storage missing');
  return store;
};
