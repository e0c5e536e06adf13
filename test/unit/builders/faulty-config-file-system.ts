import type { Stats } from 'node:fs';
import { ConfigFileSystem, type ConfigFileHandle } from '../../../src/user-config/config-file.adapter';

export type ConfigFileStep =
  | 'readNoFollow'
  | 'lstat'
  | 'openExclusive'
  | 'fchmod'
  | 'write'
  | 'fchown'
  | 'fsync'
  | 'close'
  | 'rename'
  | 'fsyncDir'
  | 'unlink'
  | 'readdir'
  | 'mkdir'
  | 'link'
  | 'copyFile';

/** An errno error as fs raises it. */
export function errnoError(code: string, step: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault in ${step}`), { code, errno: -1, syscall: step });
}

/**
 * The real adapter, with a fault injectable at any one step, and a log of the steps taken.
 * A faulted `write` first writes half the bytes (a torn temp file, as a full disk leaves it); a faulted `close` closes
 * the descriptor first (close(2) releases it even when it reports an error); every other step fails before acting.
 */
export class FaultyConfigFileSystem extends ConfigFileSystem {
  readonly steps: ConfigFileStep[] = [];
  private readonly faults = new Map<ConfigFileStep, { code: string; skip: number }>();
  /** Runs before a step's work, for tests that hold a step open. */
  beforeStep: (step: ConfigFileStep, path: string) => Promise<void> = async () => undefined;

  /** Fail `step` with `code`, once, after letting `skip` calls of it through. */
  failAt(step: ConfigFileStep, code = 'EIO', skip = 0): this {
    this.faults.set(step, { code, skip });
    return this;
  }

  override async readNoFollow(path: string, maxBytes: number): Promise<Buffer | undefined> {
    await this.enter('readNoFollow', path);
    return super.readNoFollow(path, maxBytes);
  }

  override async lstat(path: string): Promise<Stats | undefined> {
    await this.enter('lstat', path);
    return super.lstat(path);
  }

  override async openExclusive(path: string, mode: number): Promise<ConfigFileHandle> {
    await this.enter('openExclusive', path);
    return super.openExclusive(path, mode);
  }

  override async fchmod(handle: ConfigFileHandle, mode: number): Promise<void> {
    await this.enter('fchmod');
    return super.fchmod(handle, mode);
  }

  override async write(handle: ConfigFileHandle, data: Buffer): Promise<void> {
    const fault = this.takeFault('write');
    await this.beforeStep('write', '');
    if (fault) {
      await super.write(handle, data.subarray(0, Math.floor(data.length / 2)));
      throw errnoError(fault, 'write');
    }
    return super.write(handle, data);
  }

  override async fchown(handle: ConfigFileHandle, uid: number, gid: number): Promise<void> {
    await this.enter('fchown');
    return super.fchown(handle, uid, gid);
  }

  override async fsync(handle: ConfigFileHandle): Promise<void> {
    await this.enter('fsync');
    return super.fsync(handle);
  }

  override async close(handle: ConfigFileHandle): Promise<void> {
    const fault = this.takeFault('close');
    await this.beforeStep('close', '');
    await super.close(handle);
    if (fault) throw errnoError(fault, 'close');
  }

  override async rename(from: string, to: string): Promise<void> {
    await this.enter('rename', to);
    return super.rename(from, to);
  }

  override async fsyncDir(dir: string): Promise<void> {
    await this.enter('fsyncDir', dir);
    return super.fsyncDir(dir);
  }

  override async unlink(path: string): Promise<void> {
    await this.enter('unlink', path);
    return super.unlink(path);
  }

  override async readdir(dir: string): Promise<string[]> {
    await this.enter('readdir', dir);
    return super.readdir(dir);
  }

  override async mkdir(path: string, mode: number): Promise<void> {
    await this.enter('mkdir', path);
    return super.mkdir(path, mode);
  }

  override async link(existing: string, newPath: string): Promise<void> {
    await this.enter('link', newPath);
    return super.link(existing, newPath);
  }

  override async copyFile(from: string, to: string): Promise<void> {
    await this.enter('copyFile', to);
    return super.copyFile(from, to);
  }

  private async enter(step: ConfigFileStep, path = ''): Promise<void> {
    const fault = this.takeFault(step);
    await this.beforeStep(step, path);
    if (fault) throw errnoError(fault, step);
  }

  private takeFault(step: ConfigFileStep): string | undefined {
    this.steps.push(step);
    const fault = this.faults.get(step);
    if (!fault) return undefined;
    if (fault.skip > 0) {
      fault.skip -= 1;
      return undefined;
    }
    this.faults.delete(step);
    return fault.code;
  }
}
