import { Injectable } from '@nestjs/common';
import { stat } from 'node:fs/promises';

export type LogFileState = { readonly kind: 'file'; readonly mtimeMs: number } | { readonly kind: 'missing' } | { readonly kind: 'not-a-file' };

/** The filesystem look the file source needs before it starts tail, behind a seam for unit tests. */
@Injectable()
export class LogFileProbe {
  /** Throws for errors other than "does not exist" (e.g. EACCES on a parent directory). */
  async probe(path: string): Promise<LogFileState> {
    try {
      const stats = await stat(path);
      return stats.isFile() ? { kind: 'file', mtimeMs: stats.mtimeMs } : { kind: 'not-a-file' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
  }
}
