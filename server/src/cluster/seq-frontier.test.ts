import { describe, expect, it } from 'vitest';
import { SeqFrontier } from './seq-frontier';

describe('SeqFrontier', () => {
  it('advances over ranges that follow each other, whatever the gaps in seq numbers', () => {
    const f = new SeqFrontier(10);
    f.add(10, 14); // rows 11..14 of other stories are not this story's
    f.add(14, 20);
    expect(f.appliedThrough).toBe(20);
    expect(f.hasGap).toBe(false);
  });

  it('holds a range that starts past the frontier until the one before it arrives', () => {
    const f = new SeqFrontier(10);
    f.add(15, 18); // another instance's batch (10, 15] is still on its way
    expect(f.appliedThrough).toBe(10);
    expect(f.hasGap).toBe(true);
    f.add(18, 22);
    expect(f.appliedThrough).toBe(10);
    f.add(10, 15);
    expect(f.appliedThrough).toBe(22);
    expect(f.hasGap).toBe(false);
  });

  it('a log read closes every gap it covers and joins the ranges after it', () => {
    const f = new SeqFrontier(5);
    f.add(9, 12);
    f.add(30, 31);
    f.readThrough(9);
    expect(f.appliedThrough).toBe(12);
    expect(f.hasGap).toBe(true); // (12, 30] still unknown
    f.readThrough(40);
    expect(f.appliedThrough).toBe(40);
    expect(f.hasGap).toBe(false);
  });

  it('ignores ranges it already has and never moves back', () => {
    const f = new SeqFrontier(50);
    f.add(10, 20);
    f.readThrough(30);
    expect(f.appliedThrough).toBe(50);
    expect(f.hasGap).toBe(false);
  });
});
