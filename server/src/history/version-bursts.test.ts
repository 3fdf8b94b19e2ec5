import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VersionBursts, type VersionBurstsOptions } from './version-bursts';

describe('VersionBursts', () => {
  let cuts: [string, number][];
  let bursts: VersionBursts;
  const start = (settings: Partial<VersionBurstsOptions> = {}) => {
    bursts = new VersionBursts({
      settleMs: 1_000,
      maxUpdatesPerVersion: 10,
      maxBurstMs: 60_000,
      minCutGapMs: 0,
      cut: (storyId) => cuts.push([storyId, Date.now()]),
      ...settings,
    });
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    cuts = [];
  });
  afterEach(() => {
    bursts.stop();
    vi.useRealTimers();
  });

  it('cuts at once when a burst reaches maxUpdatesPerVersion, and starts a new burst after', () => {
    start();
    bursts.appended('st_a', 6);
    expect(cuts).toEqual([]);
    bursts.appended('st_a', 4);
    expect(cuts).toEqual([['st_a', Date.now()]]);
    expect(bursts.has('st_a')).toBe(false);
    bursts.appended('st_a', 1);
    expect(bursts.has('st_a')).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(cuts).toHaveLength(2);
  });

  it('cuts after maxBurstMs of continuous editing, even with no quiet second', () => {
    start({ maxBurstMs: 5_000, maxUpdatesPerVersion: 1_000 });
    const t0 = Date.now();
    for (let i = 0; i <= 10; i++) {
      bursts.appended('st_a', 1);
      vi.advanceTimersByTime(500);
      if (Date.now() - t0 <= 5_000) expect(cuts).toEqual([]);
    }
    // The append at 5 s found the burst 5 s old.
    expect(cuts).toEqual([['st_a', t0 + 5_000]]);
  });

  it('holds a due cut until minCutGapMs after the previous one, then cuts once', () => {
    start({ minCutGapMs: 30_000 });
    const t0 = Date.now();
    bursts.appended('st_a', 10);
    expect(cuts).toEqual([['st_a', t0]]);
    vi.advanceTimersByTime(1_000);
    bursts.appended('st_a', 10);
    bursts.appended('st_a', 10); // still due: no second timer, no extra cut
    vi.advanceTimersByTime(28_999);
    expect(cuts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(cuts).toEqual([
      ['st_a', t0],
      ['st_a', t0 + 30_000],
    ]);
  });

  it('keeps stories apart', () => {
    start();
    bursts.appended('st_a', 1);
    vi.advanceTimersByTime(600);
    bursts.appended('st_b', 1);
    vi.advanceTimersByTime(400);
    expect(cuts.map(([id]) => id)).toEqual(['st_a']);
    vi.advanceTimersByTime(600);
    expect(cuts.map(([id]) => id)).toEqual(['st_a', 'st_b']);
  });

  it('settleAll cuts every open burst now; stop cuts nothing more', () => {
    start();
    bursts.appended('st_a', 1);
    bursts.appended('st_b', 1);
    bursts.settleAll();
    expect(cuts.map(([id]) => id).sort()).toEqual(['st_a', 'st_b']);
    bursts.appended('st_c', 1);
    bursts.stop();
    vi.advanceTimersByTime(10_000);
    expect(cuts).toHaveLength(2);
    expect(bursts.has('st_c')).toBe(false);
  });
});
