import { MetaKey, readFields, type StoryFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, getStory, login } from '../helpers/api';
import { metric } from '../helpers/metrics';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, type YClient } from '../helpers/yjs-client';
import { type DelayProxy, startDelayProxy } from './delay-proxy';
import { type Rng, rng, SCALE, seedsFor, sleep, until } from './lib';

/**
 * Yjs-style randomised convergence, through the real server: 5 stock clients, each behind its
 * own delaying/splitting proxy, make seeded random edits on every field and disconnect and
 * reconnect at random. At the end every client, a fresh client reading the stored state after
 * the story unloaded, and the REST view agree.
 */
const CLIENTS = 5;
const STEPS = 120 * Math.min(SCALE, 5);
const WORDS = ['peace', 'talks', 'vote', 'rain', 'é', '🙂', 'x', ' ', '\n', 'Reuters'];

const randomEdit = (random: Rng, doc: Y.Doc): void => {
  const t = storyTypes(doc);
  const text = random.pick([t.headline, t.synopsis, t.body]);
  const op = random.int(0, 9);
  doc.transact(() => {
    if (op <= 2) {
      text.insert(random.int(0, text.length), random.pick(WORDS));
    } else if (op === 3 && text.length > 0) {
      const at = random.int(0, text.length - 1);
      text.delete(at, random.int(1, Math.min(6, text.length - at)));
    } else if (op === 4 || (op === 5 && t.takeaways.length === 0)) {
      t.takeaways.insert(random.int(0, t.takeaways.length), [new Y.Text(random.pick(WORDS))]);
    } else if (op === 5) {
      // Move: Yjs has no move, editors delete and re-insert a copy in one transaction.
      const from = random.int(0, t.takeaways.length - 1);
      const content = t.takeaways.get(from)?.toString() ?? '';
      t.takeaways.delete(from, 1);
      t.takeaways.insert(random.int(0, t.takeaways.length), [new Y.Text(content)]);
    } else if (op === 6 && t.takeaways.length > 0) {
      t.takeaways.delete(random.int(0, t.takeaways.length - 1), 1);
    } else if (op === 7 && t.takeaways.length > 0) {
      const item = t.takeaways.get(random.int(0, t.takeaways.length - 1));
      item?.insert(random.int(0, item.length), random.pick(WORDS));
    } else if (op === 8) {
      t.meta.set(random.pick(Object.values(MetaKey)), `${random.pick(WORDS)}${random.int(0, 99)}`);
    } else {
      text.insert(text.length, random.pick(WORDS));
    }
  });
};

const viewFields = (v: StoryFields): StoryFields => ({
  headline: v.headline,
  synopsis: v.synopsis,
  takeaways: v.takeaways,
  body: v.body,
  dateline: v.dateline,
  source: v.source,
  byline: v.byline,
});

describe('randomised convergence through the server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      env: { STORY_UNLOAD_AFTER_MS: '200', MAX_CONNECTIONS_PER_USER: '100' },
    });
  });
  afterAll(async () => {
    await server.kill();
  });

  for (const seed of seedsFor([1, 2, 3], 20)) {
    it(`5 clients behind delaying proxies converge (seed ${seed})`, async () => {
      const random = rng(seed);
      const users = ['ana', 'ben', 'carla'];
      const tokens = await Promise.all(users.map((u) => login(server.baseUrl, u)));
      const story = await createStory(server.baseUrl, tokens[0] as string, {
        headline: `Random ${seed}`,
      });
      const proxies: DelayProxy[] = [];
      const clients: YClient[] = [];
      const closeCodes: number[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const proxy = await startDelayProxy(server.port, {
          seed: seed * 31 + i,
          maxDelayMs: random.int(0, 40),
        });
        proxies.push(proxy);
        const client = connectClient(
          `ws://127.0.0.1:${proxy.port}`,
          story.id,
          tokens[i % tokens.length] as string,
        );
        clients.push(client);
        // CHAOS_TOLERANT=1: reconnect even after 44xx, to look past bug 1 of docs/RELIABILITY.md.
        if (process.env.CHAOS_TOLERANT) client.provider.shouldReconnect = () => true;
        client.provider.on('connection-close', (e: CloseEvent | null) => {
          closeCodes.push(e?.code ?? 0);
        });
      }
      await Promise.all(clients.map((c) => c.synced()));
      let disconnects = 0;
      for (let step = 0; step < STEPS; step++) {
        const i = random.int(0, CLIENTS - 1);
        const client = clients[i] as YClient;
        const roll = random.next();
        if (roll < 0.04) {
          client.provider.disconnect();
          disconnects++;
        } else if (roll < 0.06) {
          (proxies[i] as DelayProxy).cut();
          disconnects++;
        } else if (roll < 0.12) {
          client.provider.connect();
        } else {
          randomEdit(random, client.doc);
        }
        if (random.chance(0.3)) await sleep(random.int(0, 15));
      }
      for (const c of clients) c.provider.connect();
      const sv = (c: YClient) => Buffer.from(Y.encodeStateVector(c.doc)).toString('base64');
      await until(
        () =>
          clients.every((c) => c.provider.synced) &&
          clients.every((c) => sv(c) === sv(clients[0] as YClient)),
        15_000,
        'clients reach the same state vector',
      ).catch((err: Error) => {
        for (const c of clients) c.destroy();
        throw new Error(`${err.message}; close codes seen: ${closeCodes.join(',')}`);
      });
      const expected = readFields((clients[0] as YClient).doc);
      for (const c of clients) expect(readFields(c.doc)).toEqual(expected);

      for (const c of clients) c.destroy();
      for (const p of proxies) await p.close();
      await until(
        async () => (await metric(server.baseUrl, 'copydesk_loaded_stories')) === 0,
        10_000,
        'story unloads',
      );
      const fresh = connectClient(server.wsUrl, story.id, tokens[0] as string);
      await fresh.synced();
      expect(readFields(fresh.doc)).toEqual(expected);
      fresh.destroy();
      const view = await getStory(server.baseUrl, tokens[0] as string, story.id);
      expect(viewFields(view)).toEqual(expected);
      console.log(
        `[random-convergence] seed=${seed} steps=${STEPS} disconnects=${disconnects} ` +
          `bodyLength=${expected.body.length} takeaways=${expected.takeaways.length}`,
      );
    }, 90_000);
  }
});
