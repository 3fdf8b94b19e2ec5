import type { DragEvent } from 'react';
import { useEffect, useRef } from 'react';
import * as Y from 'yjs';
import type { FieldAttribution } from '../history/authorMarks';
import { CollabEditor } from './CollabEditor';
import { FieldAvatars, peopleIn } from './FieldShell';
import type { Person } from './people';
import type { StorySession } from './storySession';

const TAKEAWAY_DRAG_TYPE = 'application/x-copydesk-takeaway';

export type FocusControl = 'editor' | 'up' | 'down';

export interface TakeawayItemProps {
  session: StorySession;
  item: unknown;
  index: number;
  total: number;
  people: Person[];
  readOnly: boolean;
  attribution: FieldAttribution | null;
  focusControl: FocusControl | null;
  dropTarget: boolean;
  /** A takeaway is being dragged, so rows accept drops. */
  dragging: boolean;
  onMove: (from: number, to: number, control: FocusControl) => void;
  onDelete: (index: number) => void;
  onEnter: (index: number) => void;
  onDragStart: (index: number) => void;
  onDragOver: (index: number) => void;
  onDrop: (index: number) => void;
  onDragEnd: () => void;
}

/** One numbered takeaway: drag handle, its own editor, move up/down, delete. */
export function TakeawayItem(props: TakeawayItemProps) {
  const { session, item, index, total, people, readOnly, focusControl } = props;
  const number = index + 1;
  const field = `takeaway:${index}` as const;
  const upRef = useRef<HTMLButtonElement>(null);
  const downRef = useRef<HTMLButtonElement>(null);
  const rowRef = useRef<HTMLLIElement>(null);

  // After a keyboard move the moved item is a new editor; keep focus on the button used.
  useEffect(() => {
    if (focusControl === 'up') (upRef.current?.disabled ? downRef : upRef).current?.focus();
    if (focusControl === 'down') (downRef.current?.disabled ? upRef : downRef).current?.focus();
  }, [focusControl]);

  const startDrag = (event: DragEvent) => {
    event.dataTransfer.effectAllowed = 'move';
    // A private type: dropped anywhere else (an editor, another app) it carries no text.
    event.dataTransfer.setData(TAKEAWAY_DRAG_TYPE, String(index));
    if (rowRef.current) event.dataTransfer.setDragImage(rowRef.current, 16, 16);
    props.onDragStart(index);
  };

  return (
    <li
      ref={rowRef}
      className={`takeaway ${props.dropTarget ? 'takeaway-drop' : ''}`}
      data-testid="takeaway-item"
      // Capture phase, so the CodeMirror editor under the pointer never sees a takeaway drag
      // (it would insert the drag data as text).
      onDragOverCapture={(event) => {
        if (!props.dragging) return;
        event.preventDefault();
        event.stopPropagation();
        event.dataTransfer.dropEffect = 'move';
        props.onDragOver(index);
      }}
      onDropCapture={(event) => {
        if (!props.dragging) return;
        event.preventDefault();
        event.stopPropagation();
        props.onDrop(index);
      }}
    >
      {readOnly ? null : (
        <span
          className="drag-handle"
          draggable
          title="Drag to reorder"
          aria-hidden="true"
          onDragStart={startDrag}
          onDragEnd={props.onDragEnd}
        >
          ⠿
        </span>
      )}
      <span className="takeaway-number" aria-hidden="true">
        {number}.
      </span>
      <div className="takeaway-editor">
        {item instanceof Y.Text ? (
          <CollabEditor
            session={session}
            ytext={item}
            field={field}
            label={`Takeaway ${number}`}
            testId={`takeaway-${number}`}
            multiline={false}
            readOnly={readOnly}
            placeholder={readOnly ? 'Empty takeaway' : 'Key takeaway'}
            autoFocus={focusControl === 'editor'}
            attribution={props.attribution}
            onEnter={() => props.onEnter(index)}
            onBackspaceEmpty={() => props.onDelete(index)}
          />
        ) : (
          // Written by another client in a shape we cannot edit; show it as plain text.
          <span className="takeaway-static" data-testid={`takeaway-${number}`}>
            {String(item ?? '')}
          </span>
        )}
      </div>
      <FieldAvatars people={peopleIn(people, field)} />
      {readOnly ? null : (
        <span className="takeaway-actions">
          <button
            ref={upRef}
            type="button"
            className="icon-button"
            aria-label={`Move takeaway ${number} up`}
            title="Move up"
            disabled={index === 0}
            onClick={() => props.onMove(index, index - 1, 'up')}
          >
            ↑
          </button>
          <button
            ref={downRef}
            type="button"
            className="icon-button"
            aria-label={`Move takeaway ${number} down`}
            title="Move down"
            disabled={index === total - 1}
            onClick={() => props.onMove(index, index + 1, 'down')}
          >
            ↓
          </button>
          <button
            type="button"
            className="icon-button icon-danger"
            aria-label={`Delete takeaway ${number}`}
            title="Delete"
            data-testid={`delete-takeaway-${number}`}
            onClick={() => props.onDelete(index)}
          >
            ×
          </button>
        </span>
      )}
    </li>
  );
}
