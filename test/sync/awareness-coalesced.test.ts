import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, type YClient } from '../helpers/yjs-client';

const CROWD = 30;
/** Clients renewing together in the renewal test. */
const RENEWING = 12;

/**
 * Carets and presence of a crowd: when many people move at once, each connection gets their
 * changes together (one message per ~50 ms), not one message per person — relaying them one by
 * one is O(people²) messages and what makes the peers' latency tail in a crowded story. Their
 * periodic renewals, which carry nothing new, go out spread over a few seconds instead.
 */
describe('awareness in a crowded story', () => {
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

  /** Resolves once `check` holds, looked at again on every awareness update `client` gets. */
  const untilAwareness = (client: YClient, check: () => boolean) =>
    new Promise<void>((resolve) => {
      const awareness = client.provider.awareness;
      const test = () => {
        if (!check()) return;
        awareness.off('update', test);
        resolve();
      };
      awareness.on('update', test);
      test();
    });

  /** A new story with `size` clients, each with a presence (a caret) the first one sees. */
  const presentCrowd = async (headline: string, size: number) => {
    const story = await createStory(server.baseUrl, token, { headline });
    const group = Array.from({ length: size }, () => connectClient(server.wsUrl, story.id, token));
    clients.push(...group);
    await Promise.all(group.map((c) => c.synced()));
    const [observer, ...others] = group as [YClient, ...YClient[]];
    // An empty presence is only relayed once it is renewed: give each something in it.
    for (const c of others) c.provider.awareness.setLocalStateField('caret', 0);
    const states = observer.provider.awareness.getStates();
    await untilAwareness(observer, () => others.every((c) => states.has(c.doc.clientID)));
    return group as [YClient, YClient, ...YClient[]];
  };

  /** What y-protocols does every 15 s: the same state again, with a new clock. */
  const renew = (c: YClient) =>
    c.provider.awareness.setLocalState(c.provider.awareness.getLocalState());

  it('reaches everyone, grouped: thirty caret moves arrive in a few messages', async () => {
    const story = await createStory(server.baseUrl, token, { headline: 'Crowd' });
    for (let i = 0; i < CROWD + 1; i++) clients.push(connectClient(server.wsUrl, story.id, token));
    await Promise.all(clients.map((c) => c.synced()));
    const [observer, ...crowd] = clients as [YClient, ...YClient[]];
    const awareness = observer.provider.awareness;

    // Every state of the crowd (the server stamps name and colour; `caret` is ours).
    const caretsSeen = () =>
      crowd.filter((c) => {
        const state = awareness.getStates().get(c.doc.clientID) as { caret?: number } | undefined;
        return state?.caret === c.doc.clientID % 1000;
      }).length;
    let messages = 0;
    const allSeen = new Promise<void>((resolve) => {
      awareness.on('update', (_change: unknown, origin: unknown) => {
        if (origin === 'local') return;
        messages++;
        if (caretsSeen() === CROWD) resolve();
      });
    });
    for (const c of crowd) c.provider.awareness.setLocalStateField('caret', c.doc.clientID % 1000);
    await allSeen;

    expect(caretsSeen()).toBe(CROWD);
    expect(messages).toBeLessThanOrEqual(5);
  });

  // People who opened a story together renew their presence together, every 15 s
  // (y-protocols: the same state, a new clock). Each renewal carries nothing new: the server
  // relays them spread over a few seconds, and never holds a real change back behind them.
  it('relays renewals made together spread over several messages; a caret move goes straight through', async () => {
    const [observer, mover, ...rest] = await presentCrowd('Renewals', RENEWING + 1);
    const awareness = observer.provider.awareness;
    const clockOf = (c: YClient) => awareness.meta.get(c.doc.clientID)?.clock ?? -1;
    const before = new Map(rest.map((c) => [c, clockOf(c)]));
    const renewedAtObserver = () => rest.filter((c) => clockOf(c) > (before.get(c) ?? 0)).length;

    let renewalMessages = 0;
    let renewedWhenCaretArrived = -1;
    awareness.on('update', (change: { updated: number[] }, origin: unknown) => {
      if (origin === 'local') return;
      if (rest.some((c) => change.updated.includes(c.doc.clientID))) renewalMessages++;
      const caret = (awareness.getStates().get(mover.doc.clientID) as { caret?: number })?.caret;
      if (caret === 7 && renewedWhenCaretArrived < 0) renewedWhenCaretArrived = renewedAtObserver();
    });
    const done = untilAwareness(
      observer,
      () => renewedAtObserver() === rest.length && renewedWhenCaretArrived >= 0,
    );
    for (const c of [mover, ...rest]) renew(c);
    mover.provider.awareness.setLocalStateField('caret', 7);
    await done;

    expect(renewedAtObserver()).toBe(rest.length);
    // The caret did not wait for the renewals around it.
    expect(renewedWhenCaretArrived).toBeLessThan(rest.length);
    // Spread: not one message carrying every renewal.
    expect(renewalMessages).toBeGreaterThanOrEqual(2);
  });

  it('drops the held renewal of someone who leaves, and keeps every edit they typed', async () => {
    const [observer, leaver, ...stayers] = await presentCrowd('Leaving', 7);
    const awareness = observer.provider.awareness;
    const seen = (c: YClient) => awareness.getStates().has(c.doc.clientID);
    const before = new Map(stayers.map((c) => [c, awareness.meta.get(c.doc.clientID)?.clock ?? 0]));

    // Everyone renews; the leaver types a line and closes its tab while its renewal is held.
    for (const c of [leaver, ...stayers]) renew(c);
    const typed = 'Port closed until Friday.';
    const body = leaver.doc.getText('body');
    for (const ch of typed) body.insert(body.length, ch);
    leaver.provider.destroy();

    await untilAwareness(
      observer,
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
