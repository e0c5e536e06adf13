import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { Clock } from '../clock/clock';
import { AgentError } from '../errors/agent-error';
import {
  BACKUP_DIR_MODE,
  DEFAULT_BACKUP_RETENTION,
  backupFileName,
  backupsBeyondRetention,
  backupsOf,
  formatBackupStamp,
  nextBackupSeq,
  type BackupName,
} from './config-backups';
import { ConfigFileSystem, errnoCode } from './config-file.adapter';
import { resolveBackupPath, resolveTarget, targetBackupDir, type ResolvedTarget } from './config-target';
import { KeyedMutex } from './keyed-mutex';

export type { ConfigTarget } from './config-target';
import type { ConfigTarget } from './config-target';

export interface WriteResult {
  readonly path: string;
  /** The backup of the replaced file; '' when none was taken (no old file, backup not asked for, or no change). */
  readonly backupPath: string;
  readonly changed: boolean;
}

export interface ConfigFileWriterOptions {
  /** Backups kept per file; the oldest beyond this are deleted after each backed-up write. */
  readonly backupRetention: number;
}

export const CONFIG_FILE_WRITER_OPTIONS = Symbol('CONFIG_FILE_WRITER_OPTIONS');
/** ocserv.conf with every comment is ~40 KB; per-user files are a few hundred bytes. */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
/** link(2) EEXIST retries: only another writer outside this process can take a name the directory listing said was free. */
const BACKUP_NAME_ATTEMPTS = 16;
/** Errors that say the directory refuses writes, which an operator fixes (mount, permissions, space). */
const NOT_WRITABLE_CODES = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT']);

/**
 * Replaces ocserv config files so that a reader (ocserv at every session open) sees the old file or the new one, never
 * a mix: temp file in the same directory, fsync, rename, fsync the directory. Writes to one path are serialized, writes
 * to different paths run in parallel. A symlink or other non-regular file at the path is refused, never followed.
 */
@Injectable()
export class ConfigFileWriter {
  private readonly logger = new Logger(ConfigFileWriter.name);
  private readonly mutex = new KeyedMutex();
  private readonly backupRetention: number;

  constructor(
    private readonly fs: ConfigFileSystem,
    private readonly clock: Clock,
    @Optional() @Inject(CONFIG_FILE_WRITER_OPTIONS) options?: ConfigFileWriterOptions,
  ) {
    this.backupRetention = options?.backupRetention ?? DEFAULT_BACKUP_RETENTION;
    if (!Number.isInteger(this.backupRetention) || this.backupRetention < 1) {
      throw new Error(`backup retention must be an integer >= 1, got ${String(this.backupRetention)}`);
    }
  }

  async write(target: ConfigTarget, content: string, options: { backup: boolean }): Promise<WriteResult> {
    const resolved = resolveTarget(target);
    const data = Buffer.from(content, 'utf8');
    if (data.length > CONFIG_FILE_MAX_BYTES) {
      throw AgentError.invalidArgument(`config for ${target.name} is ${data.length} bytes, over the limit of ${CONFIG_FILE_MAX_BYTES}`);
    }
    return this.mutex.run(resolved.path, () => this.replace(target, resolved, data, options.backup));
  }

  /** Puts a named backup of this file back in place, by the same atomic steps. Takes no backup itself, so it is idempotent. */
  async restore(target: ConfigTarget, backupPath: string): Promise<WriteResult> {
    const resolved = resolveTarget(target);
    const backup = resolveBackupPath(target, backupPath);
    return this.mutex.run(resolved.path, async () => this.replace(target, resolved, await this.readBackup(target, backup), false));
  }

  /** Rolls back to the newest backup of this file. */
  async restorePrevious(target: ConfigTarget): Promise<WriteResult> {
    const resolved = resolveTarget(target);
    return this.mutex.run(resolved.path, async () => {
      const newest = (await this.backupsOf(target)).at(-1);
      if (!newest) throw AgentError.failedPrecondition(`there is no backup of ${resolved.path} to restore`);
      const content = await this.readBackup(target, join(targetBackupDir(target), newest.fileName));
      return this.replace(target, resolved, content, false);
    });
  }

  /**
   * Read-modify-write under the file's lock: `transform` gets the current text (undefined when
   * there is no file) and returns the new one, so concurrent edits of one file never lose each
   * other. A throw from `transform` changes nothing.
   */
  async update(target: ConfigTarget, transform: (current: string | undefined) => string, options: { backup: boolean }): Promise<WriteResult> {
    const resolved = resolveTarget(target);
    return this.mutex.run(resolved.path, async () => {
      const bytes = await this.translated(target, 'read', () => this.fs.readNoFollow(resolved.path, CONFIG_FILE_MAX_BYTES));
      const data = Buffer.from(transform(bytes === undefined ? undefined : decodeUtf8(resolved.path, bytes)), 'utf8');
      if (data.length > CONFIG_FILE_MAX_BYTES) {
        throw AgentError.invalidArgument(`config for ${target.name} is ${data.length} bytes, over the limit of ${CONFIG_FILE_MAX_BYTES}`);
      }
      // The bytes just read under this lock are the current file: replace() need not read them again.
      return this.replace(target, resolved, data, options.backup, bytes ?? null);
    });
  }

