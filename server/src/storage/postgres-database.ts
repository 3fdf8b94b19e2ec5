import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger';
import { unpackSnapshotParts } from './snapshot-parts.mjs';
import type { Snapshot } from './storage';

export interface PostgresConnectionOptions {
  /** e.g. postgres://user:pass@host:5432/copydesk */
  connectionString: string;
  /**
   * Work in this schema only (sets search_path on every connection; migrate() creates it).
   * Tests use it to isolate themselves; production normally leaves it unset.
   */
  schema?: string;
  /** Shown in pg_stat_activity; default `copydesk`. */
  applicationName?: string;
  /** Pool size per instance; default 10. */
  poolSize?: number;
  /** How long to wait for a new connection before failing (readyz, requests); default 5 s. */
  connectionTimeoutMs?: number;
  logger?: Logger;
}

/** What a transaction body may do with its connection. */
export type Queryable = Pick<pg.PoolClient, 'query'>;
export type Param = string | number | boolean | null | Buffer | (string | number | Buffer)[];

export interface TransactionOptions {
  /**
   * The body, run again after a connection lost during COMMIT, first finds out whether its
   * previous attempt committed and does not repeat it. Without this, such a loss is thrown.
   */
  verifiableCommit?: boolean;
  /** One consistent snapshot for several reads (REPEATABLE READ, READ ONLY). */
  readOnlySnapshot?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * True when the error means "this connection is gone" (backend terminated, server
 * restarted, socket reset) rather than "the statement was refused".
 */
export const isConnectionError = (err: unknown): boolean => {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 08xxx connection_exception, 57P01 admin_shutdown, 57P02 crash_shutdown.
    if (code.startsWith('08') || code === '57P01' || code === '57P02') return true;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  }
  // node-postgres' own messages for a socket that closed under an established connection.
  return /Connection terminated unexpectedly|not queryable/i.test(err.message);
};

/**
 * A stable 64-bit key for pg_advisory_xact_lock, from a name: advisory locks are per
 * database, so keys include what they protect (and the schema, where it matters).
 */
export const advisoryLockKey = (...parts: string[]): string =>
  createHash('sha256')
    .update(['copydesk', ...parts].join('\u0000'))
    .digest()
    .readBigInt64BE(0)
    .toString();

/** Node-postgres returns int8 as a string; every int8 here (ms times, seqs) is < 2^53. */
/**
 * Compare-and-set of a per-story "read up to" row (`story_id`, `upto`): moves it from `fromUpto`
 * to `toUpto` and locks it for the rest of the transaction, so a concurrent mover waits and then
 * matches nothing. False when the row was not at `fromUpto` (another instance moved it).
 * `table` is one of ours, never user input.
 */
export const moveStoryCursor = async (
  client: Queryable,
  table: 'activity_cursors' | 'history_author_index',
  storyId: string,
  fromUpto: number,
  toUpto: number,
): Promise<boolean> => {
  const moved =
    fromUpto === 0
      ? // No row means 0; a row may also exist at 0. The insert waits for a concurrent
        // one and then sees the conflict, so only one of two racers gets a row back.
        await client.query(
          `INSERT INTO ${table} (story_id, upto) VALUES ($1, $2)
           ON CONFLICT (story_id) DO UPDATE SET upto = excluded.upto
           WHERE ${table}.upto = 0
           RETURNING upto`,
          [storyId, toUpto],
        )
      : await client.query(`UPDATE ${table} SET upto = $2 WHERE story_id = $1 AND upto = $3`, [
          storyId,
          toUpto,
          fromUpto,
        ]);
  return moved.rowCount === 1;
};

export const int = (value: string | number): number => Number(value);

export const bytes = (b: Buffer): Uint8Array =>
  new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
export const buffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A row of `snapshots` as read (SELECT upto, data, parts). */
export interface SnapshotRow {
  upto: string;
  data: Buffer;
  parts: number;
}

export const toSnapshot = (row: SnapshotRow): Snapshot => ({
  upto: int(row.upto),
  parts: unpackSnapshotParts(bytes(row.data), row.parts),
});

/**
 * The pool and the retry rules shared by PostgresStorage and its sub-stores (history,
 * activity, comments).
 *
 * A statement is retried only when its connection broke, never on a SQL error. Each failed
 * attempt drops one dead connection, so pool size + 1 attempts always reach a fresh one after
 * a mass disconnect (pg_terminate_backend, failover); a database that is down fails at
 * connect, which is not retried.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  readonly logger: Logger | undefined;
  private readonly attempts: number;

  constructor(options: PostgresConnectionOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(options.schema)}: use [a-z0-9_]`);
    }
    this.schema = options.schema;
    this.logger = options.logger;
    const poolSize = options.poolSize ?? 10;
    this.attempts = poolSize + 1;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      application_name: options.applicationName ?? 'copydesk',
      max: poolSize,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // Our transactions never wait on the client; one left open by a vanished client
      // (network partition) must not hold a story's lock for long.
      idle_in_transaction_session_timeout: 60_000,
      // The name is validated above, so it needs no quoting in the startup options.
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // A connection that dies while idle, or while checked out between two statements,
    // emits 'error'; unhandled, that would crash the process. The pool drops such
    // connections and opens new ones on demand, so logging is all there is to do.
    this.pool.on('error', this.onConnectionError);
    this.pool.on('connect', (client) => client.on('error', this.onConnectionError));
  }

  private readonly onConnectionError = (err: Error): void => {
    this.logger?.warn({ err }, 'postgres connection lost; the pool will reconnect');
  };

  /**
   * One statement outside a transaction. `retry` only for statements that are safe to run
   * twice (reads and idempotent writes): a connection that broke mid-statement leaves it
   * unknown whether the statement took effect.
   */
  async query<R extends pg.QueryResultRow>(
    sql: string,
    params: Param[],
    retry: boolean,
  ): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.query<R>(sql, params);
      } catch (err) {
        if (!retry || attempt >= this.attempts || !isConnectionError(err)) throw err;
      }
    }
  }

  /**
   * Runs `fn` in a transaction on one pooled connection. If the connection breaks before
   * COMMIT is sent, the server has rolled the transaction back, so it is retried on a fresh
   * connection (this is what makes the pool recover transparently from a stale connection
   * whose backend was terminated). If it breaks during COMMIT, the outcome is unknown: the
   * error is thrown, unless the transaction is read-only or `verifiableCommit`.
   */
  async transaction<T>(
    fn: (client: Queryable) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const begin = options.readOnlySnapshot
      ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'
      : 'BEGIN';
    const retryCommit = options.verifiableCommit === true || options.readOnlySnapshot === true;
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let committing = false;
      try {
        await client.query(begin);
        const result = await fn(client);
        committing = true;
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (err) {
        await this.rollbackAndRelease(client, err);
        const retry =
          isConnectionError(err) && attempt < this.attempts && (!committing || retryCommit);
        if (!retry) throw err;
      }
    }
  }

  private async rollbackAndRelease(client: pg.PoolClient, err: unknown): Promise<void> {
    if (isConnectionError(err)) {
      client.release(true); // destroy: never hand a broken connection out again
      return;
    }
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackErr) {
      client.release(rollbackErr instanceof Error ? rollbackErr : true);
    }
  }

  async end(): Promise<void> {
    if (!this.pool.ended && !this.pool.ending) await this.pool.end();
  }
}
