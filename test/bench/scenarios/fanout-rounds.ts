import { range, roundsRow } from '../lib/stats';
import type { FanoutRow } from './fanout';

/**
 * One row for a server's fan-out rounds at one size: each timing and CPU figure is the median
 * of the rounds (which alternate between servers), so one disturbed round does not decide a
 * ratio. Delivery is the worst round's — an update lost once is lost — and the peak RSS the
 * highest. Converged only if every round converged; the note gives the rounds' spread.
 */
export const medianFanoutRow = (rounds: FanoutRow[]): FanoutRow => {
  const row = roundsRow(
    rounds,
    [
      'load1',
      'edits',
      'p50Us',
      'p95Us',
      'p99Us',
      'p99WarmUs',
      'maxUs',
      'cpuPct',
      'cpuUsPerDelivery',
      'loopP99Us',
      'loopMaxUs',
      'clientCpuPct',
    ],
    (all) =>
      `p99 ${range(
        all.map((r) => r.p99Us / 1000),
        1,
      )} ms, CPU ${range(
        all.map((r) => r.cpuUsPerDelivery),
        1,
      )} µs/deliv`,
  );
  if (rounds.length === 1) return row;
  const worst = rounds.reduce((a, b) => (b.ratio < a.ratio || Number.isNaN(b.ratio) ? b : a));
  return { ...row, expected: worst.expected, delivered: worst.delivered, ratio: worst.ratio };
};
