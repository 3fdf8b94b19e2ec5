import { type EditorView, ViewPlugin } from '@codemirror/view';
import type { Awareness } from 'y-protocols/awareness';

/** How long a remote name flag stays up after that person's last activity. */
const FLAG_MS = 3_000;
const ACTIVE = 'cm-flag-active';

interface Change {
  added: number[];
  updated: number[];
}

const colorOf = (awareness: Awareness, client: number): string | null => {
  const user: unknown = (awareness.getStates().get(client) as { user?: unknown } | undefined)?.user;
  const color =
    typeof user === 'object' && user !== null ? (user as { color?: unknown }).color : null;
  return typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : null;
};

/**
 * y-codemirror.next shows a remote caret's name only on hover. Newsroom editors want to see
 * who is typing, so a caret's flag shows while its owner is active and fades after a pause.
 * Carets carry no client id, only their account colour, so they are matched by colour.
 */
export const remoteFlags = (awareness: Awareness) =>
  ViewPlugin.fromClass(
    class {
      private readonly until = new Map<string, number>();
      private timer: ReturnType<typeof setTimeout> | undefined;
      private frame = 0;

      constructor(private readonly view: EditorView) {
        awareness.on('change', this.onChange);
      }

      private readonly onChange = ({ added, updated }: Change): void => {
        const now = Date.now();
        for (const client of [...added, ...updated]) {
          if (client === awareness.clientID) continue;
          const color = colorOf(awareness, client);
          if (color) this.until.set(color, now + FLAG_MS);
        }
        // Let y-codemirror redraw its carets first, then mark them.
        cancelAnimationFrame(this.frame);
        this.frame = requestAnimationFrame(() => this.mark());
      };

      update(): void {
        if (this.until.size > 0) {
          cancelAnimationFrame(this.frame);
          this.frame = requestAnimationFrame(() => this.mark());
        }
      }

      private mark(): void {
        const now = Date.now();
        let next = Number.POSITIVE_INFINITY;
        for (const caret of this.view.dom.querySelectorAll<HTMLElement>('.cm-ySelectionCaret')) {
          const style = caret.getAttribute('style') ?? '';
          let active = false;
          for (const [color, until] of this.until) {
            if (until > now && style.includes(color)) {
              active = true;
              next = Math.min(next, until);
            }
          }
          caret.classList.toggle(ACTIVE, active);
        }
        for (const [color, until] of this.until) if (until <= now) this.until.delete(color);
        clearTimeout(this.timer);
        if (Number.isFinite(next)) this.timer = setTimeout(() => this.mark(), next - now + 20);
      }

      destroy(): void {
        awareness.off('change', this.onChange);
        cancelAnimationFrame(this.frame);
        clearTimeout(this.timer);
      }
    },
  );
