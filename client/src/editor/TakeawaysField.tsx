import { TAKEAWAY_TARGET, targetState } from '@copydesk/shared';
import { useRef, useState } from 'react';
import type * as Y from 'yjs';
import { attributionOf } from '../history/authorMarks';
import { Counter, FieldShell } from './FieldShell';
import { type FocusControl, TakeawayItem } from './TakeawayItem';
import type { FieldProps } from './TextFields';
import { addTakeaway, deleteTakeaway, itemKey, moveTakeaway } from './takeawayOps';
import { useYArray } from './yHooks';

interface FocusRequest {
  target: unknown;
  control: FocusControl;
}

/** The numbered list of key takeaways, each its own collaborative line. */
export function TakeawaysField({ session, people, readOnly, attribution }: FieldProps) {
  const { doc, types, undoManager } = session;
  const list: Y.Array<Y.Text> = types.takeaways;
  const items = useYArray(list);
  const [focus, setFocus] = useState<FocusRequest | null>(null);
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<number | null>(null);
  const addRef = useRef<HTMLButtonElement>(null);

  const count = items.length;
  const outside = targetState(count, TAKEAWAY_TARGET) !== 'within';
  const target = `${TAKEAWAY_TARGET.min}–${TAKEAWAY_TARGET.max}`;

  const add = (index: number) => {
    if (readOnly) return;
    // List changes are undo steps of their own, not merged with typing just before.
    undoManager.stopCapturing();
    setFocus({ target: addTakeaway(doc, list, index), control: 'editor' });
  };

  const remove = (index: number) => {
    if (readOnly) return;
    undoManager.stopCapturing();
    const previous = index > 0 ? list.get(index - 1) : null;
    deleteTakeaway(doc, list, index);
    if (previous) setFocus({ target: previous, control: 'editor' });
    else addRef.current?.focus();
  };

  const move = (from: number, to: number, control: FocusControl) => {
    if (readOnly) return;
    undoManager.stopCapturing();
    const moved = moveTakeaway(doc, list, from, to);
    if (moved) setFocus({ target: moved, control });
  };

  const endDrag = () => {
    setDragFrom(null);
    setDropAt(null);
  };

  return (
    <FieldShell
      id="takeaways"
      label="Key takeaways"
      counter={
        <Counter
          testId="takeaway-counter"
          text={`${count} takeaways · target ${target}`}
          outside={outside}
        />
      }
    >
      {count === 0 ? (
        <p className="field-empty">
          {readOnly ? 'No takeaways yet.' : 'No takeaways yet — add the first one below.'}
        </p>
      ) : null}
      <ol className="takeaway-list" data-testid="takeaway-list">
        {items.map((item, index) => (
          <TakeawayItem
            key={itemKey(item, index)}
            session={session}
            item={item}
            index={index}
            total={count}
            people={people}
            readOnly={readOnly}
            attribution={attributionOf(attribution, { takeaway: index })}
            focusControl={focus?.target === item ? focus.control : null}
            dragging={dragFrom !== null}
            dropTarget={dragFrom !== null && dropAt === index && dropAt !== dragFrom}
            onMove={move}
            onDelete={remove}
            onEnter={(at) => add(at + 1)}
            onDragStart={setDragFrom}
            onDragOver={setDropAt}
            onDrop={(to) => {
              if (dragFrom !== null) move(dragFrom, to, 'editor');
              endDrag();
            }}
            onDragEnd={endDrag}
          />
        ))}
      </ol>
      {readOnly ? null : (
        <button
          ref={addRef}
          type="button"
          className="button button-quiet add-takeaway"
          data-testid="add-takeaway"
          onClick={() => add(count)}
        >
          + Add takeaway
        </button>
      )}
    </FieldShell>
  );
}
