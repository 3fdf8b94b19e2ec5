import type { FieldRef } from '@copydesk/shared';
import type { Awareness } from 'y-protocols/awareness';

/** How long after the last keystroke someone still counts as typing. */
const TYPING_MS = 2_000;

/**
 * Publishes where this tab's user is (awareness `field`) and whether they are typing.
 * Focus moves blur-then-focus, so a blur only clears the field it left.
 */
export class PresenceReporter {
  private field: FieldRef | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(field: FieldRef | null, typing: boolean) => void>();

  constructor(private readonly awareness: Awareness) {}

  /** Also told every change of field or typing (the desk-wide presence channel listens). */
  onChange(listener: (field: FieldRef | null, typing: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.field, this.typingTimer !== undefined);
  }

  enterField(field: FieldRef): void {
    if (this.field === field) return;
    this.field = field;
    this.awareness.setLocalStateField('field', field);
    this.notify();
  }

  leaveField(field: FieldRef): void {
    if (this.field !== field) return;
    this.field = null;
    this.awareness.setLocalStateField('field', null);
    this.stopTyping();
    this.notify();
  }

  /** A focused field's identity changed under the user (a takeaway moved). */
  renameField(from: FieldRef, to: FieldRef): void {
    if (this.field === from) this.enterField(to);
  }

  noteTyping(): void {
    const started = this.typingTimer === undefined;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.stopTyping();
      this.notify();
    }, TYPING_MS);
    if (started) {
      this.awareness.setLocalStateField('typing', true);
      this.notify();
    }
  }

  private stopTyping(): void {
    if (this.typingTimer === undefined) return;
    clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
    this.awareness.setLocalStateField('typing', false);
  }

  destroy(): void {
    clearTimeout(this.typingTimer);
    this.listeners.clear();
  }
}
