import type * as Y from 'yjs';
import { useUndoState } from './yHooks';

/** Undo/Redo of your own edits only (the shared UndoManager tracks local origins). */
export function EditorToolbar({
  undoManager,
  readOnly,
}: {
  undoManager: Y.UndoManager;
  readOnly: boolean;
}) {
  const { canUndo, canRedo } = useUndoState(undoManager);
  if (readOnly) return null;
  return (
    <div className="editor-toolbar" role="toolbar" aria-label="Edit">
      <button
        type="button"
        className="button button-quiet"
        data-testid="undo"
        disabled={!canUndo}
        aria-keyshortcuts="Control+Z Meta+Z"
        title="Undo your last edit (Ctrl/⌘+Z)"
        onClick={() => undoManager.undo()}
      >
        ↶ Undo
      </button>
      <button
        type="button"
        className="button button-quiet"
        data-testid="redo"
        disabled={!canRedo}
        aria-keyshortcuts="Control+Y Meta+Shift+Z"
        title="Redo (Ctrl+Y / ⌘+Shift+Z)"
        onClick={() => undoManager.redo()}
      >
        ↷ Redo
      </button>
    </div>
  );
}
