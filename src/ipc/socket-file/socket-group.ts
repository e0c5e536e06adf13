import { readFile } from 'node:fs/promises';
import { IpcSocketError } from './ipc-socket-error';

const NUMERIC_GID = /^\d+$/;
const GROUP_FILE = '/etc/group';

/** The gid of `name` in /etc/group text (`name:password:gid:members` lines), if listed. */
export function findGroupId(groupFileText: string, name: string): number | undefined {
  for (const line of groupFileText.split('\n')) {
    const [groupName, , gid] = line.split(':');
    if (groupName === name && gid !== undefined && NUMERIC_GID.test(gid)) {
      return Number(gid);
    }
  }
  return undefined;
}

/**
 * ipc.socket_group -> gid: a number is used as is; a name is looked up in /etc/group (only
 * local groups: the socket's group is a local matter and NSS would pull in libc); empty means
 * "leave the agent's group".
 */
export async function resolveSocketGroup(socketGroup: string, groupFile = GROUP_FILE): Promise<number | undefined> {
  if (socketGroup === '') return undefined;
  if (NUMERIC_GID.test(socketGroup)) return Number(socketGroup);
  let text: string;
  try {
    text = await readFile(groupFile, 'utf8');
  } catch (error) {
    throw new IpcSocketError(`ipc.socket_group: cannot read ${groupFile} to look up "${socketGroup}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  const gid = findGroupId(text, socketGroup);
  if (gid === undefined) {
    throw new IpcSocketError(`ipc.socket_group: no group named "${socketGroup}" in ${groupFile}; create it or use a numeric gid`);
  }
  return gid;
}
