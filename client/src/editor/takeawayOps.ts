import * as Y from 'yjs';
import { LOCAL_ORIGIN } from './storySession';

const itemText = (item: unknown): string =>
  item instanceof Y.Text ? item.toString() : String(item ?? '');

/** Inserts an empty takeaway at `index` and returns its Y.Text. */
export const addTakeaway = (doc: Y.Doc, list: Y.Array<Y.Text>, index: number): Y.Text => {
  const text = new Y.Text();
  doc.transact(() => list.insert(Math.max(0, Math.min(index, list.length)), [text]), LOCAL_ORIGIN);
  return text;
};

export const deleteTakeaway = (doc: Y.Doc, list: Y.Array<Y.Text>, index: number): void => {
  if (index < 0 || index >= list.length) return;
  doc.transact(() => list.delete(index, 1), LOCAL_ORIGIN);
};

/**
 * Moves a takeaway. Yjs has no move, so (as the schema documents) a move is a delete plus an
 * insert of a new Y.Text with the same content, in one transaction so peers never see a gap.
 * Returns the new Y.Text.
 */
export const moveTakeaway = (
  doc: Y.Doc,
  list: Y.Array<Y.Text>,
  from: number,
  to: number,
): Y.Text | null => {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return null;
  const moved = new Y.Text(itemText(list.get(from)));
  doc.transact(() => {
    list.delete(from, 1);
    list.insert(to, [moved]);
  }, LOCAL_ORIGIN);
  return moved;
};

/** Stable React keys for Y.Text items, which have no id of their own. */
const keys = new WeakMap<object, number>();
let nextKey = 1;
export const itemKey = (item: unknown, index: number): string => {
  if (typeof item !== 'object' || item === null) return `value-${index}`;
  let key = keys.get(item);
  if (key === undefined) {
    key = nextKey++;
    keys.set(item, key);
  }
  return `item-${key}`;
};
