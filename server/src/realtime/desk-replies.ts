import {
  type DeskAck,
  type DeskConnectErrorData,
  DeskEvent,
  type ErrorCode,
} from '@copydesk/shared';
import type { ExtendedError } from 'socket.io';
import type { z } from 'zod';
import type { DeskSocket } from './desk-server';

/** A refused desk event: the client is told `code` and `message` (ack or `desk:error`). */
export class DeskRejection extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A refused handshake: Socket.IO hands `data` to the client's `connect_error`. */
export const connectError = (code: ErrorCode, message: string): ExtendedError => {
  const data: DeskConnectErrorData = { code, message };
  return Object.assign(new Error(message), { data });
};

export const zodMessage = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`)
    .join('; ');

/** Answers an event through its ack when it has one; a refusal without one is a `desk:error`. */
export const respond = (
  socket: DeskSocket,
  event: string,
  ack: unknown,
  error: DeskRejection | null,
): void => {
  if (typeof ack === 'function') {
    const result: DeskAck = error
      ? { ok: false, error: { code: error.code, message: error.message } }
      : { ok: true };
    ack(result);
  } else if (error) {
    socket.emit(DeskEvent.error, { code: error.code, message: error.message, event });
  }
};
