/**
 * mulberry32: a small, fast, seedable PRNG for fuzz and chaos tests, so a failing seed
 * reproduces. Returns floats in [0, 1).
 */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Integers in [0, n) from a seed. */
export const seededInts = (seed: number): ((n: number) => number) => {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
};
