import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from './postgres-migrations';
import { PostgresStorage } from './postgres-storage';
import { SQLITE_MIGRATIONS } from './sqlite-migrations';
import { SqliteStorage } from './sqlite-storage';
import type {
  ActivityRecord,
  ActivityStore,
  AuthorRun,
  CommentRecord,
  CommentStore,
  HistoryStore,
  LoggedUpdate,
  NewAccount,
  NewVersionRecord,
  NotificationRecord,
  StatusChangeRecord,
  Storage,
  StoryRecord,
} from './storage';

/**
 * The Storage contract, run against every implementation. Each test gets a fresh target
 * (a temp SQLite file, or a fresh PostgreSQL schema that is dropped afterwards); the
 * PostgreSQL database itself is shared with other runs and never assumed empty.
 */
const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Target {
  /** Another instance on the same data (for PostgreSQL: its own pool). */
  open(): Storage;
  cleanup(): Promise<void>;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  /**
   * Empty storage for one test. `fresh`: never migrated either (otherwise PostgreSQL reuses
   * one migrated schema per run and empties it, which is much cheaper than a schema per test).
   */
  target(options?: { fresh?: boolean }): Promise<Target>;
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  target: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-storage-'));
    const file = path.join(dir, 'copydesk.sqlite');
    return {
      open: () => new SqliteStorage({ file }),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
let schemaCounter = 0;
/** Schemas this run created; only these are ever emptied or dropped. */
const createdSchemas = new Set<string>();
let adminPool: pg.Pool | null = null;
const admin = (): pg.Pool => {
  adminPool ??= new pg.Pool({
    connectionString: TEST_DATABASE_URL,
    max: 2,
    application_name: `copydesk_test_admin_${runId}`,
  });
  return adminPool;
};

const freshSchemaName = (): string => {
  const schema = `copydesk_test_${runId}_${++schemaCounter}`;
  createdSchemas.add(schema);
  return schema;
};

const dropSchema = async (schema: string): Promise<void> => {
  await admin().query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  createdSchemas.delete(schema);
};

const migratedSchema = async (): Promise<string> => {
  const schema = freshSchemaName();
  const storage = new PostgresStorage({ connectionString: TEST_DATABASE_URL, schema });
  try {
    await storage.migrate();
  } finally {
    await storage.close();
  }
  return schema;
};

/** Deletes every row of a schema this run created (children before the tables they reference). */
const emptySchema = async (schema: string): Promise<void> => {
  if (!createdSchemas.has(schema)) throw new Error(`not a schema of this run: ${schema}`);
  const { rows } = await admin().query<{ name: string; refs: string[] }>(
    `SELECT c.relname::text AS name,
            coalesce(array_agg(r.relname::text) FILTER (WHERE r.oid IS NOT NULL AND r.oid <> c.oid),
                     '{}') AS refs
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
     LEFT JOIN pg_class r ON r.oid = k.confrelid
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
     GROUP BY c.relname`,
    [schema],
  );
  const left = new Map(rows.map((r) => [r.name, new Set(r.refs)]));
  const order: string[] = [];
  while (left.size > 0) {
    const referenced = new Set([...left.values()].flatMap((refs) => [...refs]));
    const next = [...left.keys()].filter((table) => !referenced.has(table));
    if (next.length === 0) throw new Error(`foreign key cycle in ${schema}`);
    for (const table of next) {
      order.push(table);
      left.delete(table);
    }
  }
  await admin().query(order.map((table) => `DELETE FROM ${schema}.${table}`).join(';\n'));
};

/** One migrated schema per describe block, emptied before each test. */
const sharedSchema = (): (() => Promise<string>) => {
  let schema: Promise<string> | null = null;
  return async () => {
    schema ??= migratedSchema();
    const name = await schema;
    await emptySchema(name);
    return name;
  };
};

const postgresStorage = (schema: string, applicationName = `copydesk_test_${schema}`) =>
  new PostgresStorage({
    connectionString: TEST_DATABASE_URL,
    schema,
    applicationName,
    poolSize: 4,
  });

const postgresBackend = (): Backend => {
  const shared = sharedSchema();
  return {
    name: 'postgres',
    target: async (options = {}) => {
      const schema = options.fresh ? freshSchemaName() : await shared();
      return {
        open: () => postgresStorage(schema),
        cleanup: async () => {
          if (options.fresh) await dropSchema(schema);
        },
      };
    },
  };
};

afterAll(async () => {
  for (const schema of [...createdSchemas]) await dropSchema(schema);
  await adminPool?.end();
});

const T0 = 1_700_000_000_000;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const account = (username: string, extra: Partial<NewAccount> = {}): NewAccount => ({
  id: `u_${username}`,
  username,
  displayName: username.toUpperCase(),
  role: 'editor',
  color: '#123456',
  passwordHash: `hash-${username}`,
  ...extra,
});

const storyRecord = (id: string, at = T0, extra: Partial<StoryRecord> = {}): StoryRecord => ({
  id,
  headline: `Headline ${id}`,
  status: 'draft',
  createdAt: at,
  createdBy: 'u_ana',
  updatedAt: at,
  updatedBy: 'u_ana',
  ...extra,
});

const logged = (text: string, at = T0, userId = 'u_ana'): LoggedUpdate => ({
  userId,
  at,
  update: enc(text),
});

/** The workflow methods are optional in the interface, but every implementation has them. */
const workflow = (s: Storage) => {
  const { setStoryStatus, listStatusChanges } = s;
  if (!setStoryStatus || !listStatusChanges) throw new Error(`${s.kind} lacks workflow methods`);
  return {
    set: (change: StatusChangeRecord) => setStoryStatus.call(s, change),
    list: (storyId: string) => listStatusChanges.call(s, storyId),
  };
};

/** The history store is optional in the interface, but every implementation has it. */
const historyOf = (s: Storage): HistoryStore => {
  if (!s.history) throw new Error(`${s.kind} lacks the history store`);
  return s.history;
};

/** The activity and comment stores are optional in the interface, but every implementation has them. */
const activityOf = (s: Storage): ActivityStore => {
  if (!s.activity) throw new Error(`${s.kind} lacks the activity store`);
  return s.activity;
};

const commentsOf = (s: Storage): CommentStore => {
  if (!s.comments) throw new Error(`${s.kind} lacks the comment store`);
  return s.comments;
};

/** Bytes with zeros in them, as Yjs updates routinely have. */
const randomWithZeros = (length: number): Uint8Array => {
  const b = new Uint8Array(randomBytes(length));
  for (let i = 0; i < length; i += 7) b[i] = 0;
  return b;
};

/** The simple-protocol message node-postgres sends for `client.query('COMMIT')`. */
const COMMIT_MESSAGE = Buffer.from([0x51, 0, 0, 0, 11, ...Buffer.from('COMMIT\0')]);

interface CommitCutter {
  url: string;
  /**
   * Breaks the connection at the next COMMIT: 'before' drops the COMMIT itself (the server
   * rolls back), 'after' lets it through and drops the reply (the server has committed).
   * Resolves once it happened.
   */
  cutNextCommit(when: 'before' | 'after'): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of PostgreSQL that can lose one COMMIT or its reply, so the
 * "connection lost during COMMIT" cases run deterministically.
 */
const startCommitCutter = async (): Promise<CommitCutter> => {
  const upstreamUrl = new URL(TEST_DATABASE_URL);
  let armed: { when: 'before' | 'after'; done: () => void } | null = null;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    const upstream = net.connect(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
    sockets.add(downstream).add(upstream);
    const cut = () => {
      downstream.destroy();
      upstream.destroy();
    };
    let awaitingReply: (() => void) | null = null;
    downstream.on('data', (chunk: Buffer) => {
      const cutter = armed;
      if (cutter && chunk.includes(COMMIT_MESSAGE)) {
        armed = null;
        if (cutter.when === 'before') {
          cut();
          cutter.done();
          return;
        }
        awaitingReply = cutter.done;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (awaitingReply) {
        cut();
        awaitingReply();
        awaitingReply = null;
        return;
      }
      downstream.write(chunk);
    });
    for (const socket of [downstream, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        sockets.delete(socket);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cutNextCommit: (when) => new Promise((resolve) => (armed = { when, done: resolve })),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

describe('migrations', () => {
  it('PostgreSQL mirrors every SQLite migration (append one to each list)', () => {
    expect(POSTGRES_MIGRATIONS.length).toBe(SQLITE_MIGRATIONS.length);
  });

  it('PostgreSQL has the same tables and columns as SQLite', async () => {
    const sqlite = new Database(':memory:');
    for (const sql of SQLITE_MIGRATIONS) sqlite.exec(sql);
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[];
    const sqliteShape = Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (sqlite.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[])
          .map((c) => c.name)
          .sort(),
      ]),
    );
    sqlite.close();

    const schema = await migratedSchema();
    try {
      const { rows } = await admin().query<{ table_name: string; column_name: string }>(
        `SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = $1 AND table_name <> 'schema_migrations'`,
        [schema],
      );
      const postgresShape: Record<string, string[]> = {};
      for (const r of rows) {
        // PostgreSQL-only: history_author_runs.id stands in for SQLite's implicit rowid.
        if (r.table_name === 'history_author_runs' && r.column_name === 'id') continue;
        postgresShape[r.table_name] = [...(postgresShape[r.table_name] ?? []), r.column_name];
      }
      for (const columns of Object.values(postgresShape)) columns.sort();
      expect(postgresShape).toEqual(sqliteShape);
    } finally {
      await dropSchema(schema);
    }
  });
});

describe.each([sqliteBackend, postgresBackend()])('$name storage contract', (backend) => {
  let target: Target;
  let opened: Storage[] = [];
  const open = (): Storage => {
    const storage = target.open();
    opened.push(storage);
    return storage;
  };
  const migrated = async (): Promise<Storage> => {
    const storage = open();
    await storage.migrate();
    return storage;
  };

  beforeEach(async () => {
    target = await backend.target();
  });

  afterEach(async () => {
    await Promise.all(opened.map((s) => s.close()));
    opened = [];
    await target.cleanup();
  });

  it('reports its kind, pings, and closes twice without error', async () => {
    const s = await migrated();
    expect(s.kind).toBe(backend.name);
    await expect(s.ping()).resolves.toBeUndefined();
    await s.close();
    await s.close();
  });

  it('several instances migrating a fresh database at once, then again, is a no-op the second time', async () => {
    const fresh = await backend.target({ fresh: true });
    const instances = [fresh.open(), fresh.open(), fresh.open()];
    try {
      await Promise.all(instances.map((s) => s.migrate()));
      const [s] = instances as [Storage];
      await s.createAccount(account('ana'));
      await s.createStory(storyRecord('st1'), logged('first'));
      await Promise.all(instances.map((i) => i.migrate()));
      expect(await s.countAccounts()).toBe(1);
      expect((await s.loadStoryState('st1')).updates.map((u) => dec(u.update))).toEqual(['first']);
    } finally {
      await Promise.all(instances.map((s) => s.close()));
      await fresh.cleanup();
    }
  });

  describe('accounts', () => {
    it('creates, finds by username and id, counts and lists in byte order of username', async () => {
      const s = await migrated();
      expect(await s.countAccounts()).toBe(0);
      const before = Date.now();
      const created = await s.createAccount(account('amy', { role: 'chief' }));
      expect(created).toMatchObject({ ...account('amy', { role: 'chief' }), disabled: false });
      expect(created.createdAt).toBeGreaterThanOrEqual(before);
      await s.createAccount(account('Zed', { role: 'viewer' }));
      await s.createAccount(account('ben'));

      expect(await s.countAccounts()).toBe(3);
      expect(await s.findAccountByUsername('amy')).toEqual(created);
      expect(await s.findAccountById('u_amy')).toEqual(created);
      expect(await s.findAccountByUsername('AMY')).toBeNull();
      expect(await s.findAccountByUsername('nobody')).toBeNull();
      expect(await s.findAccountById('u_nobody')).toBeNull();
      // Byte order ('Z' < 'a'), whatever the database locale says.
      expect((await s.listAccounts()).map((a) => a.username)).toEqual(['Zed', 'amy', 'ben']);
    });

    it('updates role, password hash, display name and disabled; an empty patch changes nothing', async () => {
      const s = await migrated();
      const created = await s.createAccount(account('ana'));
      await s.updateAccount('u_ana', {});
      expect(await s.findAccountById('u_ana')).toEqual(created);

      await s.updateAccount('u_ana', { role: 'chief', disabled: true });
      expect(await s.findAccountById('u_ana')).toEqual({
        ...created,
        role: 'chief',
        disabled: true,
      });
      await s.updateAccount('u_ana', {
        passwordHash: 'new-hash',
        displayName: 'Ana María',
        disabled: false,
      });
      expect(await s.findAccountById('u_ana')).toEqual({
        ...created,
        role: 'chief',
        passwordHash: 'new-hash',
        displayName: 'Ana María',
        disabled: false,
      });
      await expect(s.updateAccount('u_nobody', { role: 'viewer' })).resolves.toBeUndefined();
    });

    it('rejects a duplicate username (and a duplicate id) and keeps the original', async () => {
      const s = await migrated();
      const original = await s.createAccount(account('ana'));
      await expect(
        s.createAccount(account('ana', { id: 'u_other', displayName: 'Impostor' })),
      ).rejects.toThrow();
      await expect(s.createAccount(account('other', { id: 'u_ana' }))).rejects.toThrow();
      expect(await s.countAccounts()).toBe(1);
      expect(await s.findAccountByUsername('ana')).toEqual(original);
    });
  });

  describe('stories', () => {
    it('createStory stores the story and its first update together', async () => {
      const s = await migrated();
      const record = storyRecord('st1', T0, { headline: 'Kremlin peace plan' });
      await s.createStory(record, logged('first update', T0, 'u_ben'));
      expect(await s.getStory('st1')).toEqual(record);
      const state = await s.loadStoryState('st1');
      expect(state.snapshot).toBeNull();
      expect(state.updates).toHaveLength(1);
      expect(state.updates[0]).toMatchObject({ userId: 'u_ben', at: T0 });
      expect(dec(state.updates[0]?.update ?? new Uint8Array())).toBe('first update');
      expect(state.updates[0]?.seq).toBeGreaterThan(0);
      expect(await s.getStory('missing')).toBeNull();
    });

    it('a createStory that fails leaves no story behind', async () => {
      const s = await migrated();
      // The first update cannot be stored (user_id is NOT NULL): the story row must go too.
      const broken: LoggedUpdate = { ...logged('x'), userId: null as unknown as string };
      await expect(s.createStory(storyRecord('half'), broken)).rejects.toThrow();
      expect(await s.getStory('half')).toBeNull();
      expect(await s.listStories()).toEqual([]);
      expect(await s.loadStoryState('half')).toEqual({ snapshot: null, updates: [] });

      // A duplicate id is refused and does not add a second "first" update.
      await s.createStory(storyRecord('st1'), logged('original'));
      await expect(s.createStory(storyRecord('st1'), logged('duplicate'))).rejects.toThrow();
      const state = await s.loadStoryState('st1');
      expect(state.updates.map((u) => dec(u.update))).toEqual(['original']);
    });

    it('lists stories newest-updated first (ties by id)', async () => {
      const s = await migrated();
      await s.createStory(storyRecord('a', T0 + 1_000), logged('a'));
      await s.createStory(storyRecord('b', T0 + 3_000), logged('b'));
      await s.createStory(storyRecord('c', T0 + 2_000), logged('c'));
      await s.createStory(storyRecord('d', T0 + 2_000), logged('d'));
      expect((await s.listStories()).map((r) => r.id)).toEqual(['b', 'c', 'd', 'a']);

      await s.appendUpdates('a', [logged('edit', T0 + 5_000, 'u_ben')], 'A, edited');
      const list = await s.listStories();
      expect(list.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
      expect(list[0]).toEqual(
        storyRecord('a', T0 + 1_000, {
          headline: 'A, edited',
          updatedAt: T0 + 5_000,
          updatedBy: 'u_ben',
        }),
      );
    });
  });

  describe('workflow status', () => {
    it('setStoryStatus moves the status only from the expected one and records each move', async () => {
      const s = await migrated();
      const w = workflow(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      const review: StatusChangeRecord = {
        storyId: 'st1',
        from: 'draft',
        to: 'in_review',
        userId: 'u_ana',
        at: T0 + 10,
      };
      expect(await w.set(review)).toBe(true);
      expect(await s.getStory('st1')).toEqual(storyRecord('st1', T0, { status: 'in_review' }));
      expect((await s.listStories())[0]?.status).toBe('in_review');
      // The open stories' statuses in one read (the sync endpoint's periodic check).
      await s.createStory(storyRecord('st2'), logged('v0'));
      expect(await s.storyStatuses(['st1', 'missing', 'st2'])).toEqual(
        new Map([
          ['st1', 'in_review'],
          ['st2', 'draft'],
        ]),
      );
      expect(await s.storyStatuses([])).toEqual(new Map());

      // Stale: the story is no longer a draft. Nothing changes, nothing is recorded.
      expect(await w.set({ ...review, to: 'approved', userId: 'u_carla' })).toBe(false);
      expect(await w.set({ ...review, storyId: 'missing' })).toBe(false);
      const approve = {
        ...review,
        from: 'in_review',
        to: 'approved',
        userId: 'u_carla',
        at: T0 + 20,
      } as const;
      expect(await w.set(approve)).toBe(true);
      expect((await s.getStory('st1'))?.status).toBe('approved');
      expect(await w.list('st1')).toEqual([review, approve]);
      expect(await w.list('missing')).toEqual([]);
    });

    it('two instances making the same move at once: exactly one wins', async () => {
      const a = await migrated();
      const b = await migrated();
      await a.createStory(storyRecord('st1'), logged('u0'));
      for (let round = 0; round < 10; round++) {
        const [from, to] =
          round % 2 === 0 ? (['draft', 'in_review'] as const) : (['in_review', 'draft'] as const);
        const results = await Promise.all(
          [a, b].map((s, i) =>
            workflow(s).set({ storyId: 'st1', from, to, userId: `u_${i}`, at: T0 + round }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await a.getStory('st1'))?.status).toBe(to);
      }
      const moves = await workflow(b).list('st1');
      expect(moves).toHaveLength(10);
      expect(moves.map((m) => m.at)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i));
    });
  });

  describe('version history', () => {
    /** A story with updates by several accounts; returns their seqs in order. */
    const seeded = async (s: Storage): Promise<number[]> => {
      await s.createStory(storyRecord('st1'), logged('u0', T0, 'u_amy'));
      const authors = ['u_Zed', 'u_amy', 'u_Zed', 'u_carla'];
      for (const [i, userId] of authors.entries()) {
        await s.appendUpdates('st1', [logged(`u${i + 1}`, T0 + i + 1, userId)], 'h');
      }
      return (await s.loadStoryState('st1')).updates.map((u) => u.seq);
    };

    it('latestUpdate, loadUpdates and updateStats read the log by seq range', async () => {
      const s = await migrated();
      const h = historyOf(s);
      expect(await h.latestUpdate('st1')).toBeNull();
      const seqs = await seeded(s);
      const seq = (i: number) => seqs[i] ?? -1;
      expect(await h.latestUpdate('st1')).toEqual({ seq: seq(4), at: T0 + 4, userId: 'u_carla' });

      const texts = async (after: number, upto: number, limit: number) =>
        (await h.loadUpdates('st1', after, upto, limit)).map((u) => dec(u.update));
      expect(await texts(seq(0), seq(3), 10)).toEqual(['u1', 'u2', 'u3']);
      expect(await texts(seq(0), seq(3), 2)).toEqual(['u1', 'u2']);
      expect(await texts(seq(4), seq(4) + 1_000, 10)).toEqual([]);
      const [first] = await h.loadUpdates('st1', 0, seq(0), 1);
      expect(first).toMatchObject({ seq: seq(0), userId: 'u_amy', at: T0 });

      // Most updates first, ties in byte order of the account id ('Z' < 'a').
      expect(await h.updateStats('st1', 0, seq(4))).toEqual({
        count: 5,
        lastSeq: seq(4),
        lastAt: T0 + 4,
        authors: [
          { userId: 'u_Zed', count: 2, lastAt: T0 + 3 },
          { userId: 'u_amy', count: 2, lastAt: T0 + 2 },
          { userId: 'u_carla', count: 1, lastAt: T0 + 4 },
        ],
      });
      expect(await h.updateStats('st1', seq(0), seq(3), 'u_Zed')).toEqual({
        count: 1,
        lastSeq: seq(2),
        lastAt: T0 + 2,
        authors: [{ userId: 'u_amy', count: 1, lastAt: T0 + 2 }],
      });
      expect(await h.updateStats('st1', seq(4), seq(4))).toEqual({
        count: 0,
        lastSeq: 0,
        lastAt: null,
        authors: [],
      });
    });

    it('loadSnapshotAtOrBefore finds the newest snapshot not after a seq', async () => {
      const s = await migrated();
      const h = historyOf(s);
      const seqs = await seeded(s);
      const seq = (i: number) => seqs[i] ?? -1;
      await s.saveSnapshot('st1', { upto: seq(1), parts: [enc('through 1')] });
      await s.saveSnapshot('st1', { upto: seq(3), parts: [enc('through 3')] });
      expect(await h.loadSnapshotAtOrBefore('st1', seq(0))).toBeNull();
      const at2 = await h.loadSnapshotAtOrBefore('st1', seq(2));
      expect(at2?.upto).toBe(seq(1));
      expect(dec(at2?.parts[0] ?? new Uint8Array())).toBe('through 1');
      expect((await h.loadSnapshotAtOrBefore('st1', seq(3)))?.upto).toBe(seq(3));
      expect((await h.loadSnapshotAtOrBefore('st1', seq(4)))?.upto).toBe(seq(3));
    });

    it('versions are numbered 1, 2, 3… per story and round-trip every field', async () => {
      const s = await migrated();
      const h = historyOf(s);
      const seqs = await seeded(s);
      await s.createStory(storyRecord('st2'), logged('x'));
      const first: NewVersionRecord = {
        storyId: 'st1',
        seq: seqs[0] ?? -1,
        reason: 'created',
        name: null,
        createdAt: T0,
        createdBy: null,
        editedAt: null,
        status: 'draft',
        authors: [],
        details: '{}',
      };
      const second: NewVersionRecord = {
        ...first,
        seq: seqs[4] ?? -1,
        reason: 'named',
        name: 'Before legal — «final»',
        createdAt: T0 + 10,
        createdBy: 'u_carla',
        editedAt: T0 + 4,
        status: 'in_review',
        authors: ['u_Zed', 'u_amy'],
        details: JSON.stringify({ changed: ['body'], note: 'ünïcödé' }),
      };
      expect(await h.insertVersion(first)).toEqual({ ...first, number: 1 });
      expect(await h.insertVersion(second)).toEqual({ ...second, number: 2 });
      expect(await h.insertVersion({ ...first, storyId: 'st2' })).toMatchObject({ number: 1 });
      expect(await h.listVersions('st1')).toEqual([
        { ...first, number: 1 },
        { ...second, number: 2 },
      ]);
      expect(await h.getVersion('st1', 2)).toEqual({ ...second, number: 2 });
      expect(await h.getVersion('st1', 3)).toBeNull();
      expect(await h.listVersions('missing')).toEqual([]);
      await expect(h.insertVersion({ ...first, storyId: 'missing' })).rejects.toThrow();
    });

    it('two instances inserting versions of one story at once get distinct numbers', async () => {
      const a = await migrated();
      const b = await migrated();
      await a.createStory(storyRecord('st1'), logged('u0'));
      const version = (i: number): NewVersionRecord => ({
        storyId: 'st1',
        seq: 1,
        reason: 'auto',
        name: `v${i}`,
        createdAt: T0 + i,
        createdBy: 'u_ana',
        editedAt: T0,
        status: 'draft',
        authors: ['u_ana'],
        details: '{}',
      });
      const made = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          historyOf(i % 2 === 0 ? a : b).insertVersion(version(i)),
        ),
      );
      expect(made.map((v) => v.number).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      const listed = await historyOf(a).listVersions('st1');
      expect(listed.map((v) => v.number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (const v of made) expect(listed[v.number - 1]?.name).toBe(v.name);
    });

    it('author runs: compare-and-set on the index, runs kept in order, large ids exact', async () => {
      const s = await migrated();
      const h = historyOf(s);
      const seqs = await seeded(s);
      const seq = (i: number) => seqs[i] ?? -1;
      expect(await h.loadAuthorRuns('st1')).toEqual({ upto: 0, runs: [] });
      const batchA: AuthorRun[] = [
        { kind: 'insert', client: 4_294_967_295, clock: 0, len: 12, userId: 'u_amy', seq: seq(0) },
        { kind: 'delete', client: 1, clock: 2 ** 40, len: 1, userId: 'u_Zed', seq: seq(1) },
        { kind: 'insert', client: 7, clock: 3, len: 2 ** 31, userId: 'u_amy', seq: seq(2) },
      ];
      const batchB: AuthorRun[] = [
        { kind: 'insert', client: 2, clock: 5, len: 3, userId: 'u_carla', seq: seq(4) },
        { kind: 'delete', client: 4_294_967_295, clock: 1, len: 4, userId: 'u_Zed', seq: seq(3) },
      ];
      expect(await h.appendAuthorRuns('st1', 0, seq(2), batchA)).toBe(true);
      expect(await h.loadAuthorRuns('st1')).toEqual({ upto: seq(2), runs: batchA });
      // Stale: someone already moved the index.
      expect(await h.appendAuthorRuns('st1', 0, seq(4), batchB)).toBe(false);
      expect(await h.appendAuthorRuns('st1', seq(1), seq(4), batchB)).toBe(false);
      expect(await h.appendAuthorRuns('st1', seq(2), seq(4), batchB)).toBe(true);
      expect(await h.loadAuthorRuns('st1')).toEqual({ upto: seq(4), runs: [...batchA, ...batchB] });
      // An empty range of runs still moves the index.
      expect(await h.appendAuthorRuns('st1', seq(4), seq(4) + 1, [])).toBe(true);
      expect((await h.loadAuthorRuns('st1')).upto).toBe(seq(4) + 1);
      // No index yet: only 0 matches.
      await s.createStory(storyRecord('st2'), logged('x'));
      expect(await h.appendAuthorRuns('st2', 5, 9, batchB)).toBe(false);
      expect(await h.loadAuthorRuns('st2')).toEqual({ upto: 0, runs: [] });
    });

    it('two instances racing to extend the authorship index: exactly one does', async () => {
      const a = await migrated();
      const b = await migrated();
      const seqs = await seeded(a);
      const upto = seqs[4] ?? -1;
      const runsBy = (userId: string): AuthorRun[] =>
        Array.from({ length: 50 }, (_, i) => ({
          kind: 'insert',
          client: i,
          clock: 0,
          len: 1,
          userId,
          seq: upto,
        }));
      for (const [from, to] of [
        [0, upto - 1],
        [upto - 1, upto],
      ] as const) {
        const results = await Promise.all([
          historyOf(a).appendAuthorRuns('st1', from, to, runsBy('u_a')),
          historyOf(b).appendAuthorRuns('st1', from, to, runsBy('u_b')),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      const { upto: stored, runs } = await historyOf(b).loadAuthorRuns('st1');
      expect(stored).toBe(upto);
      expect(runs).toHaveLength(100);
      // Each batch is whole and in order.
      for (const half of [runs.slice(0, 50), runs.slice(50)]) {
        expect(new Set(half.map((r) => r.userId)).size).toBe(1);
        expect(half.map((r) => r.client)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }
    });

    it('seen marks are upserted per user and story', async () => {
      const s = await migrated();
      const h = historyOf(s);
      await s.createStory(storyRecord('st1'), logged('a'));
      await s.createStory(storyRecord('st2'), logged('b'));
      expect(await h.getSeen('st1', 'u_ana')).toBeNull();
      expect(await h.listSeen('u_ana')).toEqual([]);
      await h.markSeen({ storyId: 'st1', userId: 'u_ana', seq: 1, at: T0 });
      await h.markSeen({ storyId: 'st2', userId: 'u_ana', seq: 2, at: T0 + 1 });
      await h.markSeen({ storyId: 'st1', userId: 'u_ben', seq: 3, at: T0 + 2 });
      await h.markSeen({ storyId: 'st1', userId: 'u_ana', seq: 5, at: T0 + 3 });
      expect(await h.getSeen('st1', 'u_ana')).toEqual({
        storyId: 'st1',
        userId: 'u_ana',
        seq: 5,
        at: T0 + 3,
      });
      const mine = (await h.listSeen('u_ana')).sort((x, y) => x.storyId.localeCompare(y.storyId));
      expect(mine).toEqual([
        { storyId: 'st1', userId: 'u_ana', seq: 5, at: T0 + 3 },
        { storyId: 'st2', userId: 'u_ana', seq: 2, at: T0 + 1 },
      ]);
      expect(await h.listSeen('u_ben')).toEqual([
        { storyId: 'st1', userId: 'u_ben', seq: 3, at: T0 + 2 },
      ]);
    });
  });

  describe('activity feed', () => {
    const entry = (id: string, extra: Partial<ActivityRecord> = {}): ActivityRecord => ({
      id,
      storyId: 'st1',
      userId: 'u_ana',
      field: 'synopsis',
      kind: 'edited',
      target: 'synopsis',
      takeawayIndex: null,
      fromTakeawayIndex: null,
      fromStatus: null,
      toStatus: null,
      wordsAdded: 3,
      wordsRemoved: 1,
      startWords: 10,
      firstAt: T0,
      lastAt: T0,
      updatedAt: T0,
      ...extra,
    });
    const ids = (entries: ActivityRecord[]): string[] => entries.map((e) => e.id);

    it('commitActivity: compare-and-set on the cursor, entries upserted by id with it', async () => {
      const s = await migrated();
      const a = activityOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await s.createStory(storyRecord('st2'), logged('x'));
      expect(await a.getActivityCursor('st1')).toBe(0);
      const e1 = entry('a1', {
        field: 'takeaway',
        kind: 'set',
        target: 'takeaway:7#3',
        takeawayIndex: 2,
        fromTakeawayIndex: 1,
      });
      const e2 = entry('a2', { firstAt: T0 + 1, lastAt: T0 + 2, updatedAt: T0 + 3 });
      expect(await a.commitActivity('st1', 0, 5, [e1, e2])).toBe(true);
      expect(await a.getActivityCursor('st1')).toBe(5);
      expect(await a.listActivity('st1', null, 10)).toEqual([e2, e1]);

      // Stale: someone already moved the cursor; nothing of the batch is stored.
      const lost = entry('lost', { lastAt: T0 + 50 });
      expect(await a.commitActivity('st1', 0, 9, [lost])).toBe(false);
      expect(await a.commitActivity('st1', 4, 9, [lost])).toBe(false);
      expect(await a.getActivityCursor('st1')).toBe(5);
      expect(ids(await a.listActivity('st1', null, 10))).toEqual(['a2', 'a1']);
      // No cursor yet: only 0 matches.
      expect(await a.commitActivity('st2', 3, 9, [{ ...lost, storyId: 'st2' }])).toBe(false);
      expect(await a.getActivityCursor('st2')).toBe(0);
      expect(await a.listActivity('st2', null, 10)).toEqual([]);

      // A burst goes on: an upsert changes what a burst may change and keeps the rest, also
      // when one batch holds the same id twice.
      const grown = entry('a2', {
        userId: 'u_ben',
        field: 'body',
        kind: 'rewrote',
        target: 'body',
        takeawayIndex: 4,
        fromTakeawayIndex: 3,
        fromStatus: 'draft',
        toStatus: 'in_review',
        wordsAdded: 30,
        wordsRemoved: 9,
        startWords: 99,
        firstAt: T0 + 9,
        lastAt: T0 + 20,
        updatedAt: T0 + 21,
      });
      const a3 = entry('a3', { lastAt: T0 + 3, startWords: 4 });
      const a3again = entry('a3', { lastAt: T0 + 4, wordsAdded: 7, startWords: 50 });
      expect(await a.commitActivity('st1', 5, 8, [grown, a3, a3again])).toBe(true);
      expect(await a.listActivity('st1', null, 10)).toEqual([
        {
          ...e2,
          kind: 'rewrote',
          target: 'body',
          takeawayIndex: 4,
          fromTakeawayIndex: 3,
          wordsAdded: 30,
          wordsRemoved: 9,
          lastAt: T0 + 20,
          updatedAt: T0 + 21,
        },
        { ...a3, lastAt: T0 + 4, wordsAdded: 7 },
        e1,
      ]);
      // An empty batch still moves the cursor; the same range again does not.
      expect(await a.commitActivity('st1', 8, 12, [])).toBe(true);
      expect(await a.commitActivity('st1', 8, 12, [])).toBe(false);
      expect(await a.getActivityCursor('st1')).toBe(12);
      // Another instance sees the same.
      expect(await activityOf(await migrated()).getActivityCursor('st1')).toBe(12);

      // Workflow moves come through putActivity, without the cursor.
      const move = entry('m1', {
        field: 'status',
        kind: 'status',
        target: 'status',
        fromStatus: 'draft',
        toStatus: 'in_review',
        wordsAdded: 0,
        wordsRemoved: 0,
        startWords: 0,
        firstAt: T0 + 30,
        lastAt: T0 + 30,
        updatedAt: T0 + 31,
      });
      await a.putActivity([move]);
      await a.putActivity([]);
      expect((await a.listActivity('st1', null, 1))[0]).toEqual(move);
      expect(await a.getActivityCursor('st1')).toBe(12);
    });

    it('two instances racing to commit the same range: exactly one does, with its whole batch', async () => {
      const a = await migrated();
      const b = await migrated();
      await a.createStory(storyRecord('st1'), logged('u0'));
      const batch = (name: string, to: number): ActivityRecord[] =>
        Array.from({ length: 20 }, (_, i) =>
          entry(`${name}-${to}-${i}`, { userId: `u_${name}`, lastAt: T0 + to }),
        );
      for (const [from, to] of [
        [0, 4],
        [4, 7],
        [7, 11],
      ] as const) {
        const results = await Promise.all([
          activityOf(a).commitActivity('st1', from, to, batch('a', to)),
          activityOf(b).commitActivity('st1', from, to, batch('b', to)),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      expect(await activityOf(b).getActivityCursor('st1')).toBe(11);
      const stored = await activityOf(b).listActivity('st1', null, 100);
      expect(stored).toHaveLength(60);
      for (const to of [4, 7, 11]) {
        const round = stored.filter((e) => e.lastAt === T0 + to);
        expect(round).toHaveLength(20);
        expect(new Set(round.map((e) => e.userId)).size).toBe(1);
      }
    });

    it('lists newest first (ties: later start, then later insert), with bounds and limits', async () => {
      const s = await migrated();
      const a = activityOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await s.createStory(storyRecord('st2'), logged('x'));
      const at = (first: number, last: number, updated = last) => ({
        firstAt: T0 + first,
        lastAt: T0 + last,
        updatedAt: T0 + updated,
      });
      await a.putActivity([
        entry('new', at(8, 9)),
        entry('tieA', at(2, 5)),
        entry('old', at(0, 1)),
        entry('tieB', at(3, 5)),
      ]);
      // Same times as tieA, inserted later.
      await a.commitActivity('st1', 0, 1, [entry('same', at(2, 5))]);
      await a.putActivity([entry('other', { ...at(7, 7, 100), storyId: 'st2' })]);

      expect(ids(await a.listActivity('st1', null, 10))).toEqual([
        'new',
        'tieB',
        'same',
        'tieA',
        'old',
      ]);
      expect(ids(await a.listActivity('st1', null, 2))).toEqual(['new', 'tieB']);
      expect(ids(await a.listActivity('st1', T0 + 5, 10))).toEqual(['old']);
      expect(ids(await a.listActivity('st1', T0 + 6, 3))).toEqual(['tieB', 'same', 'tieA']);
      expect(await a.listActivity('missing', null, 10)).toEqual([]);

      // Oldest last first, ties in insertion order.
      expect(ids(await a.listRecentActivity('st1', T0 + 5))).toEqual([
        'tieA',
        'tieB',
        'same',
        'new',
      ]);
      expect(await a.listRecentActivity('st1', T0 + 10)).toEqual([]);

      // Written after a time: the most recently written `limit`, in feed order.
      expect(ids(await a.listActivityUpdatedSince(T0 + 4, 10))).toEqual([
        'new',
        'other',
        'tieB',
        'same',
        'tieA',
      ]);
      expect(ids(await a.listActivityUpdatedSince(T0 + 4, 2))).toEqual(['new', 'other']);
      expect(await a.listActivityUpdatedSince(T0 + 100, 10)).toEqual([]);

      const latest = (await a.latestActivityPerStory()).sort((x, y) =>
        x.storyId < y.storyId ? -1 : 1,
      );
      expect(latest).toEqual([
        entry('new', at(8, 9)),
        entry('other', { ...at(7, 7, 100), storyId: 'st2' }),
      ]);
    });

    it('loadStateAt and loadUpdatesAfter read the snapshot and the log by seq', async () => {
      const s = await migrated();
      const a = activityOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await s.appendUpdates(
        'st1',
        [1, 2, 3, 4].map((i) => logged(`u${i}`, T0 + i, i % 2 ? 'u_ben' : 'u_ana')),
        'h',
      );
      const seqs = (await s.loadStoryState('st1')).updates.map((u) => u.seq);
      const seq = (i: number) => seqs[i] ?? -1;
      await s.saveSnapshot('st1', { upto: seq(1), parts: [enc('through 1')] });
      await s.saveSnapshot('st1', { upto: seq(4), parts: [enc('through 4')] });

      const early = await a.loadStateAt('st1', seq(0));
      expect(early.snapshot).toBeNull();
      expect(early.updates.map((u) => dec(u.update))).toEqual(['u0']);
      const mid = await a.loadStateAt('st1', seq(3));
      expect(mid.snapshot?.upto).toBe(seq(1));
      expect(dec(mid.snapshot?.parts[0] ?? new Uint8Array())).toBe('through 1');
      expect(mid.updates).toEqual([
        { seq: seq(2), userId: 'u_ana', at: T0 + 2, update: enc('u2') },
        { seq: seq(3), userId: 'u_ben', at: T0 + 3, update: enc('u3') },
      ]);
      expect(await a.loadStateAt('missing', 10)).toEqual({ snapshot: null, updates: [] });

      const after = await a.loadUpdatesAfter('st1', seq(1), 2);
      expect(after.map((u) => dec(u.update))).toEqual(['u2', 'u3']);
      expect(after[0]).toEqual({ seq: seq(2), userId: 'u_ana', at: T0 + 2, update: enc('u2') });
      expect(await a.loadUpdatesAfter('st1', seq(4), 10)).toEqual([]);
    });
  });

  describe('comments and notifications', () => {
    const comment = (id: string, extra: Partial<CommentRecord> = {}): CommentRecord => ({
      id,
      storyId: 'st1',
      threadId: id,
      userId: 'u_ana',
      text: `Comment ${id}`,
      createdAt: T0,
      field: 'synopsis',
      takeawayIndex: null,
      relStart: 'AQID',
      relEnd: 'BAUG',
      quote: 'twelve',
      resolvedAt: null,
      resolvedBy: null,
      stateChangedAt: null,
      mentions: [],
      ...extra,
    });
    const reply = (id: string, threadId: string, extra: Partial<CommentRecord> = {}) =>
      comment(id, {
        threadId,
        field: null,
        relStart: null,
        relEnd: null,
        quote: null,
        ...extra,
      });
    const notification = (
      id: string,
      extra: Partial<NotificationRecord> = {},
    ): NotificationRecord => ({
      id,
      userId: 'u_ben',
      kind: 'mention',
      storyId: 'st1',
      threadId: 'c1',
      commentId: 'c1',
      byUserId: 'u_ana',
      excerpt: `… ${id} …`,
      createdAt: T0,
      readAt: null,
      ...extra,
    });

    it('insertComment stores a comment with its notifications; lists oldest first, ties by id', async () => {
      const s = await migrated();
      const c = commentsOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await s.createStory(storyRecord('st2'), logged('x'));
      const c1 = comment('c1', {
        field: 'takeaway',
        takeawayIndex: 2,
        text: 'Source? @ben @carla — «ünïcödé»',
        mentions: ['u_ben', 'u_carla'],
      });
      const n1 = notification('n1');
      const n2 = notification('n2', { userId: 'u_carla' });
      await c.insertComment(c1, [n1, n2]);
      expect(await c.getComment('c1')).toEqual(c1);
      expect(await c.listNotifications('u_ben', false, 10)).toEqual([n1]);
      expect(await c.listNotifications('u_carla', false, 10)).toEqual([n2]);

      const resolved = comment('c0', {
        createdAt: T0 + 1,
        field: 'dateline',
        relStart: null,
        relEnd: null,
        resolvedAt: T0 + 5,
        resolvedBy: 'u_ben',
        stateChangedAt: T0 + 5,
      });
      await c.insertComment(resolved, []);
      await c.insertComment(reply('c_a', 'c1', { createdAt: T0 + 1, userId: 'u_ben' }), []);
      await c.insertComment(reply('c_B', 'c1', { createdAt: T0 + 1 }), []);
      await c.insertComment(comment('c9', { storyId: 'st2' }), []);
      expect(await c.getComment('c0')).toEqual(resolved);
      // Byte order of ids on ties ('B' < 'a' < 'c').
      expect((await c.listComments('st1')).map((x) => x.id)).toEqual(['c1', 'c0', 'c_B', 'c_a']);
      expect(await c.listComments('st2')).toEqual([comment('c9', { storyId: 'st2' })]);
      expect(await c.listComments('missing')).toEqual([]);
      expect(await c.getComment('nope')).toBeNull();
      // Another instance reads the same.
      expect(await commentsOf(await migrated()).getComment('c1')).toEqual(c1);
    });

    it('insertComment is atomic: a notification that cannot be stored leaves no comment', async () => {
      const s = await migrated();
      const c = commentsOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await c.insertComment(comment('c1'), [notification('n1')]);

      // A notification id already taken.
      await expect(
        c.insertComment(comment('c2'), [
          notification('n2', { commentId: 'c2' }),
          notification('n1', { commentId: 'c2' }),
        ]),
      ).rejects.toThrow();
      // The same id twice in one batch.
      await expect(
        c.insertComment(comment('c3'), [
          notification('n3', { commentId: 'c3' }),
          notification('n3', { commentId: 'c3', userId: 'u_carla' }),
        ]),
      ).rejects.toThrow();
      // A notification for a comment that does not exist.
      await expect(
        c.insertComment(comment('c4'), [notification('n4', { commentId: 'nope' })]),
      ).rejects.toThrow();
      // A comment on a story that does not exist.
      await expect(c.insertComment(comment('c5', { storyId: 'missing' }), [])).rejects.toThrow();
      // The comment id already taken: the original and its notification stay.
      await expect(
        c.insertComment(comment('c1', { text: 'again' }), [notification('n6')]),
      ).rejects.toThrow();

      for (const id of ['c2', 'c3', 'c4', 'c5']) expect(await c.getComment(id)).toBeNull();
      expect(await c.getComment('c1')).toEqual(comment('c1'));
      expect((await c.listComments('st1')).map((x) => x.id)).toEqual(['c1']);
      expect((await c.listNotifications('u_ben', false, 10)).map((n) => n.id)).toEqual(['n1']);
      expect(await c.listNotifications('u_carla', false, 10)).toEqual([]);
      // Nothing was left half-done: the same comment goes in once its notifications are fine.
      await c.insertComment(comment('c2'), [notification('n2', { commentId: 'c2' })]);
      expect(await c.countUnreadNotifications('u_ben')).toBe(2);
    });

    it('setThreadResolved resolves and reopens a thread once; replies are not threads', async () => {
      const s = await migrated();
      const c = commentsOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await c.insertComment(comment('c1'), []);
      await c.insertComment(reply('r1', 'c1', { createdAt: T0 + 1 }), []);

      expect(await c.setThreadResolved('c1', 'u_ben', T0 + 5)).toBe(true);
      expect(await c.setThreadResolved('c1', 'u_carla', T0 + 6)).toBe(false);
      expect(await c.getComment('c1')).toEqual(
        comment('c1', { resolvedAt: T0 + 5, resolvedBy: 'u_ben', stateChangedAt: T0 + 5 }),
      );
      expect(await c.setThreadResolved('c1', null, T0 + 7)).toBe(true);
      expect(await c.setThreadResolved('c1', null, T0 + 8)).toBe(false);
      expect(await c.getComment('c1')).toEqual(comment('c1', { stateChangedAt: T0 + 7 }));
      expect(await c.setThreadResolved('r1', 'u_ben', T0 + 9)).toBe(false);
      expect(await c.getComment('r1')).toEqual(reply('r1', 'c1', { createdAt: T0 + 1 }));
      expect(await c.setThreadResolved('nope', 'u_ben', T0 + 9)).toBe(false);

      // Two instances resolving at once: exactly one reports the change.
      const other = commentsOf(await migrated());
      const results = await Promise.all([
        c.setThreadResolved('c1', 'u_ben', T0 + 10),
        other.setThreadResolved('c1', 'u_carla', T0 + 10),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('commentCounts counts threads per story; replies only move the last comment time', async () => {
      const s = await migrated();
      const c = commentsOf(s);
      for (const id of ['st1', 'st2', 'st3']) await s.createStory(storyRecord(id), logged(id));
      expect(await c.commentCounts()).toEqual([]);
      await c.insertComment(comment('c1'), []);
      await c.insertComment(comment('c2', { createdAt: T0 + 2 }), []);
      await c.insertComment(reply('r1', 'c1', { createdAt: T0 + 9 }), []);
      await c.insertComment(reply('r2', 'c1', { createdAt: T0 + 4 }), []);
      await c.insertComment(comment('c3', { storyId: 'st2', createdAt: T0 + 3 }), []);
      await c.setThreadResolved('c2', 'u_ben', T0 + 10);
      await c.setThreadResolved('c3', 'u_ben', T0 + 10);
      const counts = (await c.commentCounts()).sort((x, y) => (x.storyId < y.storyId ? -1 : 1));
      expect(counts).toEqual([
        { storyId: 'st1', unresolved: 1, total: 2, lastCommentAt: T0 + 9 },
        { storyId: 'st2', unresolved: 0, total: 1, lastCommentAt: T0 + 3 },
      ]);
    });

    it('notifications: newest first, unread filter, limit, count; marked read by ids or all', async () => {
      const s = await migrated();
      const c = commentsOf(s);
      await s.createStory(storyRecord('st1'), logged('u0'));
      await c.insertComment(comment('c1'), [
        notification('n1'),
        notification('n4', { userId: 'u_carla' }),
      ]);
      await c.insertComment(reply('c2', 'c1', { createdAt: T0 + 2 }), [
        notification('n2', { commentId: 'c2', createdAt: T0 + 2 }),
      ]);
      await c.insertComment(reply('c3', 'c1', { createdAt: T0 + 2 }), [
        notification('n3', { commentId: 'c3', createdAt: T0 + 2 }),
      ]);
      const list = async (userId: string, unreadOnly: boolean, limit = 10) =>
        (await c.listNotifications(userId, unreadOnly, limit)).map((n) => n.id);

      expect(await list('u_ben', false)).toEqual(['n3', 'n2', 'n1']);
      expect(await list('u_ben', true, 2)).toEqual(['n3', 'n2']);
      expect(await list('u_nobody', false)).toEqual([]);
      expect(await c.countUnreadNotifications('u_ben')).toBe(3);
      expect(await c.countUnreadNotifications('u_nobody')).toBe(0);

      // Only the user's own notifications are marked; unknown ids are ignored.
      await c.markNotificationsRead('u_ben', ['n1', 'n4', 'nope'], T0 + 10);
      await c.markNotificationsRead('u_ben', [], T0 + 11);
      expect(await c.countUnreadNotifications('u_ben')).toBe(2);
      expect(await c.countUnreadNotifications('u_carla')).toBe(1);
      expect(await list('u_ben', true)).toEqual(['n3', 'n2']);
      expect((await c.listNotifications('u_ben', false, 10))[2]).toEqual(
        notification('n1', { readAt: T0 + 10 }),
      );

      // All of them; one read before keeps its time.
      await c.markNotificationsRead('u_ben', null, T0 + 20);
      expect(await c.countUnreadNotifications('u_ben')).toBe(0);
      expect(await list('u_ben', true)).toEqual([]);
      expect((await c.listNotifications('u_ben', false, 10)).map((n) => n.readAt)).toEqual([
        T0 + 20,
        T0 + 20,
        T0 + 10,
      ]);
      expect(await c.countUnreadNotifications('u_carla')).toBe(1);
    });
  });

  describe('update log', () => {
    it('appendUpdates keeps order, returns the story rows it follows and ends at, records headline and last editor', async () => {
      const s = await migrated();
      await s.createStory(storyRecord('st1'), logged('u0'));
      const seq1 = await s.appendUpdates(
        'st1',
        [logged('u1', T0 + 1, 'u_ana'), logged('u2', T0 + 2, 'u_ben'), logged('u3', T0 + 3)],
        'New headline',
      );
      const seq2 = await s.appendUpdates('st1', [logged('u4', T0 + 4, 'u_ben')], 'Newer headline');

      const { updates } = await s.loadStoryState('st1');
      expect(updates.map((u) => dec(u.update))).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
      expect(updates.map((u) => u.userId)).toEqual(['u_ana', 'u_ana', 'u_ben', 'u_ana', 'u_ben']);
      expect(updates.map((u) => u.at)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4]);
      const seqs = updates.map((u) => u.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? 0);
      // Each append says which row of the story it follows: a reader of the range knows it
      // missed nothing of this story in between, whatever other stories took of the sequence.
      // And each appended row's seq, in order: the activity feed reads them from the range.
      expect(seq1).toEqual({ prevSeq: seqs[0], lastSeq: seqs[3], seqs: seqs.slice(1, 4) });
      expect(seq2).toEqual({ prevSeq: seqs[3], lastSeq: seqs[4], seqs: [seqs[4]] });
      expect(await s.getStory('st1')).toMatchObject({
        headline: 'Newer headline',
        updatedAt: T0 + 4,
        updatedBy: 'u_ben',
        createdAt: T0,
        createdBy: 'u_ana',
      });
    });

    it('an empty append changes nothing; an append to an unknown story is refused', async () => {
      const s = await migrated();
      await s.createStory(storyRecord('st1'), logged('u0'));
      expect(await s.appendUpdates('st1', [], 'ignored')).toEqual({
        prevSeq: 0,
        lastSeq: 0,
        seqs: [],
      });
      expect(await s.getStory('st1')).toEqual(storyRecord('st1'));
      await expect(s.appendUpdates('nope', [logged('lost')], 'x')).rejects.toThrow();
      expect(await s.loadStoryState('nope')).toEqual({ snapshot: null, updates: [] });
      expect((await s.loadStoryState('st1')).updates).toHaveLength(1);
    });

    it('loadStoryState returns the newest snapshot and only the updates after it', async () => {
      const s = await migrated();
      expect(await s.loadStoryState('st1')).toEqual({ snapshot: null, updates: [] });
      await s.createStory(storyRecord('st1'), logged('u0'));
      await s.appendUpdates('st1', [logged('u1'), logged('u2')], 'h');
      const all = (await s.loadStoryState('st1')).updates;
      const upto = all[1]?.seq ?? -1;

      await s.saveSnapshot('st1', { upto, parts: [enc('state through u1')] });
      await s.appendUpdates('st1', [logged('u3')], 'h');
      let state = await s.loadStoryState('st1');
      expect(state.snapshot?.upto).toBe(upto);
      expect(dec(state.snapshot?.parts[0] ?? new Uint8Array())).toBe('state through u1');
      expect(state.updates.map((u) => dec(u.update))).toEqual(['u2', 'u3']);

      // A newer snapshot wins; an older one saved late does not replace it.
      const newest = state.updates[1]?.seq ?? -1;
      await s.saveSnapshot('st1', { upto: newest, parts: [enc('state through u3')] });
      await s.saveSnapshot('st1', { upto: all[0]?.seq ?? -1, parts: [enc('stale')] });
      state = await s.loadStoryState('st1');
      expect(state.snapshot?.upto).toBe(newest);
      expect(dec(state.snapshot?.parts[0] ?? new Uint8Array())).toBe('state through u3');
      expect(state.updates).toEqual([]);
    });

    it('saveSnapshot is idempotent: saving the same upto again keeps the first', async () => {
      const s = await migrated();
      await s.createStory(storyRecord('st1'), logged('u0'));
      const upto = (await s.appendUpdates('st1', [logged('u1')], 'h')).lastSeq;
      await s.saveSnapshot('st1', { upto, parts: [enc('first')] });
      await expect(
        s.saveSnapshot('st1', { upto, parts: [enc('second')] }),
      ).resolves.toBeUndefined();
      // Another instance (the compactor of another server) saving the same one is fine too.
      await expect(
        (await migrated()).saveSnapshot('st1', { upto, parts: [enc('third')] }),
      ).resolves.toBeUndefined();
      const state = await s.loadStoryState('st1');
      expect(dec(state.snapshot?.parts[0] ?? new Uint8Array())).toBe('first');
    });

    it('binary updates and snapshots round-trip byte-exact', async () => {
      const s = await migrated();
      const backing = randomWithZeros(4_096);
      const payloads: Uint8Array[] = [
        new Uint8Array([0]),
        new Uint8Array(300), // all zeros
        Uint8Array.from({ length: 256 }, (_, i) => i),
        randomWithZeros(200_000),
        backing.subarray(1_000, 1_500), // a view into a larger buffer: only its bytes
        new Uint8Array([0x5c, 0x78, 0x30, 0x30, 0x22, 0x7b, 0x2c, 0x7d, 0x00]), // \x00"{,} NUL
      ];
      const first = randomWithZeros(1_000);
      await s.createStory(storyRecord('bin'), { userId: 'u_ana', at: T0, update: first });
      await s.appendUpdates(
        'bin',
        payloads.map((update) => ({ userId: 'u_ana', at: T0, update })),
        'h',
      );
      const { updates } = await s.loadStoryState('bin');
      expect(updates.map((u) => Buffer.from(u.update).toString('hex'))).toEqual(
        [first, ...payloads].map((p) => Buffer.from(p).toString('hex')),
      );

      const snapshot = randomWithZeros(100_000);
      const upto = updates[2]?.seq ?? -1;
      await s.saveSnapshot('bin', { upto, parts: [snapshot] });
      const state = await (await migrated()).loadStoryState('bin');
      expect(Buffer.from(state.snapshot?.parts[0] ?? new Uint8Array()).equals(snapshot)).toBe(true);
      expect(state.updates).toHaveLength(payloads.length - 2);
    });

    it('concurrent appends from two instances: all stored once, in order, readers see prefixes', async () => {
      const a = await migrated();
      const b = await migrated();
      const reader = await migrated();
      await a.createStory(storyRecord('busy'), logged('first'));
      await a.createStory(storyRecord('other'), logged('other first'));

      const CALLS = 40;
      // Like a StoryRoom: each instance appends one batch at a time; the two run at once.
      const writer = async (s: Storage, name: string) => {
        const returned: { seq: number; prevSeq: number; batch: string[] }[] = [];
        for (let call = 0; call < CALLS; call++) {
          const batch = Array.from({ length: 1 + (call % 4) }, (_, i) => `${name}:${call}:${i}`);
          const { lastSeq: seq, prevSeq } = await s.appendUpdates(
            'busy',
            batch.map((text) => logged(text, T0 + call, `u_${name}`)),
            `${name} ${call}`,
          );
          returned.push({ seq, prevSeq, batch });
          // Traffic on another story shares the sequence and must not disturb this one.
          if (call % 5 === 0) await s.appendUpdates('other', [logged(`${name}:o${call}`)], 'o');
        }
        return returned;
      };
      let writing = true;
      const observed: string[][] = [];
      const read = async () => {
        while (writing && observed.length < 500) {
          const { updates } = await reader.loadStoryState('busy');
          observed.push(updates.map((u) => `${u.seq}/${dec(u.update)}`));
        }
      };
      const writers = Promise.all([writer(a, 'a'), writer(b, 'b')]).finally(() => {
        writing = false;
      });
      const [[fromA, fromB]] = await Promise.all([writers, read()]);

      const { updates } = await reader.loadStoryState('busy');
      const texts = updates.map((u) => dec(u.update));
      const expected =
        1 + 2 * Array.from({ length: CALLS }, (_, c) => 1 + (c % 4)).reduce((x, y) => x + y);
      expect(texts).toHaveLength(expected);
      expect(new Set(texts).size).toBe(expected); // each once
      const seqs = updates.map((u) => u.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? 0);

      for (const returned of [fromA, fromB]) {
        let previous = -1;
        for (const { seq, prevSeq, batch } of returned) {
          // Each batch is contiguous and in order, ends at the returned seq and follows the
          // row before it — whichever instance wrote that one.
          const start = texts.indexOf(batch[0] ?? '');
          expect(texts.slice(start, start + batch.length)).toEqual(batch);
          expect(updates[start + batch.length - 1]?.seq).toBe(seq);
          expect(updates[start - 1]?.seq).toBe(prevSeq);
          // One instance's batches keep their order.
          expect(start).toBeGreaterThan(previous);
          previous = start;
        }
      }
      const story = await reader.getStory('busy');
      expect(story?.headline).toMatch(/^[ab] \d+$/);

      // Every read taken while the writers ran saw a prefix of the final log: no update
      // became visible after one with a higher seq (that would hide it behind a snapshot).
      const final = updates.map((u) => `${u.seq}/${dec(u.update)}`);
      for (const seen of observed) expect(seen).toEqual(final.slice(0, seen.length));
    });
  });
});

describe('postgres specifics', () => {
  const shared = sharedSchema();
  let schema: string;
  const opened: PostgresStorage[] = [];
  const open = (
    applicationName = `copydesk_test_${schema}`,
    connectionString = TEST_DATABASE_URL,
    inSchema = schema,
  ): PostgresStorage => {
    const storage = new PostgresStorage({
      connectionString,
      schema: inSchema,
      applicationName,
      poolSize: 4,
    });
    opened.push(storage);
    return storage;
  };

  beforeEach(async () => {
    schema = await shared();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('records each migration once in schema_migrations, however many instances migrate', async () => {
    const fresh = freshSchemaName();
    try {
      const instances = [1, 2, 3, 4].map(() => open(undefined, undefined, fresh));
      await Promise.all(instances.map((s) => s.migrate()));
      await Promise.all(instances.map((s) => s.migrate()));
      const { rows } = await admin().query<{ version: number }>(
        `SELECT version FROM ${fresh}.schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
      // Isolation: the tables live in the test schema, not in public.
      const tables = await admin().query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [fresh],
      );
      expect(tables.rows.map((r) => r.table_name)).toContain('updates');
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await dropSchema(fresh);
    }
  });

  it('rejects a schema name that would need quoting', () => {
    expect(
      () => new PostgresStorage({ connectionString: TEST_DATABASE_URL, schema: 'x; DROP' }),
    ).toThrow(/invalid schema/);
  });

  it('the pool recovers when its connections are terminated, and nothing is stored twice', async () => {
    const applicationName = `copydesk_test_${schema}_kill`;
    const s = open(applicationName);
    await s.createStory(storyRecord('st1'), logged('u0'));
    // Fill the pool with idle connections, then kill every one of them.
    await Promise.all([s.ping(), s.ping(), s.ping(), s.ping()]);
    const killed = await admin().query<{ ok: boolean }>(
      // The timeout makes it wait until each backend has actually exited.
      'SELECT pg_terminate_backend(pid, 5000) AS ok FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    expect(killed.rows.length).toBeGreaterThan(0);
    expect(killed.rows.every((r) => r.ok)).toBe(true);
    // Every operation gets through: stale connections are dropped and retried on fresh ones.
    await s.ping();
    const seq = await s.appendUpdates('st1', [logged('u1'), logged('u2')], 'after');
    expect(await s.getStory('st1')).toMatchObject({ headline: 'after' });
    const { updates } = await s.loadStoryState('st1');
    expect(updates.map((u) => dec(u.update))).toEqual(['u0', 'u1', 'u2']);
    expect(seq).toEqual({
      prevSeq: updates[0]?.seq,
      lastSeq: updates.at(-1)?.seq,
      seqs: updates.slice(1).map((u) => u.seq),
    });
  });

  it.each(['before', 'after'] as const)(
    'an append whose connection is lost at COMMIT (%s it reaches the server) is stored exactly once',
    async (when) => {
      const cutter = await startCommitCutter();
      try {
        const s = open(`copydesk_test_${schema}_cut`, cutter.url);
        await s.createStory(storyRecord('st1'), logged('u0'));
        const cut = cutter.cutNextCommit(when);
        const seq = await s.appendUpdates('st1', [logged('u1'), logged('u2')], 'cut');
        await cut;
        await s.appendUpdates('st1', [logged('u3')], 'next');
        const { updates } = await open().loadStoryState('st1');
        expect(updates.map((u) => dec(u.update))).toEqual(['u0', 'u1', 'u2', 'u3']);
        // Also when the retry finds the first attempt committed: it still knows what it followed.
        expect(seq).toEqual({
          prevSeq: updates[0]?.seq,
          lastSeq: updates[2]?.seq,
          seqs: [updates[1]?.seq, updates[2]?.seq],
        });
      } finally {
        await Promise.all(opened.splice(0).map((s) => s.close()));
        await cutter.close();
      }
    },
  );

  it.each(['before', 'after'] as const)(
    'a status move whose connection is lost at COMMIT (%s it reaches the server) reports success once',
    async (when) => {
      const cutter = await startCommitCutter();
      try {
        const s = open(`copydesk_test_${schema}_cut`, cutter.url);
        await s.createStory(storyRecord('st1'), logged('u0'));
        const move: StatusChangeRecord = {
          storyId: 'st1',
          from: 'draft',
          to: 'in_review',
          userId: 'u_ana',
          at: T0,
        };
        const cut = cutter.cutNextCommit(when);
        expect(await workflow(s).set(move)).toBe(true);
        await cut;
        expect(await workflow(open()).list('st1')).toEqual([move]);
        expect((await s.getStory('st1'))?.status).toBe('in_review');
      } finally {
        await Promise.all(opened.splice(0).map((s) => s.close()));
        await cutter.close();
      }
    },
  );

  it.each(['before', 'after'] as const)(
    'a createStory whose connection is lost at COMMIT (%s it reaches the server) succeeds once',
    async (when) => {
      const cutter = await startCommitCutter();
      try {
        const s = open(`copydesk_test_${schema}_cut`, cutter.url);
        const cut = cutter.cutNextCommit(when);
        await s.createStory(storyRecord('st1'), logged('u0'));
        await cut;
        expect(await s.getStory('st1')).toEqual(storyRecord('st1'));
        const { updates } = await open().loadStoryState('st1');
        expect(updates.map((u) => dec(u.update))).toEqual(['u0']);
      } finally {
        await Promise.all(opened.splice(0).map((s) => s.close()));
        await cutter.close();
      }
    },
  );
});
