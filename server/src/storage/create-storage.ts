import path from 'node:path';
import type { Logger } from '../logger';
import { PostgresStorage } from './postgres-storage';
import { SqliteStorage } from './sqlite-storage';
import type { Storage } from './storage';

export interface CreateStorageOptions {
  /** Where the embedded SQLite file lives when no database URL is given. */
  dataDir: string;
  /** DATABASE_URL: PostgreSQL when set (required for several instances). */
  databaseUrl?: string;
  /** PostgreSQL only: keep every table in this schema (search_path). */
  schema?: string;
  logger?: Logger;
  /** SQLite only: a WAL checkpoint in its own thread after this many commits (0: inline). */
  sqliteCheckpointEveryCommits?: number;
}

/** PostgreSQL when a database URL is given, else SQLite at `<dataDir>/copydesk.sqlite`. */
export const createStorage = (options: CreateStorageOptions): Storage =>
  options.databaseUrl
    ? new PostgresStorage({
        connectionString: options.databaseUrl,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : new SqliteStorage({
        file: path.join(options.dataDir, 'copydesk.sqlite'),
        logger: options.logger,
        checkpointEveryCommits: options.sqliteCheckpointEveryCommits,
      });
