// Who inserted or deleted each character of a text, as runs over its offsets; attribution.

import type { AttributionRun } from '@copydesk/shared';
import type { AuthorIndex, Owner } from './author-index';
import type { Segment } from './doc-content';

/** A stretch [start, end) of a field's text owned by one user (null: unknown / not applicable). */
export interface OwnerRun {
  start: number;
  end: number;
  userId: string | null;
}

type Lookup = (client: number, clock: number) => Owner;

/** Who owns each character of `segments` (inserted by, or deleted by), as runs. */
export const ownerRuns = (segments: Segment[], lookup: Lookup): OwnerRun[] => {
  const runs: OwnerRun[] = [];
  const push = (start: number, end: number, userId: string | null) => {
    if (end <= start) return;
    const last = runs[runs.length - 1];
    if (last && last.userId === userId && last.end === start) last.end = end;
    else runs.push({ start, end, userId });
  };
  let offset = 0;
  for (const seg of segments) {
    const len = seg.text.length;
    if (seg.atomic) {
      push(offset, offset + len, lookup(seg.client, seg.clock).userId);
    } else {
      let i = 0;
      while (i < len) {
        const owner = lookup(seg.client, seg.clock + i);
        const n = Math.max(1, Math.min(len - i, owner.end - (seg.clock + i)));
        push(offset + i, offset + i + n, owner.userId);
        i += n;
      }
    }
    offset += len;
  }
  return runs;
};

/** The owner runs clipped to [start, end). */
export const slice = (runs: OwnerRun[], start: number, end: number): OwnerRun[] => {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs[mid] as OwnerRun).end <= start) lo = mid + 1;
    else hi = mid;
  }
  const out: OwnerRun[] = [];
  for (let i = lo; i < runs.length; i++) {
    const r = runs[i] as OwnerRun;
    if (r.start >= end) break;
    const s = Math.max(start, r.start);
    const e = Math.min(end, r.end);
    if (e > s) out.push({ start: s, end: e, userId: r.userId });
  }
  if (out.length === 0 && end > start) out.push({ start, end, userId: null });
  return out;
};

export const ownerAt = (runs: OwnerRun[], pos: number): string | null =>
  slice(runs, pos, pos + 1)[0]?.userId ?? null;

/** Who wrote every character of a text: runs of `{ text, userId }`. */
export const attributeText = (
  text: string,
  segments: Segment[],
  index: AuthorIndex,
): AttributionRun[] =>
  ownerRuns(segments, (c, k) => index.insertedBy(c, k)).map((r) => ({
    text: text.slice(r.start, r.end),
    userId: r.userId,
  }));
