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
export const readCpuUs = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / ticksPerSecond();
};

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

/** Samples RSS in the background; `peakKb` is the highest seen since `reset`. */
export class RssSampler {
  peakKb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pid: number,
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
    try {
      const { rssKb } = readMemory(this.pid);
      if (rssKb > this.peakKb) this.peakKb = rssKb;
    } catch {
      // process gone
    }
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
