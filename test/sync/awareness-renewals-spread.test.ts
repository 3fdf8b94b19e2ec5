import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, type YClient } from '../helpers/yjs-client';

const CROWD = 12;

/**
 * People who opened a story together renew their presence together, every 15 s. The server
 * relays those renewals spread over a few seconds instead of all at once (each carries nothing
 * new), and never holds back a real change behind them.
 */
describe('awareness renewals of a crowd that connected together', () => {
  let server: RunningServer;
  let token: string;
  const clients: YClient[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { MAX_CONNECTIONS_PER_USER: '100' } });
    token = await login(server.baseUrl, 'ana');
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  it('reach everyone spread over several messages, while a caret move goes straight through', async () => {
    const story = await createStory(server.baseUrl, token, { headline: 'Renewals' });
    for (let i = 0; i < CROWD + 1; i++) clients.push(connectClient(server.wsUrl, story.id, token));
    await Promise.all(clients.map((c) => c.synced()));
    const [observer, mover, ...rest] = clients as [YClient, YClient, ...YClient[]];
    const awareness = observer.provider.awareness;
    const clockOf = (c: YClient) => awareness.meta.get(c.doc.clientID)?.clock ?? -1;
    const crowd = [mover, ...rest];
    // A presence with something in it (an empty one is only relayed when it is renewed).
    for (const c of crowd) c.provider.awareness.setLocalStateField('caret', 0);
    await new Promise<void>((resolve) => {
      const check = () => {
        if (crowd.every((c) => awareness.getStates().has(c.doc.clientID))) {
          awareness.off('update', check);
          resolve();
        }
      };
      awareness.on('update', check);
      check();
    });
    const before = new Map(rest.map((c) => [c, clockOf(c)]));
    const renewedAtObserver = () => rest.filter((c) => clockOf(c) > (before.get(c) ?? 0)).length;

    let renewalMessages = 0;
    let renewedWhenCaretArrived = -1;
    const done = new Promise<void>((resolve) => {
      awareness.on('update', (change: { updated: number[] }, origin: unknown) => {
        if (origin === 'local') return;
        if (rest.some((c) => change.updated.includes(c.doc.clientID))) renewalMessages++;
        const caret = (awareness.getStates().get(mover.doc.clientID) as { caret?: number })?.caret;
        if (caret === 7 && renewedWhenCaretArrived < 0) {
          renewedWhenCaretArrived = renewedAtObserver();
        }
        if (renewedAtObserver() === rest.length && renewedWhenCaretArrived >= 0) resolve();
      });
    });
    // Everyone renews at once (y-protocols does this every 15 s: the same state, a new clock);
    // then one of them moves their caret.
    for (const c of crowd) c.provider.awareness.setLocalState(c.provider.awareness.getLocalState());
    mover.provider.awareness.setLocalStateField('caret', 7);
    await done;

    expect(renewedAtObserver()).toBe(rest.length);
    // The caret did not wait for the renewals around it.
    expect(renewedWhenCaretArrived).toBeLessThan(rest.length);
    // Spread: not one message carrying every renewal.
    expect(renewalMessages).toBeGreaterThanOrEqual(2);
  });

  it('drops the held renewal of someone who leaves, and keeps every edit they typed', async () => {
    const story = await createStory(server.baseUrl, token, { headline: 'Leaving' });
    const group = Array.from({ length: 7 }, () => connectClient(server.wsUrl, story.id, token));
    clients.push(...group);
    await Promise.all(group.map((c) => c.synced()));
    const [observer, leaver, ...stayers] = group as [YClient, YClient, ...YClient[]];
    const awareness = observer.provider.awareness;
    for (const c of [leaver, ...stayers]) c.provider.awareness.setLocalStateField('caret', 0);
    const seen = (c: YClient) => awareness.getStates().has(c.doc.clientID);
    const until = (check: () => boolean) =>
      new Promise<void>((resolve) => {
        const test = () => {
          if (!check()) return;
          awareness.off('update', test);
          resolve();
        };
        awareness.on('update', test);
        test();
      });
    await until(() => [leaver, ...stayers].every(seen));
    const before = new Map(stayers.map((c) => [c, awareness.meta.get(c.doc.clientID)?.clock ?? 0]));

    // Everyone renews; the leaver types a line and closes its tab while its renewal is held.
    for (const c of [leaver, ...stayers]) {
      c.provider.awareness.setLocalState(c.provider.awareness.getLocalState());
    }
    const typed = 'Port closed until Friday.';
    const body = leaver.doc.getText('body');
    for (const ch of typed) body.insert(body.length, ch);
    leaver.provider.destroy();

    await until(
      () =>
        !seen(leaver) &&
        stayers.every(
          (c) => (awareness.meta.get(c.doc.clientID)?.clock ?? 0) > (before.get(c) ?? 0),
        ),
    );
    // Every renewal is out: none brought the leaver back.
    expect(seen(leaver)).toBe(false);
    expect(observer.doc.getText('body').toString()).toBe(typed);
  });
});
