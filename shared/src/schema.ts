import * as Y from 'yjs';

/**
 * The public story document schema: one Y.Doc per story with these root types.
 * Any Yjs client may co-edit a story, so changing this is a breaking change
 * (see docs/PROTOCOL.md).
 */
export const Root = {
  headline: 'headline',
  synopsis: 'synopsis',
  takeaways: 'takeaways',
  body: 'body',
  meta: 'meta',
} as const;

export const MetaKey = { dateline: 'dateline', source: 'source', byline: 'byline' } as const;
export type MetaKey = (typeof MetaKey)[keyof typeof MetaKey];

export interface StoryFields {
  headline: string;
  synopsis: string;
  takeaways: string[];
  body: string;
  dateline: string;
  source: string;
  byline: string;
}

export const emptyFields = (): StoryFields => ({
  headline: '',
  synopsis: '',
  takeaways: [],
  body: '',
  dateline: '',
  source: '',
  byline: '',
});

export interface StoryTypes {
  headline: Y.Text;
  synopsis: Y.Text;
  takeaways: Y.Array<Y.Text>;
  body: Y.Text;
  meta: Y.Map<string>;
}

export const storyTypes = (doc: Y.Doc): StoryTypes => ({
  headline: doc.getText(Root.headline),
  synopsis: doc.getText(Root.synopsis),
  takeaways: doc.getArray<Y.Text>(Root.takeaways),
  body: doc.getText(Root.body),
  meta: doc.getMap<string>(Root.meta),
});

const metaString = (meta: Y.Map<string>, key: MetaKey): string => {
  const value: unknown = meta.get(key);
  if (typeof value === 'string') return value;
  // Third-party clients may store a Y.Text under a meta key; read it as text.
  if (value instanceof Y.Text) return value.toString();
  return '';
};

/** Reads the plain-text view of a story from its live document. */
export const readFields = (doc: Y.Doc): StoryFields => {
  const t = storyTypes(doc);
  return {
    headline: t.headline.toString(),
    synopsis: t.synopsis.toString(),
    takeaways: t.takeaways
      .toArray()
      .map((item) => (item instanceof Y.Text ? item.toString() : String(item ?? ''))),
    body: t.body.toString(),
    dateline: metaString(t.meta, MetaKey.dateline),
    source: metaString(t.meta, MetaKey.source),
    byline: metaString(t.meta, MetaKey.byline),
  };
};

/** Writes fields into an empty document in one transaction (used for new stories). */
export const writeFields = (doc: Y.Doc, fields: Partial<StoryFields>): void => {
  const t = storyTypes(doc);
  doc.transact(() => {
    if (fields.headline) t.headline.insert(0, fields.headline);
    if (fields.synopsis) t.synopsis.insert(0, fields.synopsis);
    if (fields.takeaways?.length) {
      t.takeaways.insert(
        0,
        fields.takeaways.map((text) => new Y.Text(text)),
      );
    }
    if (fields.body) t.body.insert(0, fields.body);
    if (fields.dateline) t.meta.set(MetaKey.dateline, fields.dateline);
    if (fields.source) t.meta.set(MetaKey.source, fields.source);
    if (fields.byline) t.meta.set(MetaKey.byline, fields.byline);
  });
};
