import { canWrite, ErrorCode, PresenceUpdateSchema } from '@copydesk/shared';
import type { Logger } from '../logger';
import type { PresenceStore } from '../presence';
import type { Storage } from '../storage/storage';
import { DeskRejection, zodMessage } from './desk-replies';
import type { DeskSocket } from './desk-server';

/** `presence:update` from a client: validated here, at the edge, then into the presence store. */
export class PresenceUpdates {
  constructor(
    private readonly storage: Storage,
    private readonly presence: PresenceStore,
    private readonly logger: Logger,
  ) {}

  /** Throws a `DeskRejection` for a payload or story the client must be told about. */
  async apply(socket: DeskSocket, payload: unknown): Promise<void> {
    const parsed = PresenceUpdateSchema.safeParse(payload);
    if (!parsed.success) throw new DeskRejection(ErrorCode.badRequest, zodMessage(parsed.error));
    const update = parsed.data;
    if (update.storyId !== null && update.storyId !== socket.data.storyId) {
      const story = await this.storage.getStory(update.storyId).catch((err: unknown) => {
        this.logger.error({ err }, 'story lookup failed');
        throw new DeskRejection(ErrorCode.unavailable, 'Try again in a moment.');
      });
      if (!story) throw new DeskRejection(ErrorCode.notFound, 'Unknown story.');
    }
    socket.data.storyId = update.storyId;
    // Read-only roles never show as typing, whatever their client says.
    const activity =
      update.activity === 'typing' && !canWrite(socket.data.user.role) ? 'active' : update.activity;
    await this.presence.update(socket.data.sessionId, { ...update, activity }, Date.now());
  }
}
