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
import { ensureOutboxSchema } from './outbox-schema';

export type OutboxSynchronous = 'normal' | 'full';

export interface OutboxFileOptions {
  readonly path: string;
  readonly synchronous: OutboxSynchronous;
}

/** SQLite's own verdict that the bytes are not a usable database (as opposed to a permission or disk problem). */
const UNREADABLE_DATABASE_CODE = /^SQLITE_(CORRUPT|NOTADB)/;

/** The -wal and -shm files travel with the database: SQLite finds them by appending these to its name. */
const COMPANION_SUFFIXES = ['', '-wal', '-shm'] as const;

class UnusableDatabase extends Error {
  constructor(
    readonly reason: string,
    readonly suffix: string,
  ) {
    super(reason);
  }
}

/**
 * Opens (creating when absent) the outbox database at `path`, configured and at our schema.
 * A file SQLite refuses (corrupt, not a database) or that is not an outbox is renamed aside with
 * its -wal/-shm and a fresh one created: losing undelivered events beats an agent that cannot
 * start and so cannot answer logins. Problems an operator must fix (no directory, no permission)
 * throw an OutboxOpenError naming the path and events.outbox_path.
 */
export function openOutboxDatabase(options: OutboxFileOptions, logger: LoggerService): Database.Database {
  assertDirectoryExists(options.path);
  try {
    return openConfigured(options);
  } catch (error) {
    if (!(error instanceof UnusableDatabase)) throw asOpenError(options.path, error);
    let asidePath: string;
    try {
      asidePath = moveAside(options.path, error.suffix);
    } catch (moveError) {
      throw asOpenError(options.path, new Error(`${error.reason}; moving it aside failed: ${(moveError as Error).message}`));
    }
    logger.error({
      msg: 'event outbox unusable, moved aside and started empty (its undelivered events are not sent)',
      path: options.path,
      moved_to: asidePath,
      reason: error.reason,
    });
  }
  try {
    return openConfigured(options);
  } catch (error) {
    throw asOpenError(options.path, error instanceof UnusableDatabase ? new Error(error.reason) : error);
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
        ? `${OUTBOX_PATH_CONFIG_KEY}: the directory ${directory} of ${path} does not exist; create it (writable by the agent) or set ${OUTBOX_PATH_CONFIG_KEY} to a path in an existing directory`
        : `${OUTBOX_PATH_CONFIG_KEY}: cannot inspect the directory ${directory} of ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!isDirectory) {
    throw new OutboxOpenError(`${OUTBOX_PATH_CONFIG_KEY}: ${directory} (the directory of ${path}) is not a directory`);
  }
}

function openConfigured(options: OutboxFileOptions): Database.Database {
  // Created here rather than by SQLite so the mode is ours; SQLite gives -wal and -shm the mode of this file.
  closeSync(openSync(options.path, 'a', OUTBOX_FILE_MODE));
  let db: Database.Database | undefined;
  try {
    db = new Database(options.path, { fileMustExist: true });
    db.pragma(`busy_timeout = ${OUTBOX_BUSY_TIMEOUT_MS}`);
    // The first statement that reads the header: a garbage file fails here with SQLITE_NOTADB.
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
    const refusal = ensureOutboxSchema(db);
    if (refusal !== undefined) throw new UnusableDatabase(refusal.reason, refusal.suffix);
    return db;
  } catch (error) {
    if (db !== undefined) closeQuietly(db);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && UNREADABLE_DATABASE_CODE.test(code)) {
      throw new UnusableDatabase(`${code}: ${(error as Error).message}`, 'corrupt');
    }
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
