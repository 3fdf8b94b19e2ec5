import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from './postgres-storage';
import { addFixtureAccount, addFixtureStories, loggedText } from './test-fixtures';

/**
 * Group commit on the real PostgreSQL (a fresh schema, dropped afterwards): the appends of many
 * stories at once share transactions, stay in order per story, one bad story fails alone, and
 * terminated connections mid-burst lose nothing and store nothing twice.
 */
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `copydesk_test_${process.pid}_${randomBytes(3).toString('hex')}_gc`;
const applicationName = `copydesk_${schema}`;
const STORIES = 40;
const ROUNDS = 5;

const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('PostgreSQL group commit of the update log', () => {
  let storage: PostgresStorage;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    storage = new PostgresStorage({ connectionString: DATABASE_URL, schema, applicationName });
    await storage.migrate();
    await addFixtureAccount(storage);
  });
  afterAll(async () => {
    await storage?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  const makeStories = async (prefix: string): Promise<string[]> => {
    const ids = Array.from({ length: STORIES }, (_, i) => `${prefix}${i}`);
    await addFixtureStories(storage, ids);
    return ids;
  };

  /** Each story appends ROUNDS batches one after another (as a room does); all stories at once. */
  const burst = (ids: string[]) =>
    Promise.allSettled(
      ids.map(async (id) => {
        const done: string[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const texts = [`${id}:${r}:a`, `${id}:${r}:b`];
          await storage.appendUpdates(
            id,
            texts.map((t) => loggedText(t)),
            `${id} headline ${r}`,
          );
          done.push(...texts);
        }
        return done;
      }),
    );

  const storedTexts = async (id: string): Promise<string[]> =>
    (await storage.loadStoryState(id)).updates.map((u) => dec(u.update));

  it('writes many stories per transaction and keeps each story in order', async () => {
    const ids = await makeStories('g');
    const results = await burst(ids);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    for (const id of ids) {
      const expected = [`${id}:created`];
      for (let r = 0; r < ROUNDS; r++) expected.push(`${id}:${r}:a`, `${id}:${r}:b`);
      expect(await storedTexts(id)).toEqual(expected);
      expect((await storage.getStory(id))?.headline).toBe(`${id} headline ${ROUNDS - 1}`);
    }
    // Rows written by one transaction share its id (xmin): far fewer than one per append.
    const tx = await admin.query<{ n: number }>(
      `SELECT count(DISTINCT xmin::text)::integer AS n FROM ${schema}.updates
       WHERE story_id LIKE 'g%' AND data <> convert_to(story_id || ':created', 'UTF8')`,
    );
    expect(tx.rows[0]?.n).toBeLessThan((STORIES * ROUNDS) / 2);
  });

  it('a story that does not exist fails alone', async () => {
    const ids = await makeStories('u');
    const settled = await Promise.allSettled([
      storage.appendUpdates('no-such-story', [loggedText('lost')], 'x'),
      ...ids.map((id) => storage.appendUpdates(id, [loggedText(`${id}:after`)], id)),
    ]);
    expect(settled[0]?.status).toBe('rejected');
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/unknown story/);
    expect(settled.slice(1).every((s) => s.status === 'fulfilled')).toBe(true);
    for (const id of ids) expect(await storedTexts(id)).toEqual([`${id}:created`, `${id}:after`]);
  });

  it('connections terminated mid-burst: every append that succeeded is stored exactly once', async () => {
    const ids = await makeStories('k');
    const killing = (async () => {
      for (let i = 0; i < 5; i++) {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const results = await burst(ids);
    await killing;
    let succeeded = 0;
    for (const [i, result] of results.entries()) {
      const id = ids[i] as string;
      const stored = await storedTexts(id);
      expect(new Set(stored).size).toBe(stored.length); // nothing twice
      if (result.status === 'fulfilled') {
        succeeded++;
        for (const text of result.value) expect(stored).toContain(text);
      }
    }
    expect(succeeded).toBeGreaterThan(0);
  });
});
