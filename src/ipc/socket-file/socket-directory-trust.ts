import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The owner and mode of one directory on the way to the socket. */
export interface DirectoryStat {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/** Who may control the socket's directories besides root: the agent's own uid and gid. */
export interface TrustedIds {
  readonly uid: number;
  readonly gid: number;
}

const WORLD_WRITABLE = 0o002;
const GROUP_WRITABLE = 0o020;
const STICKY = 0o1000;
const ROOT_ID = 0;

/**
 * Whether someone other than root and the agent could put their own socket at the path the
 * hook trusts (docs/security.md). `chain` is the socket's directory first, then every existing
 * ancestor up to `/`; a leading directory that does not exist yet (the agent creates it, 0755)
 * is simply absent from it. The socket's own directory must be writable by root and the agent
 * only (a sticky bit does not help: anyone could bind the path while the agent is down). An
 * ancestor may be writable by others only with the sticky bit (as /tmp is): then nobody else
 * can rename or remove the directories below it. Every directory must be owned by root or the
 * agent, since its owner can change its mode. Returns what is wrong, or undefined.
 */
export function socketDirectoryProblem(socketDir: string, chain: readonly DirectoryStat[], trusted: TrustedIds): string | undefined {
  for (const dir of chain) {
    const isSocketDir = dir.path === socketDir;
    const shown = `${isSocketDir ? "the socket's directory" : 'its ancestor'} ${dir.path} (mode ${modeText(dir.mode)}, uid ${dir.uid}, gid ${dir.gid})`;
    if (dir.uid !== ROOT_ID && dir.uid !== trusted.uid) {
      return `${shown} is owned by uid ${dir.uid}, neither root nor the agent (uid ${trusted.uid})`;
    }
    const othersWrite = (dir.mode & WORLD_WRITABLE) !== 0;
    const groupWrite = (dir.mode & GROUP_WRITABLE) !== 0 && dir.gid !== ROOT_ID && dir.gid !== trusted.gid;
    if (!othersWrite && !groupWrite) continue;
    if (!isSocketDir && (dir.mode & STICKY) !== 0) continue;
    const who = othersWrite ? 'every user' : `group ${dir.gid}`;
    return isSocketDir
      ? `${shown} is writable by ${who}, so another user could bind the path before the agent`
      : `${shown} is writable by ${who} without the sticky bit, so another user could replace the directories below it`;
  }
  return undefined;
}

/** The stats socketDirectoryProblem needs, read from the filesystem; stops at the first one it cannot read. */
export function readDirectoryChain(socketDir: string): DirectoryStat[] | string {
  const chain: DirectoryStat[] = [];
  for (let dir = socketDir; ; dir = dirname(dir)) {
    try {
      const stats = statSync(dir);
      chain.push({ path: dir, uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o7777 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Not there yet: the agent creates it (0755, its own), so only what exists above counts.
      if (code !== 'ENOENT' || chain.length > 0) return `cannot inspect ${dir}: ${code ?? (error as Error).message}`;
    }
    if (dirname(dir) === dir) return chain;
  }
}

/** The directory check for ipc.socket_path, as one problem line for the config error, or undefined. */
export function checkSocketDirectory(socketPath: string, trusted: TrustedIds = agentIds()): string | undefined {
  const socketDir = dirname(socketPath);
  const chain = readDirectoryChain(socketDir);
  const problem = typeof chain === 'string' ? chain : socketDirectoryProblem(socketDir, chain, trusted);
  return problem === undefined
    ? undefined
    : `ipc.socket_path: ${JSON.stringify(socketPath)}: ${problem}; expected a directory only root or the agent's user can write (e.g. /run/ocserv-agent, 0755)`;
}

function agentIds(): TrustedIds {
  return { uid: process.geteuid?.() ?? ROOT_ID, gid: process.getegid?.() ?? ROOT_ID };
}

function modeText(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
