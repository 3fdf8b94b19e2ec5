import { MetaKey } from '@copydesk/shared';
import * as Y from 'yjs';

// The story's fields as a StoryTracker reads them, and their text as it last read it.

export type TextField = 'headline' | 'synopsis' | 'body';
export type MetaField = 'dateline' | 'source' | 'byline';
export type ScalarField = TextField | MetaField;

export const TEXT_FIELDS: readonly TextField[] = ['headline', 'synopsis', 'body'];
export const META_FIELDS: readonly MetaField[] = [MetaKey.dateline, MetaKey.source, MetaKey.byline];

export interface TakeawaySnap {
  key: string;
  text: string;
}

export const metaText = (meta: Y.Map<string>, key: MetaField): string => {
  const value: unknown = meta.get(key);
  if (typeof value === 'string') return value;
  if (value instanceof Y.Text) return value.toString();
  return '';
};

export const takeawayKey = (value: unknown, index: number): string => {
  if (value instanceof Y.Text && value._item) {
    return `${value._item.id.client}:${value._item.id.clock}`;
  }
  return `v${index}:${String(value)}`;
};

export const readTakeaways = (takeaways: Y.Array<Y.Text>): TakeawaySnap[] =>
  takeaways.toArray().map((value: unknown, index) => ({
    key: takeawayKey(value, index),
    text: value instanceof Y.Text ? value.toString() : String(value ?? ''),
  }));

/** The text of every field and takeaway at the tracker's cursor (what bursts measure against). */
export class StoryTexts {
  readonly texts = new Map<ScalarField, string>();
  takeaways: TakeawaySnap[] = [];

  /** Current text of a burst target, or null when it does not exist. */
  textOf(target: string): string | null {
    if (target.startsWith('takeaway:')) {
      const key = target.slice('takeaway:'.length);
      return this.takeaways.find((t) => t.key === key)?.text ?? null;
    }
    return this.texts.get(target as ScalarField) ?? null;
  }
}
