import {
  type ChangeSpec,
  EditorSelection,
  EditorState,
  type Extension,
  Prec,
  Transaction,
} from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { ySyncAnnotation } from 'y-codemirror.next';

/**
 * Keeps a field on one line: Enter runs `onEnter` instead of breaking the line, and pasted
 * line breaks become spaces. Changes arriving from Yjs are left alone, since rewriting them
 * would make the editor disagree with the shared document.
 */
export const singleLine = (onEnter: () => boolean): Extension => [
  Prec.highest(
    keymap.of([
      { key: 'Enter', run: onEnter },
      { key: 'Shift-Enter', run: onEnter },
      { key: 'Mod-Enter', run: onEnter },
    ]),
  ),
  EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || tr.annotation(ySyncAnnotation) || tr.newDoc.lines === 1) return tr;
    const changes: ChangeSpec[] = [];
    tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      changes.push({ from: fromA, to: toA, insert: inserted.toString().replace(/\s*\n\s*/g, ' ') });
    });
    const changeSet = tr.startState.changes(changes);
    const head = changeSet.mapPos(tr.startState.selection.main.head, 1);
    const userEvent = tr.annotation(Transaction.userEvent);
    return {
      changes: changeSet,
      selection: EditorSelection.cursor(head),
      scrollIntoView: true,
      ...(userEvent ? { userEvent } : {}),
    };
  }),
];

/** Read-only as CodeMirror means it: no edits, and no editable content element. */
export const readOnlyExtension = (readOnly: boolean): Extension => [
  EditorState.readOnly.of(readOnly),
  EditorView.editable.of(!readOnly),
];

export const contentAttributes = (label: string, testId: string, multiline: boolean): Extension =>
  EditorView.contentAttributes.of({
    'aria-label': label,
    'data-testid': testId,
    'aria-multiline': multiline ? 'true' : 'false',
  });

/** Editor chrome follows the page's CSS; only what must live inside CodeMirror is here. */
export const fieldTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--field-bg)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-content': { fontFamily: 'inherit', padding: '6px 0', caretColor: 'var(--ink)' },
  '.cm-line': { padding: '0 8px' },
  '.cm-placeholder': { color: 'var(--muted)' },
  // Name flags stay readable: sans-serif, padded, and visible while the person is active.
  '.cm-ySelectionInfo': {
    fontFamily: 'inherit',
    fontSize: '11px',
    fontWeight: '600',
    padding: '1px 4px',
    borderRadius: '3px 3px 3px 0',
    top: '-1.35em',
  },
});
