import { describe, expect, it } from 'vitest';
import { medianTraceRow, type TraceRow } from './trace';

const round = (cpuUsPerEdit: number, convergeS: number, converged = true): TraceRow => ({
  load1: 1,
  server: 'ywebsocket',
  label: 'y-websocket 2.1.0',
  edits: 259_778,
  sendS: convergeS - 1,
  convergeS,
  editsPerS: 259_778 / convergeS,
  cpuUsPerEdit,
  serverCpuS: (cpuUsPerEdit * 259_778) / 1e6,
  peakRssMb: 150 + convergeS,
  converged,
  note: converged ? '' : 'watcher stuck at 10 characters',
});

describe('trace rounds', () => {
  it('reports each figure as the median of the rounds, so one disturbed round does not decide', () => {
    const row = medianTraceRow([round(40, 12), round(88, 28), round(54, 13)]);
    expect(row.cpuUsPerEdit).toBe(54);
    expect(row.convergeS).toBe(13);
    expect(row.peakRssMb).toBe(178);
    expect(row.converged).toBe(true);
    expect(row.note).toBe('median of 3: CPU 40.0–88.0 µs/edit, converge 12.00–28.00 s');
  });

  it('is not converged when any round was not, and keeps that round’s note', () => {
    const row = medianTraceRow([round(40, 12), round(41, 12, false)]);
    expect(row.converged).toBe(false);
    expect(row.cpuUsPerEdit).toBe(40.5);
    expect(row.note).toMatch(/^watcher stuck at 10 characters; median of 2/);
  });

  it('passes a single round through unchanged', () => {
    const only = round(30, 9);
    expect(medianTraceRow([only])).toBe(only);
  });
});
