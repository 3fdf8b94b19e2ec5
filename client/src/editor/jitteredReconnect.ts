import { FATAL_CLOSE_CODES } from '@copydesk/shared';
import type { WebsocketProvider } from 'y-websocket';

const BASE_MS = 250;
const CAP_MS = 8_000;

/**
 * Reconnects after a server close with "full jitter" exponential back-off. y-websocket's own
 * back-off is deterministic, so when an instance dies all its clients would return in lockstep
 * and hit the survivors at the same moment; spreading them out avoids that thundering herd.
 * Fatal codes (signed out, forbidden, unknown story) are not retried.
 */
export const shouldReconnectWithJitter = (provider: () => WebsocketProvider | null) => {
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const onSynced = (synced: boolean) => {
    if (synced) attempt = 0;
  };
  let watched: WebsocketProvider | null = null;
  return (event: CloseEvent): boolean => {
    const current = provider();
    if (current && current !== watched) {
      watched = current;
      current.on('sync', onSynced);
    }
    if (FATAL_CLOSE_CODES.includes(event.code) || !current) return false;
    const delay = Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt);
    attempt = Math.min(attempt + 1, 10);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      current.connect();
    }, delay);
    // Returning false stops y-websocket's own (lockstep) retry; ours above takes over.
    return false;
  };
};
