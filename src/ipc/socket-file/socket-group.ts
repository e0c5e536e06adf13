import { readFile } from 'node:fs/promises';
import { findLocalId } from '../../config/local-account-id';
import { IpcSocketError } from './ipc-socket-error';

const NUMERIC_GID = /^\d+$/;
const GROUP_FILE = '/etc/group';

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
  const gid = findLocalId(text, socketGroup);
  if (gid === undefined) {
    throw new IpcSocketError(`ipc.socket_group: no group named "${socketGroup}" in ${groupFile}; create it or use a numeric gid`);
  }
  return gid;
}
