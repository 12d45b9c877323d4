/** What the query modules share: the connection, the file's path for messages, and the clock. */
import type Database from 'better-sqlite3';

export interface DbContext {
  readonly db: Database.Database;
  /** Absolute path of the DB file (or `:memory:`), for error messages. */
  readonly path: string;
  /** The current time as ISO-8601 (injectable for tests). */
  now(): string;
}
