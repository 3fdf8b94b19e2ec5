import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { rng, SCALE, seedsFor, tokensOf } from './lib';

/**
 * SIGTERM while 3 clients type fast: every client sees 1012, and the restarted server has every
 * edit each client made before it saw the close (and everything anyone saw from another).
 */
describe('graceful shutdown under heavy typing', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  for (const seed of seedsFor([12], 5)) {
    it(`SIGTERM during heavy typing keeps every edit made before the close (seed ${seed})`, async () => {
      const random = rng(seed);
      const first = await startServer({ env: { MAX_CONNECTIONS_PER_USER: '100' } });
      servers.push(first);
      const users = ['ana', 'ben', 'carla'];
      const tokens = await Promise.all(users.map((u) => login(first.baseUrl, u)));
      const story = await createStory(first.baseUrl, tokens[0] as string, { headline: 'Heavy' });
      const typists = users.map((_, i) => {
        const client = connectClient(first.wsUrl, story.id, tokens[i] as string);
        const state = {
          client,
          code: 0,
          wroteBeforeClose: [] as string[],
          seenAtClose: [] as string[],
          n: 0,
        };
        const t = storyTypes(client.doc);
        const typeOne = () => {
          const token = `c${i}${random.pick(['s', 'b'])}${state.n++}`;
          const text = token.includes('s') ? t.synopsis : t.body;
          text.insert(text.length, `${token} `);
        };
        const timer = setInterval(() => {
          if (state.code === 0 && client.provider.synced) typeOne();
        }, 12);
        client.provider.on('connection-close', (e: CloseEvent | null) => {
          if (state.code !== 0) return;
          state.code = e?.code ?? -1;
          clearInterval(timer);
          const all = tokensOf(readFields(client.doc));
          state.wroteBeforeClose = all.filter((tok) => tok.startsWith(`c${i}`));
          state.seenAtClose = all.filter((tok) => !tok.startsWith(`c${i}`));
          client.provider.disconnect();
        });
        return { state, stopTyping: () => clearInterval(timer), client };
      });
      await Promise.all(typists.map((t) => t.client.synced()));
      // Heavy typing first: every typist has written its share before the SIGTERM.
      const share = 100 * Math.min(SCALE, 4) + random.int(0, 40);
      await expect
        .poll(() => Math.min(...typists.map((t) => t.state.n)), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(share);
      expect(await first.stop()).toBe(0);
      // Every typist has seen the close (1012) before we stop it typing.
      await expect
        .poll(() => typists.every((t) => t.state.code !== 0), { timeout: 10_000 })
        .toBe(true);
      for (const t of typists) t.stopTyping();

      const second = await startServer({ dataDir: first.dataDir });
      servers.push(second);
      const fresh = connectClient(second.wsUrl, story.id, tokens[0] as string);
      await fresh.synced();
      const stored = new Set(tokensOf(readFields(fresh.doc)));
      const missingSeen = typists.flatMap((t) => t.state.seenAtClose.filter((x) => !stored.has(x)));
      // Edits a client typed after our close frame reached it were never sent: the client keeps
      // them and merges them when it reconnects (the brief's promise). Reconnect and check.
      for (const t of typists) {
        t.client.provider.serverUrl = `${second.wsUrl}/yjs`;
        t.client.provider.connect();
      }
      const own = typists.flatMap((t) => t.state.wroteBeforeClose);
      await waitFor(
        fresh.doc,
        () => {
          const now = new Set(tokensOf(readFields(fresh.doc)));
          return own.every((x) => now.has(x));
        },
        20_000,
      ).catch(() => undefined);
      const merged = new Set(tokensOf(readFields(fresh.doc)));
      const missingOwn = own.filter((x) => !merged.has(x));
      console.log(
        `[shutdown-heavy] seed=${seed} codes=${typists.map((t) => t.state.code).join(',')} ` +
          `written=${typists.map((t) => t.state.wroteBeforeClose.length).join(',')} stored=${stored.size} ` +
          `missingSeen=${missingSeen.length} missingOwn=${missingOwn.length} (${missingOwn.slice(0, 5).join(' ')})`,
      );
      expect(typists.map((t) => t.state.code)).toEqual([1012, 1012, 1012]);
      expect(missingSeen).toEqual([]);
      expect(missingOwn).toEqual([]);
      const view = await getStory(second.baseUrl, tokens[0] as string, story.id);
      expect(view.body).toBe(readFields(fresh.doc).body);
      fresh.destroy();
      for (const t of typists) t.client.destroy();
    }, 60_000);
  }
});
