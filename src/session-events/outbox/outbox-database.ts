import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import {
  OUTBOX_BUSY_TIMEOUT_MS,
  OUTBOX_FALLBACK_AUTOCHECKPOINT_PAGES,
  OUTBOX_FILE_MODE,
  OUTBOX_JOURNAL_SIZE_LIMIT_BYTES,
  OUTBOX_PATH_CONFIG_KEY,
} from './outbox-limits.constant';
import { OutboxOpenError } from './outbox-open.error';
import { createOutboxSchema, outboxSchemaRefusal } from './outbox-schema';

export type OutboxSynchronous = 'normal' | 'full';

export interface OutboxFileOptions {
  readonly path: string;
  readonly synchronous: OutboxSynchronous;
}

export interface OpenedOutbox<T> {
  readonly db: Database.Database;
  /** What `load` read; it runs inside the corruption handling, so a damaged table found by it moves the file aside too. */
  readonly loaded: T;
}

/** SQLite's own verdict that the bytes are not a usable database (as opposed to a permission or disk problem). */
const UNREADABLE_DATABASE_CODE = /^SQLITE_(CORRUPT|NOTADB)/;

/** The -wal and -shm files travel with the database: SQLite finds them by appending these to its name. */
const COMPANION_SUFFIXES = ['', '-wal', '-shm'] as const;

/** Carries the still-open connection: closing it before the move would delete the -wal and -shm we keep. */
class UnusableDatabase extends Error {
  constructor(
    readonly reason: string,
    readonly suffix: string,
    readonly db: Database.Database | undefined,
  ) {
    super(reason);
  }
}

/**
 * Opens (creating when absent) the outbox database at `path`, configured and at our schema.
 * A file SQLite refuses (corrupt, not a database) or that is not an outbox is renamed aside with
 * its -wal/-shm and a fresh one created: losing undelivered events beats an agent that cannot
 * start and so cannot answer logins. Problems an operator must fix (no directory, no permission)
 * throw an OutboxOpenError naming the path and events.outbox_path. `load` reads what the caller
 * needs at start (it should touch every table, so damage shows now rather than on a login).
 */
export function openOutboxDatabase<T>(
  options: OutboxFileOptions,
  logger: LoggerService,
  load: (db: Database.Database) => T,
): OpenedOutbox<T> {
  assertDirectoryExists(options.path);
  try {
    return openConfigured(options, load);
  } catch (error) {
    if (!(error instanceof UnusableDatabase)) throw asOpenError(options.path, error);
    let asidePath: string;
    try {
      asidePath = moveAside(options.path, error.suffix);
    } catch (moveError) {
      throw asOpenError(options.path, new Error(`${error.reason}; moving it aside failed: ${(moveError as Error).message}`));
    } finally {
      // Renamed files stay open under their new names: whatever SQLite does on close happens to the copy aside.
      if (error.db !== undefined) closeQuietly(error.db);
    }
    logger.error({
      msg: 'event outbox unusable, moved aside and started empty (its undelivered events are not sent)',
      path: options.path,
      moved_to: asidePath,
      reason: error.reason,
    });
  }
  try {
    return openConfigured(options, load);
  } catch (error) {
    if (!(error instanceof UnusableDatabase)) throw asOpenError(options.path, error);
    if (error.db !== undefined) closeQuietly(error.db);
    throw asOpenError(options.path, new Error(error.reason));
  }
}

function assertDirectoryExists(path: string): void {
  const directory = dirname(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OutboxOpenError(
      code === 'ENOENT'
        ? `${OUTBOX_PATH_CONFIG_KEY}: the directory ${directory} of ${path} does not exist; ` +
            `create it (writable by the agent) or set ${OUTBOX_PATH_CONFIG_KEY} to a path in an existing directory`
        : `${OUTBOX_PATH_CONFIG_KEY}: cannot inspect the directory ${directory} of ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!isDirectory) {
    throw new OutboxOpenError(`${OUTBOX_PATH_CONFIG_KEY}: ${directory} (the directory of ${path}) is not a directory`);
  }
}

function openConfigured<T>(options: OutboxFileOptions, load: (db: Database.Database) => T): OpenedOutbox<T> {
  // Created here rather than by SQLite so the mode is ours; SQLite gives -wal and -shm the mode of this file.
  closeSync(openSync(options.path, 'a', OUTBOX_FILE_MODE));
  let db: Database.Database | undefined;
  try {
    db = new Database(options.path, { fileMustExist: true });
    db.pragma(`busy_timeout = ${OUTBOX_BUSY_TIMEOUT_MS}`);
    // The first read of the header: a garbage file fails here with SQLITE_NOTADB. Checked before
    // any pragma below rewrites the header of a file that may not be ours.
    const refusal = outboxSchemaRefusal(db);
    if (refusal !== undefined) throw new UnusableDatabase(refusal.reason, refusal.suffix, db);
    const journalMode = db.pragma('journal_mode = WAL', { simple: true });
    if (journalMode !== 'wal') throw new Error(`SQLite kept journal_mode ${String(journalMode)} instead of wal`);
    // WAL + NORMAL: a commit is in the WAL (the OS page cache) when it returns, which survives the
    // process dying at any instant (kill -9), not a power loss or kernel crash: that needs FULL
    // (an fsync of the WAL per commit). On open SQLite replays the WAL up to the last frame whose
    // checksum holds, so a torn last write rolls back to the previous commit.
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`journal_size_limit = ${OUTBOX_JOURNAL_SIZE_LIMIT_BYTES}`);
    // Checkpoints normally run on OutboxCheckpointer's thread; this is the bound if it does not.
    db.pragma(`wal_autocheckpoint = ${OUTBOX_FALLBACK_AUTOCHECKPOINT_PAGES}`);
    createOutboxSchema(db);
    return { db, loaded: load(db) };
  } catch (error) {
    if (error instanceof UnusableDatabase) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && UNREADABLE_DATABASE_CODE.test(code)) {
      throw new UnusableDatabase(`${code}: ${(error as Error).message}`, 'corrupt', db);
    }
    if (db !== undefined) closeQuietly(db);
    throw error;
  }
}

function moveAside(path: string, suffix: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const asidePath = `${path}.${suffix}-${stamp}`;
  for (const companion of COMPANION_SUFFIXES) {
    if (existsSync(path + companion)) renameSync(path + companion, asidePath + companion);
  }
  return asidePath;
}

function asOpenError(path: string, error: unknown): OutboxOpenError {
  if (error instanceof OutboxOpenError) return error;
  return new OutboxOpenError(`${OUTBOX_PATH_CONFIG_KEY}: cannot open the event outbox ${path}: ${(error as Error).message}`, {
    cause: error,
  });
}

function closeQuietly(db: Database.Database): void {
  try {
    db.close();
  } catch {
    // Already unusable; the caller reports the error that got us here.
  }
}
