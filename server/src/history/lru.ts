/**
 * A small least-recently-used map, bounded by entry count and, when `weigh` is given, by total
 * weight. A count alone does not bound memory when entries grow with the story: 48 cached
 * contents of long-edited stories held ~20 MB after every story had unloaded (the soak).
 */
export class Lru<V> {
  private readonly map = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly size: number,
    private readonly weigh: (value: V) => number = () => 0,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  get(key: string): V | undefined {
    const entry = this.map.get(key);
    if (entry !== undefined) {
      this.map.delete(key);
      this.map.set(key, entry);
    }
    return entry?.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    this.map.set(key, { value, weight });
    this.total += weight;
    // The newest entry stays even when it alone is over the budget: it is about to be used.
    while (this.map.size > this.size || (this.total > this.maxWeight && this.map.size > 1)) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.map.get(key);
    if (!entry) return;
    this.total -= entry.weight;
    this.map.delete(key);
  }

  get count(): number {
    return this.map.size;
  }

  get weight(): number {
    return this.total;
  }
}
