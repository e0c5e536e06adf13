import { relative, resolve, sep } from 'node:path';
import { AgentError } from '../errors/agent-error';
import { BACKUP_DIR_NAME, parseBackupFileName } from './config-backups';

/** One ocserv config file: `<dir>/<name>`, written with this mode and (when given) owner. */
export interface ConfigTarget {
  readonly dir: string;
  readonly name: string;
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface ResolvedTarget {
  /** The directory, absolute. */
  readonly dir: string;
  /** `<dir>/<name>`, absolute, proved to sit directly inside `dir`. */
  readonly path: string;
}

/**
 * The file's absolute path, checked to be directly inside its directory. Callers validate names first (usernames,
 * group names); this repeats the check at the last point before a path reaches the filesystem, because the agent we
 * replace let `../../etc/cron.d/x` through. A leading dot is refused too: that namespace holds the writer's temp files
 * and `.backups`, and no valid username starts with one.
 */
export function resolveTarget(target: ConfigTarget): ResolvedTarget {
  const { name } = target;
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.startsWith('.') || name.includes('/') || /[\u0000-\u001f\u007f]/.test(name)) {
    throw AgentError.invalidArgument(`config file name ${JSON.stringify(name)} is not a plain file name`);
  }
  if (!Number.isInteger(target.mode) || target.mode < 0 || target.mode > 0o7777) {
    throw AgentError.invalidArgument(`config file mode ${String(target.mode)} is not a file mode`);
  }
  const dir = resolve(target.dir);
  const path = resolve(dir, name);
  if (relative(dir, path) !== name) {
    throw AgentError.invalidArgument(`config file name ${JSON.stringify(name)} does not stay inside ${dir}`);
  }
  return { dir, path };
}

export function targetBackupDir(target: ConfigTarget): string {
  return resolve(target.dir, BACKUP_DIR_NAME);
}

/** A backup path given by a caller (absolute, or a file name inside `.backups`), accepted only if it names a backup of this file. */
export function resolveBackupPath(target: ConfigTarget, backupPath: string): string {
  const dir = targetBackupDir(target);
  const path = resolve(dir, backupPath);
  const fileName = relative(dir, path);
  if (backupPath.includes('\0') || fileName.includes(sep) || parseBackupFileName(target.name, fileName) === undefined) {
    throw AgentError.invalidArgument(`backup path is not a backup of ${target.name} in ${dir}`);
  }
  return path;
}
