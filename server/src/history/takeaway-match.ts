/**
 * Matches the takeaways of two states of a story item by item.
 *
 * 1. Identity: a takeaway is a Y.Text; the same Y.Text (same Yjs item id) in both states is
 *    the same takeaway, whatever happened to its text.
 * 2. Text: Yjs has no move, so a moved takeaway is a new Y.Text (docs/PROTOCOL.md). Takeaways
 *    left over are paired by equal text first, then by word similarity (Dice coefficient over
 *    the words) above a threshold, best pairs first.
 * 3. Moved: of the matched pairs, the largest set that kept its relative order (identity pairs
 *    weigh more) stays in place; every other pair was moved.
 */

export interface TakeawayItem {
  /** Identity of the takeaway's Y.Text ("client:clock" of its item), or null if unknown. */
  key: string | null;
  text: string;
}

export interface TakeawayMatch {
  fromIndex: number | null;
  toIndex: number | null;
  matchedBy: 'identity' | 'text' | null;
  moved: boolean;
  edited: boolean;
}

/** Minimum similarity for two different texts to count as the same (edited) takeaway. */
export const SIMILARITY_THRESHOLD = 0.5;

const words = (text: string): string[] => text.toLocaleLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Dice coefficient of the two word multisets (1 = same words), characters for word-less texts. */
export const similarity = (a: string, b: string): number => {
  if (a === b) return 1;
  let wa = words(a);
  let wb = words(b);
  if (wa.length === 0 || wb.length === 0) {
    wa = [...a.trim()];
    wb = [...b.trim()];
  }
  if (wa.length === 0 || wb.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const w of wa) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of wb) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      common++;
      counts.set(w, n - 1);
    }
  }
  return (2 * common) / (wa.length + wb.length);
};

interface Pair {
  from: number;
  to: number;
  by: 'identity' | 'text';
}

/** Pairs by Y.Text identity. */
const matchByIdentity = (from: TakeawayItem[], to: TakeawayItem[]): Pair[] => {
  const seen = new Map<string, number>();
  const duplicate = new Set<string>();
  from.forEach((item, i) => {
    if (item.key === null) return;
    if (seen.has(item.key)) duplicate.add(item.key);
    seen.set(item.key, i);
  });
  const pairs: Pair[] = [];
  const used = new Set<string>();
  to.forEach((item, j) => {
    if (item.key === null || duplicate.has(item.key) || used.has(item.key)) return;
    const i = seen.get(item.key);
    if (i === undefined) return;
    used.add(item.key);
    pairs.push({ from: i, to: j, by: 'identity' });
  });
  return pairs;
};

/** Pairs the leftovers: equal texts first (in order), then the most similar pairs. */
const matchByText = (
  from: TakeawayItem[],
  to: TakeawayItem[],
  freeFrom: number[],
  freeTo: number[],
  threshold: number,
): Pair[] => {
  const pairs: Pair[] = [];
  const takenFrom = new Set<number>();
  const takenTo = new Set<number>();
  for (const j of freeTo) {
    const text = (to[j] as TakeawayItem).text;
    const i = freeFrom.find((f) => !takenFrom.has(f) && (from[f] as TakeawayItem).text === text);
    if (i === undefined) continue;
    takenFrom.add(i);
    takenTo.add(j);
    pairs.push({ from: i, to: j, by: 'text' });
  }
  const restFrom = freeFrom.filter((i) => !takenFrom.has(i));
  const restTo = freeTo.filter((j) => !takenTo.has(j));
  // Small lists in practice; cap the quadratic part for pathological stories.
  if (restFrom.length * restTo.length > 250_000) return pairs;
  const candidates: { i: number; j: number; score: number }[] = [];
  for (const i of restFrom) {
    for (const j of restTo) {
      const score = similarity((from[i] as TakeawayItem).text, (to[j] as TakeawayItem).text);
      if (score >= threshold) candidates.push({ i, j, score });
    }
  }
  candidates.sort(
    (x, y) => y.score - x.score || Math.abs(x.i - x.j) - Math.abs(y.i - y.j) || x.j - y.j,
  );
  for (const c of candidates) {
    if (takenFrom.has(c.i) || takenTo.has(c.j)) continue;
    takenFrom.add(c.i);
    takenTo.add(c.j);
    pairs.push({ from: c.i, to: c.j, by: 'text' });
  }
  return pairs;
};

