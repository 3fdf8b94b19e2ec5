import { CloseCode } from '@copydesk/shared';
import type { RawData } from 'ws';
import type { Logger } from '../logger';
import { decodeAwarenessUpdate } from './awareness-filter';
import { CloseError } from './close-error';
import { decodeClientMessage, MalformedMessageError } from './messages';
import type { StoryRoom } from './story-room';
import type { SyncConnection } from './sync-connection';

// One frame from an open, authenticated sync connection: rate, decoding, then the room.

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

/**
 * Hands a client's frame to its room. A frame that is refused closes only its own connection,
 * with the code that says why (4400 malformed, 4413 too large, 4429 too fast); the story and
 * everyone else in it go on.
 */
export const handleClientFrame = (
  room: StoryRoom,
  conn: SyncConnection,
  data: RawData,
  isBinary: boolean,
  logger: Logger,
): void => {
  if (conn.closed) return;
  if (!conn.admitMessage()) {
    logger.info(
      { storyId: room.id, user: conn.user.username },
      'sync connection over its message rate',
    );
    return conn.close(CloseCode.rateLimited, 'too many messages');
  }
  if (!isBinary) return conn.close(CloseCode.malformed, 'binary frames only');
  try {
    const message = decodeClientMessage(toBytes(data));
    switch (message.type) {
      case 'sync-step1':
        return room.replySyncStep1(conn, message.stateVector);
      case 'sync-step2':
      case 'sync-update': {
        if (message.type === 'sync-step2' && conn.resyncTimer) {
          clearTimeout(conn.resyncTimer);
          conn.resyncTimer = null;
          conn.resyncAnswered = true;
        }
        const outcome = room.applyClientUpdate(conn, message.update);
        if (outcome === 'dropped' && conn.readOnly) {
          logger.debug(
            { storyId: room.id, user: conn.user.username },
            'dropped a write from a read-only connection',
          );
        }
        return;
      }
      case 'awareness':
        return room.presence.applyClient(conn, decodeAwarenessUpdate(message.update));
      case 'query-awareness': {
        const snapshot = room.presence.snapshot();
        if (snapshot) conn.send(snapshot);
        return;
      }
    }
  } catch (err) {
    const close =
      err instanceof CloseError
        ? err
        : err instanceof MalformedMessageError
          ? new CloseError(CloseCode.malformed, err.message)
          : null;
    if (!close) {
      logger.error({ err, storyId: room.id, user: conn.user.username }, 'sync frame failed');
      return conn.close(CloseCode.malformed, 'message could not be handled');
    }
    logger.info(
      { storyId: room.id, user: conn.user.username, code: close.code, reason: close.reason },
      'sync frame refused',
    );
    conn.close(close.code, close.code === CloseCode.malformed ? 'malformed message' : close.reason);
  }
};
