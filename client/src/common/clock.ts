import { useSyncExternalStore } from 'react';

/**
 * One shared ticking clock for every relative time on screen, so a desk of 50 rows
 * re-renders once per tick instead of running 50 timers.
 */
const TICK_MS = 5_000;
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

const subscribe = (listener: () => void): (() => void) => {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
};

export const useNow = (): number => useSyncExternalStore(subscribe, () => now);

/** "just now", "40 s ago", "2 min ago", "3 h ago", "yesterday", else a short date. */
export const formatRelative = (time: number, current: number): string => {
  const seconds = Math.round((current - time) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  if (hours < 48) return 'yesterday';
  return new Date(time).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
};

export const formatExact = (time: number): string =>
  new Date(time).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
