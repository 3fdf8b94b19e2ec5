import type { LoginResponse, PublicUser } from '@copydesk/shared';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { api, DEMO_PASSWORD } from '../helpers/api';
import { connectClient, type YClient } from '../helpers/yjs-client';

export interface Session {
  token: string;
  user: PublicUser;
}

export const signIn = async (baseUrl: string, username: string): Promise<Session> => {
  const res = await api(baseUrl, null, 'POST', '/api/auth/login', {
    username,
    password: DEMO_PASSWORD,
  });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status}`);
  const body = res.body as LoginResponse;
  return { token: body.token, user: body.user };
};

export interface AckedClient extends YClient {
  /** Resolves once the server has stored every local edit made so far (message type 100). */
  stored(timeoutMs?: number): Promise<void>;
}

/** A stock y-websocket client that asks for the `stored` acknowledgement (docs/PROTOCOL.md). */
export const connectAcked = (wsUrl: string, storyId: string, token: string): AckedClient => {
  const client = connectClient(wsUrl, storyId, token, { params: { ack: '1' } });
  let serverVector = new Map<number, number>();
  const waiters = new Set<() => void>();
  const covered = () =>
    (serverVector.get(client.doc.clientID) ?? 0) >=
    (Y.decodeStateVector(Y.encodeStateVector(client.doc)).get(client.doc.clientID) ?? 0);
  client.provider.messageHandlers[100] = (_encoder, decoder) => {
    serverVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
    for (const fn of waiters) fn();
  };
  return {
    ...client,
    stored: (timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (covered()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('edits were not acknowledged as stored'));
        }, timeoutMs);
        const check = () => {
          if (!covered()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
  };
};

/** Types `chars` into `text` one character per transaction, as a person at a keyboard does. */
export const typeInto = (text: Y.Text, index: number, chars: string): void => {
  for (const [i, ch] of [...chars].entries()) text.insert(index + i, ch);
};

/** Collects live events and resolves waits for ones that match. */
export class EventLog<E> {
  readonly events: E[] = [];
  private readonly waiters = new Set<() => void>();

  push = (event: E): void => {
    this.events.push(event);
    for (const fn of this.waiters) fn();
  };

  waitFor(match: (event: E) => boolean, timeoutMs = 10_000): Promise<E> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters.delete(onEvent);
        resolve(found);
        return true;
      };
      const onEvent = () => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(onEvent);
        reject(new Error('expected event did not arrive'));
      }, timeoutMs);
      if (!check()) this.waiters.add(onEvent);
    });
  }
}

/** Signs several demo accounts in at once: `const [ana, ben] = await signInAll(url, ['ana', 'ben'])`. */
export const signInAll = async <const N extends readonly string[]>(
  baseUrl: string,
  names: N,
): Promise<{ [K in keyof N]: Session }> =>
  (await Promise.all(names.map((name) => signIn(baseUrl, name)))) as { [K in keyof N]: Session };