  /** `<dir>/<name>` once the name has passed the writer's own checks. */
  pathOf(target: ConfigTarget): string {
    return resolveTarget(target).path;
  }

  /** read() with the file's modification time (GetUserConfig's updated_at). */
  async readStored(target: ConfigTarget): Promise<{ readonly text: string; readonly modifiedAtMs: number } | undefined> {
    const { path } = resolveTarget(target);
    const text = await this.read(target);
    if (text === undefined) return undefined;
    const info = await this.translated(target, 'read', () => this.fs.lstat(path));
    return { text, modifiedAtMs: info?.mtimeMs ?? this.clock.nowMs() };
  }

  /** The file's text; undefined when there is none. Refuses a symlink, a non-regular file, or bytes that are not UTF-8. */
  async read(target: ConfigTarget): Promise<string | undefined> {
    const { path } = resolveTarget(target);
    const bytes = await this.translated(target, 'read', () => this.fs.readNoFollow(path, CONFIG_FILE_MAX_BYTES));
    return bytes === undefined ? undefined : decodeUtf8(path, bytes);
  }

  /** Absolute paths of this file's backups, oldest first. */
  async listBackups(target: ConfigTarget): Promise<string[]> {
    resolveTarget(target);
    const dir = targetBackupDir(target);
    return (await this.backupsOf(target)).map((backup) => join(dir, backup.fileName));
  }

  /** `knownCurrent`: the file's bytes already read under the lock (null: no file), or undefined to read them here. */
  private async replace(target: ConfigTarget, { dir, path }: ResolvedTarget, data: Buffer, backup: boolean, knownCurrent?: Buffer | null): Promise<WriteResult> {
    return this.translated(target, 'write', async () => {
      const existing = await this.fs.lstat(path);
      if (existing) refuseNonRegular(path, existing, 'write through it');
      // A hand-written file over the limit cannot equal new content (which is within it) and is still backed up by link.
      const comparable = existing !== undefined && existing.size <= CONFIG_FILE_MAX_BYTES;
      const current = !comparable ? undefined : knownCurrent !== undefined ? (knownCurrent ?? undefined) : await this.fs.readNoFollow(path, CONFIG_FILE_MAX_BYTES);
      if (current?.equals(data) && existing && hasTargetOwnership(existing, target)) return { path, backupPath: '', changed: false };

      const tempPath = join(dir, `.${target.name}.${randomBytes(8).toString('hex')}.tmp`);
      let backupPath = '';
      await this.writeTemp(tempPath, data, target);
      try {
        if (backup && existing) backupPath = await this.createBackup(target, path);
        await this.fs.rename(tempPath, path);
      } catch (error) {
        await this.discard(tempPath);
        if (backupPath) await this.discard(backupPath);
        throw error;
      }
      try {
        await this.fs.fsyncDir(dir);
      } catch (error) {
        const code = errnoCode(error) ?? 'unknown error';
        throw AgentError.unavailable(`${path} was replaced but ${dir} could not be synced to disk (${code})`, { cause: error });
      }
      if (backupPath) await this.pruneBackups(target);
      return { path, backupPath, changed: true };
    });
  }

  /** A complete, synced temp file, or no temp file at all. */
  private async writeTemp(tempPath: string, data: Buffer, target: ConfigTarget): Promise<void> {
    const handle = await this.fs.openExclusive(tempPath, target.mode);
    let open = true;
    try {
      await this.fs.fchmod(handle, target.mode);
      await this.fs.write(handle, data);
      if (target.uid !== undefined || target.gid !== undefined) await this.fs.fchown(handle, target.uid ?? -1, target.gid ?? -1);
      await this.fs.fsync(handle);
      open = false;
      // close(2) releases the descriptor even when it reports an error, so it is not closed a second time below.
      await this.fs.close(handle);
    } catch (error) {
      if (open) await this.fs.close(handle).catch(() => undefined);
      await this.discard(tempPath);
      throw error;
    }
  }

