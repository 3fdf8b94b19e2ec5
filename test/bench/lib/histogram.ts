/**
 * Log-bucketed latency histogram (values in µs, 1 % bucket width). Workers record into one,
 * ship it to the orchestrator as sparse pairs, and the orchestrator merges them, so the
 * percentiles cover every (edit, receiver) pair without moving raw samples between processes.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 2200; // 1.01^2200 µs ≈ 3e9 µs: far beyond any timeout

export interface HistogramData {
  /** [bucket index, count] for non-empty buckets. */
  buckets: [number, number][];
  count: number;
  sumUs: number;
  maxUs: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  record(us: number): void {
    const v = Math.max(1, us);
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log(v) / LOG_GROWTH));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
  }

  merge(data: HistogramData): void {
    for (const [i, n] of data.buckets) this.counts[i] = (this.counts[i] ?? 0) + n;
    this.count += data.count;
    this.sumUs += data.sumUs;
    if (data.maxUs > this.maxUs) this.maxUs = data.maxUs;
  }

  /** p in [0, 100]; the bucket's geometric middle (≤ 0.5 % off), capped at the exact max. */
  percentileUs(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.maxUs, GROWTH ** (i + 0.5));
    }
    return this.maxUs;
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const n = this.counts[i] ?? 0;
      if (n > 0) buckets.push([i, n]);
    }
    return { buckets, count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  static from(parts: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const p of parts) h.merge(p);
    return h;
  }
}

/** Exact percentile of a small sample (probe latencies). */
export const percentileOf = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
};
