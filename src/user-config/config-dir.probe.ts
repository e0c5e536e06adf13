import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirectoryProbeResult {
  readonly writable: boolean;
  /** Why not, in an operator's words; empty when writable. */
  readonly reason: string;
}

/**
 * Whether the agent can write into a directory, proved by creating and removing
 * a file there: access(2) says yes to root on a read-only mount, and a probe
 * file is the only check that matches what a config write will meet.
 */
@Injectable()
export class DirectoryProbe {
  async probeWritable(dir: string): Promise<DirectoryProbeResult> {
    try {
      const info = await stat(dir);
      if (!info.isDirectory()) return { writable: false, reason: `${dir} is not a directory` };
    } catch (error) {
      return { writable: false, reason: `${dir}: ${codeOf(error)}` };
    }
    const probe = join(dir, `.ocserv-agent-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      const handle = await open(probe, 'wx', 0o600);
      await handle.close();
      await unlink(probe);
      return { writable: true, reason: '' };
    } catch (error) {
      return { writable: false, reason: `cannot create files in ${dir}: ${codeOf(error)}` };
    }
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
