import * as Y from 'yjs';

/**
 * What one transaction did to a Y.Text, found from the items it inserted and deleted instead of
 * from the event's `delta`: Yjs computes a delta by walking the whole text from its first item,
 * with two lookups per item, and a story typed by several people is thousands of items (each
 * person's run of typing is its own). Here the walk goes from one changed item to the nearer end
 * of the text, and across the changed stretch: O(1) for typing at the end or the start, O(half
 * the text) at worst.
 */

/** The text after the change, and how many characters at its start and end were left alone. */
export interface TextChange {
  after: string;
  prefix: number;
  suffix: number;
}

const visible = (item: Y.Item): number => (!item.deleted && item.countable ? item.length : 0);

/** Items of `type` the transaction inserted, then the ones it deleted (which existed before). */
const changedItems = (type: Y.Text, tr: Y.Transaction): Set<Y.Item> => {
  const changed = new Set<Y.Item>();
  const clients = tr.doc.store.clients;
  for (const [client, afterClock] of tr.afterState) {
    const beforeClock = tr.beforeState.get(client) ?? 0;
    const structs = clients.get(client);
    if (afterClock <= beforeClock || !structs) continue;
    for (let i = Y.findIndexSS(structs, beforeClock); i < structs.length; i++) {
      const s = structs[i] as Y.AbstractStruct;
      if (s.id.clock >= afterClock) break;
      if (s instanceof Y.Item && s.parent === type) changed.add(s);
    }
  }
  for (const [client, ranges] of tr.deleteSet.clients) {
    const structs = clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
        const s = structs[i] as Y.AbstractStruct;
        if (s.id.clock >= clock + len) break;
        if (s instanceof Y.Item && s.parent === type) changed.add(s);
      }
    }
  }
  return changed;
};

/** Visible characters before `item` in the text now, walking towards whichever end is nearer. */
const offsetOf = (type: Y.Text, item: Y.Item): number => {
  let left = item.left;
  let right: Y.Item | null = item;
  let leftCount = 0;
  let rightCount = 0;
  for (;;) {
    if (left === null) return leftCount;
    leftCount += visible(left);
    left = left.left;
    if (right === null) return type.length - rightCount;
    rightCount += visible(right);
    right = right.right;
  }
};

/**
 * The change `tr` made to `type`, whose text before it was `before`; null when it cannot be told
 * this way (no changed item found, content that is not text, or `before` out of step), and the
 * caller reads the field whole.
 */
export const textChange = (type: Y.Text, tr: Y.Transaction, before: string): TextChange | null => {
  const changed = changedItems(type, tr);
  const first = changed.values().next().value;
  if (first === undefined) return null;
  // Out from the first changed item both ways until every changed item is passed: the stretch
  // between the outermost two is all that changed.
  let remaining = changed.size - 1;
  let leftmost = first;
  let rightmost = first;
  /** Visible characters from the leftmost changed item up to the first one. */
  let leftmostToFirst = 0;
  let left = first.left;
  let right = first.right;
  let passedLeft = 0;
  while (remaining > 0 && (left !== null || right !== null)) {
    if (left !== null) {
      passedLeft += visible(left);
      if (changed.has(left)) {
        leftmost = left;
        leftmostToFirst = passedLeft;
        remaining--;
      }
      left = left.left;
    }
    if (right !== null && remaining > 0) {
      if (changed.has(right)) {
        rightmost = right;
        remaining--;
      }
      right = right.right;
    }
  }
  if (remaining > 0) return null;
  const prefix = offsetOf(type, first) - leftmostToFirst;
  let middle = '';
  for (let item: Y.Item | null = leftmost; item !== null; item = item.right) {
    if (visible(item) > 0) {
      if (!(item.content instanceof Y.ContentString)) return null;
      middle += item.content.str;
    }
    if (item === rightmost) break;
  }
  const suffix = type.length - prefix - middle.length;
  if (prefix < 0 || suffix < 0 || prefix + suffix > before.length) return null;
  return {
    after: before.slice(0, prefix) + middle + before.slice(before.length - suffix),
    prefix,
    suffix,
  };
};