  /** A hard link to the current file under `.backups`, named uniquely; link(2) never replaces an existing backup. */
  private async createBackup(target: ConfigTarget, path: string): Promise<string> {
    const dir = await this.backupDirectory(target);
    const stamp = formatBackupStamp(this.clock.nowMs());
    let seq = nextBackupSeq(backupsOf(target.name, await this.fs.readdir(dir)), stamp);
    for (let attempt = 0; attempt < BACKUP_NAME_ATTEMPTS; attempt += 1, seq += 1) {
      const backupPath = join(dir, backupFileName(target.name, stamp, seq));
      try {
        await this.linkOrCopy(path, backupPath);
        return backupPath;
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error;
      }
    }
    throw AgentError.unavailable(`no free backup name for ${path} in ${dir} after ${BACKUP_NAME_ATTEMPTS} attempts`);
  }

  private async linkOrCopy(path: string, backupPath: string): Promise<void> {
    try {
      await this.fs.link(path, backupPath);
    } catch (error) {
      if (errnoCode(error) !== 'EXDEV') throw error;
      await this.fs.copyFile(path, backupPath);
    }
  }

  /** `.backups`, created owner-only; refused when something other than a real directory sits there. */
  private async backupDirectory(target: ConfigTarget): Promise<string> {
    const dir = targetBackupDir(target);
    await this.fs.mkdir(dir, BACKUP_DIR_MODE);
    await this.assertBackupDirectory(dir);
    return dir;
  }

  private async assertBackupDirectory(dir: string): Promise<boolean> {
    const info = await this.fs.lstat(dir);
    if (!info) return false;
    if (info.isSymbolicLink()) throw AgentError.failedPrecondition(`backup dir ${dir} is a symbolic link; refusing to follow it`);
    if (!info.isDirectory()) throw AgentError.failedPrecondition(`backup dir ${dir} is not a directory`);
    return true;
  }

  private async backupsOf(target: ConfigTarget): Promise<BackupName[]> {
    return this.translated(target, 'read', async () => {
      const dir = targetBackupDir(target);
      if (!(await this.assertBackupDirectory(dir))) return [];
      return backupsOf(target.name, await this.fs.readdir(dir));
    });
  }

  private async readBackup(target: ConfigTarget, backupPath: string): Promise<Buffer> {
    return this.translated(target, 'read', async () => {
      await this.assertBackupDirectory(targetBackupDir(target));
      const bytes = await this.fs.readNoFollow(backupPath, CONFIG_FILE_MAX_BYTES);
      if (bytes === undefined) throw AgentError.notFound(`backup ${backupPath} does not exist`);
      return bytes;
    });
  }

  /** The write already succeeded; a backup left over is only disk space, so it is logged rather than failing the write. */
  private async pruneBackups(target: ConfigTarget): Promise<void> {
    const dir = targetBackupDir(target);
    try {
      const backups = backupsOf(target.name, await this.fs.readdir(dir));
      for (const old of backupsBeyondRetention(backups, this.backupRetention)) {
        await this.fs.unlink(join(dir, old.fileName));
      }
    } catch (error) {
      this.logger.warn(`could not delete old backups of ${target.name} in ${dir}: ${errnoCode(error) ?? String(error)}`);
    }
  }

  /** Best effort on a failure path: the original error is the one the caller needs. */
  private async discard(path: string): Promise<void> {
    try {
      await this.fs.unlink(path);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') this.logger.warn(`could not remove ${path}: ${errnoCode(error) ?? String(error)}`);
    }
  }

  private async translated<T>(target: ConfigTarget, action: 'read' | 'write', step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw toAgentError(error, target.dir, action);
    }
  }
}

function toAgentError(error: unknown, dir: string, action: 'read' | 'write'): AgentError {
  if (error instanceof AgentError) return error;
  const code = errnoCode(error) ?? 'unknown error';
  if (action === 'write' && NOT_WRITABLE_CODES.has(code)) {
    return AgentError.failedPrecondition(`config dir ${dir} is not writable (${code})`);
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') return AgentError.failedPrecondition(`config dir ${dir} does not exist (${code})`);
  if (action === 'read' && (code === 'EACCES' || code === 'EPERM')) {
    return AgentError.failedPrecondition(`config dir ${dir} is not readable (${code})`);
  }
  return AgentError.unavailable(`could not ${action} config in ${dir} (${code})`, { cause: error });
}

function refuseNonRegular(path: string, info: Stats, refusing: string): void {
  if (info.isSymbolicLink()) throw AgentError.failedPrecondition(`${path} is a symbolic link; refusing to ${refusing}`);
  if (!info.isFile()) throw AgentError.failedPrecondition(`${path} is not a regular file`);
}

/** Equal bytes with a wrong mode or owner still get rewritten: the operator's configured mode/owner is part of the file. */
function hasTargetOwnership(info: Stats, target: ConfigTarget): boolean {
  return (
    (info.mode & 0o7777) === target.mode &&
    (target.uid === undefined || info.uid === target.uid) &&
    (target.gid === undefined || info.gid === target.gid)
  );
}

function decodeUtf8(path: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw AgentError.failedPrecondition(`${path} is not valid UTF-8`);
  }
}
