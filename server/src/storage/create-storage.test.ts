import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage';
import type { Storage } from './storage';

const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('createStorage', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const track = (storage: Storage): Storage => {
    cleanups.push(() => storage.close());
    return storage;
  };

  it('is SQLite at <dataDir>/copydesk.sqlite without a database URL', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-create-storage-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    for (const databaseUrl of [undefined, '']) {
      const storage = track(createStorage({ dataDir, databaseUrl }));
      expect(storage.kind).toBe('sqlite');
      await storage.migrate();
    }
    expect(fs.existsSync(path.join(dataDir, 'copydesk.sqlite'))).toBe(true);
  });

  it('is PostgreSQL when a database URL is given, in the given schema', async () => {
    const dataDir = path.join(os.tmpdir(), 'copydesk-never-created');
    const schema = `copydesk_test_${process.pid}_${randomBytes(3).toString('hex')}_cs`;
    cleanups.push(async () => {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const storage = track(createStorage({ dataDir, databaseUrl: TEST_DATABASE_URL, schema }));
    expect(storage.kind).toBe('postgres');
    await storage.migrate();
    await storage.ping();
    expect(await storage.countAccounts()).toBe(0);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
