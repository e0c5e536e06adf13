const NUMERIC_ID = /^\d+$/;

/**
 * The id of `name` in /etc/passwd or /etc/group text: both are `name:password:id:...` lines.
 * Only local entries: the owners of the agent's files and sockets are a local matter, and NSS
 * would pull in libc. Used at boot for ipc.socket_group and user_config.owner / group.
 */
export function findLocalId(databaseText: string, name: string): number | undefined {
  for (const line of databaseText.split('\n')) {
    const [entry, , id] = line.split(':');
    if (entry === name && id !== undefined && NUMERIC_ID.test(id)) return Number(id);
  }
  return undefined;
}
