import {
  HISTORY_TEXT_FIELDS,
  type HistoryTextField,
  MetaKey,
  Root,
  type StoryFields,
} from '@copydesk/shared';
import * as Y from 'yjs';

/**
 * A story's text as history needs it: every visible character with the Yjs id that carries it,
 * so the same text can be attributed (who inserted it) and compared by identity (takeaways).
 * Read the same way as `readFields` in shared/src/schema.ts, so the strings always agree.
 */

/** Characters `text` of one item: char i has id (client, clock + i), or (client, clock) if atomic. */
export interface Segment {
  text: string;
  client: number;
  clock: number;
  /** A whole value stored as one item (a string in `meta`): every character has the same id. */
  atomic: boolean;
}

export interface TakeawayContent {
  /** Identity of the takeaway's item ("client:clock"). */
  key: string;
  text: string;
  segments: Segment[];
}

export interface DocContent {
  fields: Record<HistoryTextField, { text: string; segments: Segment[] }>;
  takeaways: TakeawayContent[];
}

const textOf = (segments: Segment[]): string => segments.map((s) => s.text).join('');

const field = (segments: Segment[]) => ({ text: textOf(segments), segments });

/** The visible characters of a Y.Text in order. */
export const textSegments = (type: Y.Text): Segment[] => {
  const out: Segment[] = [];
  for (let item = type._start; item; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentString)) continue;
    out.push({
      text: item.content.str,
      client: item.id.client,
      clock: item.id.clock,
      atomic: false,
    });
  }
  return out;
};

const metaSegments = (meta: Y.Map<unknown>, key: string): Segment[] => {
  const item = meta._map.get(key);
  if (!item || item.deleted) return [];
  const content = item.content;
  if (content instanceof Y.ContentType) {
    return content.type instanceof Y.Text ? textSegments(content.type) : [];
  }
  const values = content.getContent();
  const value: unknown = values[values.length - 1];
  if (typeof value !== 'string' || value === '') return [];
  return [
    { text: value, client: item.id.client, clock: item.id.clock + values.length - 1, atomic: true },
  ];
};

const takeawayContents = (array: Y.Array<unknown>): TakeawayContent[] => {
  const out: TakeawayContent[] = [];
  for (let item = array._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    const content = item.content;
    if (content instanceof Y.ContentType && content.type instanceof Y.Text) {
      const segments = textSegments(content.type);
      out.push({ key: `${item.id.client}:${item.id.clock}`, text: textOf(segments), segments });
      continue;
    }
    // Not a Y.Text (third-party data): read like readFields, one atomic value per element.
    content.getContent().forEach((value: unknown, i: number) => {
      const text = value instanceof Y.Text ? value.toString() : String(value ?? '');
      const clock = item.id.clock + i;
      out.push({
        key: `${item.id.client}:${clock}`,
        text,
        segments: text ? [{ text, client: item.id.client, clock, atomic: true }] : [],
      });
    });
  }
  return out;
};

/** Reads a story document (live or rebuilt) with the ids of its characters. */
export const readContent = (doc: Y.Doc): DocContent => ({
  fields: {
    headline: field(textSegments(doc.getText(Root.headline))),
    synopsis: field(textSegments(doc.getText(Root.synopsis))),
    body: field(textSegments(doc.getText(Root.body))),
    dateline: field(metaSegments(doc.getMap(Root.meta), MetaKey.dateline)),
    source: field(metaSegments(doc.getMap(Root.meta), MetaKey.source)),
    byline: field(metaSegments(doc.getMap(Root.meta), MetaKey.byline)),
  },
  takeaways: takeawayContents(doc.getArray(Root.takeaways)),
});

export const contentFields = (content: DocContent): StoryFields => ({
  headline: content.fields.headline.text,
  synopsis: content.fields.synopsis.text,
  takeaways: content.takeaways.map((t) => t.text),
  body: content.fields.body.text,
  dateline: content.fields.dateline.text,
  source: content.fields.source.text,
  byline: content.fields.byline.text,
});

export const emptyContent = (): DocContent => {
  const fields = {} as DocContent['fields'];
  for (const name of HISTORY_TEXT_FIELDS) fields[name] = { text: '', segments: [] };
  return { fields, takeaways: [] };
};

/** Parses a takeaway key back into the id of its item. */
export const parseKey = (key: string): { client: number; clock: number } | null => {
  const match = /^(\d+):(\d+)$/.exec(key);
  return match ? { client: Number(match[1]), clock: Number(match[2]) } : null;
};
