import type Database from 'better-sqlite3';
import type { SqliteWriteQueue } from './sqlite-busy';

/** Prepared statements compiled once per database: appends run on every keystroke. */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * A part of the SQLite storage (history, activity, comments) sharing its connection, cache and
 * write queue.
 */
export abstract class SqliteSubStore {
  constructor(
    protected readonly db: Database.Database,
    private readonly statements: StatementCache,
    private readonly writes: SqliteWriteQueue,
  ) {}

  protected stmt(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** Every write goes through the shared queue: see sqlite-busy.ts. */
  protected write<T>(fn: () => T): Promise<T> {
    return this.writes.run(fn);
  }
}
