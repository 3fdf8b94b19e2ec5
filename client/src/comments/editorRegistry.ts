import { type Range, StateEffect, StateField } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView } from '@codemirror/view';
import type { FieldRef } from '@copydesk/shared';

/** Where the user last had a caret or selection, for "comment on the selection". */
export interface LastSelection {
  field: FieldRef;
  from: number;
  to: number;
  quote: string;
}

/** Sets (or with null clears) the highlighted comment anchor of one editor. */
export const setAnchorHighlight = StateEffect.define<{ from: number; to: number } | null>();

const anchorMark = Decoration.mark({ class: 'cm-comment-anchor' });
/** The highlighted anchor follows edits until it is cleared. */
export const anchorHighlight = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    let next = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setAnchorHighlight)) continue;
      const ranges: Range<Decoration>[] = [];
      const range = effect.value;
      if (range && range.to > range.from) ranges.push(anchorMark.range(range.from, range.to));
      next = Decoration.set(ranges);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/**
 * The story's field editors by field, and the last selection made in one: the Comments tab
 * anchors new comments there and scrolls to a thread's anchor.
 */
export class EditorRegistry {
  private readonly views = new Map<FieldRef, EditorView>();
  private last: LastSelection | null = null;
  private readonly listeners = new Set<() => void>();

  register(field: FieldRef, view: EditorView): void {
    this.views.set(field, view);
  }

  unregister(field: FieldRef, view: EditorView): void {
    if (this.views.get(field) === view) this.views.delete(field);
  }

  rename(from: FieldRef, to: FieldRef, view: EditorView): void {
    this.unregister(from, view);
    this.views.set(to, view);
    if (this.last?.field === from) this.setLast({ ...this.last, field: to });
  }

  get(field: FieldRef): EditorView | undefined {
    return this.views.get(field);
  }

  setLast(selection: LastSelection | null): void {
    const before = this.last;
    if (
      before?.field === selection?.field &&
      before?.from === selection?.from &&
      before?.to === selection?.to
    ) {
      return;
    }
    this.last = selection;
    for (const listener of this.listeners) listener();
  }

  getLast = (): LastSelection | null => this.last;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
