// Myers' shortest edit script over integer sequences, and the script format the diff uses.

/** Edit script: [kind, count] with 0 = same, 1 = removed (from a), 2 = added (from b). */
export type Script = [0 | 1 | 2, number][];

/** Largest edit distance the exact algorithm explores (memory grows with its square). */
export const DEFAULT_MAX_D = 1500;

/** Appends `count` of `kind`, joining the last run when it is of the same kind. */
export const pushRun = (script: Script, kind: 0 | 1 | 2, count: number): void => {
  if (count === 0) return;
  const last = script[script.length - 1];
  if (last && last[0] === kind) last[1] += count;
  else script.push([kind, count]);
};

/**
 * Myers' diff of two integer sequences. Returns null when more than `maxD` insertions plus
 * deletions would be needed (the caller then treats the whole range as replaced).
 */
export const myers = (
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  maxD = DEFAULT_MAX_D,
): Script | null => {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return [];
  if (n === 0) return [[2, m]];
  if (m === 0) return [[1, n]];
  const limit = Math.min(n + m, maxD);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(trace, n, m);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return null;
};

/** trace[d][k + d] = furthest x on diagonal k after d edits. */
const backtrack = (trace: Int32Array[], n: number, m: number): Script => {
  const reversed: Script = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1] as Int32Array;
    const k = x - y;
    const at = (kk: number): number => prev[kk + d - 1] ?? 0;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const snake = Math.min(x - prevX - (down ? 0 : 1), y - prevY - (down ? 1 : 0));
    pushRun(reversed, 0, snake);
    x -= snake;
    y -= snake;
    if (down) {
      pushRun(reversed, 2, 1);
      y--;
    } else {
      pushRun(reversed, 1, 1);
      x--;
    }
  }
  pushRun(reversed, 0, x);
  const script: Script = [];
  for (let i = reversed.length - 1; i >= 0; i--) {
    const [kind, count] = reversed[i] as [0 | 1 | 2, number];
    pushRun(script, kind, count);
  }
  return script;
};
