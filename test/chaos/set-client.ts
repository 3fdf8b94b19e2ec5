/**
 * One client of the Jepsen-style set workload, run in its own process
 * (`node --import tsx test/chaos/set-client.ts`, forked with IPC by set-workload.test.ts).
 *
 * A stock y-websocket client that inserts unique tokens (`c<id><field><n>`) into the synopsis,
 * body and takeaways of one story at a steady rate, and reports over IPC every token it wrote
 * and every token of another client it has seen in its document. Tokens are never deleted, so
 * "seen" is a grow-only set. On a connection close it fails over to the next URL, as a load
 * balancer would.
 */
import { readFields, SYNC_PATH, storyTypes } from '@copydesk/shared';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { rng, tokensOf } from './lib';

export interface SetClientConfig {
  id: number;
  urls: string[];
  storyId: string;
  token: string;
  intervalMs: number;
  seed: number;
  /** Reconnect even after a 44xx close (the stock client gives up on those). */
  reconnectAlways?: boolean;
}

export type ToClient = { type: 'stop-writing' } | { type: 'state' } | { type: 'exit' };
export type FromClient =
  | { type: 'ready' }
  | { type: 'wrote'; tokens: string[] }
  | { type: 'seen'; tokens: string[] }
  | { type: 'closed'; code: number }
  | {
      type: 'state';
      synced: boolean;
      tokens: string[];
      fields: ReturnType<typeof readFields>;
      written: number;
      connected: boolean;
      closeCodes: number[];
    };

const config = JSON.parse(process.env.CHAOS_CLIENT ?? '{}') as SetClientConfig;
const send = (msg: FromClient) => process.send?.(msg);
const random = rng(config.seed);
const doc = new Y.Doc();
let urlIndex = config.id % config.urls.length;
const wsUrl = () => `${config.urls[urlIndex]}${SYNC_PATH}`;
const provider = new WebsocketProvider(wsUrl(), config.storyId, doc, {
  params: { token: config.token },
  WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  disableBc: true,
  maxBackoffTime: 300,
  ...(config.reconnectAlways ? { shouldReconnect: () => true } : {}),
});
const closeCodes: number[] = [];
provider.on('connection-close', (event: CloseEvent | null) => {
  closeCodes.push(event?.code ?? 0);
  send({ type: 'closed', code: event?.code ?? 0 });
  if (config.urls.length > 1) {
    urlIndex = (urlIndex + 1) % config.urls.length;
    provider.serverUrl = wsUrl();
  }
});

const types = storyTypes(doc);
const mine = `c${config.id}`;
const seen = new Set<string>();
let pendingSeen: string[] = [];
let pendingWrote: string[] = [];
let written = 0;
let writing = true;

/** A boundary between tokens: 0 or just after a space. */
const boundary = (text: Y.Text): number => {
  const s = text.toString();
  const spaces = [0];
  for (let i = 0; i < s.length; i++) if (s[i] === ' ') spaces.push(i + 1);
  return random.pick(spaces);
};

const writeOne = () => {
  const field = random.pick(['s', 'b', 't'] as const);
  const token = `${mine}${field}${written++}`;
  if (field === 't') {
    types.takeaways.insert(random.int(0, types.takeaways.length), [new Y.Text(token)]);
  } else {
    const text = field === 's' ? types.synopsis : types.body;
    text.insert(boundary(text), `${token} `);
  }
  pendingWrote.push(token);
};

const ownerOf = (token: string): number => Number(/^c(\d+)/.exec(token)?.[1] ?? -1);
doc.on('update', () => {
  for (const t of tokensOf(readFields(doc))) {
    if (ownerOf(t) === config.id || seen.has(t)) continue;
    seen.add(t);
    pendingSeen.push(t);
  }
});

const flush = () => {
  if (pendingWrote.length > 0) send({ type: 'wrote', tokens: pendingWrote });
  if (pendingSeen.length > 0) send({ type: 'seen', tokens: pendingSeen });
  pendingWrote = [];
  pendingSeen = [];
};
const flushTimer = setInterval(flush, 50);

let ready = false;
provider.on('sync', (synced: boolean) => {
  if (!synced || ready) return;
  ready = true;
  send({ type: 'ready' });
});
const writeTimer = setInterval(() => {
  if (ready && writing) writeOne();
}, config.intervalMs);

process.on('message', (msg: ToClient) => {
  if (msg.type === 'stop-writing') {
    writing = false;
    clearInterval(writeTimer);
    flush();
  } else if (msg.type === 'state') {
    flush();
    send({
      type: 'state',
      synced: provider.synced && provider.wsconnected,
      tokens: tokensOf(readFields(doc)),
      fields: readFields(doc),
      written,
      connected: provider.wsconnected,
      closeCodes: closeCodes.slice(-8),
    });
  } else if (msg.type === 'exit') {
    clearInterval(writeTimer);
    clearInterval(flushTimer);
    flush();
    provider.destroy();
    doc.destroy();
    process.disconnect?.();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
