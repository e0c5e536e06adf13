import { DirectoryStat, socketDirectoryProblem } from '../../../src/ipc/socket-file/socket-directory-trust';

const AGENT = { uid: 990, gid: 990 };
const SOCKET_DIR = '/run/ocserv-agent';

const dir = (path: string, mode: number, uid = 0, gid = 0): DirectoryStat => ({ path, mode, uid, gid });
const safeAncestors = [dir('/run', 0o755), dir('/', 0o755)];

describe(socketDirectoryProblem.name, () => {
  it.each([
    ['root-owned 0755', dir(SOCKET_DIR, 0o755)],
    ["owned by the agent's uid", dir(SOCKET_DIR, 0o755, AGENT.uid, AGENT.gid)],
    ['group-writable by root', dir(SOCKET_DIR, 0o775, 0, 0)],
    ["group-writable by the agent's group", dir(SOCKET_DIR, 0o770, 0, AGENT.gid)],
  ])('accepts a socket directory that is %s', (_name, socketDir) => {
    expect(socketDirectoryProblem(SOCKET_DIR, [socketDir, ...safeAncestors], AGENT)).toBeUndefined();
  });

  it('accepts a missing socket directory under /tmp (1777): the agent creates it, and the sticky bit keeps others from replacing it', () => {
    expect(socketDirectoryProblem('/tmp/ocserv-agent', [dir('/tmp', 0o1777), dir('/', 0o755)], AGENT)).toBeUndefined();
  });

  it.each([
    ['world-writable with the sticky bit', dir(SOCKET_DIR, 0o1777), /the socket's directory \/run\/ocserv-agent \(mode 1777, uid 0, gid 0\) is writable by every user, so another user could bind the path/],
    ['world-writable', dir(SOCKET_DIR, 0o777), /is writable by every user/],
    ['group-writable by another group', dir(SOCKET_DIR, 0o775, 0, 100), /\(mode 0775, uid 0, gid 100\) is writable by group 100/],
    ['owned by another user, even 0700', dir(SOCKET_DIR, 0o700, 1000, 1000), /is owned by uid 1000, neither root nor the agent \(uid 990\)/],
  ])('refuses a socket directory that is %s', (_name, socketDir, why) => {
    expect(socketDirectoryProblem(SOCKET_DIR, [socketDir, ...safeAncestors], AGENT)).toMatch(why);
  });

  it.each([
    ['world-writable without the sticky bit', dir('/run', 0o777), /its ancestor \/run \(mode 0777, uid 0, gid 0\) is writable by every user without the sticky bit/],
    ['owned by another user', dir('/run', 0o755, 1000), /its ancestor \/run .* is owned by uid 1000/],
  ])('refuses an ancestor that is %s', (_name, ancestor, why) => {
    expect(socketDirectoryProblem(SOCKET_DIR, [dir(SOCKET_DIR, 0o755), ancestor, dir('/', 0o755)], AGENT)).toMatch(why);
  });
});
