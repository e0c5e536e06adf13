import { Injectable } from '@nestjs/common';
import { constants, type Stats } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { AgentError } from '../errors/agent-error';

export type ConfigFileHandle = FileHandle;

/**
 * The only place in user-config that touches `fs`. Each method is one syscall-sized step so a test can subclass this
 * and fail any single step; errno errors leave here unchanged (the writer decides what they mean to the caller), except
 * where a method's contract says otherwise.
 */
@Injectable()
export class ConfigFileSystem {
  /**
   * The file's bytes without following a symlink at `path`; undefined when there is no file. O_NONBLOCK keeps a FIFO
   * planted at the path from blocking the open; fstat on the opened descriptor (not the path) decides what it is.
   */
  async readNoFollow(path: string, maxBytes: number): Promise<Buffer | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw AgentError.failedPrecondition(`${path} is a symbolic link; refusing to follow it`);
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw AgentError.failedPrecondition(`${path} is not a regular file`);
      if (info.size > maxBytes) throw tooLarge(path, maxBytes);
      // Read one byte past the limit: the size from fstat can grow while we read.
      const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > maxBytes) throw tooLarge(path, maxBytes);
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  /** lstat(2): what is at `path` itself, never a symlink's target; undefined when nothing is. */
  async lstat(path: string): Promise<Stats | undefined> {
    try {
      return await lstat(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A new file that did not exist and is not reached through a symlink. */
  async openExclusive(path: string, mode: number): Promise<ConfigFileHandle> {
    return open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  }

  /** open(2) applies the umask to the mode; fchmod sets exactly the mode the operator configured. */
  async fchmod(handle: ConfigFileHandle, mode: number): Promise<void> {
    await handle.chmod(mode);
  }

  async write(handle: ConfigFileHandle, data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await handle.write(data, offset, data.length - offset, offset);
      offset += bytesWritten;
    }
  }

  /** -1 leaves that id unchanged (fchown(2) semantics). */
  async fchown(handle: ConfigFileHandle, uid: number, gid: number): Promise<void> {
    await handle.chown(uid, gid);
  }

  async fsync(handle: ConfigFileHandle): Promise<void> {
    await handle.sync();
  }

  async close(handle: ConfigFileHandle): Promise<void> {
    await handle.close();
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  /** Makes a rename in `dir` durable: without it a crash can bring back the old directory entry. */
  async fsyncDir(dir: string): Promise<void> {
    const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async unlink(path: string): Promise<void> {
    await unlink(path);
  }

  async readdir(dir: string): Promise<string[]> {
    return readdir(dir);
  }

  /** mkdir(2); an existing entry is not an error here, the caller lstats what is there. */
  async mkdir(path: string, mode: number): Promise<void> {
    try {
      await mkdir(path, { mode });
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
  }

  /** link(2): a backup that shares the current file's inode, so it costs no copy. Fails with EEXIST, never replaces. */
  async link(existing: string, newPath: string): Promise<void> {
    await link(existing, newPath);
  }

  /** For a backup directory on another filesystem (EXDEV from link); COPYFILE_EXCL keeps the never-replace rule. */
  async copyFile(from: string, to: string): Promise<void> {
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function tooLarge(path: string, maxBytes: number): AgentError {
  return AgentError.failedPrecondition(`${path} is larger than ${maxBytes} bytes`);
}
