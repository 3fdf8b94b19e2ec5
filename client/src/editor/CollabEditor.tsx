import { defaultKeymap } from '@codemirror/commands';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExtension } from '@codemirror/view';
import type { FieldRef } from '@copydesk/shared';
import { useEffect, useRef } from 'react';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import type * as Y from 'yjs';
import { anchorHighlight } from '../comments/editorRegistry';
import {
  authorMarks,
  type FieldAttribution,
  marksFor,
  setAuthorMarks,
} from '../history/authorMarks';
import { contentAttributes, fieldTheme, readOnlyExtension, singleLine } from './editorExtensions';
import { remoteFlags } from './remoteFlags';
import type { StorySession } from './storySession';

export interface CollabEditorProps {
  session: StorySession;
  ytext: Y.Text;
  field: FieldRef;
  /** Accessible name of the content element, e.g. "Synopsis", "Takeaway 3". */
  label: string;
  testId: string;
  multiline: boolean;
  readOnly: boolean;
  placeholder?: string;
  /** Single-line fields: what Enter does (e.g. start the next takeaway). */
  onEnter?: () => void;
  /** Backspace in an empty field (e.g. remove an empty takeaway). */
  onBackspaceEmpty?: () => void;
  autoFocus?: boolean;
  /** Colour the text by author (the story view's toggle); null or absent: no colours. */
  attribution?: FieldAttribution | null;
}

const attributes = (label: string, testId: string, multiline: boolean, placeholder?: string) => [
  contentAttributes(label, testId, multiline),
  placeholder ? placeholderExtension(placeholder) : [],
];

/** A CodeMirror 6 editor bound to one Y.Text with y-codemirror.next (carets, undo, sync). */
export function CollabEditor(props: CollabEditorProps) {
  const { session, ytext, field, label, testId, multiline, readOnly, placeholder } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const compartments = useRef({ readOnly: new Compartment(), attrs: new Compartment() });

  // The view lives as long as its Y.Text; props that change later are reconfigured below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: one view per Y.Text; later prop changes go through compartments and refs.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const { presence, awareness, undoManager } = session;
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: ytext.toString(),
        extensions: [
          multiline
            ? []
            : singleLine(() => {
                latest.current.onEnter?.();
                return true;
              }),
          keymap.of([
            {
              key: 'Backspace',
              run: (v) => {
                if (v.state.readOnly || v.state.doc.length > 0) return false;
                if (!latest.current.onBackspaceEmpty) return false;
                latest.current.onBackspaceEmpty();
                return true;
              },
            },
            ...yUndoManagerKeymap,
            ...defaultKeymap,
          ]),
          yCollab(ytext, awareness, { undoManager }),
          remoteFlags(awareness),
          authorMarks,
          anchorHighlight,
          EditorView.lineWrapping,
          fieldTheme,
          compartments.current.readOnly.of(readOnlyExtension(readOnly)),
          compartments.current.attrs.of(attributes(label, testId, multiline, placeholder)),
          EditorView.updateListener.of((update) => {
            if (update.focusChanged) {
              // Typing in another field is another undo step, however quickly it follows.
              undoManager.stopCapturing();
              if (update.view.hasFocus) presence.enterField(latest.current.field);
              else presence.leaveField(latest.current.field);
            }
            if (update.view.hasFocus && (update.selectionSet || update.focusChanged)) {
              const { from, to } = update.state.selection.main;
              session.editors.setLast({
                field: latest.current.field,
                from,
                to,
                quote: update.state.sliceDoc(from, to),
              });
            }
            const typed = update.transactions.some(
              (tr) => tr.isUserEvent('input') || tr.isUserEvent('delete'),
            );
            if (typed) presence.noteTyping();
          }),
        ],
      }),
    });
    viewRef.current = view;
    const registered = latest.current.field;
    session.editors.register(registered, view);
    return () => {
      session.editors.unregister(latest.current.field, view);
      session.editors.unregister(registered, view);
      if (view.hasFocus) presence.leaveField(latest.current.field);
      view.destroy();
      viewRef.current = null;
    };
  }, [session, ytext]);

  // Runs after the view exists, both for a new editor and for one asked to take focus later.
  const { autoFocus } = props;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new Y.Text means a new view to focus.
  useEffect(() => {
    const view = viewRef.current;
    if (!autoFocus || !view || view.hasFocus) return;
    view.focus();
    view.dispatch({ selection: { anchor: view.state.doc.length } });
  }, [autoFocus, ytext]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: compartments.current.readOnly.reconfigure(readOnlyExtension(readOnly)),
    });
  }, [readOnly]);

  const { attribution } = props;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new Y.Text means a new view to colour.
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    if (!attribution) {
      view.dispatch({ effects: setAuthorMarks.of(null) });
      return;
    }
    const marks = marksFor(attribution, view.state.doc.toString());
    if (marks) view.dispatch({ effects: setAuthorMarks.of(marks) });
  }, [attribution, ytext]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: compartments.current.attrs.reconfigure(
        attributes(label, testId, multiline, placeholder),
      ),
    });
  }, [label, testId, multiline, placeholder]);

  // A takeaway that moves while focused keeps telling the others where its editor is.
  const previousField = useRef(field);
  useEffect(() => {
    if (previousField.current !== field) {
      session.presence.renameField(previousField.current, field);
      const view = viewRef.current;
      if (view) session.editors.rename(previousField.current, field, view);
    }
    previousField.current = field;
  }, [field, session]);

  const kind = multiline ? 'multi-line' : 'single-line';
  return <div ref={hostRef} className={`collab-editor ${kind}${readOnly ? ' read-only' : ''}`} />;
}
