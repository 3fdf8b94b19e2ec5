import { EditorView } from '@codemirror/view';
import type { ResolvedAnchor } from '@copydesk/shared';
import { fromBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import type { StorySession } from '../editor/storySession';
import { setAnchorHighlight } from './editorRegistry';

const HIGHLIGHT_MS = 6_000;
let clearTimer: ReturnType<typeof setTimeout> | undefined;
let highlighted: EditorView | null = null;

const ytextOf = (session: StorySession, anchor: ResolvedAnchor): Y.Text | null => {
  if (anchor.field === 'takeaway') {
    const item =
      anchor.takeawayIndex === null ? null : session.types.takeaways.get(anchor.takeawayIndex);
    return item instanceof Y.Text ? item : null;
  }
  if (anchor.field === 'headline') return session.types.headline;
  if (anchor.field === 'synopsis') return session.types.synopsis;
  if (anchor.field === 'body') return session.types.body;
  return null;
};

/** Where the anchor is in this tab's live document (its relative positions), else the API's. */
const liveRange = (session: StorySession, anchor: ResolvedAnchor): { from: number; to: number } => {
  const ytext = ytextOf(session, anchor);
  if (ytext && anchor.relStart && anchor.relEnd) {
    try {
      const start = Y.createAbsolutePositionFromRelativePosition(
        Y.decodeRelativePosition(fromBase64(anchor.relStart)),
        session.doc,
      );
      const end = Y.createAbsolutePositionFromRelativePosition(
        Y.decodeRelativePosition(fromBase64(anchor.relEnd)),
        session.doc,
      );
      if (start && end && start.type === ytext && end.type === ytext && start.index <= end.index) {
        return { from: start.index, to: end.index };
      }
    } catch {
      // Malformed positions: fall back to the offsets the server resolved.
    }
  }
  return { from: anchor.from, to: anchor.to };
};

/**
 * Scrolls to a thread's anchor and highlights it for a few seconds. Returns false when the
 * anchor has no place in the story any more (orphaned) or its field is not on screen.
 */
export const revealAnchor = (session: StorySession, anchor: ResolvedAnchor): boolean => {
  if (!anchor.fieldRef || anchor.state === 'orphaned') return false;
  if (anchor.field === 'dateline' || anchor.field === 'source' || anchor.field === 'byline') {
    const input = document.getElementById(`meta-${anchor.field}`);
    if (!input) return false;
    input.scrollIntoView({ block: 'center' });
    input.classList.remove('comment-flash');
    void input.offsetWidth;
    input.classList.add('comment-flash');
    return true;
  }
  const view = session.editors.get(anchor.fieldRef);
  if (!view) return false;
  const length = view.state.doc.length;
  const range = liveRange(session, anchor);
  const from = Math.min(range.from, length);
  const to = Math.min(Math.max(range.to, from), length);
  clearTimeout(clearTimer);
  if (highlighted && highlighted !== view && highlighted.dom.isConnected) {
    highlighted.dispatch({ effects: setAnchorHighlight.of(null) });
  }
  highlighted = view;
  view.dispatch({
    effects: [
      setAnchorHighlight.of({ from, to }),
      EditorView.scrollIntoView(from, { y: 'center' }),
    ],
  });
  view.dom.scrollIntoView({ block: 'center' });
  view.dom.classList.remove('comment-flash');
  void view.dom.offsetWidth;
  view.dom.classList.add('comment-flash');
  clearTimer = setTimeout(() => {
    if (view.dom.isConnected) view.dispatch({ effects: setAnchorHighlight.of(null) });
    highlighted = null;
  }, HIGHLIGHT_MS);
  return true;
};
