import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { type RawData, WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { ClientTarget } from '../lib/types';

/**
 * One benchmark client: a Y.Doc synced through the server's own client library
 * (the stock y-websocket provider for Copydesk and the reference server,
 * @hocuspocus/provider for Hocuspocus), with a byte counter on its socket.
 */
export interface BenchClient {
  readonly doc: Y.Doc;
  readonly body: Y.Text;
  /** Resolves on the first `synced`; rejects if the server refuses the connection. */
  readonly synced: Promise<void>;
  bytesReceived(): number;
  /** Bytes queued on the socket and not yet written (backpressure for the trace replay). */
  bufferedAmount(): number;
  setAwareness(state: Record<string, unknown>): void;
  /** The close code if the server closed this client with an application code (≥ 4000). */
  closedByServer(): number | null;
  destroy(): void;
}

const rawSize = (data: RawData): number => {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.byteLength, 0);
  return data.byteLength;
};

/** A `ws` WebSocket that counts the payload bytes it receives. */
const countingSocket = (counter: { bytes: number }) =>
  class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.on('message', (data: RawData) => {
        counter.bytes += rawSize(data);
      });
    }
  };

const yWebsocketClient = (target: ClientTarget, doc: Y.Doc): BenchClient => {
  const counter = { bytes: 0 };
  let closedCode: number | null = null;
  const provider = new WebsocketProvider(target.url, target.room, doc, {
    params: target.params,
    WebSocketPolyfill: countingSocket(counter) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 1000,
  });
  const synced = new Promise<void>((resolve, reject) => {
    provider.on('sync', (isSynced: boolean) => {
      if (isSynced) resolve();
    });
    provider.on('connection-close', (event: CloseEvent | null) => {
      const code = event?.code ?? 0;
      if (code < 4000) return;
      closedCode = code;
      reject(new Error(`closed by server: ${code} ${event?.reason ?? ''}`));
    });
  });
  synced.catch(() => {});
  return {
    doc,
    body: doc.getText('body'),
    synced,
    bytesReceived: () => counter.bytes,
    bufferedAmount: () => provider.ws?.bufferedAmount ?? 0,
    setAwareness: (state) => provider.awareness.setLocalState(state),
    closedByServer: () => closedCode,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
};

const hocuspocusClient = (target: ClientTarget, doc: Y.Doc): BenchClient => {
  const counter = { bytes: 0 };
  let closedCode: number | null = null;
  const socket = new HocuspocusProviderWebsocket({
    url: target.url,
    WebSocketPolyfill: countingSocket(counter),
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: target.room,
    document: doc,
    token: target.params.token ?? null,
  });
  provider.attach();
  const synced = new Promise<void>((resolve, reject) => {
    if (provider.isSynced) resolve();
    provider.on('synced', () => resolve());
    provider.on('authenticationFailed', () => reject(new Error('authentication failed')));
    provider.on('close', ({ event }: { event: { code: number } }) => {
      if (event.code >= 4000) closedCode = event.code;
    });
  });
  synced.catch(() => {});
  return {
    doc,
    body: doc.getText('body'),
    synced,
    bytesReceived: () => counter.bytes,
    bufferedAmount: () => socket.webSocket?.bufferedAmount ?? 0,
    setAwareness: (state) => provider.awareness?.setLocalState(state),
    closedByServer: () => closedCode,
    destroy: () => {
      provider.destroy();
      socket.destroy();
      doc.destroy();
    },
  };
};

export const createClient = (target: ClientTarget, preload?: Uint8Array): BenchClient => {
  const doc = new Y.Doc();
  if (preload) Y.applyUpdate(doc, preload);
  return target.protocol === 'hocuspocus'
    ? hocuspocusClient(target, doc)
    : yWebsocketClient(target, doc);
};
