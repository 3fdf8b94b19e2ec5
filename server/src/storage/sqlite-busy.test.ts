import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSqliteBusy, SqliteWriteQueue } from './sqlite-busy';

/** Two real connections to one WAL file: `locker` plays the other process holding the lock. */
describe('SqliteWriteQueue', () => {
  let dir: string;
  let db: Database.Database;
  let locker: Database.Database;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-busy-'));
    const file = path.join(dir, 'db.sqlite');
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5');
    db.exec('CREATE TABLE t (n INTEGER)');
    locker = new Database(file);
    locker.pragma('busy_timeout = 0');
  });
  afterEach(() => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (n: number) => () => db.prepare('INSERT INTO t (n) VALUES (?)').run(n).changes;
  const rows = () =>
    (db.prepare('SELECT n FROM t ORDER BY rowid').all() as { n: number }[]).map((r) => r.n);

  it('writes at once when nothing holds the lock', async () => {
    const queue = new SqliteWriteQueue();
    const pending = queue.run(insert(1));
    // Synchronous fast path: stored before the caller even awaits.
    expect(rows()).toEqual([1]);
    await expect(pending).resolves.toBe(1);
  });

  it('waits for a held lock on a timer, keeps the order, and stores once the lock goes', async () => {
    const queue = new SqliteWriteQueue({ deadlineMs: 5_000, firstDelayMs: 5, maxDelayMs: 50 });
    locker.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    const first = queue.run(insert(1));
    const second = queue.run(insert(2));
    // The call returned after one short attempt instead of waiting out the lock.
    expect(performance.now() - started).toBeLessThan(100);
    expect(queue.waiting).toBe(2);
    // The event loop keeps turning while the writes wait.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(10);
    expect(rows()).toEqual([]);
    locker.exec('COMMIT');
    await expect(Promise.all([first, second])).resolves.toEqual([1, 1]);
    expect(rows()).toEqual([1, 2]);
    expect(queue.waiting).toBe(0);
    // Back to the synchronous path.
    void queue.run(insert(3));
    expect(rows()).toEqual([1, 2, 3]);
  });

  it('fails with SQLITE_BUSY once the deadline passes, and the next write succeeds', async () => {
    const queue = new SqliteWriteQueue({ deadlineMs: 200, firstDelayMs: 5, maxDelayMs: 50 });
    locker.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const error = await queue.run(insert(1)).catch((err: unknown) => err);
    expect(isSqliteBusy(error)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    locker.exec('ROLLBACK');
    await expect(queue.run(insert(2))).resolves.toBe(1);
    expect(rows()).toEqual([2]);
  });

  it('does not retry other errors', async () => {
    const queue = new SqliteWriteQueue();
    let attempts = 0;
    const error = await queue
      .run(() => {
        attempts++;
        return db.prepare('INSERT INTO missing (n) VALUES (1)').run();
      })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect(isSqliteBusy(error)).toBe(false);
    expect(attempts).toBe(1);
  });

  it('tells the checkpoint thread of each write that went through, once', async () => {
    let written = 0;
    const queue = new SqliteWriteQueue(
      { deadlineMs: 5_000, firstDelayMs: 5, maxDelayMs: 50 },
      () => {
        written++;
      },
    );
    await queue.run(insert(1));
    expect(written).toBe(1);
    // A write that waited for the lock counts once, when it is stored, not per attempt.
    locker.exec('BEGIN IMMEDIATE');
    const waiting = queue.run(insert(2));
    expect(written).toBe(1);
    locker.exec('COMMIT');
    await waiting;
    expect(written).toBe(2);
    // A write that failed wrote nothing.
    await queue.run(() => db.prepare('INSERT INTO missing (n) VALUES (1)').run()).catch(() => {});
    expect(written).toBe(2);
    expect(rows()).toEqual([1, 2]);
  });
});
