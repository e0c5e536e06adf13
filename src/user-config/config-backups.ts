/**
 * Names and retention of config file backups, as pure functions over file names.
 *
 * A backup of `<dir>/<name>` is `<dir>/.backups/<name>.<UTC yyyymmddThhmmss.sssZ>.<seq>`. ocserv opens per-user and
 * per-group files by name only (`<dir>/<username>`), so nothing under a dot-directory is ever read as someone's config;
 * and the sequence number keeps two backups taken in the same millisecond apart (the agent we replace used whole
 * seconds and overwrote one with the other).
 */

export const BACKUP_DIR_NAME = '.backups';
/** Owner-only: backups hold the same routes and limits as the files, without the operator having chosen their mode. */
export const BACKUP_DIR_MODE = 0o700;
export const DEFAULT_BACKUP_RETENTION = 10;

const STAMP_PATTERN = /^(\d{8}T\d{6}\.\d{3}Z)\.(\d{1,9})$/;

export interface BackupName {
  /** The file name inside the backup directory. */
  readonly fileName: string;
  readonly stamp: string;
  readonly seq: number;
}

/** `Date.UTC(2025, 0, 2, 3, 4, 5, 6)` -> `20250102T030405.006Z`: sortable as text, no `:` in a file name. */
export function formatBackupStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '');
}

export function backupFileName(name: string, stamp: string, seq: number): string {
  return `${name}.${stamp}.${seq}`;
}

/** The backup `fileName` is, when it is a backup of the file called `name`; undefined for anything else. */
export function parseBackupFileName(name: string, fileName: string): BackupName | undefined {
  if (!fileName.startsWith(`${name}.`)) return undefined;
  const match = STAMP_PATTERN.exec(fileName.slice(name.length + 1));
  if (!match) return undefined;
  return { fileName, stamp: match[1], seq: Number(match[2]) };
}

/** The backups of `name` among `fileNames`, oldest first. */
export function backupsOf(name: string, fileNames: readonly string[]): BackupName[] {
  return fileNames
    .map((fileName) => parseBackupFileName(name, fileName))
    .filter((backup): backup is BackupName => backup !== undefined)
    .sort(compareOldestFirst);
}

/**
 * The sequence number for a new backup taken at `stamp`: one past the highest already on disk for that stamp, so the
 * order survives an agent restart within the same millisecond (a counter in memory would start again at 0).
 */
export function nextBackupSeq(existing: readonly BackupName[], stamp: string): number {
  return existing.filter((backup) => backup.stamp === stamp).reduce((next, backup) => Math.max(next, backup.seq + 1), 0);
}

/** The backups to delete so that the newest `retention` remain; `backups` oldest first. */
export function backupsBeyondRetention(backups: readonly BackupName[], retention: number): BackupName[] {
  return backups.slice(0, Math.max(0, backups.length - retention));
}

function compareOldestFirst(a: BackupName, b: BackupName): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return a.seq - b.seq;
}
