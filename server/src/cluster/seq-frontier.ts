/**
 * How far one story's update log is known to be applied on this instance.
 *
 * Seqs are shared by every story, so a story's rows are not consecutive numbers: only an
 * append's own range — (prevSeq, lastSeq], where prevSeq is the story's last row before it —
 * says that nothing of the story lies in between. Ranges arrive from this instance's appends
 * and from the others' bus messages, possibly out of order; a range that starts past the
 * frontier waits in `ahead` until the ranges before it arrive or the log is read.
 */
export class SeqFrontier {
  private through: number;
  /** Ranges past a gap, by prevSeq. */
  private readonly ahead = new Map<number, number>();

  constructor(through = 0) {
    this.through = through;
  }

  /** Every row of the story up to this seq is applied here. */
  get appliedThrough(): number {
    return this.through;
  }

  /** Some rows between the frontier and a range that arrived are not here (yet). */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** The story's rows (prevSeq, lastSeq] are applied here. */
  add(prevSeq: number, lastSeq: number): void {
    if (lastSeq <= this.through) return;
    if (prevSeq > this.through) {
      this.ahead.set(prevSeq, Math.max(lastSeq, this.ahead.get(prevSeq) ?? 0));
      return;
    }
    this.through = lastSeq;
    this.absorb();
  }

  /** The log was read and applied up to `seq`. */
  readThrough(seq: number): void {
    if (seq > this.through) this.through = seq;
    this.absorb();
  }

  private absorb(): void {
    for (let joined = true; joined; ) {
      joined = false;
      for (const [prev, last] of this.ahead) {
        if (prev > this.through) continue;
        this.ahead.delete(prev);
        if (last > this.through) this.through = last;
        joined = true;
      }
    }
  }
}
