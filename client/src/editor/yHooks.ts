import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import * as Y from 'yjs';

/** The live plain text of a Y.Text (for counters; the editors bind to Yjs directly). */
export function useYText(ytext: Y.Text): string {
  const subscribe = useCallback(
    (onChange: () => void) => {
      ytext.observe(onChange);
      return () => ytext.unobserve(onChange);
    },
    [ytext],
  );
  return useSyncExternalStore(subscribe, () => ytext.toString());
}

/** The items of a Y.Array, re-read when items are added, removed or moved (not on text edits). */
export function useYArray<T>(yarray: Y.Array<T>): T[] {
  const [items, setItems] = useState<T[]>(() => yarray.toArray());
  useEffect(() => {
    const onChange = () => setItems(yarray.toArray());
    onChange();
    yarray.observe(onChange);
    return () => yarray.unobserve(onChange);
  }, [yarray]);
  return items;
}

/** A string value in a Y.Map; a Y.Text written there by another client reads as its text. */
export function useYMapString(ymap: Y.Map<string>, key: string): string {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const observer = (event: Y.YMapEvent<string>) => {
        if (event.keysChanged.has(key)) onChange();
      };
      ymap.observe(observer);
      return () => ymap.unobserve(observer);
    },
    [ymap, key],
  );
  return useSyncExternalStore(subscribe, () => {
    const value: unknown = ymap.get(key);
    if (typeof value === 'string') return value;
    return value instanceof Y.Text ? value.toString() : '';
  });
}

/** Whether Undo/Redo have anything to do, for the toolbar buttons. */
export function useUndoState(undoManager: Y.UndoManager): { canUndo: boolean; canRedo: boolean } {
  const read = useCallback(
    () => (undoManager.canUndo() ? 1 : 0) + (undoManager.canRedo() ? 2 : 0),
    [undoManager],
  );
  const subscribe = useCallback(
    (onChange: () => void) => {
      const events = [
        'stack-item-added',
        'stack-item-popped',
        'stack-cleared',
        'stack-item-updated',
      ] as const;
      for (const name of events) undoManager.on(name, onChange);
      return () => {
        for (const name of events) undoManager.off(name, onChange);
      };
    },
    [undoManager],
  );
  const bits = useSyncExternalStore(subscribe, read);
  return { canUndo: (bits & 1) !== 0, canRedo: (bits & 2) !== 0 };
}
