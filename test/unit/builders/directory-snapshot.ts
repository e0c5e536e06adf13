import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry under `dir`, relative path -> file bytes (as latin1 text), `-> target` for a symlink, `<dir>` for a
 * directory, `<other>` for a FIFO or socket: equal snapshots mean the tree is byte-for-byte unchanged.
 */
export function snapshotDirectory(dir: string, prefix = ''): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const key = prefix + name;
    const info = lstatSync(path);
    if (info.isSymbolicLink()) entries[key] = `-> ${readlinkSync(path)}`;
    else if (info.isDirectory()) Object.assign(entries, { [key]: '<dir>' }, snapshotDirectory(path, `${key}/`));
    else if (info.isFile()) entries[key] = readFileSync(path).toString('latin1');
    else entries[key] = '<other>';
  }
  return entries;
}

/** Names in `dir` that look like the writer's temp files (`.<name>.<hex>.tmp`). */
export function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('.') && name.endsWith('.tmp'));
}
