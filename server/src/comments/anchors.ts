import {
  COMMENT_QUOTE_MAX_CHARS,
  type CommentAnchorInput,
  type CommentField,
  ErrorCode,
  type FieldRef,
  MetaKey,
  type ResolvedAnchor,
  storyTypes,
} from '@copydesk/shared';
import * as Y from 'yjs';
import { badRequest, HttpError } from '../errors';
import type { CommentRecord } from '../storage/storage';

/**
 * Comment anchors: a range of a field's `Y.Text` stored as two Yjs relative positions, so the
 * range follows every edit made anywhere in the document. The start sticks to the first
 * anchored character and the end to the last one, so text typed right before or right after
 * the range stays outside it. Meta fields (`dateline`, `source`, `byline`) are plain strings
 * in a `Y.Map`: a comment on one anchors to the whole value.
 */

export interface NewAnchor {
  field: CommentField;
  takeawayIndex: number | null;
  relStart: string | null;
  relEnd: string | null;
  quote: string;
}

const META_FIELDS: Record<string, MetaKey> = {
  dateline: MetaKey.dateline,
  source: MetaKey.source,
  byline: MetaKey.byline,
};

const conflict = (message: string) => new HttpError(409, ErrorCode.conflict, message);

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

const metaValue = (doc: Y.Doc, key: MetaKey): string => {
  const value: unknown = storyTypes(doc).meta.get(key);
  if (typeof value === 'string') return value;
  if (value instanceof Y.Text) return value.toString();
  return '';
};

const cut = (text: string): string => text.slice(0, COMMENT_QUOTE_MAX_CHARS);

/** The occurrence of `quote` in `text` nearest to `near`, or -1. */
const nearest = (text: string, quote: string, near: number): number => {
  if (quote === '') return -1;
  let best = -1;
  for (let i = text.indexOf(quote); i !== -1; i = text.indexOf(quote, i + 1)) {
    if (best === -1 || Math.abs(i - near) < Math.abs(best - near)) best = i;
  }
  return best;
};

/** The Y.Text a new comment's range refers to (throws 409 when it is not there any more). */
const targetText = (doc: Y.Doc, input: CommentAnchorInput): Y.Text => {
  const t = storyTypes(doc);
  if (input.field === 'takeaway') {
    const index = input.takeawayIndex ?? 0;
    if (index >= t.takeaways.length) {
      throw conflict(`There is no takeaway ${index + 1} any more: reload the story.`);
    }
    const item: unknown = t.takeaways.get(index);
    if (!(item instanceof Y.Text)) throw badRequest('That takeaway cannot take comments.');
    return item;
  }
  if (input.field === 'headline' || input.field === 'synopsis' || input.field === 'body') {
    return t[input.field];
  }
  throw badRequest(`Unknown field ${input.field}.`);
};

/** Anchors a new comment in the live document. */
export const createAnchor = (doc: Y.Doc, input: CommentAnchorInput): NewAnchor => {
  const meta = META_FIELDS[input.field];
  if (meta) {
    return {
      field: input.field,
      takeawayIndex: null,
      relStart: null,
      relEnd: null,
      quote: metaValue(doc, meta),
    };
  }
  const type = targetText(doc, input);
  const text = type.toString();
  let { from, to } = input;
  const quote = input.quote;
  if (quote !== undefined && text.slice(from, to) !== quote) {
    // The client's copy differs from ours (edits in flight): find the quoted text.
    const at = nearest(text, quote, from);
    if (at === -1) throw conflict('The selected text is not there any more: select it again.');
    from = at;
    to = at + quote.length;
  }
  if (to > text.length) {
    throw conflict(`The range ends at ${to} but the field has ${text.length} characters now.`);
  }
  const point = from === to;
  const start = Y.createRelativePositionFromTypeIndex(type, from, 0);
  // The end sticks to the last anchored character (assoc -1); a point sticks to what follows.
  const end = Y.createRelativePositionFromTypeIndex(type, to, point ? 0 : -1);
  return {
    field: input.field,
    takeawayIndex: input.field === 'takeaway' ? (input.takeawayIndex ?? 0) : null,
    relStart: toBase64(Y.encodeRelativePosition(start)),
    relEnd: toBase64(Y.encodeRelativePosition(end)),
    quote: text.slice(from, to),
  };
};

const FIELD_ORDER: Record<CommentField, number> = {
  headline: 0,
  synopsis: 1,
  takeaway: 2,
  body: 3,
  dateline: 4,
  source: 5,
  byline: 6,
};

