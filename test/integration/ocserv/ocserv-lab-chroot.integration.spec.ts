import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { trackPid, untrackPid, waitForExit } from '../../support/ocserv-lab/lab-processes';
import { OcservLab } from '../../support/ocserv-lab/ocserv-lab';
import { ensureRootfs } from '../../support/ocserv-lab/ocserv-rootfs';
import { OCSERV_VERSIONS, defaultLabVersion } from '../../support/ocserv-lab/ocserv-versions';

/*
 * The lab's own machinery for a rootfs version (1.3.0, 1.5.0): shared mounts,
 * the occtl wrapper, and the cleanup after a test process that was killed.
 * Runs only when OCSERV_LAB_VERSION names such a version; skipped on 1.1.6.
 */
const VERSION = OCSERV_VERSIONS[defaultLabVersion()];
const describeChroot = VERSION.suite === undefined ? describe.skip : describe;
const ALICE = { username: 'alice', password: 'alice-pw' };
const MOUNTS_SCRIPT = join(__dirname, '../../support/ocserv-lab/rootfs-mounts.sh');

jest.setTimeout(30_000);

describeChroot(`${OcservLab.name} under chroot (ocserv ${VERSION.version})`, () => {
  const rootfs = () => ensureRootfs(VERSION.suite ?? 'sid', VERSION.version);
  const usersDir = () => join(rootfs(), 'run/ocserv-lab/users');
  const mountedPoints = () =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4] ?? '')
      .filter((point) => point.startsWith(`${rootfs()}/`));
  /** The mount users (labs) whose lab dir is `dir`. */
  const usersOf = (dir: string) =>
    readdirSync(usersDir()).filter((file) => readFileSync(join(usersDir(), file), 'utf8').includes(`dir=${dir}\n`));

  it('two labs share /dev and /proc in the rootfs; each stop gives back only its own use', async () => {
    const first = await OcservLab.start({ users: [ALICE] });
    const second = await OcservLab.start({ users: [ALICE] });
    try {
      expect(mountedPoints()).toEqual(expect.arrayContaining([`${rootfs()}/dev`, `${rootfs()}/proc`]));
      expect(usersOf(first.dir)).toHaveLength(1);
      expect(usersOf(second.dir)).toHaveLength(1);

      await first.stop();

      expect(usersOf(first.dir)).toHaveLength(0);
      expect(mountedPoints()).toEqual(expect.arrayContaining([`${rootfs()}/dev`, `${rootfs()}/proc`]));
      expect(second.occtl(['show', 'status']).status).toBe(0);
      await expect(second.connect(ALICE)).resolves.toMatchObject({ vpnIp: expect.any(String) });
    } finally {
      await first.stop();
      await second.stop();
    }
    expect(usersOf(second.dir)).toHaveLength(0);
    // Other jest workers may hold the mounts of this rootfs too; with no user left they are gone.
    if (readdirSync(usersDir()).length === 0) expect(mountedPoints()).toEqual([]);
  });

  it('the agent\'s occtl wrapper takes the socket path on this machine and runs the version\'s occtl', async () => {
    const lab = await OcservLab.start({ users: [ALICE] });
    try {
      expect(lab.agentOcctlPath.startsWith(lab.dir)).toBe(true);
      expect(lab.occtlSocket.startsWith(rootfs())).toBe(true);
      const status = execFileSync(lab.agentOcctlPath, ['-s', lab.occtlSocket, '-j', 'show', 'status'], { encoding: 'utf8' });
      expect(status).toContain('"Status":  "online"');
      // occtl prints its version on stderr.
      const version = spawnSync(lab.agentOcctlPath, ['-s', lab.occtlSocket, '--version'], { encoding: 'utf8' });
      expect(version.stderr).toContain(`occtl) version ${VERSION.version}`);
      expect(readFileSync(join(lab.dir, 'ocserv.conf'), 'utf8')).toContain(`occtl-socket-file = ${lab.insidePath(lab.occtlSocket)}\n`);
    } finally {
      await lab.stop();
    }
  });

  it('a killed test process\'s ocserv, lab dir and mount use are cleaned up by the next start', async () => {
    // A stand-in for a killed jest worker: an owner process, its "ocserv" chroot'ed in its own group.
    const user = `crashed-${randomBytes(4).toString('hex')}`;
    const dir = mkdtempSync(join(rootfs(), 'tmp', 'ocserv-lab-'));
    const owner = startTracked('/bin/sleep', ['60'], false);
    execFileSync('bash', [MOUNTS_SCRIPT, 'acquire', rootfs(), user, String(owner.pid), dir]);
    const server = startTracked('/usr/sbin/chroot', [rootfs(), '/bin/sleep', '60'], true);
    execFileSync('bash', [MOUNTS_SCRIPT, 'server', rootfs(), user, String(server.pid)]);
    owner.kill('SIGKILL');
    await waitForExit(owner, 5_000);

    const lab = await OcservLab.start({ users: [ALICE] });
    try {
      expect(await waitForExit(server, 5_000)).toBe(true);
      expect(server.signalCode).toBe('SIGKILL');
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(usersDir(), user))).toBe(false);
      expect(lab.occtl(['show', 'status']).status).toBe(0);
    } finally {
      untrackPid(owner.pid);
      untrackPid(server.pid);
      server.kill('SIGKILL');
      await lab.stop();
    }
  });
});

function startTracked(file: string, args: readonly string[], group: boolean): ChildProcess {
  const child = spawn(file, args, { detached: group, stdio: 'ignore' });
  trackPid(child.pid, group);
  return child;
}
