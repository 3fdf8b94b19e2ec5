import type {
  CommentEvent,
  CommentNewPayload,
  CommentUpdatedPayload,
  MentionNewPayload,
} from '@copydesk/shared';
import type { Logger } from '../logger';

export type CommentLiveEvent =
  | { type: typeof CommentEvent.created; payload: CommentNewPayload }
  | { type: typeof CommentEvent.updated; payload: CommentUpdatedPayload }
  | { type: typeof CommentEvent.mention; payload: MentionNewPayload };

export type CommentListener = (event: CommentLiveEvent) => void;

/** The comment service's live events, to whoever listens (the desk channel). */
export class CommentFeed {
  private readonly listeners = new Set<CommentListener>();

  constructor(private readonly logger: Logger) {}

  /** Returns the unsubscribe function. */
  subscribe(listener: CommentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** False while nobody listens: events need not be built. */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  emit(event: CommentLiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err }, 'comment listener failed');
      }
    }
  }
}
