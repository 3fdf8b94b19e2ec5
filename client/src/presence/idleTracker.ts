// Whether the person at this tab is idle: input and visibility listeners plus the idle timer.

/** No input for this long (or a hidden tab) makes you idle. */
export const IDLE_AFTER_MS = 60_000;

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focus'] as const;
const PASSIVE: AddEventListenerOptions = { passive: true, capture: true };

/** Calls `onChange` whenever the idle state may have changed, so the owner can re-publish. */
export class IdleTracker {
  private lastInput = Date.now();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;

  constructor(private readonly onChange: () => void) {}

  start(): void {
    this.stopped = false;
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, this.onInput, PASSIVE);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.lastInput = Date.now();
    this.scheduleIdle();
  }

  stop(): void {
    this.stopped = true;
    for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, this.onInput, PASSIVE);
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.idleTimer);
  }

  /** Input that does not reach the window listeners (e.g. typing reported by the editor). */
  touch(): void {
    this.lastInput = Date.now();
  }

  isIdle(): boolean {
    return document.hidden || Date.now() - this.lastInput >= IDLE_AFTER_MS;
  }

  private readonly onInput = (): void => {
    const wasIdle = Date.now() - this.lastInput >= IDLE_AFTER_MS;
    this.lastInput = Date.now();
    if (wasIdle) {
      this.onChange();
      this.scheduleIdle();
    }
  };

  private readonly onVisibility = (): void => {
    if (!document.hidden) this.lastInput = Date.now();
    this.onChange();
    this.scheduleIdle();
  };

  /** Re-checks activity when the idle limit would be reached. */
  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.stopped) return;
    const due = Math.max(1_000, this.lastInput + IDLE_AFTER_MS - Date.now());
    this.idleTimer = setTimeout(() => {
      this.onChange();
      this.scheduleIdle();
    }, due);
  }
}
