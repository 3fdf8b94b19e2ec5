/**
 * Lets sockets and timers run before going on. Background work (history, activity) chains
 * storage calls that resolve at once with SQLite; without a turn between steps such a chain is
 * one long stretch of the event loop that every editor's keystroke waits behind.
 */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => setImmediate(resolve));
