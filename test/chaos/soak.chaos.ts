import fs from 'node:fs';
import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor, type YClient } from '../helpers/yjs-client';
import { metric, rng, seedsFor, sleep, until } from './lib';

/**
 * Soak (on demand, `npm run test:chaos`; CHAOS_SOAK_MS overrides the 10 minutes): fan-out
 * editing on several stories with reconnect churn. Reports server RSS, loaded stories and
 * awareness entries; at the end nothing is leaked and no ghost is shown.
 */
const SOAK_MS = Number(process.env.CHAOS_SOAK_MS ?? 600_000);
const STORIES = 4;
const PER_STORY = 6;

/** Progress on stderr as it happens (vitest prints console output only per test). */
const stage = (what: string) =>
  process.stderr.write(`[soak] ${new Date().toISOString()} ${what}\n`);

const rssMb = (pid: number): number => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

describe('soak', () => {
  let server: RunningServer;
  afterAll(async () => {
    await server?.kill();
  });

  for (const seed of seedsFor([99], 1)) {
    it(
      `fan-out with reconnect churn for ${SOAK_MS / 1000} s (seed ${seed})`,
      async () => {
        const random = rng(seed);
        server = await startServer({
          env: { STORY_UNLOAD_AFTER_MS: '500', MAX_CONNECTIONS_PER_USER: '500', LOG_LEVEL: 'info' },
        });
        const pid = server.process.pid as number;
        const token = await login(server.baseUrl, 'ana');
        const stories = await Promise.all(
          Array.from({ length: STORIES }, (_, i) =>
            createStory(server.baseUrl, token, { headline: `Soak ${i}` }),
          ),
        );
        const clients: { story: string; client: YClient }[] = [];
        for (const s of stories)
          for (let i = 0; i < PER_STORY; i++)
            clients.push({ story: s.id, client: connectClient(server.wsUrl, s.id, token) });
        await Promise.all(clients.map((c) => c.client.synced()));
        const samples: string[] = [];
        const rss: number[] = [];
        const end = Date.now() + SOAK_MS;
        let churn = 0;
        let edits = 0;
        let nextSample = 0;
        while (Date.now() < end) {
          for (let k = 0; k < 20; k++) {
            const c = random.pick(clients);
            // Only connected clients type (see bug 1 in docs/RELIABILITY.md).
            if (!c.client.provider.synced) continue;
            const body = storyTypes(c.client.doc).body;
            if (body.length > 20_000) body.delete(0, 10_000);
            body.insert(random.int(0, body.length), `w${edits++} `);
          }
          if (random.chance(0.2)) {
            const i = random.int(0, clients.length - 1);
            const old = clients[i] as { story: string; client: YClient };
            old.client.destroy();
            clients[i] = {
              story: old.story,
              client: connectClient(server.wsUrl, old.story, token),
            };
            churn++;
          }
          await sleep(100);
          if (Date.now() >= nextSample) {
            nextSample = Date.now() + Math.max(2_000, SOAK_MS / 30);
            rss.push(rssMb(pid));
            samples.push(
              `t=${Math.round((SOAK_MS - (end - Date.now())) / 1000)}s rss=${rssMb(pid).toFixed(0)}MB ` +
                `loaded=${await metric(server.baseUrl, 'copydesk_loaded_stories')} ` +
                `conns=${await metric(server.baseUrl, 'copydesk_sync_connections')}`,
            );
          }
        }
        stage(`typing done: edits=${edits} churn=${churn}`);
        // Convergence per story, then awareness: exactly the live clients, no ghosts.
        for (const s of stories) {
          const group = clients.filter((c) => c.story === s.id).map((c) => c.client);
          await until(() => group.every((c) => c.provider.synced), 30_000, 'every client synced');
          await waitFor(
            group.map((c) => c.doc),
            () =>
              group.every(
                (c) => readFields(c.doc).body === readFields((group[0] as YClient).doc).body,
              ),
            30_000,
          );
          await until(
            () => group.every((c) => c.provider.awareness.getStates().size === PER_STORY),
            35_000,
            'awareness shows exactly the live clients',
          );
        }
        for (const c of clients) c.client.destroy();
        await until(
          async () =>
            (await metric(server.baseUrl, 'copydesk_loaded_stories')) === 0 &&
            (await metric(server.baseUrl, 'copydesk_sync_connections')) === 0,
          15_000,
          'every story unloads, no connection left',
        );
        console.log(`[soak] seed=${seed} edits=${edits} churn=${churn}\n${samples.join('\n')}`);
        // Flat memory: the last third of the run is not much above the first third.
        const third = Math.max(1, Math.floor(rss.length / 3));
        const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        expect(avg(rss.slice(-third))).toBeLessThan(avg(rss.slice(0, third)) * 1.5 + 30);
      },
      SOAK_MS + 180_000,
    );
  }
});
