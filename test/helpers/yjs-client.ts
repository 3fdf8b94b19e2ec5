import { SYNC_PATH } from '@copydesk/shared';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface YClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Resolves when the provider reports synced (again, after a reconnect). */
  synced(): Promise<void>;
  destroy(): void;
}

/** A stock y-websocket client, as any third party would connect. */
export const connectClient = (
  wsUrl: string,
  storyId: string,
  token: string,
  options: { connect?: boolean; params?: Record<string, string> } = {},
): YClient => {
  const doc = new Y.Doc();
  // Each y-websocket provider listens for the process's exit: a crowd of clients in one test
  // is expected, not a leak.
  process.setMaxListeners(Math.max(process.getMaxListeners(), process.listenerCount('exit') + 2));
  const provider = new WebsocketProvider(`${wsUrl}${SYNC_PATH}`, storyId, doc, {
    params: { token, ...options.params },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    connect: options.connect ?? true,
    disableBc: true,
    maxBackoffTime: 500,
  });
  return {
    doc,
    provider,
    synced: () =>
      provider.synced
        ? Promise.resolve()
        : new Promise((resolve) => {
            const onSync = (isSynced: boolean) => {
              if (!isSynced) return;
              provider.off('sync', onSync);
              resolve();
            };
            provider.on('sync', onSync);
          }),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
};

/** Moves the client to another server (a restart on a new port); its unsent edits go there. */
export const reconnectTo = (client: YClient, wsUrl: string): void => {
  client.provider.disconnect();
  client.provider.serverUrl = `${wsUrl}${SYNC_PATH}`;
  client.provider.connect();
};

/** Resolves once `check` holds, re-checking after every update of any of the docs (no sleeps). */
export const waitFor = (
  docs: Y.Doc | Y.Doc[],
  check: () => boolean,
  timeoutMs = 10_000,
): Promise<void> =>
  new Promise((resolve, reject) => {
    const list = Array.isArray(docs) ? docs : [docs];
    if (check()) return resolve();
    const stop = () => {
      clearTimeout(timer);
      for (const d of list) d.off('update', onUpdate);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error('condition not met before timeout'));
    }, timeoutMs);
    const onUpdate = () => {
      if (!check()) return;
      stop();
      resolve();
    };
    for (const d of list) d.on('update', onUpdate);
  });

/** Counts the sync frames a client gets up to its first sync step 2: [updates, sync step 2s]. */
export const countSyncFrames = (client: YClient): { updates: number; step2: number } => {
  const counts = { updates: 0, step2: 0 };
  const ws = client.provider.ws as unknown as WebSocket;
  ws.on('message', (data: ArrayBuffer) => {
    const frame = new Uint8Array(data);
    if (frame[0] !== 0 || counts.step2 > 0) return;
    if (frame[1] === 2) counts.updates++;
    if (frame[1] === 1) counts.step2++;
  });
  return counts;
};
