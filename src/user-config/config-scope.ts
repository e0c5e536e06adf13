/** Which of ocserv's two per-name directories a file lives in (config-per-user / config-per-group). */
export type ConfigScope = 'user' | 'group';

/** The request field that names the file, for error messages. */
export function nameFieldOf(scope: ConfigScope): string {
  return scope === 'user' ? 'username' : 'groupname';
}
