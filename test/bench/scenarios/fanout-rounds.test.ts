import { describe, expect, it } from 'vitest';
import type { FanoutRow } from './fanout';
import { medianFanoutRow } from './fanout-rounds';

const round = (p99Ms: number, cpuUsPerDelivery: number, delivered = 60_000): FanoutRow => ({
  load1: 1,
  size: '100x2x2',
  server: 'copydesk',
  label: 'copydesk',
  clients: 400,
  edits: 20_000,
  expected: 60_000,
  delivered,
  ratio: delivered / 60_000,
  p50Us: 900,
  p95Us: p99Ms * 500,
  p99Us: p99Ms * 1000,
  p99WarmUs: p99Ms * 400,
  maxUs: p99Ms * 3000,
  cpuPct: cpuUsPerDelivery / 3,
  cpuUsPerDelivery,
  peakRssMb: 280 + p99Ms,
  loopP99Us: 15_000,
  loopMaxUs: 30_000,
  clientCpuPct: 20,
  converged: delivered === 60_000,
  note: delivered === 60_000 ? '' : `${60_000 - delivered} never arrived`,
});

describe('fan-out rounds', () => {
  it('reports each timing and CPU figure as the median of the rounds', () => {
    const row = medianFanoutRow([round(11.5, 150), round(53.1, 169), round(14.0, 146)]);
    expect(row.p99Us).toBe(14_000);
    expect(row.p99WarmUs).toBe(5_600);
    expect(row.cpuUsPerDelivery).toBe(150);
    expect(row.maxUs).toBe(42_000);
    expect(row.peakRssMb).toBeCloseTo(333.1);
    expect(row.ratio).toBe(1);
    expect(row.converged).toBe(true);
    expect(row.note).toBe('median of 3: p99 11.5–53.1 ms, CPU 146.0–169.0 µs/deliv');
  });

  it('keeps the worst round’s delivery: an update lost once is lost', () => {
    const row = medianFanoutRow([round(10, 150), round(11, 150, 59_998), round(12, 150)]);
    expect(row.delivered).toBe(59_998);
    expect(row.ratio).toBeLessThan(1);
    expect(row.converged).toBe(false);
    expect(row.note).toMatch(/^2 never arrived; median of 3/);
  });

  it('passes a single round through unchanged', () => {
    const only = round(9, 120);
    expect(medianFanoutRow([only])).toBe(only);
  });
});
