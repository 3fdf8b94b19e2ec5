import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** The server process's own accounting, read from /proc (Linux only). */

let clockTicks: number | null = null;
const ticksPerSecond = (): number => {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
};

/** utime + stime of every thread of the process (including exited ones), in µs. */
const readProcessCpuUs = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / ticksPerSecond();
};

/**
 * CPU of a server, in µs: the sum over its processes (two for copydesk-pg), because the
 * machine pays for both whichever instance does the work.
 */
export const readCpuUs = (pids: readonly number[]): number =>
  pids.reduce((sum, pid) => sum + readProcessCpuUs(pid), 0);

export interface MemoryStatus {
  rssKb: number;
  /** Peak RSS since the process started. */
  hwmKb: number;
}

export const readMemory = (pid: number): MemoryStatus => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : 0;
  };
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
};

/** Load averages, for the record of how busy the machine was. */
export const readLoadAverage = (): [number, number, number] => {
  const parts = fs.readFileSync('/proc/loadavg', 'utf8').split(' ');
  return [Number(parts[0]), Number(parts[1]), Number(parts[2])];
};

/** The 1-minute load under which the machine counts as quiet (2 cores: half busy). */
const QUIET_LOAD = 1;

/**
 * Waits up to `maxMs` for the 1-minute load average to fall under QUIET_LOAD, polling every
 * 5 s; resolves with the seconds waited. A run started while the test suite's load is still
 * there measured every server slower, and not by the same factor (docs/BENCHMARKS.md).
 */
export const waitForQuietMachine = async (
  maxMs: number,
  log: (message: string) => void,
): Promise<number> => {
  const start = Date.now();
  let said = false;
  while (Date.now() - start < maxMs) {
    const [load] = readLoadAverage();
    if (load < QUIET_LOAD) break;
    if (!said) {
      log(
        `waiting for a quiet machine: 1-minute load ${load} (up to ${maxMs / 1000} s; --settle 0 skips)`,
      );
      said = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
  return Math.round((Date.now() - start) / 1000);
};

/**
 * Samples RSS in the background; `peakKb` is the highest seen since `reset`. With several
 * processes each sample is the sum of their RSS read together, so the peak is the peak of the
 * sum (what the machine held at once), not the sum of peaks reached at different times.
 */
export class RssSampler {
  peakKb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pids: readonly number[],
    private readonly everyMs = 200,
  ) {}

  start(): void {
    this.reset();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  reset(): void {
    this.peakKb = 0;
    this.sample();
  }

  sample(): void {
    let rssKb = 0;
    try {
      for (const pid of this.pids) rssKb += readMemory(pid).rssKb;
    } catch {
      // a process gone: this sample is incomplete, keep the peak so far
      return;
    }
    if (rssKb > this.peakKb) this.peakKb = rssKb;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peakKb;
  }
}

/** Monotonic clock shared by every process on the machine (CLOCK_MONOTONIC), in µs. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
