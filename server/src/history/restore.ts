import { MetaKey, readFields, type StoryFields, storyTypes } from '@copydesk/shared';
import * as Y from 'yjs';
import { contentFields, type DocContent, textSegments } from './doc-content';
import { matchTakeaways, type TakeawayItem } from './takeaway-match';
import { textEdits } from './text-diff';

/**
 * A restore as minimal edits on the live document: each field gets only the changes that turn
 * its current text into the version's text, so text nobody touched keeps its identity (and
 * author), and concurrent edits elsewhere in the story survive. Call inside one transaction.
 */

/** Edits a Y.Text to read `target`, touching only changed tokens. */
export const setText = (text: Y.Text, target: string): void => {
  for (const edit of textEdits(text.toString(), target)) {
    if (edit.deleteCount > 0) text.delete(edit.index, edit.deleteCount);
    if (edit.insert) text.insert(edit.index, edit.insert);
  }
};

const setMeta = (meta: Y.Map<unknown>, key: string, target: string): void => {
  const current: unknown = meta.get(key);
  if (current instanceof Y.Text) {
    setText(current, target);
    return;
  }
  const text = typeof current === 'string' ? current : '';
  if (text === target && (typeof current === 'string' || target === '')) return;
  if (target === '') meta.delete(key);
  else meta.set(key, target);
};

/** The live takeaways with their identities (the same keys as `readContent`). */
const liveTakeaways = (array: Y.Array<unknown>): TakeawayItem[] => {
  const out: TakeawayItem[] = [];
  for (let item = array._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    const content = item.content;
    if (content instanceof Y.ContentType && content.type instanceof Y.Text) {
      out.push({
        key: `${item.id.client}:${item.id.clock}`,
        text: textSegments(content.type)
          .map((s) => s.text)
          .join(''),
      });
      continue;
    }
    content.getContent().forEach((value: unknown, i: number) => {
      out.push({
        key: `${item.id.client}:${item.id.clock + i}`,
        text: value instanceof Y.Text ? value.toString() : String(value ?? ''),
      });
    });
  }
  return out;
};

/**
 * Turns the takeaway list into `target`: takeaways matched in order (same Y.Text, else similar
 * text) are edited in place; the rest are deleted, and missing ones inserted as new Y.Texts.
 */
const setTakeaways = (array: Y.Array<unknown>, target: TakeawayItem[]): void => {
  const live = liveTakeaways(array);
  const matches = matchTakeaways(live, target);
  const keptByTarget = new Map<number, number>();
  for (const m of matches) {
    if (m.fromIndex !== null && m.toIndex !== null && !m.moved) {
      keptByTarget.set(m.toIndex, m.fromIndex);
    }
  }
  const keptLive = new Set(keptByTarget.values());
  for (let i = live.length - 1; i >= 0; i--) if (!keptLive.has(i)) array.delete(i, 1);
  let k = 0;
  target.forEach((item, j) => {
    if (keptByTarget.has(j)) {
      const current = array.get(k);
      if (current instanceof Y.Text) setText(current, item.text);
      else {
        array.delete(k, 1);
        array.insert(k, [new Y.Text(item.text)]);
      }
    } else {
      array.insert(k, [new Y.Text(item.text)]);
    }
    k++;
  });
};

/** Applies a version's content to a story document (inside the caller's transaction). */
export const applyContent = (doc: Y.Doc, target: DocContent): void => {
  const t = storyTypes(doc);
  setText(t.headline, target.fields.headline.text);
  setText(t.synopsis, target.fields.synopsis.text);
  setText(t.body, target.fields.body.text);
  const meta = t.meta as Y.Map<unknown>;
  setMeta(meta, MetaKey.dateline, target.fields.dateline.text);
  setMeta(meta, MetaKey.source, target.fields.source.text);
  setMeta(meta, MetaKey.byline, target.fields.byline.text);
  setTakeaways(
    t.takeaways as Y.Array<unknown>,
    target.takeaways.map((tk) => ({ key: tk.key, text: tk.text })),
  );
};

/** Whether the document now reads exactly like the target. */
export const matchesContent = (doc: Y.Doc, target: DocContent): boolean => {
  const now: StoryFields = readFields(doc);
  const want = contentFields(target);
  return (
    now.headline === want.headline &&
    now.synopsis === want.synopsis &&
    now.body === want.body &&
    now.dateline === want.dateline &&
    now.source === want.source &&
    now.byline === want.byline &&
    now.takeaways.length === want.takeaways.length &&
    now.takeaways.every((text, i) => text === want.takeaways[i])
  );
};