/**
 * The pairs (sorted by `to`) that stay in place: the heaviest subsequence increasing in `from`.
 * Identity pairs weigh 2, text pairs 1, unchanged text adds a little, so a takeaway that was
 * re-created elsewhere is the one reported as moved.
 */
const inPlace = (pairs: Pair[], from: TakeawayItem[], to: TakeawayItem[]): Set<Pair> => {
  const sorted = [...pairs].sort((a, b) => a.to - b.to);
  const n = sorted.length;
  const weight = (p: Pair) =>
    (p.by === 'identity' ? 2 : 1) +
    ((from[p.from] as TakeawayItem).text === (to[p.to] as TakeawayItem).text ? 0.1 : 0);
  const best = new Float64Array(n);
  const prev = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const pj = sorted[j] as Pair;
    best[j] = weight(pj);
    for (let i = 0; i < j; i++) {
      const pi = sorted[i] as Pair;
      if (pi.from < pj.from && (best[i] ?? 0) + weight(pj) > (best[j] ?? 0)) {
        best[j] = (best[i] ?? 0) + weight(pj);
        prev[j] = i;
      }
    }
  }
  const kept = new Set<Pair>();
  let end = -1;
  for (let j = 0; j < n; j++) if (end === -1 || (best[j] ?? 0) > (best[end] ?? 0)) end = j;
  while (end !== -1) {
    kept.add(sorted[end] as Pair);
    end = prev[end] ?? -1;
  }
  return kept;
};

/**
 * Matches `from` (older) to `to` (newer). The result is in display order: the newer order,
 * with each removed takeaway shown before whatever was added in its place, just before the next
 * takeaway that stayed in place.
 */
export const matchTakeaways = (
  from: TakeawayItem[],
  to: TakeawayItem[],
  threshold = SIMILARITY_THRESHOLD,
): TakeawayMatch[] => {
  const identity = matchByIdentity(from, to);
  const pairedFrom = new Set(identity.map((p) => p.from));
  const pairedTo = new Set(identity.map((p) => p.to));
  const freeFrom = from.map((_, i) => i).filter((i) => !pairedFrom.has(i));
  const freeTo = to.map((_, j) => j).filter((j) => !pairedTo.has(j));
  const pairs = [...identity, ...matchByText(from, to, freeFrom, freeTo, threshold)];
  const kept = inPlace(pairs, from, to);
  const byTo = new Map(pairs.map((p) => [p.to, p]));
  const matchedFrom = new Set(pairs.map((p) => p.from));
  const removed = from.map((_, i) => i).filter((i) => !matchedFrom.has(i));

  const out: TakeawayMatch[] = [];
  let nextRemoved = 0;
  const emitRemovedBefore = (limit: number) => {
    while (nextRemoved < removed.length && (removed[nextRemoved] as number) < limit) {
      out.push({
        fromIndex: removed[nextRemoved] as number,
        toIndex: null,
        matchedBy: null,
        moved: false,
        edited: false,
      });
      nextRemoved++;
    }
  };
  // For each position of `to`, the `from` index of the next takeaway kept in place.
  const nextKeptFrom: number[] = new Array(to.length);
  let upcoming = Number.POSITIVE_INFINITY;
  for (let j = to.length - 1; j >= 0; j--) {
    const pair = byTo.get(j);
    if (pair && kept.has(pair)) upcoming = pair.from;
    nextKeptFrom[j] = upcoming;
  }
  to.forEach((item, j) => {
    const pair = byTo.get(j);
    if (!pair) {
      emitRemovedBefore(nextKeptFrom[j] ?? Number.POSITIVE_INFINITY);
      out.push({ fromIndex: null, toIndex: j, matchedBy: null, moved: false, edited: false });
      return;
    }
    const moved = !kept.has(pair);
    if (!moved) emitRemovedBefore(pair.from);
    out.push({
      fromIndex: pair.from,
      toIndex: j,
      matchedBy: pair.by,
      moved,
      edited: (from[pair.from] as TakeawayItem).text !== item.text,
    });
  });
  emitRemovedBefore(Number.POSITIVE_INFINITY);
  return out;
};
