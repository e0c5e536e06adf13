import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigWorkspace } from '../../unit/builders/config-workspace';

/*
 * The agent as a process (src/main.ts through ts-node, the real config loader): a hook socket
 * in a directory other users can write is a configuration error, exit 2, before anything
 * listens; whoever binds that path first would answer the hook.
 */

const REPO_ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(REPO_ROOT, 'src', 'main.ts');
const EXIT_CODE_CONFIG_ERROR = 2;
const RUN_TIMEOUT_MS = 30_000;

jest.setTimeout(RUN_TIMEOUT_MS + 5_000);

function runAgent(configPath: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, '--config', configPath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the agent did not exit within ${RUN_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('the agent process with its hook socket in a directory others can write', () => {
  let ws: ConfigWorkspace;

  beforeEach(() => {
    ws = new ConfigWorkspace();
  });

  afterEach(() => {
    ws.remove();
  });

  it('refuses a 1777 socket directory with a configuration error (exit 2) and binds nothing', async () => {
    const open = join(ws.dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o1777);
    const socketPath = join(open, 'hook.sock');
    const config = ws.file('agent.yaml', `${ws.tlsYaml()}\n  listen: "127.0.0.1:0"\nhttp:\n  listen: "127.0.0.1:0"\nipc:\n  socket_path: ${JSON.stringify(socketPath)}\n`);

    const run = await runAgent(config);

    expect(run.code).toBe(EXIT_CODE_CONFIG_ERROR);
    expect(run.stderr).toContain(`ocserv-agent: invalid configuration (${config}):`);
    expect(run.stderr).toContain(
      `  - ipc.socket_path: "${socketPath}": the socket's directory ${open} (mode 1777, uid ${process.getuid?.()}, gid ${process.getgid?.()}) is writable by every user, so another user could bind the path before the agent`,
    );
    expect(existsSync(socketPath)).toBe(false);
  });
});
