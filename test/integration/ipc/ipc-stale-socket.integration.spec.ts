import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestAgent } from '../../support/test-agent';
import { askOnce } from './hook-socket-client';
import { validEnv } from './ipc-test-support';

/** Leaves a socket file nobody listens on, as a crashed agent does: a child listens, then is SIGKILLed. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('ready'))", path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}

/*
 * In a file of its own: nestjs-pino sends lines logged outside a request to the destination
 * of the first app started in the process, and this test reads the startup warning.
 */
describe('hook socket file left by a crashed agent', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-ipc-stale-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is replaced when nothing listens on it, with a warning', async () => {
    const socketPath = join(dir, 'hook.sock');
    await leaveStaleSocket(socketPath);
    expect(statSync(socketPath).isSocket()).toBe(true);

    const sut = await startTestAgent({ ipc: { enabled: true, socket_path: socketPath } });
    try {
      expect(await askOnce(socketPath, { op: 'connect', env: validEnv() })).toEqual({ allowed: true, source: 'static' });
      await sut.logs.waitFor((line) => line.msg === 'replacing a stale hook socket file (nothing listens on it)' && line.path === socketPath);
      expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    } finally {
      await sut.stop();
    }
  });
});
