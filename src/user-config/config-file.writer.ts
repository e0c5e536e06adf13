import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../errors/agent-error';

/*
 * PLACEHOLDER for branch issue10-c only: the real ConfigFileWriter (ConfigFileSystem
 * adapter, O_NOFOLLOW, fault-injectable steps, keyed mutex, retention) is Part B
 * (branch issue10-b) and replaces this file on merge. Same API as the design doc,
 * so main-config.service.ts codes against it unchanged.
 */

export interface ConfigTarget {
  readonly dir: string;
  readonly name: string;
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface WriteResult {
  readonly path: string;
  /** '' when none was made. */
  readonly backupPath: string;
  readonly changed: boolean;
}

let sequence = 0;

@Injectable()
export class ConfigFileWriter {
  async read(target: ConfigTarget): Promise<string | undefined> {
    try {
      return await readFile(join(target.dir, target.name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw AgentError.failedPrecondition(`cannot read ${join(target.dir, target.name)} (${(error as NodeJS.ErrnoException).code})`);
    }
  }

  async write(target: ConfigTarget, content: string, options: { backup: boolean }): Promise<WriteResult> {
    const path = join(target.dir, target.name);
    const current = await this.read(target);
    if (current === content) return { path, backupPath: '', changed: false };
    let backupPath = '';
    if (options.backup && current !== undefined) {
      const backups = join(target.dir, '.backups');
      await mkdir(backups, { recursive: true, mode: 0o700 });
      sequence += 1;
      backupPath = join(backups, `${target.name}.${new Date().toISOString().replace(/[-:]/g, '')}.${sequence}`);
      await copyFile(path, backupPath);
    }
    await this.replace(target, content);
    return { path, backupPath, changed: true };
  }

  async restore(target: ConfigTarget, backupPath: string): Promise<WriteResult> {
    const content = await readFile(backupPath, 'utf8');
    await this.replace(target, content);
    return { path: join(target.dir, target.name), backupPath: '', changed: true };
  }

  private async replace(target: ConfigTarget, content: string): Promise<void> {
    const path = join(target.dir, target.name);
    const temp = join(target.dir, `.${target.name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', target.mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const dir = await open(target.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