/** Sort key of a resolved anchor in document order (orphaned anchors last). */
export const anchorOrder = (a: ResolvedAnchor): [number, number, number] =>
  a.state === 'orphaned' ? [99, 0, 0] : [FIELD_ORDER[a.field], a.takeawayIndex ?? 0, a.from];

interface HasItem {
  _item: Y.Item | null;
}

/** Whether the type or any type it is nested in was deleted. */
const isDeleted = (type: HasItem): boolean => {
  for (
    let item = type._item;
    item;
    item = (item.parent as unknown as HasItem | null)?._item ?? null
  ) {
    if (item.deleted) return true;
  }
  return false;
};

/** Where a comment's anchor is now. */
export const resolveAnchor = (doc: Y.Doc, c: CommentRecord): ResolvedAnchor => {
  const field: CommentField = c.field ?? 'body';
  const originalQuote = c.quote ?? '';
  const base = {
    field,
    originalQuote: cut(originalQuote),
    relocated: false,
    relStart: c.relStart,
    relEnd: c.relEnd,
  };
  const meta = META_FIELDS[field];
  if (meta) {
    const value = metaValue(doc, meta);
    return {
      ...base,
      takeawayIndex: null,
      fieldRef: field as FieldRef,
      from: 0,
      to: value.length,
      quote: cut(value),
      quoteTruncated: value.length > COMMENT_QUOTE_MAX_CHARS,
      state: 'ok',
    };
  }
  const t = storyTypes(doc);
  const located = locate(doc, c);
  let type = located?.type ?? null;
  let from = located?.from ?? 0;
  let to = located?.to ?? 0;
  let relocated = false;
  if (!type && field === 'takeaway' && originalQuote !== '') {
    // Moving a takeaway re-creates it (docs/PROTOCOL.md): find the quote in the takeaways.
    const hits = t.takeaways
      .toArray()
      .flatMap((item: unknown) =>
        item instanceof Y.Text && item.toString().includes(originalQuote) ? [item] : [],
      );
    const only = hits.length === 1 ? hits[0] : undefined;
    if (only) {
      type = only;
      from = only.toString().indexOf(originalQuote);
      to = from + originalQuote.length;
      relocated = true;
    }
  }
  let takeawayIndex: number | null = null;
  if (type && field === 'takeaway') {
    const index = t.takeaways.toArray().indexOf(type);
    if (index === -1) type = null;
    else takeawayIndex = index;
  }
  if (!type) {
    return {
      ...base,
      takeawayIndex: null,
      fieldRef: null,
      from: 0,
      to: 0,
      quote: '',
      quoteTruncated: false,
      state: 'orphaned',
    };
  }
  const text = type.toString();
  const quote = text.slice(from, to);
  return {
    ...base,
    relocated,
    takeawayIndex,
    fieldRef: (takeawayIndex === null ? field : `takeaway:${takeawayIndex}`) as FieldRef,
    from,
    to,
    quote: cut(quote),
    quoteTruncated: quote.length > COMMENT_QUOTE_MAX_CHARS,
    state: originalQuote !== '' && from === to ? 'collapsed' : 'ok',
  };
};

/** The live range of a relative-position anchor, or null when its text type is gone. */
const locate = (
  doc: Y.Doc,
  c: CommentRecord,
): { type: Y.Text; from: number; to: number } | null => {
  if (!c.relStart || !c.relEnd) return null;
  let start: Y.AbsolutePosition | null;
  let end: Y.AbsolutePosition | null;
  try {
    start = Y.createAbsolutePositionFromRelativePosition(
      Y.decodeRelativePosition(fromBase64(c.relStart)),
      doc,
    );
    end = Y.createAbsolutePositionFromRelativePosition(
      Y.decodeRelativePosition(fromBase64(c.relEnd)),
      doc,
    );
  } catch {
    return null;
  }
  if (!start || !end || start.type !== end.type || !(start.type instanceof Y.Text)) return null;
  if (isDeleted(start.type)) return null;
  const t = storyTypes(doc);
  const type = start.type;
  const field = c.field ?? 'body';
  const ok =
    field === 'takeaway'
      ? type._item?.parent === t.takeaways
      : type === t[field as 'headline' | 'synopsis' | 'body'];
  if (!ok) return null;
  return { type, from: start.index, to: Math.max(start.index, end.index) };
};
