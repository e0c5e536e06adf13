import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLocalId } from '../../../src/config/local-account-id';
import { HookSocketClient } from './hook-socket-client';
import { HookSocketAgent, startHookSocketAgent } from './ipc-test-support';
import { startTestAgent } from '../../support/test-agent';

const NOGROUP_GID = findLocalId(readFileSync('/etc/group', 'utf8'), 'nogroup');

function listenOn(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end());
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

describe('hook socket file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-ipc-file-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const startAt = (socketPath: string, ipc: Record<string, unknown> = {}) =>
    startTestAgent({ ipc: { enabled: true, socket_path: socketPath, ...ipc } });

  it('is a socket with mode 0660, in a directory it created with 0755', async () => {
    const socketPath = join(dir, 'run', 'ocserv-agent', 'hook.sock');
    const sut = await startAt(socketPath);
    try {
      const stats = statSync(socketPath);
      expect(stats.isSocket()).toBe(true);
      expect(stats.mode & 0o777).toBe(0o660);
      expect(statSync(join(dir, 'run', 'ocserv-agent')).mode & 0o777).toBe(0o755);
    } finally {
      await sut.stop();
    }
  });

  (NOGROUP_GID === undefined || process.getuid?.() !== 0 ? it.skip : it)('belongs to ipc.socket_group given by name', async () => {
    const socketPath = join(dir, 'hook.sock');
    const sut = await startAt(socketPath, { socket_group: 'nogroup' });
    try {
      expect(statSync(socketPath).gid).toBe(NOGROUP_GID);
    } finally {
      await sut.stop();
    }
  });

  it('belongs to ipc.socket_group given as a gid', async () => {
    const gid = process.getgid?.() ?? 0;
    const socketPath = join(dir, 'hook.sock');
    const sut = await startAt(socketPath, { socket_group: String(gid) });
    try {
      expect(statSync(socketPath).gid).toBe(gid);
    } finally {
      await sut.stop();
    }
  });

  it('refuses to start with a group that does not exist', async () => {
    await expect(startAt(join(dir, 'hook.sock'), { socket_group: 'no-such-group-xyz' })).rejects.toThrow(
      'ipc.socket_group: no group named "no-such-group-xyz" in /etc/group; create it or use a numeric gid',
    );
    expect(existsSync(join(dir, 'hook.sock'))).toBe(false);
  });

  it('refuses to start while another process listens on the path, and leaves it alone', async () => {
    const socketPath = join(dir, 'hook.sock');
    const other = await listenOn(socketPath);
    try {
      await expect(startAt(socketPath)).rejects.toThrow(`another agent is listening on ${socketPath}; stop it first or use another ipc.socket_path`);
      expect(statSync(socketPath).isSocket()).toBe(true);
      expect(other.listening).toBe(true);
    } finally {
      other.close();
    }
  });

  it('refuses to start when the path is not a socket, and leaves the file untouched', async () => {
    const socketPath = join(dir, 'hook.sock');
    writeFileSync(socketPath, 'not a socket', { mode: 0o644 });

    await expect(startAt(socketPath)).rejects.toThrow(`${socketPath} exists and is not a socket`);
    expect(readFileSync(socketPath, 'utf8')).toBe('not a socket');
    expect(statSync(socketPath).mode & 0o777).toBe(0o644);
  });

  it.each([
    ['world-writable with the sticky bit (1777, like /tmp)', 0o1777],
    ['world-writable (0777)', 0o777],
  ])('refuses to listen in a directory that is %s, and binds nothing there', async (_name, mode) => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, mode);
    const { uid, gid } = statSync(open);

    // An agent that did start is stopped, so a failing run does not leave it listening.
    const outcome = await startAt(join(open, 'hook.sock')).then(
      async (started) => `started: ${await started.stop()}`,
      (error: Error) => error.message,
    );

    expect(outcome).toContain(
      `ipc.socket_path: "${join(open, 'hook.sock')}": the socket's directory ${open} (mode ${mode.toString(8).padStart(4, '0')}, uid ${uid}, gid ${gid}) is writable by every user`,
    );
    expect(readdirSync(open)).toEqual([]);
  });

  it('is removed when the agent stops, leaving no private directory behind', async () => {
    const socketPath = join(dir, 'hook.sock');
    const sut = await startAt(socketPath);

    await sut.stop();

    expect(existsSync(socketPath)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is not bound when ipc.enabled is false', async () => {
    const socketPath = join(dir, 'hook.sock');
    const sut = await startTestAgent({ ipc: { enabled: false, socket_path: socketPath } });
    try {
      expect(existsSync(socketPath)).toBe(false);
    } finally {
      await sut.stop();
    }
  });
});

describe('hook socket shutdown', () => {
  let sut: HookSocketAgent;

  beforeEach(async () => {
    sut = await startHookSocketAgent({ request_timeout_ms: 20_000 });
  });

  it('closes idle connections at once and removes the socket', async () => {
    const idle = await HookSocketClient.connect(sut.socketPath);
    const startedMs = Date.now();

    await sut.stop();

    await idle.closedByAgent(1000);
    expect(Date.now() - startedMs).toBeLessThan(2000);
    expect(existsSync(sut.socketPath)).toBe(false);
    idle.destroy();
  });
});
