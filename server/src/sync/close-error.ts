/** Thrown while handling a frame: the sender's connection is closed with `code` (and only it). */
export class CloseError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}
