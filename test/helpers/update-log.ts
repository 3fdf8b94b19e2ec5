import * as Y from 'yjs';

type Range = [client: number, clock: number, end: number];

const overlapsIn = (ranges: Range[]): Range[] => {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const repeated: Range[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [c, start] = sorted[i] as Range;
    const [pc, , pend] = sorted[i - 1] as Range;
    if (c === pc && start < pend) repeated.push(sorted[i] as Range);
  }
  return repeated;
};

/** Clocks of `client` covered by `ranges`, counted once each. */
const coveredClocks = (ranges: Range[], client: number): number => {
  const mine = ranges.filter((r) => r[0] === client).sort((a, b) => a[1] - b[1]);
  let covered = 0;
  let upto = 0;
  for (const [, start, end] of mine) {
    if (end <= upto) continue;
    covered += end - Math.max(start, upto);
    upto = end;
  }
  return covered;
};

/**
 * What a story's stored update log holds, from its rows: the insertions and deletions stored
 * more than once (must be none), the number of structs, and how many clocks of a client's
 * insertions are stored (all of them, when nothing was lost).
 */
export const inspectUpdateLog = (rows: Uint8Array[]) => {
  const inserts: Range[] = [];
  const deletes: Range[] = [];
  for (const row of rows) {
    const { structs, ds } = Y.decodeUpdate(row);
    for (const s of structs) {
      if (!(s instanceof Y.Skip)) inserts.push([s.id.client, s.id.clock, s.id.clock + s.length]);
    }
    for (const [client, items] of ds.clients) {
      for (const item of items) deletes.push([client, item.clock, item.clock + item.len]);
    }
  }
  return {
    repeatedInserts: overlapsIn(inserts),
    repeatedDeletes: overlapsIn(deletes),
    structs: inserts.length,
    insertedClocks: (client: number) => coveredClocks(inserts, client),
  };
};
