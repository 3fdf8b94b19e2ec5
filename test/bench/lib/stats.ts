/** The median of the finite values (NaN when there are none). */
export const median = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** "min–max" of the finite values, for a note on rounds' spread. */
export const range = (values: number[], digits: number): string => {
  const finite = values.filter(Number.isFinite);
  return `${Math.min(...finite).toFixed(digits)}–${Math.max(...finite).toFixed(digits)}`;
};

/** The keys of T whose values are numbers. */
type NumberKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

/** For each key, the median of the rows' values: one row of several rounds' figures. */
export const mediansOf = <T, K extends NumberKeys<T>>(
  rows: readonly T[],
  keys: readonly K[],
): Pick<T, K> => {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) out[key] = median(rows.map((r) => Number(r[key])));
  return out as Pick<T, K>;
};

/** What every scenario's row of several rounds has besides its figures. */
interface RoundRow {
  peakRssMb: number;
  converged: boolean;
  note: string;
}

/**
 * One row for a server's rounds of a scenario: the first round's labels, the median of each
 * of `keys`, the highest peak RSS, converged only if every round converged, and the rounds'
 * own notes followed by `spread` (what the rounds' figures ranged over). One round is itself.
 */
export const roundsRow = <T extends RoundRow, K extends NumberKeys<T>>(
  rounds: readonly T[],
  keys: readonly K[],
  spread: (rounds: readonly T[]) => string,
): T => {
  const [first] = rounds;
  if (!first) throw new Error('no rounds');
  if (rounds.length === 1) return first;
  const notes = [...new Set(rounds.map((r) => r.note).filter(Boolean))];
  return {
    ...first,
    ...mediansOf(rounds, keys),
    peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb).filter(Number.isFinite)),
    converged: rounds.every((r) => r.converged),
    note: [...notes, `median of ${rounds.length}: ${spread(rounds)}`].join('; '),
  };
};
